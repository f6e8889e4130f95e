"""Row-level security, checked on the migrated database as each role.

1. **Rows owned by different principals.** Every table is seeded (as the superuser, in
   foreign-key order) with a few rows whose foreign keys spread over the rows of the tables
   they reference; values satisfy the column checks (``IN`` lists, ``https://`` prefixes...,
   else another candidate is tried when PostgreSQL rejects one).
2. **Principals.** The session settings of the auth model (``auth.session_settings``) that
   end in ``_id`` take the ids of their table (``app.user_id`` → ``users``,
   ``app.workspace_id`` → ``workspaces``): principal *k* is the *k*-th row of each. Other
   settings (``app.role``) get the role's name.
3. **Expected rows** come from the *design*: the policies of the auth model that apply to the
   role (its own and those of the roles it inherits) and command, their ``using`` and
   ``with_check`` evaluated by PostgreSQL as the superuser under the principal's settings.
4. **Actual rows** come from running as the role: ``SET LOCAL ROLE`` plus the settings, in a
   savepoint that is rolled back — ``SELECT`` sees exactly the expected rows; ``UPDATE`` and
   ``DELETE`` touch exactly them; an ``UPDATE`` that moves a row to the other principal and
   an ``INSERT`` of a row the ``with_check`` rejects fail with SQLSTATE 42501.

The result is a role x table x command matrix; a cell fails on any difference.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designgate.generate.sql import COMMANDS, check_columns, ident, literal, table_order
from designgate.model.design import Column, Design, Policy, Table

ROWS = 4
#: Inserts tried per seeded row before its table counts as one that cannot be seeded.
ATTEMPTS = 64
PRINCIPALS = 2
INSUFFICIENT_PRIVILEGE = "42501"


@dataclass(slots=True)
class Cell:
    checks: int = 0
    failures: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures and not self.skipped


@dataclass(slots=True)
class Matrix:
    roles: list[str]
    tables: list[str]
    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(1 for c in self.cells.values() if not c.ok)

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def cell(self, role: str, table: str, command: str) -> Cell:
        return self.cells.setdefault((role, table, command), Cell())

    def render(self) -> str:
        width = max([len(t) for t in self.tables] + [5])
        head = f"{'table':<{width}}  " + "  ".join(f"{r[:14]:<14}" for r in self.roles)
        lines = ["RLS: role x table x command (S select, I insert, U update, D delete; "
                 "lower case = failed)", head, "-" * len(head)]
        for t in self.tables:
            row = []
            for r in self.roles:
                marks = ""
                for cmd in COMMANDS:
                    c = self.cells.get((r, t, cmd))
                    letter = cmd[0].upper()
                    marks += "." if c is None else (letter if c.ok else letter.lower())
                row.append(f"{marks:<14}")
            lines.append(f"{t:<{width}}  " + "  ".join(row))
        fails = [(k, c) for k, c in sorted(self.cells.items()) if not c.ok]
        shown = 0
        for (r, t, cmd), c in fails:
            for msg in (c.failures or [c.skipped])[:3]:
                if shown < 40:
                    lines.append(f"FAIL {r} {cmd} {t}: {msg}")
                shown += 1
        if shown > 40:
            lines.append(f"... and {shown - 40} more (see --format json)")
        lines += [f"note: {n}" for n in self.notes]
        total = sum(c.checks for c in self.cells.values())
        lines.append(f"RLS: {len(self.cells) - self.failures} of {len(self.cells)} cells "
                     f"passed ({total} checks)")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "roles": self.roles, "tables": self.tables, "notes": self.notes,
                "cells": [{"role": r, "table": t, "command": c, "ok": cell.ok,
                           "checks": cell.checks, "failures": cell.failures,
                           "skipped": cell.skipped}
                          for (r, t, c), cell in sorted(self.cells.items())]}


# --- seeding -------------------------------------------------------------------------------

_IN_LIST = re.compile(r"\bIN\s*\(([^)]*)\)", re.I)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_LEN = re.compile(r"\((\d+)\)")
_REGEX = re.compile(r"~\*?\s*'((?:[^']|'')*)'")


def regex_sample(pattern: str, seed: int) -> str | None:
    """A short string matching ``pattern`` (a simple regular expression), varied by ``seed``;
    None when the pattern uses something this sampler does not know."""
    import re._parser as sre  # the standard library's own regex parser

    try:
        tree = sre.parse(pattern)
    except (re.error, RecursionError):
        return None
    out: list[str] = []
    rng = random.Random(seed * 7919 + len(pattern))  # deterministic: same design, same rows

    def pick(chars: list[str]) -> str:
        return rng.choice(chars)

    def walk(items: Any) -> bool:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "ANY":
                out.append(pick(list("abcdefgh")))
            elif name == "IN":
                chars: list[str] = []
                for kind, val in arg:
                    if str(kind) == "LITERAL":
                        chars.append(chr(val))
                    elif str(kind) == "RANGE":
                        chars += [chr(c) for c in range(val[0], min(val[1], val[0] + 25) + 1)]
                    elif str(kind) == "CATEGORY":
                        chars += list("0123456789") if "DIGIT" in str(val) else list("abc")
                    elif str(kind) == "NEGATE":
                        return False
                if not chars:
                    return False
                out.append(pick(chars))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _high, sub = arg
                for _ in range(max(low, 1)):
                    if not walk(sub):
                        return False
            elif name == "SUBPATTERN":
                if not walk(arg[-1]):
                    return False
            elif name == "BRANCH":
                if not walk(arg[1][seed % len(arg[1])]):
                    return False
            elif name == "AT":
                continue
            else:
                return False
        return True

    return "".join(out) if walk(tree) else None


def candidates(table: Table, col: Column, i: int) -> list[str | None]:
    """Values (as text, cast by PostgreSQL) to try for ``col`` in seeded row ``i``."""
    typ = col.type.lower()
    out: list[str | None] = []
    if col.check:
        m = _IN_LIST.search(col.check)
        if m:
            values = [v.replace("''", "'") for v in _QUOTED.findall(m.group(1))]
            if values:
                out += values[i % len(values):] + values[: i % len(values)]
            else:
                nums = [x.strip() for x in m.group(1).split(",") if x.strip()]
                out += nums
        for pattern in _REGEX.findall(col.check):
            sample = regex_sample(pattern.replace("''", "'"), i)
            if sample is not None:
                out.append(sample)
        if "https://" in col.check:
            out.append(f"https://example.com/{table.name}/{i}")
    if typ in ("uuid",):
        out.append(f"00000000-0000-4000-8000-{abs(hash((table.name, col.name))) % 10**6:06d}{i:06d}")
    elif "email" in col.name or typ == "citext":
        out += [f"user{i}.{table.name}@example.com", f"{col.name}{i}"]
    elif typ.startswith(("varchar", "character varying", "text", "char", "citext")):
        size = _LEN.search(typ)
        limit = int(size.group(1)) if size else 40
        base = re.sub(r"[^a-z0-9]", "", col.name.lower()) or "v"
        out += [f"{base}{i}"[:limit], f"{base[:1]}{i}"[:limit], f"a{i}"[:limit], "abc"[:limit]]
    elif typ in ("integer", "int", "int4", "bigint", "int8", "smallint", "int2") or \
            typ.startswith(("numeric", "decimal", "real", "double")):
        out += [str(i + 1), str(i + 10), "0"]
    elif typ in ("boolean", "bool"):
        out += ["true" if i % 2 == 0 else "false"]
    elif typ == "date":
        out += [f"2026-01-{i + 10:02d}", f"2026-02-{i + 10:02d}"]
    elif typ.startswith("timestamp"):  # a later second value, for checks ordering two columns
        out += [f"2026-01-{i + 10:02d} 10:00:00+00", f"2026-02-{i + 10:02d} 10:00:00+00"]
    elif typ.startswith("time"):
        out += ["10:00:00"]
    elif typ.startswith("interval"):
        out += ["1 day"]
    elif typ in ("json", "jsonb"):
        out += ["{}", '["a"]', "[]", "1"]
    elif typ.endswith("[]"):
        out += ["{}"]
    elif typ in ("inet", "cidr"):
        out += [f"192.0.2.{i + 1}"]
    elif typ == "bytea":
        out += ["\\x00"]
    else:
        out += [f"v{i}", str(i + 1)]
    if col.nullable and not col.primary_key:
        out.append(None)
    return out or [None]


@dataclass(slots=True)
class Seeded:
    rows: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)
    types: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> col -> type
    failed: dict[str, str] = field(default_factory=dict)  # table -> why


def seed(design: Design, cur: Any, psycopg: Any) -> Seeded:
    out = Seeded()
    for table in table_order(design):
        cur.execute("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                    "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                    "ORDER BY a.attnum", (ident(table.name),))
        out.types[table.name] = dict(cur.fetchall())
        out.rows[table.name] = []
        for i in range(ROWS):
            row = _insert_row(design, table, i, out, cur, psycopg)
            if isinstance(row, str):
                out.failed[table.name] = row
                break
            out.rows[table.name].append(row)
    return out


def _insert_row(design: Design, table: Table, i: int, seeded: Seeded, cur: Any,
                psycopg: Any) -> dict[str, str | None] | str:
    choice: dict[str, int] = {}
    types = seeded.types[table.name]
    for _attempt in range(ATTEMPTS):
        cols: list[str] = []
        values: list[str | None] = []
        for col in table.columns:
            if col.name not in types:
                continue
            fk = col.references
            if fk is not None and fk.table in seeded.rows:
                parents = seeded.rows[fk.table]
                if parents:
                    cols.append(col.name)
                    values.append(parents[i % len(parents)].get(fk.column))
                    continue
            if col.default is not None and col.name not in choice:
                continue
            options = candidates(table, col, i)
            k = choice.get(col.name, 0)
            if k >= len(options):
                return f"no value of {table.name}.{col.name} satisfies its constraints"
            cols.append(col.name)
            values.append(options[k])
        names = ", ".join(ident(c) for c in cols)
        params = ", ".join(f"%s::{types[c]}" for c in cols)
        returning = ", ".join(f"{ident(c)}::text" for c in types)
        sql = (f"INSERT INTO {ident(table.name)} ({names}) VALUES ({params}) "
               f"RETURNING {returning}" if cols else
               f"INSERT INTO {ident(table.name)} DEFAULT VALUES RETURNING {returning}")
        try:
            with cur.connection.transaction():
                cur.execute(sql.encode(), values, prepare=False)
                got = cur.fetchone()
            return dict(zip(types, got, strict=True))
        except psycopg.Error as exc:
            state = getattr(exc, "sqlstate", "")
            constraint = getattr(exc.diag, "constraint_name", None) or ""
            column = getattr(exc.diag, "column_name", None) or ""
            check = next((k for k in table.checks if k.name == constraint), None)
            if state == "23514" and check is not None:
                if _next_combination(table, check.expression, choice, i, seeded):
                    continue
                return (f"cannot seed {table.name}: no combination of values satisfied its "
                        f"check {check.name}")
            target = _column_of(table, constraint) or column
            if state in ("23514", "23505", "22001", "22P02", "23502") and target:
                choice[target] = choice.get(target, 0) + 1
                continue
            return f"cannot seed {table.name}: {exc.diag.message_primary} (SQLSTATE {state})"
    return f"cannot seed {table.name}: no combination of values satisfied its constraints"


def _next_combination(table: Table, expression: str, choice: dict[str, int], i: int,
                      seeded: Seeded) -> bool:
    """Step the values of the columns a table check reads to their next combination, like an
    odometer (a column with a default starts at the default, then tries the candidates);
    False once every combination was tried. Foreign keys keep their parent's value."""
    reads = set(check_columns(table, expression))
    for col in table.columns:
        if col.name not in reads:
            continue
        if col.references is not None and seeded.rows.get(col.references.table):
            continue
        start = -1 if col.default is not None else 0
        k = choice.get(col.name, start)
        if k + 1 < len(candidates(table, col, i)):
            choice[col.name] = k + 1
            return True
        if start < 0:
            choice.pop(col.name, None)
        else:
            choice[col.name] = 0
    return False


def _column_of(table: Table, constraint: str) -> str | None:
    for col in table.columns:
        if constraint.startswith(f"{table.name}_{col.name}_"):
            return col.name
    return None


# --- principals and policies -----------------------------------------------------------------


def principals(design: Design, seeded: Seeded) -> tuple[list[dict[str, str]], list[str]]:
    """Settings of each principal (role-independent part), and the keys set to the role."""
    settings = list((design.auth.session_settings if design.auth else {}) or {})
    out: list[dict[str, str]] = [{} for _ in range(PRINCIPALS)]
    role_keys: list[str] = []
    for key in settings:
        name = key.rsplit(".", 1)[-1]
        if name.endswith("_id"):
            base = name[:-3]
            table = next((t for t in (base + "s", base, base + "es") if t in design.tables), None)
            rows = seeded.rows.get(table or "", [])
            pk = design.tables[table].key_columns if table else []
            if table and len(pk) == 1 and rows:
                for k in range(PRINCIPALS):
                    out[k][key] = str(rows[k % len(rows)][pk[0]])
                continue
        role_keys.append(key)
    return out, role_keys


def applicable(design: Design, table: str, role: str, command: str) -> list[Policy]:
    """The policies that apply to ``role`` for ``command``: its own, its ancestors', PUBLIC's."""
    mine = design.role_ancestors(role) | {role, "public"}
    return [p for p in design.policies if p.table == table and
            p.command.lower() in (command, "all") and (set(p.roles or ["public"]) & mine)]


def using_expr(policies: list[Policy]) -> str:
    parts = [f"({p.using})" for p in policies if p.using]
    return " OR ".join(parts) if parts else "false"


def check_expr(policies: list[Policy]) -> str:
    parts = [f"({p.with_check or p.using})" for p in policies if p.with_check or p.using]
    return " OR ".join(parts) if parts else "false"


# --- the checks -------------------------------------------------------------------------------


def check_rls(design: Design, conn: Any, log: Callable[[str], None]) -> Matrix:
    import psycopg

    tables = sorted({p.table for p in design.policies if p.table in design.tables})
    roles = [r for r in design.roles]
    matrix = Matrix(roles, tables)
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        seeded = seed(design, cur, psycopg)
        base, role_keys = principals(design, seeded)
        if design.auth and design.auth.session_settings and not base[0]:
            matrix.notes.append("no session setting maps to a table's ids (app.<name>_id → "
                                "<name>s); every principal has the same settings")
        for name in tables:
            table = design.tables[name]
            if name in seeded.failed or not seeded.rows.get(name):
                for r in roles:
                    for cmd in COMMANDS:
                        matrix.cell(r, name, cmd).skipped = seeded.failed.get(
                            name, f"no rows could be seeded in {name}")
                continue
            if len(table.key_columns) == 0:
                matrix.notes.append(f"{name} has no primary key; not checked")
                continue
            for role in roles:
                for k, settings in enumerate(base):
                    env = {**settings, **dict.fromkeys(role_keys, role)}
                    _check_table(design, cur, psycopg, matrix, table, role, k, env, seeded)
        log(f"rls: {len(matrix.cells)} role/table/command cells, {matrix.failures} failed")
    return matrix


def _pk(table: Table, row: dict[str, str | None]) -> tuple[str | None, ...]:
    return tuple(row.get(c) for c in table.key_columns)


def _where_pk(table: Table, types: dict[str, str]) -> str:
    return " AND ".join(f"{ident(c)} = %s::{types[c]}" for c in table.key_columns)


def _where_pk_literal(table: Table, types: dict[str, str], pk: tuple[str | None, ...]) -> str:
    return " AND ".join(f"{ident(c)} = {literal(str(v))}::{types[c]}"
                        for c, v in zip(table.key_columns, pk, strict=True))


def _settings_literal(env: dict[str, str]) -> str:
    parts = ", ".join(f"set_config({literal(k)}, {literal(v)}, true)" for k, v in env.items())
    return f"SELECT {parts}" if parts else "SELECT 1"


def _expected(cur: Any, table: Table, types: dict[str, str], expr: str,
              env: dict[str, str]) -> set[tuple[str | None, ...]]:
    """Primary keys of the rows ``expr`` accepts, evaluated as the superuser under ``env``."""
    cur.execute(_settings_literal(env).encode())
    keys = ", ".join(f"{ident(c)}::text" for c in table.key_columns)
    cur.execute(f"SELECT {keys} FROM {ident(table.name)} WHERE {expr}".encode(), prepare=False)
    return {tuple(r) for r in cur.fetchall()}


def _row_passes(cur: Any, table: Table, types: dict[str, str], expr: str,
                row: dict[str, str | None], env: dict[str, str]) -> bool:
    """Whether ``expr`` accepts ``row`` (a row not necessarily in the table)."""
    cur.execute(_settings_literal(env).encode())
    cols = [c for c in types]
    select = ", ".join(f"%s::{types[c]} AS {ident(c)}" for c in cols)
    cur.execute(f"SELECT ({expr}) FROM (SELECT {select}) AS {ident(table.name)}".encode(),
                [row.get(c) for c in cols], prepare=False)
    got = cur.fetchone()
    return bool(got and got[0])


class _Outcome:
    def __init__(self, rows: int = 0, state: str = "", error: str = "") -> None:
        self.rows, self.state, self.error = rows, state, error

    def __str__(self) -> str:
        return f"{self.error} (SQLSTATE {self.state})" if self.state else f"{self.rows} row(s)"


def _as_role(cur: Any, psycopg: Any, role: str, env: dict[str, str], sql: str,
             params: list[Any], *, fetch: bool = False,
             prepare: str | None = None) -> tuple[_Outcome, list[Any]]:
    """Run ``sql`` as ``role`` with ``env`` in a savepoint that is always rolled back.

    Three round trips: the savepoint, the superuser's ``prepare`` (literal SQL), the role
    and its settings in one simple query; the statement; the rollback.
    """
    rows: list[Any] = []
    outcome = _Outcome()
    # No FK triggers (rows are deleted and re-inserted in place): replica mode, superuser.
    setup = ["SAVEPOINT designgate_rls", "SET LOCAL session_replication_role = replica",
             *([prepare] if prepare else []), f"SET LOCAL ROLE {ident(role)}",
             _settings_literal(env)]
    try:
        cur.execute("; ".join(setup).encode())
        cur.execute(sql.encode(), params, prepare=False)
        outcome.rows = cur.rowcount
        if fetch:
            rows = cur.fetchall()
    except psycopg.Error as exc:
        outcome = _Outcome(0, getattr(exc, "sqlstate", "") or "",
                           getattr(exc.diag, "message_primary", None) or str(exc))
    finally:
        cur.execute(b"ROLLBACK TO SAVEPOINT designgate_rls; RELEASE SAVEPOINT designgate_rls")
    return outcome, rows


def _check_table(design: Design, cur: Any, psycopg: Any, matrix: Matrix, table: Table,
                 role: str, k: int, env: dict[str, str], seeded: Seeded) -> None:
    name = table.name
    types = seeded.types[name]
    rows = seeded.rows[name]
    who = f"as principal {k + 1}"
    sel = applicable(design, name, role, "select")
    keys = ", ".join(f"{ident(c)}::text" for c in table.key_columns)
    where = _where_pk(table, types)

    # SELECT: exactly the rows the select policies allow.
    cell = matrix.cell(role, name, "select")
    want = _expected(cur, table, types, using_expr(sel), env)
    got, fetched = _as_role(cur, psycopg, role, env, f"SELECT {keys} FROM {ident(name)}", [],
                            fetch=True)
    cell.checks += 1
    if got.state:
        if want or got.state != INSUFFICIENT_PRIVILEGE:
            cell.failures.append(f"{who}: SELECT failed: {got}")
    else:
        have = {tuple(r) for r in fetched}
        if have - want:
            cell.failures.append(f"{who}: sees {len(have - want)} row(s) its policies do not "
                                 "allow (a leak)")
        if want - have:
            cell.failures.append(f"{who}: does not see {len(want - have)} row(s) its policies "
                                 "allow")

    visible = want
    # UPDATE and DELETE touch exactly the rows their policies (and the select policies) allow.
    for command in ("update", "delete"):
        pols = applicable(design, name, role, command)
        allowed = _expected(cur, table, types, using_expr(pols), env) & visible
        cell = matrix.cell(role, name, command)
        for row in rows:
            pk = _pk(table, row)
            if command == "delete":
                sql = f"DELETE FROM {ident(name)} WHERE {where}"
                expect_rows, expect_state = (1, "") if pk in allowed else (0, "")
            else:
                first = next((c for c in types if c not in table.key_columns), None)
                if first is None:
                    continue
                sql = f"UPDATE {ident(name)} SET {ident(first)} = {ident(first)} WHERE {where}"
                if pk in allowed:
                    ok_check = _row_passes(cur, table, types, _update_check(pols, sel), row, env)
                    expect_rows, expect_state = (1, "") if ok_check else (0,
                                                                          INSUFFICIENT_PRIVILEGE)
                else:
                    expect_rows, expect_state = 0, ""
            got, _ = _as_role(cur, psycopg, role, env, sql, list(pk))
            cell.checks += 1
            if not _matches(got, expect_rows, expect_state, denied_ok=not allowed):
                cell.failures.append(f"{who}: {command.upper()} of row {_show(pk)}: expected "
                                     f"{_want(expect_rows, expect_state)}, got {got}")
        if command == "update":
            _check_move(cur, psycopg, cell, table, role, env, rows, allowed, pols, sel, who,
                        types)

    # INSERT: a row goes in exactly when the insert policies' with_check accepts it.
    cell = matrix.cell(role, name, "insert")
    pols = applicable(design, name, role, "insert")
    expr = check_expr(pols)
    cols = list(types)
    for row in rows:
        accepted = _row_passes(cur, table, types, expr, row, env)
        sql = (f"INSERT INTO {ident(name)} ({', '.join(ident(c) for c in cols)}) VALUES ("
               + ", ".join(f"%s::{types[c]}" for c in cols) + ")")
        got, _ = _as_role(cur, psycopg, role, env, sql, [row.get(c) for c in cols],
                          prepare=f"DELETE FROM {ident(name)} WHERE "
                                  + _where_pk_literal(table, types, _pk(table, row)))
        cell.checks += 1
        expect = (1, "") if accepted else (0, INSUFFICIENT_PRIVILEGE)
        if not _matches(got, *expect, denied_ok=False):
            cell.failures.append(f"{who}: INSERT of row {_show(_pk(table, row))}: expected "
                                 f"{_want(*expect)}, got {got}")


def _update_check(pols: list[Policy], sel: list[Policy]) -> str:
    """What the new row of an UPDATE must pass: the update policies' WITH CHECK and, since
    the statement reads the table (WHERE), the select policies' USING (PostgreSQL applies
    both)."""
    return f"({check_expr(pols)}) AND ({using_expr(sel)})"


def _check_move(cur: Any, psycopg: Any, cell: Cell, table: Table, role: str,
                env: dict[str, str], rows: list[dict[str, str | None]],
                allowed: set[tuple[str | None, ...]], pols: list[Policy], sel: list[Policy],
                who: str, types: dict[str, str]) -> None:
    """UPDATE a row it may update so that it belongs to another principal: the checks on the
    new row decide."""
    expr = _update_check(pols, sel)
    owned = _policy_columns(pols, table) - set(table.key_columns)
    if not owned:
        return
    for row in rows:
        pk = _pk(table, row)
        if pk not in allowed:
            continue
        other = next((r for r in rows if any(r.get(c) != row.get(c) for c in owned)), None)
        if other is None:
            continue
        moved = {**row, **{c: other.get(c) for c in owned}}
        accepted = _row_passes(cur, table, types, expr, moved, env)
        sets = ", ".join(f"{ident(c)} = %s::{types[c]}" for c in sorted(owned))
        sql = f"UPDATE {ident(table.name)} SET {sets} WHERE {_where_pk(table, types)}"
        got, _ = _as_role(cur, psycopg, role, env, sql,
                          [moved.get(c) for c in sorted(owned)] + list(pk))
        cell.checks += 1
        expect = (1, "") if accepted else (0, INSUFFICIENT_PRIVILEGE)
        if not _matches(got, *expect, denied_ok=False):
            cell.failures.append(f"{who}: UPDATE moving row {_show(pk)} to another owner "
                                 f"({', '.join(sorted(owned))}): expected {_want(*expect)}, "
                                 f"got {got}")


_IDENT = re.compile(r"\b([a-z_][a-z0-9_]*)\b")


def _policy_columns(pols: list[Policy], table: Table) -> set[str]:
    names = {c.name for c in table.columns}
    found: set[str] = set()
    for p in pols:
        for expr in (p.with_check, p.using):
            if expr:
                found |= {w for w in _IDENT.findall(_QUOTED.sub("", expr)) if w in names}
    return found


def _matches(got: _Outcome, rows: int, state: str, *, denied_ok: bool) -> bool:
    if state:
        return got.state == state
    if got.state:
        # No privilege at all is fine where the policies allow nothing either.
        return denied_ok and rows == 0 and got.state == INSUFFICIENT_PRIVILEGE
    return got.rows == rows


def _want(rows: int, state: str) -> str:
    return f"SQLSTATE {state}" if state else f"{rows} row(s)"


def _show(pk: tuple[str | None, ...]) -> str:
    return "/".join(str(x)[:8] for x in pk)
