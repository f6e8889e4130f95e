"""Schema (S): tables against the dictionary, keys and indexes, filters, the migration plan.

Each test mutates a copy of the clean scaffold and asserts the rule id, file and line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Report
from designgate.model import sqltypes
from support import assert_finding, check, edit, line_of, only

TABLES = "design/tables/notes.yaml"
DICT = "design/dictionary.yaml"
MIGRATIONS = "design/migrations.yaml"
API = "design/api/notes.yaml"


def schema_findings(report: Report) -> list[str]:
    return [f"{f.location} {f.rule} {f.message}" for f in report.findings if f.rule[0] == "S"]


def test_clean_scaffold_has_no_schema_findings(design: Path) -> None:
    report = check(design)
    assert schema_findings(report) == []
    # The scaffold exercises the rules: mapped columns, an FK, filters and migrations.
    assert report.design.tables["notes"].columns[1].references is not None
    assert report.design.endpoints[0].filters[0].column == "notes.tag"


# --- S001 table without entity -------------------------------------------------------------


def test_s001_table_without_entity(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "    entity: Note\n", "")
    report = check(design)
    f = assert_finding(report, "S001", TABLES, line_of(t, "- name: notes"))
    assert "'notes'" in f.message


def test_s001_unknown_entity_suggests(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "entity: Note\n", "entity: Notes\n")
    report = check(design)
    f = assert_finding(report, "S001", TABLES, line_of(t, "entity: Notes"))
    assert "did you mean 'Note'" in f.message
    # Every column of the table would follow; S001 is reported alone.
    assert only(report, "S002") == []


def test_s001_waived_on_a_join_table(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "    entity: Note\n", "    waivers: [{rule: S001, reason: technical table}]\n")
    report = check(design)
    assert only(report, "S001") == []
    assert [f.rule for f in report.waived if f.rule == "S001"] == ["S001"]


def test_dictionary_not_applicable_skips_alignment(design: Path) -> None:
    (design / "dictionary.yaml").write_text(
        "kind: dictionary\nnot_applicable: no persistent business data\n", encoding="utf-8"
    )
    report = check(design)
    assert [f.rule for f in report.findings if f.rule in ("S001", "S002", "S003", "S017")] == []


# --- S021 relationship unknown, S022 relationship not stored ------------------------------

_READERS = """  - name: note_readers
    description: Who may read a note besides its author.
    columns:
      - name: note_id
        type: uuid
        technical: foreign-key
        nullable: false
        references: {table: notes, column: id, on_delete: cascade}
      - name: user_id
        type: uuid
        technical: foreign-key
        nullable: false
        references: {table: users, column: id, on_delete: cascade}
    primary_key: [note_id, user_id]
"""
_MANY = "        description: Every note has one author.\n"


def _join_table(design: Path, through: str = "note_readers") -> Path:
    """A many-to-many Note—User relationship, stored by a join table without an entity."""
    t = design / "tables/notes.yaml"
    t.write_text(t.read_text(encoding="utf-8") + _READERS, encoding="utf-8")
    dictionary = design / "dictionary.yaml"
    edit(dictionary, _MANY, _MANY + "      - entity: User\n        kind: many-to-many\n"
         f"        through: {through}\n        description: Readers of a shared note.\n")
    return dictionary


def test_s001_a_join_table_named_by_through_needs_no_entity(design: Path) -> None:
    _join_table(design)
    report = check(design)
    assert only(report, "S001") == [] and only(report, "S021") == []
    assert only(report, "S022") == []
    assert report.design.entities["Note"].relationships[1].through == "note_readers"


def test_s022_relationship_without_foreign_key(design: Path) -> None:
    t, dictionary = design / "tables/notes.yaml", design / "dictionary.yaml"
    edit(t, "        references: {table: users, column: id, on_delete: cascade}\n", "")
    report = check(design)
    f = assert_finding(report, "S022", DICT, line_of(dictionary, "kind: many-to-one"))
    assert f.severity.name == "WARNING"
    assert f.message == (
        "the many-to-one relationship of Note and User is not stored: no foreign key from "
        "'notes' to 'users'; add the foreign key (`references:` on a column) or correct the "
        "relationship")


@pytest.mark.parametrize(("kind", "stored"), [
    ("one-to-many", True),  # users → notes, seen from User: notes has the key
    ("one-to-one", True),  # either direction
    ("many-to-one", False),  # users has no key to notes
    ("many-to-many", False),  # no table has keys to both (notes → users only)
])
def test_s022_direction_follows_the_kind(design: Path, kind: str, stored: bool) -> None:
    dictionary = design / "dictionary.yaml"
    edit(dictionary, "        description: Sign-in address.\n",
         f"        description: Sign-in address.\n    relationships:\n"
         f"      - entity: Note\n        kind: {kind}\n")
    report = check(design)
    hits = only(report, "S022")
    if stored:
        assert hits == []
    else:
        f = assert_finding(report, "S022", DICT, line_of(dictionary, f"kind: {kind}",
                                                         2 if kind == "many-to-one" else 1))
        assert "of User and Note is not stored" in f.message


def test_s022_join_table_needs_keys_to_both(design: Path) -> None:
    dictionary = _join_table(design)
    edit(design / "tables/notes.yaml",
         "        references: {table: notes, column: id, on_delete: cascade}\n", "")
    report = check(design)
    f = assert_finding(report, "S022", DICT, line_of(dictionary, "kind: many-to-many"))
    assert "'note_readers' has no foreign keys to both 'notes' and 'users'" in f.message


def test_s021_unknown_entity_and_join_table(design: Path) -> None:
    dictionary = _join_table(design, through="note_reader")
    edit(dictionary, "      - entity: User\n        kind: many-to-one",
         "      - entity: Usr\n        kind: many-to-one")
    report = check(design)
    f = assert_finding(report, "S021", DICT, line_of(dictionary, "entity: Usr"))
    assert f.message == ("entity 'Note' has a relationship to unknown entity 'Usr'; did you "
                         "mean 'User'?")
    f = assert_finding(report, "S021", DICT, line_of(dictionary, "through: note_reader"))
    assert "join table 'note_reader' of Note and User" in f.message
    assert "did you mean 'note_readers'" in f.message
    # The misnamed join table is now a table without an entity (S001), nothing else.
    assert len(only(report, "S001")) == 1 and only(report, "S022") == []


def test_s021_through_only_on_many_to_many(design: Path) -> None:
    dictionary = design / "dictionary.yaml"
    edit(dictionary, "        kind: many-to-one\n", "        kind: many-to-one\n        through: notes\n")
    report = check(design)
    f = assert_finding(report, "S021", DICT, line_of(dictionary, "through: notes"))
    assert "only a many-to-many relationship has (this one is many-to-one)" in f.message


# --- S002 orphan column --------------------------------------------------------------------


def test_s002_orphan_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "      - {name: body, type: text}\n",
         "      - {name: body, type: text}\n      - {name: colour, type: text}\n")
    report = check(design)
    f = assert_finding(report, "S002", TABLES, line_of(t, "colour"))
    assert "orphan column 'notes.colour'" in f.message


def test_s002_foreign_key_is_not_technical_by_itself(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "      - {name: body, type: text}\n",
         "      - {name: body, type: text}\n"
         "      - {name: editor_id, type: uuid, references: {table: users}}\n")
    report = check(design)
    f = assert_finding(report, "S002", TABLES, line_of(t, "editor_id"))
    assert "technical: foreign-key" in f.message


def test_s002_declared_technical_foreign_key_is_fine(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "      - {name: body, type: text}\n",
         "      - {name: body, type: text}\n"
         "      - {name: editor_id, type: uuid, technical: foreign-key, "
         "references: {table: users}}\n")
    assert only(check(design), "S002") == []


def test_s002_explicit_attribute_unknown(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: body, type: text}", "{name: body, type: text, attribute: bdy}")
    report = check(design)
    f = assert_finding(report, "S002", TABLES, line_of(t, "attribute: bdy"))
    assert "did you mean 'body'" in f.message


def test_s002_explicit_attribute_of_unknown_entity(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: body, type: text}", "{name: body, type: text, attribute: Nte.body}")
    report = check(design)
    f = assert_finding(report, "S002", TABLES, line_of(t, "attribute: Nte.body"))
    assert "unknown entity 'Nte'" in f.message and "did you mean 'Note'" in f.message


def test_explicit_attribute_maps_a_renamed_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: body, type: text}", "{name: content, type: text, attribute: Note.body}")
    report = check(design)
    assert only(report, "S002") == [] and only(report, "S003") == []


# --- S003 attribute stored nowhere, S017 entity without table ----------------------------


def test_s003_attribute_not_stored(design: Path) -> None:
    d = design / "dictionary.yaml"
    edit(d, "      - name: body\n",
         "      - name: pinned\n        type: boolean\n      - name: body\n")
    report = check(design)
    f = assert_finding(report, "S003", DICT, line_of(d, "- name: pinned"))
    assert "'Note.pinned'" in f.message


def test_s017_entity_without_table_reported_once(design: Path) -> None:
    d = design / "dictionary.yaml"
    d.write_text(d.read_text(encoding="utf-8") + (
        "  - name: Label\n"
        "    attributes:\n"
        "      - {name: name, type: string}\n"
        "      - {name: color, type: string}\n"
    ), encoding="utf-8")
    report = check(design)
    assert_finding(report, "S017", DICT, line_of(d, "- name: Label"))
    assert only(report, "S003") == []


# --- S004 type mismatch, S013 nullability --------------------------------------------------


@pytest.mark.parametrize(
    ("column_type", "reason"),
    [
        ("integer", "cannot store a string attribute"),
        ("varchar(20)", "holds at most 20 characters"),
        ("text[]", "is an array"),
        ("varchar(4", "is not a PostgreSQL type"),
    ],
)
def test_s004_type_mismatch(design: Path, column_type: str, reason: str) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: tag, type: varchar(40)}", f'{{name: tag, type: "{column_type}"}}')
    report = check(design)
    f = assert_finding(report, "S004", TABLES, line_of(t, "{name: tag,"))
    assert reason in f.message and "'Note.tag' (string)" in f.message


def test_s004_accepts_equivalent_spellings(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: tag, type: varchar(40)}", '{name: tag, type: "CHARACTER VARYING ( 60 )"}')
    edit(t, "{name: body, type: text}", "{name: body, type: citext}")
    assert only(check(design), "S004") == []


def test_s013_required_attribute_in_nullable_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: title, type: varchar(200), nullable: false,",
         "{name: title, type: varchar(200),")
    report = check(design)
    f = assert_finding(report, "S013", TABLES, line_of(t, "{name: title,"))
    assert "add `nullable: false`" in f.message


@pytest.mark.parametrize(
    ("attr_type", "max_length", "column_type", "fits"),
    [
        ("string", 200, "varchar(200)", True),
        ("string", 200, "varchar(100)", False),
        ("string", None, "citext", True),
        ("text", None, "varchar(10)", True),
        ("integer", None, "int8", True),
        ("integer", None, "numeric", False),
        ("decimal", None, "numeric(12, 2)", True),
        ("decimal", None, "Double Precision", True),
        ("boolean", None, "bool", True),
        ("date", None, "timestamptz", False),
        ("datetime", None, "timestamptz", True),
        ("datetime", None, "TIMESTAMP (3) WITH TIME ZONE", True),
        ("datetime", None, "timestamp without time zone", True),
        ("uuid", None, "text", False),
        ("enum", None, "task_status", True),
        ("enum", None, "public.task_status", True),
        ("enum", None, "integer", False),
        ("json", None, "jsonb", True),
        ("json", None, "text[]", True),
        ("string", None, "text[]", False),
        ("email", 254, "varchar(100)", False),
        ("email", None, "citext", True),
        ("url", None, "citext", False),
        ("url", None, "text", True),
    ],
)
def test_type_fit_table(attr_type: str, max_length: int | None, column_type: str,
                        fits: bool) -> None:
    assert (sqltypes.misfit(attr_type, max_length, column_type) is None) is fits


def test_parse_type() -> None:
    assert sqltypes.parse("VARCHAR (200)") == sqltypes.SqlType("character varying", (200,))
    assert sqltypes.parse("numeric(10,2)[]") == sqltypes.SqlType("numeric", (10, 2), True)
    assert sqltypes.parse("integer array") == sqltypes.SqlType("integer", (), True)
    assert sqltypes.parse("timestamptz") == sqltypes.SqlType("timestamp with time zone")
    assert sqltypes.parse("varchar(") is None


# --- S005 unknown reference, S006 unindexed FK, S007 no primary key --------------------------


def test_s005_unknown_table(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "references: {table: users,", "references: {table: usr,")
    report = check(design)
    f = assert_finding(report, "S005", TABLES, line_of(t, "references:"))
    assert "unknown table 'usr'" in f.message and "did you mean 'users'" in f.message


def test_s005_unknown_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{table: users, column: id,", "{table: users, column: uid,")
    report = check(design)
    f = assert_finding(report, "S005", TABLES, line_of(t, "references:"))
    assert "unknown column 'users.uid'" in f.message


def test_s005_reference_to_a_non_key_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{table: users, column: id,", "{table: users, column: created_at,")
    report = check(design)
    f = assert_finding(report, "S005", TABLES, line_of(t, "references:"))
    assert "neither the primary key nor unique" in f.message


def test_s005_reference_to_a_unique_column_is_fine(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{table: users, column: id,", "{table: users, column: email,")
    assert only(check(design), "S005") == []


def test_s006_foreign_key_without_index(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "columns: [author_id, created_at]", "columns: [created_at, author_id]")
    edit(t, "columns: [author_id, tag]", "columns: [tag, author_id]")
    report = check(design)
    f = assert_finding(report, "S006", TABLES, line_of(t, "- name: author_id"))
    assert "'notes.author_id'" in f.message


def test_s006_partial_index_does_not_serve_a_foreign_key(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "columns: [author_id, created_at]", "columns: [created_at, author_id]")
    edit(t, "        columns: [author_id, tag]\n",
         "        columns: [author_id, tag]\n        where: tag is not null\n")
    assert_finding(check(design), "S006", TABLES, line_of(t, "- name: author_id"))


def test_s007_table_without_primary_key(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: id, type: uuid, primary_key: true, technical: key,",
         "{name: id, type: uuid, technical: key,", 1)
    report = check(design)
    f = assert_finding(report, "S007", TABLES, line_of(t, "- name: users"))
    assert "'users'" in f.message


def test_s007_composite_primary_key_counts(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "{name: id, type: uuid, primary_key: true, technical: key,",
         "{name: id, type: uuid, technical: key,", 1)
    edit(t, "    description: Accounts.\n", "    description: Accounts.\n    primary_key: [id]\n")
    assert only(check(design), "S007") == []


# --- S016 unknown key column, S018 duplicate index -----------------------------------------


def test_s016_index_names_unknown_column(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "columns: [author_id, tag]", "columns: [author_id, tags]")
    report = check(design)
    f = assert_finding(report, "S016", TABLES, line_of(t, "columns: [author_id, tags]"))
    assert "index 'notes_author_tag_idx'" in f.message and "did you mean 'tag'" in f.message


def test_s016_primary_key_and_unique_lists(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "    description: Accounts.\n",
         "    description: Accounts.\n"
         "    primary_key: [id, nope]\n"
         "    unique:\n"
         "      - [email]\n"
         "      - [email, emial]\n")
    report = check(design)
    assert_finding(report, "S016", TABLES, line_of(t, "primary_key: [id, nope]"))
    f = assert_finding(report, "S016", TABLES, line_of(t, "[email, emial]"))
    assert "unique constraint" in f.message and "did you mean 'email'" in f.message


def test_s018_duplicate_index(design: Path) -> None:
    t = design / "tables/notes.yaml"
    t.write_text(t.read_text(encoding="utf-8") + (
        "      - name: notes_author_tag_again_idx\n"
        "        columns: [author_id, tag]\n"
        "        serves: the same thing twice\n"
        "      - name: notes_id_idx\n"
        "        columns: [id]\n"
        "        serves: lookups by id\n"
    ), encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "S018", TABLES, line_of(t, "notes_author_tag_again_idx"))
    assert "duplicates index 'notes_author_tag_idx'" in f.message
    f = assert_finding(report, "S018", TABLES, line_of(t, "notes_id_idx"))
    assert "the primary key" in f.message


def test_s018_partial_index_is_not_a_duplicate(design: Path) -> None:
    t = design / "tables/notes.yaml"
    t.write_text(t.read_text(encoding="utf-8") + (
        "      - name: notes_author_tag_open_idx\n"
        "        columns: [author_id, tag]\n"
        "        where: tag is not null\n"
        "        serves: tagged notes only\n"
    ), encoding="utf-8")
    assert only(check(design), "S018") == []


# --- S008 unindexed filter, S009 unknown filter column, S010 filter without column --------------


def test_s008_filter_no_index_serves(design: Path) -> None:
    t = design / "tables/notes.yaml"
    edit(t, "columns: [author_id, tag]", "columns: [author_id, created_at, tag]")
    report = check(design)
    f = assert_finding(report, "S008", API, line_of(design / "api/notes.yaml", "column: notes.tag"))
    assert "filter 'tag' of endpoint 'listNotes'" in f.message


def test_s008_leftmost_prefix_of_filtered_columns_serves(design: Path) -> None:
    t = design / "tables/notes.yaml"
    # created_at is third, but the list filters on tag right before it.
    edit(t, "columns: [author_id, created_at]", "columns: [author_id, tag, created_at]")
    edit(t, "columns: [author_id, tag]", "columns: [author_id, tag, body]")
    assert only(check(design), "S008") == []
    # Without the tag filter the sort is no longer served.
    api = design / "api/notes.yaml"
    edit(api, "        column: notes.tag\n", "        column: notes.body\n")
    report = check(design)
    assert_finding(report, "S008", API, line_of(api, "column: notes.created_at"))


def test_s009_unknown_filter_column(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "column: notes.tag", "column: notes.tags")
    report = check(design)
    f = assert_finding(report, "S009", API, line_of(api, "column: notes.tags"))
    assert "did you mean 'tag'" in f.message
    assert only(report, "S008") == []


def test_s009_unknown_table_of_a_sort(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "column: notes.created_at", "column: note.created_at")
    report = check(design)
    f = assert_finding(report, "S009", API, line_of(api, "column: note.created_at"))
    assert "unknown table 'note'" in f.message


def test_bare_column_resolves_on_the_single_table(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "column: notes.tag", "column: tag")
    assert [f.rule for f in check(design).findings if f.rule in ("S008", "S009")] == []
    edit(api, "    tables: [notes]\n    impact: 5\n    effort: 2\n\n  - id: createNote",
         "    tables: [notes, users]\n    impact: 5\n    effort: 2\n\n  - id: createNote")
    f = assert_finding(check(design), "S009", API, line_of(api, "column: tag"))
    assert "table.column" in f.message


def test_s009_query_parameter_column(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "    sorts:\n",
         "    query:\n      - {name: q, column: notes.text, schema: {type: string}, example: x}\n"
         "    sorts:\n")
    assert_finding(check(design), "S009", API, line_of(api, "column: notes.text"))


def test_s010_filter_and_sort_without_column(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "        column: notes.tag\n", "")
    edit(api, "        column: notes.created_at\n", "")
    report = check(design)
    assert_finding(report, "S010", API, line_of(api, "- name: tag"))
    assert_finding(report, "S010", API, line_of(api, "- field: created_at"))


# --- S011-S015 migration plan -----------------------------------------------------------------


def test_s011_table_not_migrated(design: Path) -> None:
    m = design / "migrations.yaml"
    edit(m, "      - create_table: users\n", "")
    report = check(design)
    assert_finding(report, "S011", TABLES, line_of(design / "tables/notes.yaml", "- name: users"))
    # notes references users, which is now never created.
    f = assert_finding(report, "S012", MIGRATIONS, line_of(m, "create_table: notes"))
    assert "no earlier step creates 'users'" in f.message


def test_s011_no_migrations_at_all(design: Path) -> None:
    (design / "migrations.yaml").unlink()
    report = check(design)
    assert len(only(report, "S011")) == 2


def test_s012_table_created_before_what_it_references(design: Path) -> None:
    m = design / "migrations.yaml"
    edit(m, "      - create_table: users\n", "      - create_table: notes\n")
    edit(m, "      - create_table: notes\n      - create_index",
         "      - create_table: users\n      - create_index")
    report = check(design)
    f = assert_finding(report, "S012", MIGRATIONS, line_of(m, "create_table: notes"))
    assert "before 'users' (migration '0002_notes')" in f.message
    f = assert_finding(report, "S012", MIGRATIONS, line_of(m, "enable_rls: users"))
    assert "enables RLS on 'users' before table 'users' is created" in f.message


def test_s012_index_before_its_table(design: Path) -> None:
    m = design / "migrations.yaml"
    edit(m, "      - enable_rls: users\n",
         "      - enable_rls: users\n      - create_index: notes_author_tag_idx\n")
    edit(m, "      - create_index: notes_author_tag_idx\n      - enable_rls: notes",
         "      - enable_rls: notes")
    report = check(design)
    assert_finding(report, "S012", MIGRATIONS, line_of(m, "create_index: notes_author_tag_idx"))


def test_s014_migration_without_rollback(design: Path) -> None:
    m = design / "migrations.yaml"
    edit(m, "    rollback: Drop the users table, then the roles and the extension; no data exists "
         "before this migration.\n", "")
    report = check(design)
    f = assert_finding(report, "S014", MIGRATIONS, line_of(m, '- id: "0001_users"'))
    assert "'0001_users'" in f.message


def test_s014_a_rollback_of_down_steps_a_raw_step_does_not_have(design: Path) -> None:
    """Before: the rollback said "run the down steps" and a raw step had no `down:`."""
    m = design / "migrations.yaml"
    edit(m, "      - create_index: notes_author_tag_idx\n",
         "      - create_index: notes_author_tag_idx\n      - sql:\n"
         "          up: UPDATE notes SET tag = lower(tag);\n")
    edit(m, "    rollback: Drop the notes table (its indexes go with it).",
         "    rollback: Run the down steps in reverse order.")
    report = check(design)
    f = assert_finding(report, "S014", MIGRATIONS, line_of(m, "up: UPDATE notes"))
    assert "has no `down:`" in f.message
    edit(m, "    rollback: Run the down steps in reverse order.",
         "    rollback: Irreversible (tags are lower-cased); restore from the snapshot.")
    assert only(check(design), "S014") == []


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("create_index: notes_author_tag_idx", "create_index: notes_tag_idx", "notes_tag_idx"),
        ("enable_rls: notes", "enable_rls: note", "enable_rls: note"),
        ("create_table: notes", "create_table: notez", "create_table: notez"),
    ],
)
def test_s015_unknown_name_in_step(design: Path, old: str, new: str, needle: str) -> None:
    m = design / "migrations.yaml"
    edit(m, old, new)
    f = assert_finding(check(design), "S015", MIGRATIONS, line_of(m, needle))
    assert "unknown" in f.message or "no table defines" in f.message


def test_s015_add_column_unknown_column(design: Path) -> None:
    m = design / "migrations.yaml"
    m.write_text(m.read_text(encoding="utf-8") + (
        '  - id: "0003_note_color"\n'
        "    steps:\n"
        "      - add_column: {table: notes, column: colour}\n"
        "      - alter_column: {table: notez, column: tag, change: widen}\n"
        "      - drop_column: {table: notes, column: legacy}\n"
        "    rollback: Drop the column.\n"
    ), encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "S015", MIGRATIONS, line_of(m, "add_column"))
    assert "unknown column 'notes.colour'" in f.message
    assert_finding(report, "S015", MIGRATIONS, line_of(m, "alter_column"))
    assert len(only(report, "S015")) == 2  # drops are not checked
