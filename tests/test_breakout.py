"""Design text never breaks out of the SQL it is put into.

Each case puts an attacker's payload where the design holds a piece of SQL (a policy
expression, a column type or default, an index column, a migration's `using:`, a role
name) and asserts three things: `check` reports it at its line (S019 / A014), `build` writes
no SQL at all (and removes an earlier build's), and even with the rule switched off the
generator refuses — the payload's statement never reaches a file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from designgate.cli.main import cli
from designgate.generate import fragments, sql
from designgate.load.loader import load_design
from support import check, edit, line_of, only

NOTES = "design/tables/notes.yaml"


def _build(design: Path, out: Path) -> tuple[int, str, list[str]]:
    result = CliRunner().invoke(cli, ["build", str(design), "--out", str(out)])
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    text = "".join(p.read_text("utf-8") for p in out.rglob("*.sql"))
    assert "DROP TABLE x;" not in text and "SECURITY; SELECT (true" not in text
    return result.exit_code, result.stderr, files


def _policy_using(design: Path, payload: str, key: str = "using") -> Path:
    auth = design / "auth.yaml"
    text = auth.read_text("utf-8")
    owner = "\"author_id = (select current_setting('app.user_id', true)::uuid)\""
    assert f"{key}: {owner}" in text
    edit(auth, f"{key}: {owner}", f"{key}: {payload}")
    return auth


PAYLOADS = [
    ("using", '"true); DROP TABLE x; SELECT (true"', "closes a parenthesis it did not open"),
    ("with_check", '"true); ALTER TABLE notes DISABLE ROW LEVEL SECURITY; SELECT (true"',
     "closes a parenthesis it did not open"),
    ("using", '"true; DROP TABLE x"', "`;`"),
    ("using", '"true) WITH CHECK (true"', "closes a parenthesis it did not open"),
    ("using", '"true -- the rest of the line is gone"', "comment"),
    ("using", "\"x = 'unterminated\"", "unterminated quoted string"),
]


@pytest.mark.parametrize(("key", "payload", "why"), PAYLOADS)
def test_a_policy_expression_cannot_break_out(design: Path, tmp_path: Path, key: str,
                                              payload: str, why: str) -> None:
    auth = _policy_using(design, payload, key)
    [f] = [f for f in only(check(design), "S019") if f.span and f.span.file == "design/auth.yaml"]
    assert f.span is not None and f.span.line == line_of(auth, payload)
    assert f"`{key}` of policy" in f.message and "is not a single SQL expression" in f.message
    assert why in f.message
    out = tmp_path / "out"
    code, stderr, files = _build(design, out)
    assert code == 1 and "no SQL written" in stderr
    assert not [f for f in files if f.endswith(".sql")]
    assert "openapi.yaml" in files  # the contract is still written


def test_the_generator_refuses_even_with_the_rule_off(design: Path, tmp_path: Path) -> None:
    _policy_using(design, '"true); DROP TABLE x; SELECT (true"')
    edit(design / "project.yaml", "kind: project\n", "kind: project\nrules: {S019: 'off'}\n")
    assert only(check(design), "S019") == []
    with pytest.raises(sql.UnsafeSql):
        sql.sql_files(load_design(design).design)
    out = tmp_path / "out"
    code, stderr, files = _build(design, out)
    assert "no SQL written" in stderr and code == 1
    assert not [f for f in files if f.endswith(".sql")]


def test_an_earlier_builds_sql_is_removed(design: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, files = _build(design, out)
    assert code == 0 and "rls.sql" in files and any(f.startswith("migrations/") for f in files)
    _policy_using(design, '"true); DROP TABLE x; SELECT (true"')
    _, _, files = _build(design, out)
    assert not [f for f in files if f.endswith(".sql")]


@pytest.mark.parametrize(("old", "new", "kind"), [
    ("{name: body, type: text}", '{name: body, type: "text); DROP TABLE x; --"}', "type"),
    ("{name: body, type: text}", '{name: body, type: text, default: "now(); DROP TABLE x"}',
     "expression"),
    ("{name: body, type: text}", "{name: body, type: text, check: \"body <> '') OR (true\"}",
     "expression"),
    ("columns: [author_id, tag]", 'columns: [author_id, "tag); DROP TABLE x; --"]',
     "index element"),
    ("columns: [author_id, tag]", 'columns: ["author_id, tag"]', "index element"),
])
def test_table_text_cannot_break_out(design: Path, tmp_path: Path, old: str, new: str,
                                     kind: str) -> None:
    edit(design / "tables/notes.yaml", old, new)
    [f] = only(check(design), "S019")
    assert f.span is not None and f.span.file == NOTES
    assert f.span.line == line_of(design / "tables/notes.yaml", new)
    assert f"is not a single SQL {kind}" in f.message
    _, stderr, files = _build(design, tmp_path / "out")
    assert "no SQL written" in stderr and not [f for f in files if f.endswith(".sql")]


def test_an_index_method_outside_the_format_is_refused(design: Path) -> None:
    edit(design / "tables/notes.yaml", "columns: [author_id, tag]",
         'columns: [author_id, tag]\n        method: "btree (title); DROP TABLE x; --"')
    assert only(check(design), "L006")  # the format's enum
    with pytest.raises(sql.UnsafeSql):
        sql.sql_files(load_design(design).design)


def test_a_migration_using_cannot_break_out(design: Path, tmp_path: Path) -> None:
    migrations = design / "migrations.yaml"
    edit(design / "tables/notes.yaml", "{name: tag, type: varchar(40)}",
         "{name: tag, type: varchar(80)}")
    with migrations.open("a", encoding="utf-8") as fh:
        fh.write('  - id: "0003_tags"\n    description: Longer tags.\n    steps:\n'
                 "      - alter_column: {table: notes, column: tag, change: widen, type: true,"
                 ' using: "tag::text); DROP TABLE x; --", from: {type: varchar(40)}}\n'
                 "    rollback: Narrow them again.\n")
    [f] = only(check(design), "S019")
    assert f.span is not None and f.span.line == line_of(migrations, "DROP TABLE x")
    assert "`using` of alter_column notes.tag" in f.message
    _, stderr, files = _build(design, tmp_path / "out")
    assert "no SQL written" in stderr and not [f for f in files if f.endswith(".sql")]


@pytest.mark.parametrize("name", ["guest$$; DROP TABLE x; $$", "Reader", "pg_reader", "public",
                                  "user", "9lives", "a" * 64])
def test_a_role_name_is_a_plain_identifier(design: Path, tmp_path: Path, name: str) -> None:
    auth = design / "auth.yaml"
    text = auth.read_text("utf-8")
    edit(auth, "- name: reader", f"- name: '{name}'")
    text = auth.read_text("utf-8").replace("[reader,", f"['{name}',").replace(
        "inherits: [reader]", f"inherits: ['{name}']").replace("roles: [reader]",
                                                               f"roles: ['{name}']")
    auth.write_text(text, "utf-8")
    findings = only(check(design), "A014")
    assert findings and findings[0].span is not None
    assert findings[0].span.line == line_of(auth, f"- name: '{name}'")
    _, stderr, files = _build(design, tmp_path / "out")
    assert "no SQL written" in stderr and not [f for f in files if f.endswith(".sql")]


def test_role_statements_cannot_be_closed_by_a_dollar_quote() -> None:
    """Even a role name the rule would reject never reaches the DO block: the generator
    refuses it, and the block's dollar quote is not `$$`."""
    with pytest.raises(sql.UnsafeSql):
        sql.role_ident("x$$; DROP TABLE y; $$")
    assert sql.role_ident("guest") == "guest" and sql.role_ident("public") == "PUBLIC"


def test_string_constants_survive_backslashes() -> None:
    """A comment with a backslash reads the same with standard_conforming_strings off."""
    assert sql.literal("it's") == "'it''s'"
    assert sql.literal("a\\' OR 1=1 --") == "E'a\\\\'' OR 1=1 --'"


@pytest.mark.parametrize(("kind", "text"), [
    ("expression", "workspace_id = current_setting('app.workspace_id', true)::uuid"),
    ("expression", "EXISTS (SELECT 1 FROM members m WHERE m.id = user_id)"),
    ("expression", "$$a;b$$ = name"),  # a ; inside a string constant is fine
    ("expression", "status IN ('a', 'b')\n  AND x > 1"),
    ("type", "timestamp with time zone"),
    ("type", "numeric(10, 2)"),
    ("type", "text[]"),
    ("index element", "(lower(email))"),
    ("index element", "email text_pattern_ops DESC NULLS LAST"),
])
def test_real_fragments_are_accepted(kind: fragments.Kind, text: str) -> None:
    assert fragments.problem(kind, text) is None


@pytest.mark.parametrize(("kind", "text"), [
    ("expression", ""),
    ("expression", "1, 2) FROM pg_sleep(10"),
    ("expression", "true UNION SELECT true"),
    ("type", "int PRIMARY KEY"),
    ("type", 'text COLLATE "C"'),
    ("type", "text DEFAULT 'x'"),
    ("index element", "a, b"),
    ("index element", "a) WHERE (true"),
])
def test_fragments_that_are_not_one_are_refused(kind: fragments.Kind, text: str) -> None:
    assert fragments.problem(kind, text) is not None
    with pytest.raises(fragments.UnsafeSql):
        fragments.checked(kind, text, "piece")
