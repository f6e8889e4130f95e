"""Migration safety rules (S023-S032): what breaks or blocks production when a migration
that passed on an empty test database meets a table with rows, and what silently changes a
migration that has shipped. Each test seeds one defect into a copy of the clean scaffold."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from designgate.cli.main import cli
from support import (
    add_notes_index,
    append_migration,
    assert_finding,
    check,
    edit,
    line_of,
    only,
)

MIGRATIONS = "design/migrations.yaml"
NOTES = "design/tables/notes.yaml"


def test_scaffold_has_no_migration_findings(design: Path) -> None:
    report = check(design)
    assert [f for f in report.findings if f.rule in {f"S0{n}" for n in range(23, 33)}] == []


# --- S023 foreign keys onto a key the target has ---------------------------------------------


def test_s023_foreign_key_onto_columns_that_are_not_unique(design: Path) -> None:
    tables = design / "tables/notes.yaml"
    edit(tables, "    indexes:\n      - name: notes_author_created_idx",
         "    foreign_keys:\n      - columns: [author_id, created_at]\n"
         "        references: {table: users, columns: [id, created_at]}\n"
         "    indexes:\n      - name: notes_author_created_idx")
    report = check(design)
    hit = assert_finding(report, "S023", NOTES, line_of(tables, "references: {table: users, "
                                                                 "columns: [id, created_at]}"))
    assert "not its primary key or unique" in hit.message and "unique: [[id, created_at]]" in (
        hit.message)
    # With the unique constraint the key is accepted.
    edit(tables, "    description: Accounts.\n", "    description: Accounts.\n"
         "    unique: [[id, created_at]]\n")
    assert only(check(design), "S023") == []


def test_s023_unknown_columns_and_lengths(design: Path) -> None:
    tables = design / "tables/notes.yaml"
    edit(tables, "    indexes:\n      - name: notes_author_created_idx",
         "    foreign_keys:\n      - columns: [autor_id]\n"
         "        references: {table: users, columns: [id, emial]}\n"
         "    indexes:\n      - name: notes_author_created_idx")
    messages = sorted(f.message for f in only(check(design), "S023"))
    assert any("unknown column 'autor_id'" in m and "author_id" in m for m in messages)
    assert any("unknown column users.emial" in m and "email" in m for m in messages)
    assert any("has 1 column(s) but references 2" in m for m in messages)


# --- S024-S030 locks, rewrites and transactions on tables with rows --------------------------


def test_s024_and_s028_an_index_on_a_table_with_rows(design: Path) -> None:
    add_notes_index(design, "notes_title_idx", "author_id, title")
    m = append_migration(design, "    steps:\n      - create_index: notes_title_idx\n")
    report = check(design)
    hit = assert_finding(report, "S024", MIGRATIONS, line_of(m, "create_index: notes_title_idx"))
    assert "CONCURRENTLY" in hit.message
    assert_finding(report, "S028", MIGRATIONS, line_of(m, 'id: "0003_later"'))
    # The same index in the migration that creates the (empty) table is not reported.
    assert [f for f in only(report, "S024") if "notes_author" in f.message] == []


def test_s024_s029_s030_the_concurrent_index_and_its_migration(design: Path) -> None:
    add_notes_index(design, "notes_title_idx", "author_id, title", "        concurrently: true\n")
    m = append_migration(design, "    lock_timeout: 5s\n    steps:\n"
                                  "      - create_index: notes_title_idx\n")
    report = check(design)
    # concurrently in a transaction: PostgreSQL refuses it (25001)
    assert_finding(report, "S030", MIGRATIONS, line_of(m, "create_index: notes_title_idx"))
    assert only(report, "S024") == []
    edit(m, "    lock_timeout: 5s\n", "    lock_timeout: 5s\n    transactional: false\n")
    report = check(design)
    assert only(report, "S030") == [] and only(report, "S029") == []
    # A raw statement outside a transaction that cannot be re-run after a half-way failure
    edit(m, "      - create_index: notes_title_idx\n",
         "      - create_index: notes_title_idx\n      - sql:\n"
         "          up: CREATE INDEX CONCURRENTLY notes_body_idx ON notes (body);\n"
         "          down: DROP INDEX CONCURRENTLY IF EXISTS notes_body_idx;\n")
    report = check(design)
    hit = assert_finding(report, "S029", MIGRATIONS, line_of(m, "up: CREATE INDEX CONCURRENTLY"))
    assert "IF NOT EXISTS" in hit.message


def test_s025_a_required_column_without_default_on_a_table_with_rows(design: Path) -> None:
    tables = design / "tables/notes.yaml"
    edit(tables, "      - {name: tag, type: varchar(40)}\n",
         "      - {name: tag, type: varchar(40)}\n"
         "      - {name: pinned, type: boolean, nullable: false, technical: ordering}\n")
    m = append_migration(design, "    lock_timeout: 5s\n    steps:\n"
                                  "      - add_column: {table: notes, column: pinned}\n")
    report = check(design)
    hit = assert_finding(report, "S025", MIGRATIONS, line_of(m, "add_column: {table: notes"))
    assert "notes.pinned" in hit.message and "default" in hit.message
    edit(tables, "nullable: false, technical: ordering}", "nullable: false, default: false, "
                                                         "technical: ordering}")
    assert only(check(design), "S025") == []


def test_s026_a_type_change_that_rewrites_the_table(design: Path) -> None:
    tables = design / "tables/notes.yaml"
    m = append_migration(design, "    lock_timeout: 5s\n    steps:\n"
                                  "      - alter_column: {table: notes, column: tag, change: narrow,"
                                  " type: true, from: {type: varchar(40)}}\n")
    edit(tables, "{name: tag, type: varchar(40)}", "{name: tag, type: varchar(20)}")
    hit = assert_finding(check(design), "S026", MIGRATIONS, line_of(m, "alter_column:"))
    assert "from varchar(40) to varchar(20)" in hit.message and "rewrites" in hit.message
    # Widening a varchar, or making it text, is binary compatible: no rewrite.
    for wider in ("varchar(80)", "text"):
        edit(tables, "{name: tag, type: varchar(20)}" if wider == "varchar(80)"
             else "{name: tag, type: varchar(80)}", f"{{name: tag, type: {wider}}}")
        assert only(check(design), "S026") == [], wider
    # integer -> bigint is not
    edit(tables, "{name: tag, type: text}", "{name: tag, type: bigint}")
    edit(m, "from: {type: varchar(40)}", "from: {type: integer}")
    assert_finding(check(design), "S026", MIGRATIONS, line_of(m, "alter_column:"))


def test_s026_a_raw_type_change_is_reported_as_a_possible_rewrite(design: Path) -> None:
    """A raw ALTER ... TYPE: the old type is not known, so it is flagged with its caveat."""
    m = append_migration(design, "    lock_timeout: 5s\n    steps:\n      - sql:\n"
                                  "          up: ALTER TABLE notes ALTER COLUMN tag TYPE varchar(20);\n"
                                  "          down: ALTER TABLE notes ALTER COLUMN tag TYPE varchar(40);\n")
    edit(design / "tables/notes.yaml", "{name: tag, type: varchar(40)}", "{name: tag, type: varchar(20)}")
    hit = assert_finding(check(design), "S026", MIGRATIONS, line_of(m, "up: ALTER TABLE notes"))
    assert "rewrites" in hit.message and "binary compatible" in hit.message


def test_s026_set_not_null_scans_the_table(design: Path) -> None:
    m = append_migration(design, "    lock_timeout: 5s\n    steps:\n      - sql:\n"
                                  "          up: ALTER TABLE notes ALTER COLUMN body SET NOT NULL;\n"
                                  "          down: ALTER TABLE notes ALTER COLUMN body DROP NOT NULL;\n")
    edit(design / "tables/notes.yaml", "{name: body, type: text}",
         "{name: body, type: text, nullable: false}")
    hit = assert_finding(check(design), "S026", MIGRATIONS, line_of(m, "up: ALTER TABLE notes"))
    assert "NOT NULL" in hit.message


def test_s027_a_check_added_without_not_valid(design: Path) -> None:
    up = ("ALTER TABLE notes ADD CONSTRAINT notes_tag_check CHECK (tag <> '')")
    m = append_migration(design, "    lock_timeout: 5s\n    steps:\n      - sql:\n"
                                  f"          up: {up};\n"
                                  "          down: ALTER TABLE notes DROP CONSTRAINT notes_tag_check;\n")
    report = check(design)
    hit = assert_finding(report, "S027", MIGRATIONS, line_of(m, "up: ALTER TABLE notes"))
    assert "NOT VALID" in hit.message
    edit(m, f"{up};", f"{up} NOT VALID; ALTER TABLE notes VALIDATE CONSTRAINT notes_tag_check;")
    assert only(check(design), "S027") == []


def test_s028_timeouts_silence_it(design: Path) -> None:
    m = append_migration(design, "    steps:\n      - sql:\n"
                                  "          up: ALTER TABLE notes ADD COLUMN draft boolean;\n"
                                  "          down: ALTER TABLE notes DROP COLUMN draft;\n")
    assert_finding(check(design), "S028", MIGRATIONS, line_of(m, 'id: "0003_later"'))
    edit(m, "    steps:\n      - sql:\n          up: ALTER TABLE notes ADD",
         "    lock_timeout: 5s\n    steps:\n      - sql:\n          up: ALTER TABLE notes ADD")
    assert only(check(design), "S028") == []


# --- S031 migrations.sum --------------------------------------------------------------------


def _sum(design: Path) -> None:
    result = CliRunner().invoke(cli, ["migrations", "sum", str(design)])
    assert result.exit_code == 0, result.output
    assert (design / "migrations.sum").is_file()


def test_s031_a_column_added_to_a_shipped_create_table(design: Path) -> None:
    """The defect of the issue: a column added to the table design with no migration step
    silently rewrites the create_table of a migration that has already run."""
    _sum(design)
    assert only(check(design), "S031") == []
    tables = design / "tables/notes.yaml"
    edit(tables, "      - {name: tag, type: varchar(40)}\n",
         "      - {name: tag, type: varchar(40)}\n"
         "      - {name: pinned, type: boolean, nullable: false, default: false,"
         " technical: ordering}\n")
    report = check(design)
    hit = assert_finding(report, "S031", MIGRATIONS,
                         line_of(design / "migrations.yaml", 'id: "0002_notes"'))
    assert "add_column" in hit.message
    # Recording it again is refused without --force: the change belongs in a new migration.
    result = CliRunner().invoke(cli, ["migrations", "sum", str(design)])
    assert result.exit_code == 2 and "0002_notes" in result.output
    # Done right, the shipped migration keeps its hash.
    append_migration(design, "    steps:\n      - add_column: {table: notes, column: pinned}\n")
    assert only(check(design), "S031") == []


def test_s031_a_changed_policy_and_a_reformatted_step(design: Path) -> None:
    _sum(design)
    m = design / "migrations.yaml"
    # Same SQL, written differently: the hash is over the parse tree, not the text.
    edit(m, "            CREATE ROLE reader NOLOGIN;\n",
         "            CREATE   ROLE reader\n              NOLOGIN;\n")
    assert only(check(design), "S031") == []
    edit(design / "auth.yaml", "    using: \"author_id = (select current_setting('app.user_id', "
                               "true)::uuid)\"\n  - name: notes_owner_insert",
         "    using: \"true\"\n  - name: notes_owner_insert")
    assert_finding(check(design), "S031", MIGRATIONS, line_of(m, 'id: "0002_notes"'))


def test_s031_gone_and_hand_edited_entries(design: Path) -> None:
    _sum(design)
    s = design / "migrations.sum"
    text = s.read_text("utf-8")
    s.write_text(text.replace("0002_notes", "0002_notez"), "utf-8")
    messages = [f.message for f in only(check(design), "S031")]
    assert any("migrations.sum" in msg and ("edited" in msg or "hash" in msg) for msg in messages)
    assert any("0002_notez" in msg for msg in messages)


def test_migrations_sum_refuses_a_design_with_errors(design: Path) -> None:
    edit(design / "migrations.yaml", "      - create_table: notes\n", "      - create_table: notez\n")
    result = CliRunner().invoke(cli, ["migrations", "sum", str(design)])
    assert result.exit_code == 2 and "error" in result.output
    assert not (design / "migrations.sum").exists()


# --- S032 an index no migration creates ------------------------------------------------------


def test_s032_an_index_of_the_schema_that_no_migration_creates(design: Path) -> None:
    add_notes_index(design, "notes_title_idx", "author_id, title")
    tables = design / "tables/notes.yaml"
    hit = assert_finding(check(design), "S032", NOTES, line_of(tables, "name: notes_title_idx"))
    assert "notes_title_idx" in hit.message
    # A raw step that creates it counts.
    append_migration(design, "    lock_timeout: 5s\n    steps:\n      - sql:\n"
                              "          up: CREATE INDEX notes_title_idx ON notes (author_id, title);\n"
                              "          down: DROP INDEX notes_title_idx;\n")
    assert only(check(design), "S032") == []
