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
4. applies the ups again (a rollback that leaves debris makes this fail).

Every problem is a :class:`Problem` with the design location it concerns. Server failures a
user can fix (unreachable, bad credentials, missing privileges) raise :class:`VerifyError`
with one line. Row-level security is checked by :mod:`designgate.db.rls` on the migrated
database.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from designgate.findings import Span
from designgate.generate import sql as g
from designgate.model.design import Design, Migration
from designgate.model.source import Loc

EXPECTED = "designgate_expected"


class VerifyError(Exception):
    """The server cannot be used for verification; the message is one line."""


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

    @property
    def ok(self) -> bool:
        return not self.problems and (self.rls is None or self.rls.ok)


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
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped""",
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
    columns: dict[tuple[str, str], tuple[str, bool, str | None]] = field(default_factory=dict)
    constraints: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    indexes: dict[tuple[str, str], str] = field(default_factory=dict)


def read_catalog(cur: Any, schema: str) -> Catalog:
    cat = Catalog()
    strip = re.compile(rf"\b{re.escape(schema)}\.")
    cur.execute(_CATALOG["columns"], (schema,))
    for table, col, typ, notnull, default in cur.fetchall():
        cat.tables.add(table)
        cat.columns[(table, col)] = (typ, bool(notnull),
                                     strip.sub("", default) if default else None)
    cur.execute(_CATALOG["constraints"], (schema,))
    for table, name, kind, definition in cur.fetchall():
        cat.constraints[(table, name)] = (kind, strip.sub("", definition))
    cur.execute(_CATALOG["indexes"], (schema,))
    for table, name, definition in cur.fetchall():
        cat.indexes[(table, name)] = strip.sub("", definition)
    return cat


def compare(design: Design, actual: Catalog, expected: Catalog) -> Iterator[Problem]:
    """Differences between the migrated schema and the design's, at the design's lines."""
    tables = design.tables

    def table_span(name: str) -> Span | None:
        return _span(tables[name].loc) if name in tables else None

    for name in sorted(expected.tables - actual.tables):
        yield Problem("catalog", f"table {name} is in the design but the migrations do not "
                      "create it", table_span(name))
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
        span = _span(column.loc) if column else table_span(table)
        want, have = expected.columns.get(key), actual.columns.get(key)
        if have is None:
            yield Problem("catalog", f"column {table}.{col} is in the design but missing from "
                          "the migrated database", span)
        elif want is None:
            yield Problem("catalog", f"column {table}.{col} exists in the migrated database "
                          "but not in the design", table_span(table))
        else:
            for what, w, h in (("type", want[0], have[0]),
                               ("nullability", _null(want[1]), _null(have[1])),
                               ("default", want[2] or "none", have[2] or "none")):
                if w != h:
                    yield Problem("catalog", f"{table}.{col}: {what} is {h} in the migrated "
                                  f"database, {w} in the design", span)
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

    def apply(self, phase: str, m: Migration, statements: list[g.Sql]) -> bool:
        """Statements of one migration in one transaction; False (and a problem) on error."""
        psycopg = _psycopg()
        runnable = [s for s in statements if not s.comment_only]
        n, stmt = 0, None
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                for n, stmt in enumerate(runnable, start=1):  # noqa: B007 (n, stmt: where it failed)
                    cur.execute(stmt.text.encode(), prepare=False)
        except psycopg.Error as exc:  # the transaction is rolled back
            self.report.problems.append(Problem(
                phase, f"migration {m.id} ({'down' if phase == 'down' else 'up'}) "
                f"failed at statement {n} of {len(runnable)}: {_error(exc)}",
                _span(stmt.loc if stmt is not None else None)))
            self.report.steps.append((phase, m.id, False))
            return False
        self.report.steps.append((phase, m.id, True))
        return True


def _roles(cur: Any) -> set[str]:
    cur.execute("SELECT rolname FROM pg_roles")
    return {r[0] for r in cur.fetchall()}


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
    ORDER BY 1"""


@contextmanager
def scratch_database(url: str, log: Callable[[str], None]) -> Iterator[tuple[Any, str]]:
    """A new database on the server of ``url``, dropped (with roles it gained) at the end."""
    admin = connect(url)
    name = f"designgate_verify_{secrets.token_hex(4)}"
    psycopg = _psycopg()
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                        "WHERE rolname = current_user")
            row = cur.fetchone()
            if row is None or not (row[0] or row[1]):
                raise VerifyError("the user may not create databases; db verify needs a role "
                                  "with CREATEDB (and CREATEROLE if migrations create roles)")
            before = _roles(cur)
            try:
                cur.execute(f"CREATE DATABASE {g.ident(name)}".encode())
            except psycopg.Error as exc:
                raise VerifyError(f"cannot create a scratch database: {_error(exc)}") from None
        log(f"scratch database {name}")
        conn = connect(url, dbname=name, autocommit=True)
        try:
            yield conn, name
        finally:
            conn.close()
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {g.ident(name)} WITH (FORCE)".encode())
                for role in sorted(_roles(cur) - before):
                    try:
                        cur.execute(f"DROP ROLE IF EXISTS {g.ident(role)}".encode())
                    except psycopg.Error as exc:
                        log(f"could not drop role {role} the run created: {_error(exc)}")
            log(f"dropped {name}")
    finally:
        admin.close()


def verify(design: Design, url: str, *, rls: bool = True,
           log: Callable[[str], None] = lambda s: None) -> Report:
    """Run the whole verification; problems are in the report, server trouble raises."""
    report = Report()
    with scratch_database(url, log) as (conn, name):
        report.database = name
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            report.server = str(cur.fetchone()[0])
            roles_before = _roles(cur)
        run = Run(design, conn, report, log)
        plans = [g.migration_sql(design, m) for m in design.migrations]

        ups_ok = all(run.apply("up", ms.migration, ms.up) for ms in plans)
        if not ups_ok:
            return report
        log("up: all migrations applied")
        _check_catalog(run)

        irreversible = [ms.migration.id for ms in plans if ms.irreversible]
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
                if all(run.apply("reapply", ms.migration, ms.up) for ms in plans):
                    log("up again: all migrations applied")
        if rls and report.ok and design.policies:
            from designgate.db.rls import check_rls

            report.rls = check_rls(design, conn, log)
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
        except psycopg.Error as exc:
            run.report.problems.append(Problem(
                "catalog", f"the design's schema.sql does not apply on top of the migrated "
                f"database (to compare catalogs): {_error(exc)}", None))
            return
    problems = list(compare(design, actual, expected))
    run.report.problems += problems
    run.report.steps.append(("catalog", f"{len(expected.tables)} tables compared",
                             not problems))
