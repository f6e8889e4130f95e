"""``designgate db verify`` on a real PostgreSQL: the example, the scaffold, and fixtures that
must be caught (a broken down migration, a rollback that leaves debris, a policy that leaks
rows, catalog drift), plus the server errors a user can meet.

The server comes from ``DESIGNGATE_TEST_DATABASE_URL`` (``.ci/run`` starts Debian's
PostgreSQL and sets it). Without one the tests skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner, Result
from designgate import load_design
from designgate.cli.main import cli
from designgate.db.verify import Report, connect, verify
from support import (
    REPO,
    add_columns_later,
    append_migration,
    database_url,
    drop_column_later,
    edit,
    line_of,
)


@pytest.fixture(scope="module")
def server() -> str:
    return database_url()


def run_verify(design: Path, url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["db", "verify", str(design), "--database-url", url,
                                    "--format", "json", "-q", *args])


def problems(report: Report, phase: str | None = None) -> list[str]:
    return [p.message for p in report.problems if phase is None or p.phase == phase]


# --- designs that verify ------------------------------------------------------------------


def test_the_example_verifies_with_every_rls_cell(server: str, tmp_path: Path) -> None:
    out = tmp_path / "verify.json"
    result = run_verify(REPO / "design", server, "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == json.loads(out.read_text(encoding="utf-8"))
    assert data["ok"] and data["problems"] == []
    phases = [s["phase"] for s in data["steps"]]
    assert phases == ["up"] * 5 + ["catalog"] + ["down"] * 5 + ["reapply"] * 5
    rls = data["rls"]
    # anonymous and authenticated are roles of the design too (least privilege covers them)
    assert rls["roles"] == ["anonymous", "authenticated", "guest", "member", "admin", "owner"]
    assert len(rls["tables"]) == 12
    assert len(rls["cells"]) == 6 * 12 * 4 and all(c["ok"] for c in rls["cells"])
    assert sum(c["checks"] for c in rls["cells"]) > 1000
    # the scratch database is gone
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (data["database"],))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM pg_roles WHERE rolname IN ('guest', 'member', 'owner')")
        assert cur.fetchone()[0] == 0


def test_schema_sql_applies_on_its_own_to_an_empty_database(server: str) -> None:
    """schema.sql is the design's schema for readers and tools: it needs no migration first
    (the extensions the raw migration steps create come with it)."""
    from designgate.generate import sql

    design = load_design(REPO / "design").design
    name = f"designgate_schema_{os.getpid()}"
    admin = connect(server)
    try:
        admin.execute(f"CREATE DATABASE {name}")
        with connect(server, dbname=name) as conn:
            conn.execute(sql.schema_sql(design))
            tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                                  ).fetchall()
        assert sorted(t for (t,) in tables) == sorted(design.tables)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_the_scaffold_verifies_and_a_reader_sees_only_own_notes(server: str,
                                                                design: Path) -> None:
    report = verify(load_design(design).design, server)
    assert report.ok, problems(report)
    cell = report.rls.cells[("reader", "notes", "select")]
    assert cell.ok and cell.checks == 2  # one per principal
    text = report.rls.render()
    assert "notes" in text and "RLS: 16 of 16 cells passed" in text


def test_columns_added_by_a_later_migration(server: str, design: Path) -> None:
    """create_table creates the table as it was then; add_column adds the rest (with its
    unique constraint and comment), and the catalog ends up as the design says."""
    add_columns_later(design)
    report = verify(load_design(design).design, server)
    assert report.ok, problems(report)


def test_a_column_dropped_by_a_later_migration(server: str, design: Path) -> None:
    """The column the schema no longer has is created by create_table (from the drop step's
    `from:`), dropped, added back by the down, and the plan replays."""
    drop_column_later(design)
    report = verify(load_design(design).design, server)
    assert report.ok, problems(report)


def test_a_column_altered_by_a_later_migration(server: str, design: Path) -> None:
    """create_table makes tag as it was (varchar(40), nullable), the later step widens it and
    makes it NOT NULL with a default; the down narrows it back."""
    edit(design / "tables/notes.yaml", "{name: tag, type: varchar(40)}",
         "{name: tag, type: varchar(80), nullable: false, default: \"'untagged'\"}")
    migrations = design / "migrations.yaml"
    migrations.write_text(migrations.read_text("utf-8") + (
        '  - id: "0003_tags"\n    description: Longer tags, always one.\n    steps:\n'
        "      - sql:\n          up: UPDATE notes SET tag = 'untagged' WHERE tag IS NULL;\n"
        "          down: SELECT 1;\n"
        "      - alter_column: {table: notes, column: tag, change: widen and require,"
        " from: {type: varchar(40), nullable: true, default: null}}\n"
        "    rollback: Narrow the tags again and allow none.\n"
        "    destructive: {acknowledged: true, note: Every note has a tag after the backfill.}\n"),
        "utf-8")
    report = verify(load_design(design).design, server)
    assert report.ok, problems(report)


def test_rows_are_seeded_through_table_checks(server: str, design: Path) -> None:
    """Seeding steps the columns a table check reads to a combination it accepts (both
    defaults are now(): the first try fails), and says which check no values satisfy."""
    notes = design / "tables/notes.yaml"
    edit(notes, "    indexes:\n      - name: notes_author_created_idx",
         "    checks:\n      - {name: notes_edit_check, expression: updated_at > created_at}\n"
         "    indexes:\n      - name: notes_author_created_idx")
    report = verify(load_design(design).design, server)
    assert report.ok, problems(report)
    assert report.rls.cells[("writer", "notes", "update")].ok
    edit(notes, "expression: updated_at > created_at}",
         "expression: \"title = 'x' AND title = 'y'\"}")
    report = verify(load_design(design).design, server)
    assert not report.ok
    assert report.rls.cells[("reader", "notes", "select")].skipped == (
        "cannot seed notes: no combination of values satisfied its check notes_edit_check")


# --- fixtures that must be caught ----------------------------------------------------------


def _add_sql_step(design: Path, up: str, down: str, before: str = "      - enable_rls: notes"
                  ) -> None:
    edit(design / "migrations.yaml", before,
         f"      - sql:\n          up: {up}\n          down: {down}\n{before}")


def test_a_broken_down_migration_is_caught(server: str, design: Path) -> None:
    _add_sql_step(design, "CREATE INDEX notes_title_idx ON notes (title);",
                  "DROP INDEX notes_title_index;")
    report = verify(load_design(design).design, server, rls=False)
    [message] = problems(report, "down")
    assert message.startswith("migration 0002_notes (down) failed at statement")
    assert 'index "notes_title_index" does not exist (SQLSTATE 42704)' in message
    span = next(p.span for p in report.problems if p.phase == "down")
    assert span is not None and span.line == line_of(design / "migrations.yaml",
                                                     "DROP INDEX notes_title_index")
    # the extra index is also drift: it is not in the design
    assert any("index notes_title_idx on notes exists in the migrated database but not in "
               "the design" in m for m in problems(report, "catalog"))


def test_a_rollback_that_leaves_debris_is_caught(server: str, design: Path) -> None:
    _add_sql_step(design, "CREATE TABLE audit_log (id int);", "SELECT 1;")
    report = verify(load_design(design).design, server, rls=False)
    leftover = problems(report, "leftover")
    assert leftover and "relation audit_log" in leftover[0]
    assert "table audit_log exists after the migrations but is not in the design" in \
        problems(report, "catalog")


# --- seeded defects that verified as correct before ----------------------------------------


def test_rls_no_longer_forced_is_catalog_drift(server: str, design: Path) -> None:
    """The table owner bypasses every policy; verify passed (0, 0)."""
    _add_sql_step(design, "ALTER TABLE notes NO FORCE ROW LEVEL SECURITY;",
                  "ALTER TABLE notes FORCE ROW LEVEL SECURITY;",
                  before="    rollback: Drop the notes table")
    report = verify(load_design(design).design, server, rls=False)
    drift = problems(report, "catalog")
    assert drift == ["row-level security of notes is enabled but not forced in the migrated "
                     "database (the table's owner bypasses every policy); its enable_rls step "
                     "enables and forces it"]
    span = next(p.span for p in report.problems if p.phase == "catalog")
    assert span is not None and span.file == "design/tables/notes.yaml"


def test_a_raw_collation_change_is_catalog_drift(server: str, design: Path) -> None:
    _add_sql_step(design, "ALTER TABLE notes ALTER COLUMN tag TYPE varchar(40) COLLATE \"C\";",
                  "ALTER TABLE notes ALTER COLUMN tag TYPE varchar(40) COLLATE \"default\";")
    report = verify(load_design(design).design, server, rls=False)
    assert problems(report, "catalog") == [
        "notes.tag: collation is C in the migrated database, the type's default in the design"]
    # Declared in the design, the same column verifies.
    edit(design / "tables/notes.yaml", "{name: tag, type: varchar(40)}",
         "{name: tag, type: varchar(40), collation: C}")
    report = verify(load_design(design).design, server, rls=False)
    assert problems(report) == []


def test_a_down_migration_that_forgets_a_schema_leaves_debris(server: str, design: Path) -> None:
    _add_sql_step(design, "CREATE SCHEMA reporting;", "SELECT 1;")
    report = verify(load_design(design).design, server, rls=False)
    assert any("schema reporting" in m for m in problems(report, "leftover"))


def test_a_not_null_column_without_default_fails_on_tables_with_rows(server: str,
                                                                       design: Path) -> None:
    """Before: verify passed on empty tables; production fails on the first row. (S025 says
    so statically too.)"""
    edit(design / "tables/notes.yaml", "      - {name: tag, type: varchar(40)}\n",
         "      - {name: tag, type: varchar(40)}\n"
         "      - {name: pinned, type: boolean, nullable: false, technical: ordering}\n")
    append_migration(design, "    lock_timeout: 5s\n    steps:\n"
                             "      - add_column: {table: notes, column: pinned}\n",
                     id="0003_pins", rollback="Drop the column.")
    report = verify(load_design(design).design, server, rls=False)
    assert problems(report, "up") == [] and problems(report, "down") == []  # empty: passes
    [message] = problems(report, "reapply")
    assert message.startswith("migration 0003_pins (up) failed at statement")
    assert 'column "pinned" of relation "notes" contains null values (SQLSTATE 23502)' in message
    assert "the tables held rows" in message
    # with a default it works on rows too
    edit(design / "tables/notes.yaml", "nullable: false, technical: ordering}",
         "nullable: false, default: false, technical: ordering}")
    assert verify(load_design(design).design, server, rls=False).ok


def test_grants_and_policies_are_compared_with_rls_sql(server: str, design: Path) -> None:
    """Before: rls.sql and the migrations could grant different privileges (0, 0)."""
    _add_sql_step(design, "GRANT DELETE ON notes TO reader; "
                          "ALTER POLICY notes_owner_select ON notes USING (true);",
                  "REVOKE DELETE ON notes FROM reader;",
                  before="    rollback: Drop the notes table")
    report = verify(load_design(design).design, server, rls=False)
    drift = problems(report, "catalog")
    assert "the migrations grant DELETE on notes to reader, which rls.sql does not" in drift
    [policy] = [m for m in drift if m.startswith("policy notes_owner_select on notes differs")]
    assert "migrated permissive for SELECT to reader using (true)" in policy
    span = next(p.span for p in report.problems if p.message == policy)
    assert span is not None and span.file == "design/auth.yaml"


def test_a_policy_that_leaks_rows_is_caught(server: str, design: Path) -> None:
    _add_sql_step(design, "CREATE POLICY notes_everyone ON notes FOR SELECT TO reader USING (true);",
                  "DROP POLICY notes_everyone ON notes;",
                  before="      - create_index: notes_author_created_idx")
    report = verify(load_design(design).design, server)
    # The raw policy is drift from the design (rls.sql does not have it)...
    assert problems(report) == ["policy notes_everyone on notes exists in the migrated "
                                "database but not in the design"]
    # ...and the RLS checks still run and show what it lets through.
    assert report.rls is not None and not report.ok
    for role in ("reader", "writer"):  # writer is a member of reader: it leaks too
        cell = report.rls.cells[(role, "notes", "select")]
        assert any("sees 3 row(s) its policies do not allow (a leak)" in f for f in cell.failures)
    assert report.rls.cells[("reader", "users", "select")].ok


def test_a_with_check_that_lets_writes_through_is_caught(server: str, design: Path) -> None:
    """The database's policy checks nothing on write: inserting a note for another author
    must fail with 42501, and here it does not. (Moving a note by UPDATE still fails: the
    select policy applies to the new row too, and both sides agree on that.)"""
    edit(design / "migrations.yaml", "      - enable_rls: notes\n",
         "      - enable_rls: notes\n      - sql:\n"
         "          up: |\n"
         "            DROP POLICY notes_owner_insert ON notes;\n"
         "            CREATE POLICY notes_owner_insert ON notes FOR INSERT TO writer"
         " WITH CHECK (true);\n"
         "          down: SELECT 1;\n")
    report = verify(load_design(design).design, server)
    [drift] = problems(report)
    assert drift.startswith("policy notes_owner_insert on notes differs: migrated permissive "
                            "for INSERT to writer with check (true), designed ")
    cell = report.rls.cells[("writer", "notes", "insert")]
    assert len(cell.failures) == 6 and all(
        "expected SQLSTATE 42501, got 1 row(s)" in f for f in cell.failures), cell.failures
    assert report.rls.cells[("writer", "notes", "update")].ok
    assert report.rls.cells[("reader", "notes", "insert")].ok


def test_catalog_drift_is_reported_at_the_design_line(server: str, design: Path) -> None:
    _add_sql_step(design, "ALTER TABLE notes ALTER COLUMN body SET NOT NULL, "
                          "ALTER COLUMN tag TYPE varchar(80);",
                  "ALTER TABLE notes ALTER COLUMN body DROP NOT NULL, "
                  "ALTER COLUMN tag TYPE varchar(40);")
    report = verify(load_design(design).design, server, rls=False)
    drift = {p.message: p.span for p in report.problems if p.phase == "catalog"}
    tables = design / "tables/notes.yaml"
    assert drift == {
        "notes.body: nullability is NOT NULL in the migrated database, NULL allowed in the "
        "design": drift["notes.body: nullability is NOT NULL in the migrated database, NULL "
                        "allowed in the design"],
        "notes.tag: type is character varying(80) in the migrated database, character "
        "varying(40) in the design": drift["notes.tag: type is character varying(80) in the "
                                           "migrated database, character varying(40) in the "
                                           "design"],
    }
    spans = sorted(s.line for s in drift.values() if s)
    assert spans == [line_of(tables, "{name: body"), line_of(tables, "{name: tag")]


def test_an_irreversible_migration_is_reported(server: str, design: Path) -> None:
    _add_sql_step(design, "CREATE INDEX notes_extra_idx ON notes (title);",
                  "DROP INDEX IF EXISTS notes_extra_idx;")
    with (design / "migrations.yaml").open("a", encoding="utf-8") as fh:
        fh.write('  - id: "0003_drop_index"\n    description: Unused.\n    steps:\n'
                 "      - drop_index: notes_extra_idx\n"
                 "    rollback: Recreate it by hand if needed.\n")
    report = verify(load_design(design).design, server, rls=False)
    assert [m for m in problems(report, "down") if m.startswith("not reversible")] == [
        "not reversible: 0003_drop_index (their down migrations cannot be generated; see the "
        "-- irreversible comments)"]
    assert problems(report, "catalog") == []


def test_the_design_must_check_clean_first(server: str, design: Path) -> None:
    edit(design / "tables/notes.yaml", "{name: body, type: text}", "{name: body, type: text(}")
    result = run_verify(design, server)
    assert result.exit_code == 1
    assert "S019" in result.stderr and "fix them first (nothing was run)" in result.stderr


# --- server errors -------------------------------------------------------------------------


def _with(url: str, **parts: str | int) -> str:
    u = urlsplit(url)
    user = parts.get("user", u.username or "")
    password = parts.get("password", u.password or "")
    host = parts.get("host", u.hostname or "localhost")
    port = parts.get("port", u.port or 5432)
    auth = f"{user}:{password}@" if password else f"{user}@"
    return urlunsplit((u.scheme, f"{auth}{host}:{port}", u.path, u.query, ""))


def _one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    return lines[0]


def test_unreachable_server(server: str, design: Path) -> None:
    line = _one_line(run_verify(design, _with(server, host="127.0.0.1", port=9)))
    assert "cannot reach PostgreSQL at 127.0.0.1:9" in line


def test_bad_credentials(server: str, design: Path) -> None:
    line = _one_line(run_verify(design, _with(server, password="wrong-password")))
    assert "rejected the credentials of user" in line


def test_missing_privileges(server: str, design: Path) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS designgate_weak")
        # may create databases and roles, but not seed past row-level security
        cur.execute("CREATE ROLE designgate_weak LOGIN PASSWORD 'weak' CREATEDB CREATEROLE")
    try:
        line = _one_line(run_verify(design, _with(server, user="designgate_weak",
                                                   password="weak")))
        assert "user 'designgate_weak' is not a superuser" in line
    finally:
        with connect(server) as conn, conn.cursor() as cur:
            cur.execute("DROP ROLE IF EXISTS designgate_weak")
