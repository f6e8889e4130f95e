"""SQL generation (schema.sql, migrations, rls.sql) and the rules that parse it (S019, S020)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from designgate import load_design
from designgate.cli.main import cli
from designgate.generate import sql
from designgate.rules.database import narrowing, parse_error
from support import (
    REPO,
    add_columns_later,
    assert_finding,
    check,
    drop_column_later,
    edit,
    line_of,
    only,
)

TABLES = "design/tables/notes.yaml"
MIGRATIONS = "design/migrations.yaml"
AUTH = "design/auth.yaml"


def _example_statements() -> list[sql.Sql]:
    """Every statement `build` writes for the bundled example."""
    design = load_design(REPO / "design").design
    statements = [*sql.schema_statements(design), *sql.rls_statements(design)]
    for m in design.migrations:
        ms = sql.migration_sql(design, m)
        statements += [s for s in (*ms.up, *ms.down) if not s.comment_only]
    return statements


def test_every_generated_statement_of_the_example_parses() -> None:
    statements = _example_statements()
    assert len(statements) > 200
    assert [s.text[:60] for s in statements if parse_error(s.text)] == []


STATEMENT_COUNTS = [
    "select 1", "select 1; select 2", ";", "select 1;;select 2;", "-- only a comment",
    "CREATE SCHEMA s CREATE TABLE t (a int) CREATE VIEW v AS SELECT 1",
    "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); DELETE FROM u)",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
    "EXPLAIN ANALYZE SELECT 1", "PREPARE p AS SELECT 1", "COPY (select 1) TO STDOUT",
    "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$", "CREATE TABLE x AS SELECT 1",
    # design text that spells the marker the count looks for
    """select '{"stmt":1}', '{"stmt":{"stmt":'""", 'select 1 as "{""stmt"":"',
    "select $q${\"stmt\":$q$; select 2", "select 1 /* {\"stmt\": */",
]


@pytest.mark.parametrize("text", STATEMENT_COUNTS)
def test_statement_count_is_the_number_of_parsed_statements(text: str) -> None:
    tree = sql.parse_tree(text)
    assert tree is not None
    assert sql.statement_count(text) == len(json.loads(tree)["stmts"])


def test_statement_count_of_every_generated_statement_of_the_example() -> None:
    counts = {s.text: sql.statement_count(s.text) for s in _example_statements()}
    assert counts == {t: len(json.loads(sql.parse_tree(t) or "{}")["stmts"]) for t in counts}
    assert set(counts.values()) == {1}


def test_schema_sql_creates_the_extensions_the_migrations_create(design: Path) -> None:
    migrations = design / "migrations.yaml"
    edit(migrations, "            CREATE EXTENSION IF NOT EXISTS citext;\n",
         "            CREATE EXTENSION IF NOT EXISTS citext;\n"
         "            CREATE EXTENSION pgcrypto WITH SCHEMA public;\n"
         "            create extension if not exists CITEXT;\n")
    statements = sql.schema_statements(load_design(design).design)
    first = [(s.text, s.loc.span.line if s.loc else None) for s in statements[:3]]
    up = line_of(migrations, "up: |")
    assert first[:2] == [("CREATE EXTENSION IF NOT EXISTS citext", up),
                         ("CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public", up)]
    assert first[2][0].startswith("CREATE TABLE users")


def test_build_writes_deterministic_sql(design: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    outs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        assert runner.invoke(cli, ["build", str(design), "--out", str(out)]).exit_code == 0
        outs.append({p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
                     for p in out.rglob("*.sql")})
    assert outs[0] == outs[1]
    assert sorted(outs[0]) == ["migrations/0001_users.down.sql", "migrations/0001_users.up.sql",
                               "migrations/0002_notes.down.sql", "migrations/0002_notes.up.sql",
                               "rls.sql", "schema.sql"]
    schema = outs[0]["schema.sql"]
    # users before notes (notes references users), then the FK, then the indexes
    assert schema.index("CREATE TABLE users") < schema.index("CREATE TABLE notes") < \
        schema.index("ADD CONSTRAINT notes_author_id_fkey") < \
        schema.index("CREATE INDEX notes_author_created_idx")
    assert "title varchar(200) NOT NULL CONSTRAINT notes_title_check CHECK " \
           "(char_length(title) >= 1)" in schema
    assert "REFERENCES users (id) ON DELETE CASCADE" in schema
    assert "COMMENT ON TABLE notes IS 'Notes, one row per note.';" in schema
    up = outs[0]["migrations/0002_notes.up.sql"]
    down = outs[0]["migrations/0002_notes.down.sql"]
    assert "ALTER TABLE notes FORCE ROW LEVEL SECURITY;" in up
    assert "CREATE POLICY notes_owner_select ON notes\n  AS PERMISSIVE\n  FOR SELECT\n" \
           "  TO reader" in up
    # the down undoes the steps in reverse order
    assert down.index("DROP POLICY IF EXISTS notes_owner_delete") < \
        down.index("DISABLE ROW LEVEL SECURITY") < down.index("REVOKE ALL ON notes") < \
        down.index("DROP INDEX notes_author_tag_idx") < down.index("DROP TABLE notes")
    rls = outs[0]["rls.sql"]
    assert "GRANT reader TO writer;" in rls
    # least privilege: each role gets the commands its policies give it, nothing more
    assert "GRANT SELECT ON notes TO reader;" in rls
    assert "GRANT INSERT, UPDATE, DELETE ON notes TO writer;" in rls
    assert "GRANT SELECT ON users TO reader;" in rls
    assert "ON users TO writer" not in rls


def test_identifiers_are_quoted_only_when_needed() -> None:
    assert sql.ident("notes") == "notes"
    assert sql.ident("user") == '"user"'
    assert sql.ident("Order") == '"Order"'
    assert sql.ident('a"b') == '"a""b"'
    assert sql.literal("it's") == "'it''s'"


def test_alter_column_up_down_and_irreversible_steps(design: Path) -> None:
    migrations = design / "migrations.yaml"
    edit(design / "tables/notes.yaml", "{name: tag, type: varchar(40)}",
         "{name: tag, type: varchar(80)}")
    with migrations.open("a", encoding="utf-8") as fh:
        fh.write(
            '  - id: "0003_wider_tags"\n'
            "    description: Longer tags.\n"
            "    steps:\n"
            "      - alter_column: {table: notes, column: tag, change: widen, type: true,"
            " from: {type: varchar(40)}}\n"
            "      - drop_index: notes_old_idx\n"
            "    rollback: Narrow the tags again (none is longer than 40 yet).\n")
    d = load_design(design).design
    ms = sql.migration_sql(d, d.migrations[-1])
    assert [s.render() for s in ms.up] == [
        "ALTER TABLE notes ALTER COLUMN tag TYPE varchar(80) USING tag::varchar(80);",
        "DROP INDEX notes_old_idx;"]
    assert [s.render() for s in ms.down] == [
        "-- irreversible: index notes_old_idx was dropped; its definition is no longer in "
        "the design",
        "ALTER TABLE notes ALTER COLUMN tag TYPE varchar(40) USING tag::varchar(40)"
        ";"]
    assert only(check(design), "S020") == []  # a widening
    # The table is created as it was: the step widens a varchar(40) (schema.sql: as it is).
    created = sql.migration_sql(d, d.migrations[1]).up[0].text
    assert "\n  tag varchar(40)," in created
    assert "\n  tag varchar(80)," in sql.create_table(d.tables["notes"]).text


# --- table checks ---------------------------------------------------------------------------

_NOTES_INDEXES = "    indexes:\n      - name: notes_author_created_idx"


def _table_check(design: Path, name: str, expression: str) -> Path:
    t = design / "tables/notes.yaml"
    edit(t, _NOTES_INDEXES, f"    checks:\n      - name: {name}\n        expression: "
         f"{expression}\n        description: A rule over two columns.\n{_NOTES_INDEXES}")
    return t


def test_create_table_leaves_later_columns_to_their_add_column(design: Path) -> None:
    add_columns_later(design)
    d = load_design(design).design
    first = sql.migration_sql(d, d.migrations[1]).up[0].text
    assert first.startswith("CREATE TABLE notes (") and "pinned" not in first and "slug" not in first
    assert "pinned boolean" in sql.create_table(d.tables["notes"]).text  # schema.sql: all
    ms = sql.migration_sql(d, d.migrations[2])
    assert [s.render() for s in ms.up] == [
        "ALTER TABLE notes ADD COLUMN pinned boolean DEFAULT false NOT NULL;",
        "COMMENT ON COLUMN notes.pinned IS 'Shown first.';",
        "ALTER TABLE notes ADD COLUMN slug varchar(80);",
        "ALTER TABLE notes ADD CONSTRAINT notes_slug_key UNIQUE (slug);",
        "COMMENT ON COLUMN notes.slug IS 'The note''s address.';"]
    assert [s.render() for s in ms.down] == ["ALTER TABLE notes DROP COLUMN slug;",
                                             "ALTER TABLE notes DROP COLUMN pinned;"]


def test_a_dropped_column_is_created_then_dropped_and_its_down_adds_it_back(
        design: Path) -> None:
    drop_column_later(design)
    d = load_design(design).design
    assert check(design).findings == []
    first = sql.migration_sql(d, d.migrations[1]).up[0].text
    assert "\n  legacy varchar(20) DEFAULT 'none' NOT NULL," in first
    assert "legacy" not in sql.create_table(d.tables["notes"]).text  # schema.sql: as it is now
    ms = sql.migration_sql(d, d.migrations[2])
    timeouts = ["SET LOCAL lock_timeout = '5s';", "SET LOCAL statement_timeout = '1min';"]
    assert [s.render() for s in ms.up] == [*timeouts, "ALTER TABLE notes DROP COLUMN legacy;"]
    assert [s.render() for s in ms.down] == [
        *timeouts, "ALTER TABLE notes ADD COLUMN legacy varchar(20) DEFAULT 'none' NOT NULL;"]


def test_a_table_check_is_created_with_its_table(design: Path) -> None:
    _table_check(design, "notes_content_check", "body IS NOT NULL OR tag IS NOT NULL")
    d = load_design(design).design
    create = sql.create_table(d.tables["notes"]).text
    assert create.endswith(",\n  CONSTRAINT notes_content_check CHECK "
                           "(body IS NOT NULL OR tag IS NOT NULL)\n)")
    assert parse_error(create) is None
    assert check(design).findings == []


def test_s019_table_check_syntax_subquery_and_name(design: Path) -> None:
    t = _table_check(design, "notes_title_check", "(body IS NOT NULL OR tag IS NOT NULL")
    report = check(design)
    f = assert_finding(report, "S019", TABLES, line_of(t, "- name: notes_title_check"))
    assert "check name 'notes_title_check' is used by another constraint" in f.message
    f = assert_finding(report, "S019", TABLES, line_of(t, "expression: (body"))
    assert f.message == ("check notes_title_check of notes is not a single SQL expression: a "
                         "parenthesis is not closed")
    edit(t, "expression: (body IS NOT NULL OR tag IS NOT NULL",
         "expression: tag IN (SELECT name FROM tags)")
    edit(t, "- name: notes_title_check", "- name: notes_tag_check")
    f = assert_finding(check(design), "S019", TABLES, line_of(t, "expression: tag IN"))
    assert f.message == ("check notes_tag_check of notes holds a subquery, which PostgreSQL does "
                         "not allow in a CHECK constraint; use a trigger or a foreign key instead")


def test_s016_table_check_names_an_unknown_column(design: Path) -> None:
    t = _table_check(design, "notes_content_check", "body IS NOT NULL OR notes.tags IS NOT NULL")
    f = assert_finding(check(design), "S016", TABLES, line_of(t, "expression: body"))
    assert f.message == ("check 'notes_content_check' of table 'notes' names unknown column "
                         "'tags'; did you mean 'tag'?")


# --- S019 ----------------------------------------------------------------------------------


def test_s019_bad_column_type(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: body, type: text}", "{name: body, type: text(}")
    f = assert_finding(check(design), "S019", TABLES, line_of(t, "name: body"))
    assert f.message == "type of notes.body is not a single SQL type: a parenthesis is not closed"
    edit(t, "type: text(}", "type: \"text); DROP TABLE users; --\"}")
    f = assert_finding(check(design), "S019", TABLES, line_of(t, "name: body"))
    assert f.message.startswith("type of notes.body is not a single SQL type: its `)` closes")


def test_s019_bad_check_points_at_the_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, 'check: "char_length(title) >= 1"', 'check: "char_length(title >= 1"')
    f = assert_finding(check(design), "S019", TABLES, line_of(t, "name: title"))
    assert "check of notes.title" in f.message


def test_s019_bad_policy_expression(design: Path) -> None:
    a = design / "auth.yaml"
    edit(a, "using: \"id = (select current_setting('app.user_id', true)::uuid)\"",
         "using: \"id = = current_setting('app.user_id')::uuid\"")
    f = assert_finding(check(design), "S019", AUTH, line_of(a, "id = = current"))
    assert "`using` of policy users_self_select" in f.message and "near '= current" in f.message


def test_s019_raw_sql_error_is_reported_at_its_line_in_the_block(design: Path) -> None:
    m = design / "migrations.yaml"
    edit(m, "            CREATE ROLE writer NOLOGIN IN ROLE reader;",
         "            CREATE ROLE writer NOLOGIN IN ROLE reader;\n            CREAT TABLE oops (id int);")
    report = check(design)
    f = assert_finding(report, "S019", MIGRATIONS, line_of(m, "CREAT TABLE oops"))
    assert f.span is not None and f.span.column == 13
    assert "`up` SQL of migration 0001_users" in f.message and "near 'CREAT TABLE" in f.message


def test_s019_index_column_that_is_not_one_element(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "columns: [author_id, tag]", "columns: [author_id, tag, (lower(]")
    f = assert_finding(check(design), "S019", TABLES, line_of(t, "columns: [author_id, tag,"))
    assert f.message == ("column 3 of index notes_author_tag_idx is not a single SQL index "
                         "element: a parenthesis is not closed")


def test_s019_generated_statement_that_does_not_parse(design: Path) -> None:
    """Every piece is fine alone, the statement is not: an index without columns."""
    t = design / "tables/notes.yaml"
    edit(t, "columns: [author_id, tag]", "columns: []")
    f = assert_finding(check(design), "S019", TABLES, line_of(t, "- name: notes_author_tag_idx"))
    assert f.message.startswith("generated SQL does not parse")


# --- S020 ----------------------------------------------------------------------------------

DROP = ('  - id: "0003_drop_tags"\n'
        "    description: Tags move to their own table.\n"
        "    steps:\n"
        "      - drop_column: {table: notes, column: tag}\n")


@pytest.mark.parametrize(("extra", "needs"), [
    ("", "add `destructive: {acknowledged: true, note: ...}` and a `rollback:` note"),
    ("    rollback: Restore from the snapshot.\n",
     "add `destructive: {acknowledged: true, note: ...}`"),
    ("    destructive: {acknowledged: true, note: unused}\n", "add a `rollback:` note"),
])
def test_s020_unacknowledged_drop(design: Path, extra: str, needs: str) -> None:
    m = design / "migrations.yaml"
    with m.open("a", encoding="utf-8") as fh:
        fh.write(DROP + extra)
    f = assert_finding(check(design), "S020", MIGRATIONS, line_of(m, "drop_column:"))
    assert f.message == f"migration '0003_drop_tags' drops column notes.tag; {needs}"


def test_s020_acknowledged_drop_is_fine(design: Path) -> None:
    with (design / "migrations.yaml").open("a", encoding="utf-8") as fh:
        fh.write(DROP + "    destructive: {acknowledged: true, note: Nothing reads tags.}\n"
                 "    rollback: Restore tags from the nightly snapshot.\n")
    assert only(check(design), "S020") == []


def test_s020_not_null_without_default_and_narrowing(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: tag, type: varchar(40)}", "{name: tag, type: varchar(20), nullable: false}")
    m = design / "migrations.yaml"
    with m.open("a", encoding="utf-8") as fh:
        fh.write('  - id: "0003_tags"\n    description: Required, shorter tags.\n    steps:\n'
                 "      - alter_column: {table: notes, column: tag, change: required,"
                 " from: {type: varchar(40), nullable: true}}\n"
                 "    rollback: Make tags optional again.\n")
    msgs = [f.message for f in only(check(design), "S020")]
    assert msgs == [
        "migration '0003_tags' narrows notes.tag from varchar(40) to varchar(20); add "
        "`destructive: {acknowledged: true, note: ...}`",
        "migration '0003_tags' sets NOT NULL on existing column notes.tag, which has no "
        "default; add `destructive: {acknowledged: true, note: ...}`"]


@pytest.mark.parametrize(("old", "new", "narrows"), [
    ("varchar(40)", "varchar(80)", False), ("varchar(80)", "varchar(40)", True),
    ("varchar(40)", "text", False), ("text", "varchar(40)", True),
    ("integer", "bigint", False), ("bigint", "integer", True), ("int", "numeric", False),
    ("numeric(10,2)", "numeric(12,2)", False), ("numeric(10,2)", "numeric(10,1)", True),
    ("timestamp", "timestamptz", False), ("text", "integer", True), ("uuid", "uuid", False),
])
def test_narrowing(old: str, new: str, narrows: bool) -> None:
    assert narrowing(old, new) is narrows


def test_rebuild_removes_migration_files_of_renamed_migrations(design: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(design), "--out", str(out)]).exit_code == 0
    edit(design / "migrations.yaml", 'id: "0002_notes"', 'id: "0002_note_tables"')
    assert runner.invoke(cli, ["build", str(design), "--out", str(out)]).exit_code == 0
    assert sorted(p.name for p in (out / "migrations").iterdir()) == [
        "0001_users.down.sql", "0001_users.up.sql", "0002_note_tables.down.sql",
        "0002_note_tables.up.sql"]


def test_s019_default_naming_a_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: tag, type: varchar(40)}", "{name: tag, type: varchar(40), default: untagged}")
    f = assert_finding(check(design), "S019", TABLES, line_of(t, "name: tag,"))
    assert f.message == ("default of notes.tag names a column (untagged), which PostgreSQL does "
                         "not allow; a string default is quoted SQL: \"'untagged'\"")
