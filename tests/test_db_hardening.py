"""db verify changes nothing it did not create, and removes what it created on every exit.

Each case was a defect: a SIGTERM left the scratch database and the design's roles behind; a
run with a pre-existing role named like a design role dropped and re-created it; an extension
in template1 made the run fail; CREATE INDEX CONCURRENTLY passed check and failed verify
(25001) because every migration ran in a transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from designgate import load_design
from designgate.cli.main import cli
from designgate.db import verify as v
from designgate.db.verify import VerifyError, connect, verify
from support import REPO, add_notes_index, append_migration, database_url, edit

SCAFFOLD_ROLES = ("reader", "writer")


@pytest.fixture(scope="module")
def server() -> str:
    return database_url()


def _scratch_dbs(server: str) -> list[str]:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'designgate\\_verify\\_%'")
        return sorted(r[0] for r in cur.fetchall())


def _role(server: str, name: str) -> Any:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT oid, rolcreatedb, rolconnlimit, shobj_description(oid, 'pg_authid') "
                    "FROM pg_roles WHERE rolname = %s", (name,))
        return cur.fetchone()


def test_a_pre_existing_design_role_is_refused_and_left_alone(server: str, design: Path) -> None:
    before_dbs = _scratch_dbs(server)
    with connect(server) as conn:
        conn.execute("CREATE ROLE reader NOLOGIN CREATEDB CONNECTION LIMIT 3")
        conn.execute("COMMENT ON ROLE reader IS 'somebody else''s role'")
    try:
        before = _role(server, "reader")
        result = CliRunner().invoke(cli, ["db", "verify", str(design), "--database-url", server,
                                          "-q"])
        assert result.exit_code == 2, result.output
        line = result.stderr.strip()
        assert "\n" not in line and "role(s) reader already exist on the server" in line
        assert _role(server, "reader") == before  # same role (oid), same attributes, comment
        assert _role(server, "writer") is None
        assert _scratch_dbs(server) == before_dbs  # nothing was created
        # db cleanup does not touch a role it did not mark either
        result = CliRunner().invoke(cli, ["db", "cleanup", "--database-url", server])
        assert result.exit_code == 0 and _role(server, "reader") == before
    finally:
        with connect(server) as conn:
            conn.execute("DROP ROLE IF EXISTS reader")


def test_the_roles_a_raw_step_creates_count_as_design_roles(design: Path) -> None:
    d = load_design(design).design
    assert v.design_roles(d) == {"reader", "writer"}  # auth roles, and created in 0001
    edit(design / "migrations.yaml", "            CREATE ROLE writer NOLOGIN IN ROLE reader;\n",
         "            CREATE ROLE writer NOLOGIN IN ROLE reader;\n"
         "            CREATE ROLE notes_worker NOLOGIN;\n")
    assert "notes_worker" in v.design_roles(load_design(design).design)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_mid_run_removes_everything_it_created(server: str, sig: int) -> None:
    """Killed while the example's migrations and RLS checks run, db verify drops its scratch
    database and the design's roles, then exits 128 + the signal (130 for SIGINT)."""
    before_dbs = _scratch_dbs(server)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "designgate", "db", "verify", str(REPO / "design"),
         "--database-url", server], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
        text=True, env=env, preexec_fn=_default_signals) as proc:
        assert proc.stderr is not None
        code, rest = _signal_when_inside(server, proc, sig)
    assert code == 128 + sig, rest
    assert "Traceback" not in rest and "interrupted" in rest
    assert _scratch_dbs(server) == before_dbs
    for role in ("anonymous", "authenticated", "guest", "member", "admin", "owner"):
        assert _role(server, role) is None, role


def _default_signals() -> None:
    """The child gets the default signal handling, as from a terminal: a CI job started in
    the background inherits an ignored SIGINT, and Python then never raises
    KeyboardInterrupt (ignoring it is what a backgrounded job asked for)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def _signal_when_inside(server: str, proc: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    assert proc.stderr is not None
    try:
        for line in proc.stderr:  # wait until the run is inside: the roles exist
            if "up: all migrations applied" in line:
                break
        else:
            pytest.fail(f"db verify ended before the signal (exit {proc.wait()})")
        assert _role(server, "guest") is not None
        proc.send_signal(sig)
        rest = proc.stderr.read()
        return proc.wait(timeout=60), rest
    finally:
        if proc.poll() is None:
            proc.kill()


def test_db_cleanup_removes_what_a_lost_run_left_and_nothing_else(server: str) -> None:
    name = "designgate_verify_0badc0de"
    with connect(server) as conn:
        conn.execute(f"CREATE DATABASE {name}")
        conn.execute("CREATE ROLE designgate_lost NOLOGIN")
        conn.execute(f"COMMENT ON ROLE designgate_lost IS '{v.ROLE_MARK}{name}'")
        conn.execute("CREATE ROLE designgate_bystander NOLOGIN")
    try:
        dry = CliRunner().invoke(cli, ["db", "cleanup", "--database-url", server, "--dry-run"])
        assert dry.exit_code == 0 and f"database {name}" in dry.stdout
        assert "role designgate_lost" in dry.stdout and "bystander" not in dry.stdout
        assert name in _scratch_dbs(server)
        result = CliRunner().invoke(cli, ["db", "cleanup", "--database-url", server])
        assert result.exit_code == 0, result.output
        assert name not in _scratch_dbs(server)
        assert _role(server, "designgate_lost") is None
        assert _role(server, "designgate_bystander") is not None
    finally:
        with connect(server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute("DROP ROLE IF EXISTS designgate_lost")
            conn.execute("DROP ROLE IF EXISTS designgate_bystander")


def test_an_extension_in_template1_does_not_reach_the_scratch_database(server: str) -> None:
    with connect(server, dbname="template1") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        had = cur.fetchone()[0] == 1
        if not had:
            cur.execute("CREATE EXTENSION pg_trgm")
    try:
        report = verify(load_design(REPO / "design").design, server, rls=False)
        assert report.ok, [p.message for p in report.problems]
    finally:
        if not had:
            with connect(server, dbname="template1") as conn:
                conn.execute("DROP EXTENSION IF EXISTS pg_trgm")


def test_a_concurrent_index_runs_outside_a_transaction(server: str, design: Path) -> None:
    add_notes_index(design, "notes_title_idx", "author_id, title", "        concurrently: true\n")
    append_migration(design, "    transactional: false\n    lock_timeout: 5s\n    steps:\n"
                             "      - create_index: notes_title_idx\n",
                     id="0003_titles", rollback="Drop the index.")
    report = verify(load_design(design).design, server)
    assert report.ok, [p.message for p in report.problems]


class _Cursor:
    def __init__(self, row: tuple[Any, ...]) -> None:
        self.row = row

    def execute(self, *args: Any) -> None:
        pass

    def fetchone(self) -> tuple[Any, ...]:
        return self.row


def test_an_old_server_is_refused_first(design: Path) -> None:
    d = load_design(design).design
    with pytest.raises(VerifyError, match=r"PostgreSQL 12\.9 at .* is too old: db verify needs "
                                          r"PostgreSQL 15 or newer"):
        v.preflight(_Cursor((120009, "12.9", True, "postgres")), d, "postgresql://x@db/postgres")
