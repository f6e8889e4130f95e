"""Row-level security, checked on the migrated database as each role: the policies do what
the design says they do.

1. **Rows owned by different principals** are seeded (:mod:`designgate.db.seed`).
2. **Principals.** The tenancy model's settings (``tenancy.setting``, ``tenancy.user.setting``)
   take the ids of the tenant and user tables; without one, the session settings ending in
   ``_id`` take the ids of their table (``app.user_id`` → ``users``). Principal *k* is the
   *k*-th row of each; in the membership table, principal *k*'s membership gets the role
   being checked. Other settings (``app.role``) get the role's name.
3. **Expected rows** come from the *design*: the policies that apply to the role (its own,
   those of the roles it inherits, PUBLIC's), evaluated as that role over the table's rows
   (so a `pg_has_role` test or a subquery answers as it does for the role).
4. **Actual rows** come from running as the role: ``SELECT`` sees exactly the expected rows;
   ``UPDATE`` and ``DELETE`` touch exactly them; an ``UPDATE`` that moves a row to the other
   principal and an ``INSERT`` of a row the ``with_check`` rejects fail with SQLSTATE 42501.
   A statement that fails for another reason (a policy that errors at run time) fails the
   cell at the policy's line; a setup that fails is never taken for a denial.

This proves the database matches the design. Whether the design itself is right is for
:mod:`designgate.db.invariants`, which does not read the policies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designgate.db import session
from designgate.db.seed import Seeded, seed
from designgate.findings import Span
from designgate.generate.sql import COMMANDS, ident, immutable_columns, literal
from designgate.model.design import Design, Policy, Table

PRINCIPALS = 2
INSUFFICIENT_PRIVILEGE = session.INSUFFICIENT_PRIVILEGE


@dataclass(slots=True)
class Cell:
    checks: int = 0
    failures: list[str] = field(default_factory=list)
    skipped: str = ""
    spans: list[Span] = field(default_factory=list)  # the policies a failure points at

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
                    where = f"{c.spans[0]} " if c.spans else ""
                    lines.append(f"{where}FAIL {r} {cmd} {t}: {msg}")
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
                           "skipped": cell.skipped,
                           "spans": [str(s) for s in cell.spans]}
                          for (r, t, c), cell in sorted(self.cells.items())]}


# --- principals ------------------------------------------------------------------------------


@dataclass(slots=True)
class Principals:
    envs: list[dict[str, str]]  # the role-independent settings of each principal
    role_keys: list[str]  # settings that take the role's name
    users: list[str | None]  # principal k's user id, when known
    tenants: list[str | None]  # principal k's tenant id, when known


def principals(design: Design, seeded: Seeded) -> Principals:
    settings = list((design.auth.session_settings if design.auth else {}) or {})
    tenancy = design.tenancy
    mapped: dict[str, str] = {}
    if tenancy is not None:
        mapped[tenancy.setting] = tenancy.tenant
        if tenancy.user_setting and tenancy.user_table:
            mapped[tenancy.user_setting] = tenancy.user_table
        settings += [s for s in mapped if s not in settings]
    out = Principals([{} for _ in range(PRINCIPALS)], [], [None] * PRINCIPALS,
                     [None] * PRINCIPALS)
    for key in settings:
        table = mapped.get(key)
        if table is None:
            name = key.rsplit(".", 1)[-1]
            if name.endswith("_id"):
                base = name[:-3]
                table = next((t for t in (base + "s", base, base + "es") if t in design.tables),
                             None)
        rows = seeded.rows.get(table or "", [])
        pk = design.tables[table].key_columns if table in design.tables else []
        if table and len(pk) == 1 and rows:
            for k in range(PRINCIPALS):
                value = str(rows[k % len(rows)][pk[0]])
                out.envs[k][key] = value
                if tenancy is not None and table == tenancy.tenant:
                    out.tenants[k] = value
                if tenancy is not None and table == tenancy.user_table:
                    out.users[k] = value
            continue
        out.role_keys.append(key)
    return out


def membership_roles(design: Design) -> list[str]:
    """The values the membership's role column takes (the roles of a member)."""
    tenancy = design.tenancy
    m = tenancy.membership if tenancy else None
    table = design.tables.get(m.table) if m else None
    col = table.column(m.role) if table and m and m.role else None
    if col is None or not col.check:
        return []
    from designgate.rules.security import _allowed_values

    return _allowed_values(col.check)


def set_member_role(cur: Any, design: Design, p: Principals, role: str) -> None:
    """Give each principal's membership the role being checked (as the superuser)."""
    tenancy = design.tenancy
    m = tenancy.membership if tenancy else None
    if m is None or not m.role or tenancy is None or role not in membership_roles(design):
        return
    for k in range(PRINCIPALS):
        if p.users[k] is None or p.tenants[k] is None:
            continue
        cur.execute(
            (f"SET LOCAL session_replication_role = replica; UPDATE {ident(m.table)} SET "
             f"{ident(m.role)} = {literal(role)} WHERE {ident(tenancy.column)}::text = "
             f"{literal(str(p.tenants[k]))} AND {ident(m.user)}::text = "
             f"{literal(str(p.users[k]))}; SET LOCAL session_replication_role = origin"
             ).encode())


def applicable(design: Design, table: str, role: str, command: str) -> list[Policy]:
    """The policies that apply to ``role`` for ``command``: its own, its ancestors', PUBLIC's."""
    mine = design.role_ancestors(role) | {role, "public"}
    return [p for p in design.policies if p.table == table and
            p.command.lower() in (command, "all") and (set(p.roles or ["public"]) & mine)]


def using_expr(policies: list[Policy]) -> str:
    """The USING side of ``policies``: any permissive one, and every restrictive one."""
    perm = [f"({p.using})" for p in policies if p.using and not p.restrictive]
    restr = [f"({p.using})" for p in policies if p.using and p.restrictive]
    expr = " OR ".join(perm) if perm else "false"
    return " AND ".join([f"({expr})", *restr]) if restr else expr


def check_expr(policies: list[Policy]) -> str:
    perm = [f"({p.with_check or p.using})" for p in policies
            if (p.with_check or p.using) and not p.restrictive]
    restr = [f"({p.with_check or p.using})" for p in policies
             if (p.with_check or p.using) and p.restrictive]
    expr = " OR ".join(perm) if perm else "false"
    return " AND ".join([f"({expr})", *restr]) if restr else expr


# --- the checks -------------------------------------------------------------------------------


def check_rls(design: Design, conn: Any, log: Callable[[str], None],
              after: Callable[[Any, Seeded, Principals], None] | None = None) -> Matrix:
    """The role x table x command matrix. ``after`` runs on the same seeded rows (in the
    same transaction, which is rolled back): the invariant checks."""
    import psycopg

    tables = sorted({p.table for p in design.policies if p.table in design.tables})
    roles = list(design.roles)
    matrix = Matrix(roles, tables)
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        _truncate(cur)
        seeded = seed(design, cur, psycopg)
        p = principals(design, seeded)
        if design.auth and design.auth.session_settings and not p.envs[0]:
            matrix.notes.append("no session setting maps to a table's ids (app.<name>_id → "
                                "<name>s); every principal has the same settings")
        for role in roles:
            cur.execute(b"SAVEPOINT designgate_role")
            set_member_role(cur, design, p, role)
            for name in tables:
                table = design.tables[name]
                if name in seeded.failed or not seeded.rows.get(name):
                    for cmd in COMMANDS:
                        matrix.cell(role, name, cmd).skipped = seeded.failed.get(
                            name, f"no rows could be seeded in {name}")
                    continue
                if len(table.key_columns) == 0:
                    if role == roles[0]:
                        matrix.notes.append(f"{name} has no primary key; not checked")
                    continue
                rows = _rows(cur, table, seeded.types[name])
                for k, settings in enumerate(p.envs):
                    env = {**settings, **dict.fromkeys(p.role_keys, role)}
                    _check_table(design, cur, psycopg, matrix, table, role, k, env, rows,
                                 seeded.types[name])
            cur.execute(b"ROLLBACK TO SAVEPOINT designgate_role; "
                        b"RELEASE SAVEPOINT designgate_role")
        log(f"rls: {len(matrix.cells)} role/table/command cells, {matrix.failures} failed")
        if after is not None:
            after(cur, seeded, p)
    return matrix


def _truncate(cur: Any) -> None:
    """Rows an earlier phase left (the migrations' run on tables with rows) go: every check
    knows exactly which rows exist."""
    cur.execute("SELECT string_agg(format('%I', c.relname), ', ') FROM pg_class c JOIN "
                "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND "
                "c.relkind IN ('r', 'p')")
    names = cur.fetchone()[0]
    if names:
        cur.execute(f"TRUNCATE {names} CASCADE".encode())


def _rows(cur: Any, table: Table, types: dict[str, str]) -> list[dict[str, str | None]]:
    """Every row of the table as the superuser sees it (the seeded ones, and what triggers
    wrote while seeding)."""
    cols = list(types)
    cur.execute((f"SELECT {', '.join(f'{ident(c)}::text' for c in cols)} FROM "
                 f"{ident(table.name)}").encode())
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _pk(table: Table, row: dict[str, str | None]) -> tuple[str | None, ...]:
    return tuple(row.get(c) for c in table.key_columns)


def _where_pk(table: Table, types: dict[str, str]) -> str:
    return " AND ".join(f"{ident(c)} = %s::{types[c]}" for c in table.key_columns)


def _where_pk_literal(table: Table, types: dict[str, str], pk: tuple[str | None, ...]) -> str:
    return " AND ".join(f"{ident(c)} = {literal(str(v))}::{types[c]}"
                        for c, v in zip(table.key_columns, pk, strict=True))


def values_table(table: Table, types: dict[str, str], rows: list[dict[str, str | None]]
                 ) -> tuple[str, list[Any]]:
    """``(VALUES ...) AS <table>(cols)`` over ``rows`` (typed), and its parameters."""
    cols = list(types)
    tuples = ", ".join("(" + ", ".join(f"%s::{types[c]}" for c in cols) + ", %s::int)"
                       for _ in rows)
    params = [v for i, row in enumerate(rows) for v in (*[row.get(c) for c in cols], i)]
    names = ", ".join([*(ident(c) for c in cols), "designgate_row"])
    return f"(VALUES {tuples}) AS {ident(table.name)} ({names})", params


def evaluate(cur: Any, psycopg: Any, role: str, env: dict[str, str], table: Table,
             types: dict[str, str], rows: list[dict[str, str | None]], exprs: dict[str, str]
             ) -> tuple[list[dict[str, bool]], session.Outcome]:
    """Each expression for each row, evaluated *as the role* (the policies' functions and
    subqueries answer as they do for it)."""
    if not rows:
        return [], session.Outcome()
    source, params = values_table(table, types, rows)
    names = list(exprs)
    cols = ", ".join(f"coalesce(({exprs[n]}), false)" for n in names)
    sql = f"SELECT designgate_row, {cols} FROM {source} ORDER BY designgate_row"
    out = session.as_role(cur, psycopg, role, env, sql, params, fetch=True)
    result: list[dict[str, bool]] = [dict.fromkeys(names, False) for _ in rows]
    for rec in out.fetched or []:
        result[rec[0]] = dict(zip(names, (bool(v) for v in rec[1:]), strict=True))
    return result, out


def _spans(policies: list[Policy]) -> list[Span]:
    return [p.loc.span for p in policies]


def _check_table(design: Design, cur: Any, psycopg: Any, matrix: Matrix, table: Table,
                 role: str, k: int, env: dict[str, str], rows: list[dict[str, str | None]],
                 types: dict[str, str]) -> None:
    name = table.name
    who = f"as principal {k + 1}"
    pols = {cmd: applicable(design, name, role, cmd) for cmd in COMMANDS}
    sel = pols["select"]
    fixed = set(immutable_columns(design, table)) | set(table.key_columns)
    movable = sorted(_policy_columns([*pols["update"], *sel], table) - fixed)
    others = [r for r in rows if any(r.get(c) != rows[0].get(c) for c in movable)] if movable \
        else []
    moved = []
    for row in rows:
        other = next((o for o in others if any(o.get(c) != row.get(c) for c in movable)), None)
        moved.append({**row, **{c: other.get(c) for c in movable}} if other else None)
    exprs = {"select": using_expr(sel), "update": using_expr(pols["update"]),
             "delete": using_expr(pols["delete"]), "insert": check_expr(pols["insert"]),
             "update_check": f"({check_expr(pols['update'])}) AND ({using_expr(sel)})"}
    truth, out = evaluate(cur, psycopg, role, env, table, types, rows, exprs)
    moved_rows = [m for m in moved if m is not None]
    moved_truth, out2 = evaluate(cur, psycopg, role, env, table, types, moved_rows,
                                 {"update_check": exprs["update_check"]})
    for o in (out, out2):
        if o.setup or o.state:
            cell = matrix.cell(role, name, "select")
            cell.checks += 1
            cell.failures.append(f"{who}: the policies of {name} cannot be evaluated for "
                                 f"{role}: {o}")
            cell.spans += _spans([*sel, *pols["update"], *pols["insert"], *pols["delete"]])
            return
    keys = ", ".join(f"{ident(c)}::text" for c in table.key_columns)
    where = _where_pk(table, types)

    # SELECT: exactly the rows the select policies allow.
    cell = matrix.cell(role, name, "select")
    want = {_pk(table, r) for r, t in zip(rows, truth, strict=True) if t["select"]}
    got = session.as_role(cur, psycopg, role, env, f"SELECT {keys} FROM {ident(name)}",
                          fetch=True)
    cell.checks += 1
    if not _judge(cell, got, who, "SELECT", sel, allowed_denial=not want):
        pass
    elif got.state:
        if want:
            cell.failures.append(f"{who}: SELECT was denied ({got}) but its policies allow "
                                 f"{len(want)} row(s)")
    else:
        have = {tuple(r) for r in got.fetched or []}
        if have - want:
            cell.failures.append(f"{who}: sees {len(have - want)} row(s) its policies do not "
                                 "allow (a leak)")
        if want - have:
            cell.failures.append(f"{who}: does not see {len(want - have)} row(s) its policies "
                                 "allow")

    # UPDATE and DELETE touch exactly the rows their policies (and the select policies) allow.
    first = next((c for c in types if c not in fixed), None)
    for command in ("update", "delete"):
        cell = matrix.cell(role, name, command)
        if command == "update" and first is None:
            continue
        allowed = {_pk(table, r) for r, t in zip(rows, truth, strict=True)
                   if t[command] and t["select"]}
        for row, t in zip(rows, truth, strict=True):
            pk = _pk(table, row)
            if command == "delete":
                sql = f"DELETE FROM {ident(name)} WHERE {where}"
                expect = (1, "") if pk in allowed else (0, "")
            else:
                sql = f"UPDATE {ident(name)} SET {ident(first)} = {ident(first)} WHERE {where}"
                expect = ((1, "") if t["update_check"] else (0, INSUFFICIENT_PRIVILEGE)) \
                    if pk in allowed else (0, "")
            got = session.as_role(cur, psycopg, role, env, sql, list(pk))
            cell.checks += 1
            if _judge(cell, got, who, command.upper(), pols[command],
                      allowed_denial=not allowed) and not _matches(got, *expect,
                                                                   denied_ok=not allowed):
                cell.failures.append(f"{who}: {command.upper()} of row {_show(pk)}: expected "
                                     f"{_want(*expect)}, got {got}")
        if command == "update":
            # Moving a row it may update to another principal: the checks on the new row decide.
            mt = iter(moved_truth)
            for row, m in zip(rows, moved, strict=True):
                if m is None:
                    continue
                t = next(mt)
                pk = _pk(table, row)
                if pk not in allowed:
                    continue
                sets = ", ".join(f"{ident(c)} = %s::{types[c]}" for c in movable)
                sql = f"UPDATE {ident(name)} SET {sets} WHERE {where}"
                got = session.as_role(cur, psycopg, role, env, sql,
                                      [m.get(c) for c in movable] + list(pk))
                cell.checks += 1
                expect = (1, "") if t["update_check"] else (0, INSUFFICIENT_PRIVILEGE)
                if _judge(cell, got, who, "UPDATE", pols["update"], allowed_denial=False) and \
                        not _matches(got, *expect, denied_ok=False):
                    cell.failures.append(f"{who}: UPDATE moving row {_show(pk)} to another "
                                         f"owner ({', '.join(movable)}): expected "
                                         f"{_want(*expect)}, got {got}")

    # INSERT: a row goes in exactly when the insert policies' with_check accepts it.
    cell = matrix.cell(role, name, "insert")
    cols = list(types)
    for row, t in zip(rows, truth, strict=True):
        sql = (f"INSERT INTO {ident(name)} ({', '.join(ident(c) for c in cols)}) VALUES ("
               + ", ".join(f"%s::{types[c]}" for c in cols) + ")")
        got = session.as_role(cur, psycopg, role, env, sql, [row.get(c) for c in cols],
                              prepare=[f"DELETE FROM {ident(name)} WHERE "
                                       + _where_pk_literal(table, types, _pk(table, row))])
        cell.checks += 1
        expect = (1, "") if t["insert"] else (0, INSUFFICIENT_PRIVILEGE)
        if _judge(cell, got, who, "INSERT", pols["insert"], allowed_denial=False) and \
                not _matches(got, *expect, denied_ok=False):
            cell.failures.append(f"{who}: INSERT of row {_show(_pk(table, row))}: expected "
                                 f"{_want(*expect)}, got {got}")


def _judge(cell: Cell, got: session.Outcome, who: str, what: str, policies: list[Policy],
           *, allowed_denial: bool) -> bool:
    """False (and a failure) when the statement did not run, or failed for a reason that is
    not a permission decision (a policy erring at run time, pointed at its line)."""
    if got.setup:
        cell.failures.append(f"{who}: {what} {got}")
        return False
    if got.state and got.state != INSUFFICIENT_PRIVILEGE:
        cell.failures.append(f"{who}: {what} failed: {got}")
        cell.spans += _spans(policies)
        return False
    return True


def _policy_columns(pols: list[Policy], table: Table) -> set[str]:
    from designgate.generate import expr

    names = {c.name for c in table.columns}
    found: set[str] = set()
    for p in pols:
        for text in (p.with_check, p.using):
            node = expr.tree(text) if text else None
            if node is not None:
                found |= expr.row_columns(node) & names
    return found


def _matches(got: session.Outcome, rows: int, state: str, *, denied_ok: bool) -> bool:
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
