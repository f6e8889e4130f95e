"""``designgate db verify``: prove the migration plan on a real PostgreSQL.

In a scratch database it creates (and always drops), it:

1. applies every up migration in order (each in its own transaction);
2. compares the resulting catalog with the design — tables, columns, types, nullability,
   defaults, check constraints, foreign keys and indexes. The design's side is PostgreSQL's
   own rendering of ``schema.sql`` applied to a separate schema of the same database, so
   both sides are compared in PostgreSQL's canonical form (``varchar(200)`` and
   ``character varying(200)`` are the same type);
3. applies every down migration in reverse order and checks that nothing is left (tables,
   sequences, views, types, functions, roles the run created);
4. applies the ups again, each on tables that hold rows — every table that exists and is
   empty is seeded before the next migration — so a rollback that leaves debris, and a
   migration that only works on empty tables (a NOT NULL column without a default), fail.

Before it changes anything it checks the server: PostgreSQL 15 or newer, a superuser (it
seeds rows past row-level security and switches to every role), and none of the design's
roles existing yet — the migrations create them and the rollback drops them, so a role of
the same name that was there before would be changed. Everything it creates is removed on
any exit, SIGTERM and SIGHUP included; what a lost connection leaves behind is named, with
``designgate db cleanup``, the command that removes it (the roles the run created carry a
comment naming the run).

Every problem is a :class:`Problem` with the design location it concerns. Server failures a
user can fix (unreachable, bad credentials, missing privileges) raise :class:`VerifyError`
with one line. Row-level security is checked by :mod:`designgate.db.rls` on the migrated
database.
"""

from __future__ import annotations

import re
import secrets
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from designgate.db import Interrupted
from designgate.db.seed import Seeded, seed
from designgate.findings import Span
from designgate.generate import sql as g
from designgate.model.design import Design, Migration
from designgate.model.source import Loc

EXPECTED = "designgate_expected"
SCRATCH_PREFIX = "designgate_verify_"
MIN_SERVER = (150000, "15")  # server_version_num, as people write it
ROLE_MARK = "created by designgate db verify in "


class VerifyError(Exception):
    """The server cannot be used for verification; the message is one line."""


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Interrupted` (SIGINT already raises
    KeyboardInterrupt), so every ``finally`` of the run cleans up; the old handlers are
    restored afterwards. Outside the main thread signals cannot be caught: nothing changes."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


@dataclass(frozen=True, slots=True)
class Problem:
    phase: str  # up | catalog | down | leftover | reapply | rls
    message: str
    span: Span | None = None


@dataclass(slots=True)
class Report:
    database: str = ""
    server: str = ""
    problems: list[Problem] = field(default_factory=list)
    steps: list[tuple[str, str, bool]] = field(default_factory=list)  # phase, what, ok
    rls: Any = None  # designgate.db.rls.Matrix, when checked
    invariants: Any = None  # designgate.db.invariants.Invariants, when checked

    @property
    def ok(self) -> bool:
        return not self.problems and (self.rls is None or self.rls.ok) and (
            self.invariants is None or self.invariants.ok)


def _span(loc: Loc | None) -> Span | None:
    return loc.span if loc is not None else None


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise VerifyError("db verify needs the PostgreSQL driver: pip install "
                          "'designgate[db]' (psycopg)") from None
    return psycopg


def _where(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "localhost (socket)"
    return f"{host}:{parts.port or 5432}"


def connect(url: str, dbname: str | None = None, autocommit: bool = True) -> Any:
    """A connection, or a one-line VerifyError saying what is wrong."""
    psycopg = _psycopg()
    kwargs: dict[str, Any] = {"autocommit": autocommit, "connect_timeout": 10}
    if dbname:
        kwargs["dbname"] = dbname
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        text = " ".join(str(exc).split())
        low = text.lower()
        if "password authentication failed" in low or "authentication failed" in low or \
                "no password supplied" in low:
            user = urlsplit(url).username or "(default user)"
            raise VerifyError(f"PostgreSQL rejected the credentials of user '{user}' at "
                              f"{_where(url)}") from None
        if "does not exist" in low and "database" in low:
            raise VerifyError(f"{_short(text)}; pass a URL naming an existing database "
                              "(e.g. /postgres)") from None
        raise VerifyError(f"cannot reach PostgreSQL at {_where(url)}: {_short(text)}") from None
    except psycopg.ProgrammingError as exc:
        raise VerifyError(f"invalid database URL: {_short(str(exc))}") from None


def _short(text: str) -> str:
    text = " ".join(text.split())
    m = re.search(r"(FATAL|ERROR):\s*(.*)", text)
    return (m.group(2) if m else text)[:300]


def _error(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) or _short(str(exc))
    state = getattr(exc, "sqlstate", None)
    return f"{primary} (SQLSTATE {state})" if state else primary


# --- the catalog ---------------------------------------------------------------------------

_CATALOG = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid),
               CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped""",
    "rls": """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        WHERE c.relkind IN ('r', 'p')""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid, true)
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        WHERE k.contype IN ('p', 'u', 'c', 'f')""",
    "indexes": """
        SELECT t.relname, i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = i.relnamespace AND n.nspname = %s
        WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid
                          AND k.contype IN ('p', 'u'))""",
}


@dataclass(slots=True)
class Catalog:
    tables: set[str] = field(default_factory=set)
    columns: dict[tuple[str, str], tuple[str, bool, str | None, str | None]] = field(
        default_factory=dict)  # type, NOT NULL, default, collation (when not the type's)
    rls: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # enabled, forced
    constraints: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    indexes: dict[tuple[str, str], str] = field(default_factory=dict)


def read_catalog(cur: Any, schema: str) -> Catalog:
    cat = Catalog()
    strip = re.compile(rf"\b{re.escape(schema)}\.")
    cur.execute(_CATALOG["columns"], (schema,))
    for table, col, typ, notnull, default, collation in cur.fetchall():
        cat.tables.add(table)
        cat.columns[(table, col)] = (typ, bool(notnull),
                                     strip.sub("", default) if default else None, collation)
    cur.execute(_CATALOG["rls"], (schema,))
    for table, enabled, forced in cur.fetchall():
        cat.rls[table] = (bool(enabled), bool(forced))
    cur.execute(_CATALOG["constraints"], (schema,))
    for table, name, kind, definition in cur.fetchall():
        cat.constraints[(table, name)] = (kind, strip.sub("", definition))
    cur.execute(_CATALOG["indexes"], (schema,))
    for table, name, definition in cur.fetchall():
        cat.indexes[(table, name)] = strip.sub("", definition)
    return cat


def table_span(design: Design, name: str) -> Span | None:
    """Where the design defines table ``name`` (None: it does not)."""
    t = design.tables.get(name)
    return _span(t.loc) if t is not None else None


def compare(design: Design, actual: Catalog, expected: Catalog) -> Iterator[Problem]:
    """Differences between the migrated schema and the design's, at the design's lines."""
    tables = design.tables

    for name in sorted(expected.tables - actual.tables):
        yield Problem("catalog", f"table {name} is in the design but the migrations do not "
                      "create it", table_span(design, name))
    for name in sorted(actual.tables - expected.tables):
        yield Problem("catalog", f"table {name} exists after the migrations but is not in "
                      "the design", None)
    both = expected.tables & actual.tables
    for key in sorted(set(expected.columns) | set(actual.columns)):
        table, col = key
        if table not in both:
            continue
        t = tables.get(table)
        column = t.column(col) if t else None
        span = _span(column.loc) if column else table_span(design, table)
        want, have = expected.columns.get(key), actual.columns.get(key)
        if have is None:
            yield Problem("catalog", f"column {table}.{col} is in the design but missing from "
                          "the migrated database", span)
        elif want is None:
            yield Problem("catalog", f"column {table}.{col} exists in the migrated database "
                          "but not in the design", table_span(design, table))
        else:
            for what, w, h in (("type", want[0], have[0]),
                               ("nullability", _null(want[1]), _null(have[1])),
                               ("default", want[2] or "none", have[2] or "none"),
                               ("collation", want[3] or "the type's default",
                                have[3] or "the type's default")):
                if w != h:
                    yield Problem("catalog", f"{table}.{col}: {what} is {h} in the migrated "
                                  f"database, {w} in the design", span)
    secured = rls_tables(design)
    for name in sorted(both):
        enabled, forced = actual.rls.get(name, (False, False))
        if name in secured and not (enabled and forced):
            yield Problem("catalog", f"row-level security of {name} is "
                          f"{'enabled but not forced' if enabled else 'not enabled'} in the "
                          "migrated database (the table's owner bypasses every policy); its "
                          "enable_rls step enables and forces it", table_span(design, name))
        elif name not in secured and enabled:
            yield Problem("catalog", f"row-level security of {name} is enabled in the "
                          "migrated database, but no enable_rls step of the plan does that",
                          table_span(design, name))
    for kind, label in (("constraints", "constraint"), ("indexes", "index")):
        want_map = getattr(expected, kind)
        have_map = getattr(actual, kind)
        for key in sorted(set(want_map) | set(have_map)):
            table, name = key
            if table not in both:
                continue
            span = _index_span(design, table, name)
            w, h = want_map.get(key), have_map.get(key)
            if h is None:
                yield Problem("catalog", f"{label} {name} on {table} is in the design but "
                              f"missing from the migrated database: {_def(w)}", span)
            elif w is None:
                yield Problem("catalog", f"{label} {name} on {table} exists in the migrated "
                              f"database but not in the design: {_def(h)}", span)
            elif w != h:
                yield Problem("catalog", f"{label} {name} on {table} differs: migrated "
                              f"{_def(h)}, designed {_def(w)}", span)


def rls_tables(design: Design) -> set[str]:
    """The tables whose row-level security the plan enables (and forces)."""
    return {s.arg for m in design.migrations for s in m.steps
            if s.op == "enable_rls" and isinstance(s.arg, str)}


def _null(notnull: bool) -> str:
    return "NOT NULL" if notnull else "NULL allowed"


def _def(value: Any) -> str:
    return value[1] if isinstance(value, tuple) else str(value)


def _index_span(design: Design, table: str, name: str) -> Span | None:
    t = design.tables.get(table)
    if t is None:
        return None
    for i in t.indexes:
        if i.name == name:
            return _span(i.loc)
    for c in t.columns:
        if name.startswith(f"{table}_{c.name}_"):
            return _span(c.loc)
    return _span(t.loc)


# --- running -------------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    design: Design
    conn: Any
    report: Report
    log: Callable[[str], None]
    roles_before: set[str] = field(default_factory=set)
    seeded: Seeded = field(default_factory=Seeded)  # the rows the reapply seeded so far

    def apply(self, phase: str, m: Migration, statements: list[g.Sql]) -> bool:
        """Statements of one migration in one transaction (one by one, outside any, for a
        migration with ``transactional: false``, as its deployment runs them); False (and a
        problem) on error."""
        psycopg = _psycopg()
        runnable = [s for s in statements if not s.comment_only]
        n, stmt = 0, None
        try:
            with (self.conn.transaction() if m.transactional else nullcontext()), \
                    self.conn.cursor() as cur:
                for n, stmt in enumerate(runnable, start=1):  # noqa: B007 (n, stmt: where it failed)
                    cur.execute(stmt.text.encode(), prepare=False)
            if phase != "down" and any(st.op == "sql" for st in m.steps):
                self.mark_roles()  # only raw steps create roles
        except psycopg.Error as exc:  # the transaction is rolled back
            self.report.problems.append(Problem(
                phase, f"migration {m.id} ({'down' if phase == 'down' else 'up'}) "
                f"failed at statement {n} of {len(runnable)}: {_error(exc)}",
                _span(stmt.loc if stmt is not None else None)))
            self.report.steps.append((phase, m.id, False))
            return False
        self.report.steps.append((phase, m.id, True))
        return True

    def apply_on_rows(self, m: Migration, statements: list[g.Sql]) -> bool:
        """The migration on tables that hold rows, as in production: every table that
        exists and is still empty is seeded first (children referencing their parents' rows),
        so a NOT NULL column without a default, a narrowing type change or a constraint the
        rows break fails here, not in production."""
        # Only the tables a migration created since are seeded; seeded ones keep their rows
        # unless a migration deleted them, which is its own business.
        with self.conn.transaction(), self.conn.cursor() as cur:
            seed(self.design, cur, _psycopg(), into=self.seeded)
        before = len(self.report.problems)
        ok = self.apply("reapply", m, statements)
        if not ok:
            problem = self.report.problems[before]
            self.report.problems[before] = Problem(
                problem.phase, problem.message + "; the tables held rows (seeded before "
                "each migration), as in production", problem.span)
        return ok

    def mark_roles(self) -> None:
        """Comment the roles the run created so far, so that `db cleanup` can find them
        when the run could not remove them itself."""
        with self.conn.cursor() as cur:
            for role in sorted(_roles(cur) - self.roles_before):
                cur.execute(f"COMMENT ON ROLE {g.ident(role)} IS "
                            f"{g.literal(ROLE_MARK + self.report.database)}".encode())


def _roles(cur: Any) -> set[str]:
    cur.execute("SELECT rolname FROM pg_roles")
    return {r[0] for r in cur.fetchall()}


def design_roles(design: Design) -> set[str]:
    """The roles a run creates: those of the auth model and those raw steps create."""
    from designgate.generate.plan import raw_statements

    out = set(design.roles)
    for st in raw_statements(design, "up"):
        if st.kind == "CreateRoleStmt" and isinstance(st.node.get("role"), str):
            out.add(st.node["role"])
    return out


def preflight(cur: Any, design: Design, url: str) -> None:
    """Refuse, before anything is created, a server the run cannot use or would change."""
    cur.execute("SELECT current_setting('server_version_num')::int, "
                "current_setting('server_version'), rolsuper, current_user "
                "FROM pg_roles WHERE rolname = current_user")
    num, version, superuser, user = cur.fetchone()
    if num < MIN_SERVER[0]:
        raise VerifyError(f"PostgreSQL {version} at {_where(url)} is too old: db verify needs "
                          f"PostgreSQL {MIN_SERVER[1]} or newer")
    if not superuser:
        raise VerifyError(f"user '{user}' is not a superuser: db verify creates the design's "
                          "roles, seeds rows past row-level security and switches to every "
                          "role; use a superuser of a server meant for it (a local cluster, a "
                          "CI service)")
    clash = sorted(design_roles(design) & _roles(cur))
    if clash:
        raise VerifyError(f"role(s) {', '.join(clash)} already exist on the server at "
                          f"{_where(url)}: the migrations create the design's roles and the "
                          "rollback drops them, which would change roles db verify did not "
                          "create; run it on a server without them (a fresh cluster, a CI "
                          "service), or `designgate db cleanup` if an earlier run left them")


def leftovers(url: str) -> tuple[list[str], list[str]]:
    """Scratch databases and marked roles earlier runs left behind on the server."""
    with connect(url) as admin, admin.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1",
                    (SCRATCH_PREFIX.replace("_", r"\_") + "%",))
        dbs = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT rolname FROM pg_roles r WHERE shobj_description(r.oid, 'pg_authid') "
                    "LIKE %s ORDER BY 1", (ROLE_MARK + "%",))
        roles = [r[0] for r in cur.fetchall()]
    return dbs, roles


def cleanup(url: str, log: Callable[[str], None] = lambda s: None) -> tuple[list[str], list[str]]:
    """Drop what earlier runs left behind (see :func:`leftovers`); returns what was dropped."""
    psycopg = _psycopg()
    dbs, roles = leftovers(url)
    with connect(url) as admin, admin.cursor() as cur:
        for name in dbs:
            cur.execute(f"DROP DATABASE IF EXISTS {g.ident(name)} WITH (FORCE)".encode())
            log(f"dropped database {name}")
        dropped = []
        # members before the roles they are members of: retry until nothing changes
        pending = list(roles)
        while pending:
            left = []
            for role in pending:
                try:
                    cur.execute(f"DROP ROLE IF EXISTS {g.ident(role)}".encode())
                    dropped.append(role)
                    log(f"dropped role {role}")
                except psycopg.Error as exc:
                    left.append(role)
                    last = exc
            if len(left) == len(pending):
                raise VerifyError(f"cannot drop role(s) {', '.join(left)}: {_error(last)}")
            pending = left
    return dbs, dropped


_LEFTOVERS = """
    SELECT 'relation ' || c.relname FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'function ' || p.proname FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'type ' || t.typname FROM pg_type t
      JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c', 'r')
       AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid)
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'extension ' || e.extname FROM pg_extension e WHERE e.extname <> 'plpgsql'
    UNION ALL
    SELECT 'schema ' || n.nspname FROM pg_namespace n
     WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
    UNION ALL
    SELECT 'publication ' || pubname FROM pg_publication
    UNION ALL
    SELECT 'event trigger ' || evtname FROM pg_event_trigger
    ORDER BY 1"""


@contextmanager
def scratch_database(url: str, log: Callable[[str], None],
                     design: Design | None = None) -> Iterator[tuple[Any, str]]:
    """A new database on the server of ``url`` (from ``template0``, so nothing installed in
    ``template1`` comes with it), dropped with the roles it gained at the end — on any exit;
    what cannot be removed is named in a VerifyError with the command that removes it."""
    admin = connect(url)
    name = f"{SCRATCH_PREFIX}{secrets.token_hex(4)}"
    psycopg = _psycopg()
    created = False
    before: set[str] = set()
    try:
        with admin.cursor() as cur:
            if design is not None:
                preflight(cur, design, url)
            before = _roles(cur)
            try:
                cur.execute(f"CREATE DATABASE {g.ident(name)} TEMPLATE template0".encode())
            except psycopg.Error as exc:
                raise VerifyError(f"cannot create a scratch database: {_error(exc)}") from None
            created = True
        log(f"scratch database {name}")
        conn = connect(url, dbname=name, autocommit=True)
        try:
            yield conn, name
        finally:
            conn.close()
    finally:
        if created:
            _drop_scratch(admin, name, before, log)
        admin.close()


def _drop_scratch(admin: Any, name: str, before: set[str], log: Callable[[str], None]) -> None:
    """Drop the scratch database and the roles the run created; a second signal waits until
    this is done (it is delivered afterwards)."""
    held = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        _drop_scratch_now(admin, name, before, log)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _drop_scratch_now(admin: Any, name: str, before: set[str],
                      log: Callable[[str], None]) -> None:
    psycopg = _psycopg()
    left: list[str] = []
    try:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {g.ident(name)} WITH (FORCE)".encode())
            for role in sorted(_roles(cur) - before):
                try:
                    cur.execute(f"DROP ROLE IF EXISTS {g.ident(role)}".encode())
                except psycopg.Error as exc:
                    left.append(f"role {role}")
                    log(f"could not drop role {role} the run created: {_error(exc)}")
        log(f"dropped {name}")
    except psycopg.Error as exc:  # the server went away: say what is left and how to remove it
        raise VerifyError(f"lost the server while cleaning up ({_error(exc)}): database {name} "
                          "and the roles the run created may remain; remove them with "
                          "`designgate db cleanup --database-url URL`") from None
    if left:
        raise VerifyError(f"could not remove {', '.join(left)}; remove with `designgate db "
                          "cleanup --database-url URL`")


def verify(design: Design, url: str, *, rls: bool = True,
           log: Callable[[str], None] = lambda s: None) -> Report:
    """Run the whole verification; problems are in the report, server trouble raises."""
    with _signals_raise():
        return _verify(design, url, rls=rls, log=log)


def _verify(design: Design, url: str, *, rls: bool, log: Callable[[str], None]) -> Report:
    report = Report()
    with scratch_database(url, log, design) as (conn, name):
        report.database = name
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            report.server = str(cur.fetchone()[0])
            roles_before = _roles(cur)
        run = Run(design, conn, report, log, roles_before)
        plans = [g.migration_sql(design, m) for m in design.migrations]

        ups_ok = all(run.apply("up", ms.migration, ms.up) for ms in plans)
        if not ups_ok:
            return report
        log("up: all migrations applied")
        _check_catalog(run)

        irreversible = [ms.migration.id for ms in plans if ms.irreversible]
        migrated = False  # the database is fully migrated again, after down and reapply
        if irreversible:
            report.problems.append(Problem(
                "down", "not reversible: " + ", ".join(irreversible) + " (their down "
                "migrations cannot be generated; see the -- irreversible comments)",
                _span(next(ms for ms in plans if ms.irreversible).migration.loc)))
        else:
            downs_ok = all(run.apply("down", ms.migration, ms.down) for ms in reversed(plans))
            if downs_ok:
                log("down: all migrations rolled back")
                with conn.cursor() as cur:
                    cur.execute(_LEFTOVERS)
                    left = [r[0] for r in cur.fetchall()]
                    extra_roles = sorted(_roles(cur) - roles_before)
                if left or extra_roles:
                    what = left + [f"role {r}" for r in extra_roles]
                    report.problems.append(Problem(
                        "leftover", "after every down migration these remain: "
                        + ", ".join(what[:20]) + (" …" if len(what) > 20 else ""),
                        _span(design.migrations[0].loc)))
                if all(run.apply_on_rows(ms.migration, ms.up) for ms in plans):
                    log("up again, on tables with rows: all migrations applied")
                    migrated = True
        # Catalog drift does not stop the RLS checks: what the drift lets through is shown.
        if rls and migrated and design.policies:
            from designgate.db.invariants import check_invariants
            from designgate.db.rls import check_rls

            def invariants(cur: Any, seeded: Any, principals: Any) -> None:
                report.invariants = check_invariants(design, cur, _psycopg(), seeded,
                                                     principals)
                failed = len(report.invariants.failures)
                log(f"invariants: {len(report.invariants.cases)} cases, {failed} failed")

            report.rls = check_rls(design, conn, log, after=invariants)
    return report


def _check_catalog(run: Run) -> None:
    psycopg = _psycopg()
    design, conn = run.design, run.conn
    with conn.cursor() as cur:
        try:
            with conn.transaction(force_rollback=True):  # leave nothing behind
                cur.execute(f"CREATE SCHEMA {EXPECTED}".encode())
                cur.execute(f"SET LOCAL search_path = {EXPECTED}, public".encode())
                for stmt in g.schema_statements(design):
                    cur.execute(stmt.text.encode(), prepare=False)
                expected = read_catalog(cur, EXPECTED)
                actual = read_catalog(cur, "public")
                secured = None
                if design.policies:
                    for stmt in g.rls_statements(design):
                        cur.execute(stmt.text.encode(), prepare=False)
                    secured = (read_security(cur, EXPECTED), read_security(cur, "public"))
        except psycopg.Error as exc:
            run.report.problems.append(Problem(
                "catalog", f"the design's schema.sql and rls.sql do not apply on top of the "
                f"migrated database (to compare catalogs): {_error(exc)}", None))
            return
    problems = list(compare(design, actual, expected))
    if secured is not None:
        problems += compare_security(design, *secured)
    run.report.problems += problems
    run.report.steps.append(("catalog", f"{len(expected.tables)} tables compared",
                             not problems))


# --- privileges, policies and functions: the migrations against rls.sql ---------------------

_SECURITY = {
    "grants": """
        SELECT c.relname, r.rolname, a.privilege_type, NULL::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.relkind IN ('r', 'p') AND a.grantee <> c.relowner
        UNION ALL
        SELECT c.relname, r.rolname, a.privilege_type, att.attname
        FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        CROSS JOIN LATERAL aclexplode(att.attacl) a
        JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.relkind IN ('r', 'p') AND att.attnum > 0 AND NOT att.attisdropped""",
    "policies": """
        SELECT tablename, policyname, permissive, roles::text[], cmd, qual, with_check
        FROM pg_policies WHERE schemaname = %s""",
    "functions": """
        SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
               p.prosecdef, coalesce(p.proconfig, '{}'), p.provolatile,
               coalesce((SELECT array_agg(coalesce(r.rolname, 'PUBLIC') ORDER BY 1)
                         FROM aclexplode(p.proacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
                         WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner),
                        CASE WHEN p.proacl IS NULL THEN '{PUBLIC}'::name[] END)::text[]
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = %s
        WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid
                          AND d.deptype = 'e')""",
}


@dataclass(slots=True)
class Security:
    grants: set[tuple[str, str, str, str | None]] = field(default_factory=set)
    policies: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    functions: dict[str, tuple[Any, ...]] = field(default_factory=dict)


def read_security(cur: Any, schema: str) -> Security:
    out = Security()
    strip = re.compile(rf"\b(?:{re.escape(schema)}|public|{EXPECTED})\.")
    cur.execute(_SECURITY["grants"], (schema, schema))
    out.grants = {tuple(r) for r in cur.fetchall()}  # type: ignore[misc]
    cur.execute(_SECURITY["policies"], (schema,))
    for table, name, permissive, roles, cmd, qual, check in cur.fetchall():
        out.policies[(table, name)] = (permissive, tuple(sorted(roles)), cmd,
                                       strip.sub("", qual) if qual else None,
                                       strip.sub("", check) if check else None)
    cur.execute(_SECURITY["functions"], (schema,))
    for sig, secdef, config, volatile, execute in cur.fetchall():
        out.functions[sig] = (secdef, tuple(sorted(config)), volatile,
                              tuple(sorted(execute or ())))
    return out


def compare_security(design: Design, expected: Security, actual: Security) -> list[Problem]:
    """Grants, policies and functions of the migrated database against ``rls.sql`` (with
    ``schema.sql``): the generated files and the migrations describe one database."""
    out: list[Problem] = []

    def show(g_: tuple[str, str, str, str | None]) -> str:
        return f"{g_[2]}{f' ({g_[3]})' if g_[3] else ''} on {g_[0]} to {g_[1]}"

    for grant in sorted(actual.grants - expected.grants, key=str):
        out.append(Problem("catalog", f"the migrations grant {show(grant)}, which rls.sql "
                           "does not", table_span(design, grant[0])))
    for grant in sorted(expected.grants - actual.grants, key=str):
        out.append(Problem("catalog", f"rls.sql grants {show(grant)}, which the migrations "
                           "do not", table_span(design, grant[0])))
    policies = {(p.table, p.name): p for p in design.policies}
    for key in sorted(set(expected.policies) | set(actual.policies)):
        want, have = expected.policies.get(key), actual.policies.get(key)
        pol = policies.get(key)
        span = _span(pol.loc) if pol is not None else table_span(design, key[0])
        if have is None:
            out.append(Problem("catalog", f"policy {key[1]} on {key[0]} is in the design but "
                               "not in the migrated database", span))
        elif want is None:
            out.append(Problem("catalog", f"policy {key[1]} on {key[0]} exists in the "
                               "migrated database but not in the design", span))
        elif want != have:
            out.append(Problem("catalog", f"policy {key[1]} on {key[0]} differs: migrated "
                               f"{_policy(have)}, designed {_policy(want)}", span))
    for sig in sorted(set(expected.functions) | set(actual.functions)):
        want, have = expected.functions.get(sig), actual.functions.get(sig)
        if want is None or have is None:
            where = "only in the migrated database" if want is None else \
                "in schema.sql but not in the migrated database"
            out.append(Problem("catalog", f"function {sig} is {where}", None))
        elif want != have:
            fields = ("SECURITY DEFINER", "settings", "volatility", "EXECUTE")
            diff = [f"{f}: migrated {h!r}, rls.sql {w!r}" for f, w, h in
                    zip(fields, want, have, strict=True) if w != h]
            out.append(Problem("catalog", f"function {sig} differs: " + "; ".join(diff), None))
    return out


def _policy(p: tuple[Any, ...]) -> str:
    permissive, roles, cmd, qual, check = p
    return (f"{permissive.lower()} for {cmd} to {', '.join(roles)}"
            + (f" using ({qual})" if qual else "") + (f" with check ({check})" if check else ""))
