"""Invariants ``db verify`` tests without trusting the policies.

The RLS matrix (:mod:`designgate.db.rls`) checks that the database does what the design's
policies say — so a wrong policy verifies as correct. These checks take their expectation
from the *intent* instead: the tenancy model (whose rows are whose), the role x permission
matrix with each endpoint's `tables:` (what each role needs), and what no design wants (a
SECURITY DEFINER function any temporary table can fool, a role that bypasses RLS). Each is
an attack run as the role, on rows seeded for two principals of two tenants:

``read-isolation``
    a role sees no row of another tenant (of the membership table: also your own
    memberships; of the tenant table: the tenants you belong to; of the user table and
    per-user tables: yourself and the members of your tenant);
``insert-isolation``
    a role cannot insert a row into another tenant;
``move-isolation``
    a role cannot move one of its tenant's rows into another tenant;
``cross-tenant-reference``
    a role that may insert a row into its tenant cannot make it reference another tenant's
    row (``tasks.project_id`` pointing at a project of another workspace);
``privilege-column``
    a member cannot raise its own membership role beyond the roles it holds, nor change
    whose a row is (its owner, the membership's user);
``least-privilege``
    a role cannot insert, update or delete rows of a table none of its endpoints (nor its
    own `tables:`) writes that way — the read-only guest writing the webhook outbox;
``function-search-path`` / ``function-public-execute``
    every SECURITY DEFINER function fixes ``search_path`` with ``pg_temp`` last, and PUBLIC
    may not execute it;
``no-bypass``
    no role of the design has BYPASSRLS or owns a table with row-level security.

Denied means SQLSTATE 42501 (privileges or a policy), 23503 (a foreign key) or no row
affected. Any other error makes the case inconclusive — reported, never counted as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from designgate.db import session
from designgate.db.rls import Principals, membership_roles, set_member_role
from designgate.db.seed import Seeded, catalog
from designgate.db.verify import table_span
from designgate.findings import Span
from designgate.generate.sql import ident, literal
from designgate.model.design import Design, Table

INVARIANTS = ("read-isolation", "insert-isolation", "move-isolation", "cross-tenant-reference",
              "privilege-column", "least-privilege", "function-search-path",
              "function-public-execute", "no-bypass")
DENIED = ("42501", "23503")


@dataclass(slots=True)
class Case:
    invariant: str
    role: str
    table: str  # or the function
    outcome: str  # pass | fail | inconclusive | not-applicable
    detail: str = ""
    span: Span | None = None


@dataclass(slots=True)
class Invariants:
    cases: list[Case] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Case]:
        return [c for c in self.cases if c.outcome == "fail"]

    @property
    def ok(self) -> bool:
        return not self.failures

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Per invariant: (cases tested to a pass or a fail, cases that apply)."""
        out: dict[str, tuple[int, int]] = {}
        for inv in INVARIANTS:
            mine = [c for c in self.cases if c.invariant == inv and c.outcome != "not-applicable"]
            tested = [c for c in mine if c.outcome in ("pass", "fail")]
            out[inv] = (len(tested), len(mine))
        return out

    def render(self) -> str:
        lines = ["Invariants (from the tenancy model and the role x permission matrix, "
                 "independent of the policies):"]
        for inv, (tested, total) in self.coverage().items():
            fails = sum(1 for c in self.failures if c.invariant == inv)
            pct = f"{100 * tested / total:.0f}%" if total else "-"
            lines.append(f"  {inv:<24} {tested:>4} of {total:<4} tested ({pct}), "
                         f"{fails} failed")
        for c in self.failures:
            where = f"{c.span} " if c.span else ""
            lines.append(f"{where}invariant {c.invariant}: {c.role} on {c.table}: {c.detail}")
        for c in self.cases:
            if c.outcome == "inconclusive":
                lines.append(f"  inconclusive {c.invariant}: {c.role} on {c.table}: {c.detail}")
        lines += [f"  note: {n}" for n in self.notes]
        total = sum(t for _, t in self.coverage().values())
        tested = sum(t for t, _ in self.coverage().values())
        lines.append(f"Invariants: {tested} of {total} cases tested, {len(self.failures)} failed")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "notes": self.notes,
                "coverage": {k: {"tested": t, "cases": n} for k, (t, n) in
                             self.coverage().items()},
                "cases": [{"invariant": c.invariant, "role": c.role, "table": c.table,
                           "outcome": c.outcome, "detail": c.detail,
                           "span": str(c.span) if c.span else None} for c in self.cases]}


class _Run:
    def __init__(self, design: Design, cur: Any, psycopg: Any, seeded: Seeded,
                 p: Principals, out: Invariants) -> None:
        self.design, self.cur, self.psycopg, self.seeded, self.p, self.out = (
            design, cur, psycopg, seeded, p, out)
        self.tenancy = design.tenancy
        _, self.fks = catalog(cur)

    # -- helpers -------------------------------------------------------------------------

    def add(self, inv: str, role: str, table: str, outcome: str, detail: str = "") -> None:
        self.out.cases.append(Case(inv, role, table, outcome, detail,
                                   table_span(self.design, table)))

    def env(self, role: str, k: int) -> dict[str, str]:
        return {**self.p.envs[k], **dict.fromkeys(self.p.role_keys, role)}

    def as_role(self, role: str, k: int, sql: str, params: list[Any] | None = None, *,
                fetch: bool = False, prepare: list[str] | None = None) -> session.Outcome:
        return session.as_role(self.cur, self.psycopg, role, self.env(role, k), sql, params,
                               fetch=fetch, prepare=prepare)

    def judge_denied(self, inv: str, role: str, table: str, got: session.Outcome,
                     what: str) -> None:
        """The attack must be refused: 42501/23503, or no row affected."""
        if got.setup:
            self.add(inv, role, table, "inconclusive", f"{what}: {got}")
        elif got.state in DENIED or (not got.state and got.rows == 0):
            self.add(inv, role, table, "pass")
        elif got.state:
            self.add(inv, role, table, "inconclusive", f"{what}: {got}")
        else:
            self.add(inv, role, table, "fail", f"{what}: it succeeded ({got.rows} row(s))")

    def judge_all(self, inv: str, role: str, table: str, outcomes: list[session.Outcome],
                  what: str) -> None:
        """Variants of one attack: it fails if any variant succeeds."""
        won = next((o for o in outcomes if not o.setup and not o.state and o.rows), None)
        if won is not None:
            self.judge_denied(inv, role, table, won, what)
        elif all(o.state in DENIED or (not o.setup and not o.state) for o in outcomes):
            self.add(inv, role, table, "pass")
        else:
            bad = next(o for o in outcomes if o.setup or o.state not in DENIED)
            self.add(inv, role, table, "inconclusive", f"{what}: {bad}")

    def rows_of(self, table: Table, *, tenant: str | None = None,
                owner: tuple[str, str] | None = None) -> list[dict[str, str | None]]:
        rows = self.seeded.rows.get(table.name, [])
        if tenant is not None and self.tenancy is not None:
            rows = [r for r in rows if r.get(self.tenancy.column) == tenant]
        if owner is not None:
            rows = [r for r in rows if r.get(owner[0]) == owner[1]]
        return rows

    def where_pk(self, table: Table, row: dict[str, str | None]) -> str:
        types = self.seeded.types[table.name]
        return " AND ".join(f"{ident(c)} = {literal(str(row[c]))}::{types[c]}"
                            for c in table.key_columns)

    def insert_sql(self, table: Table, row: dict[str, str | None]) -> tuple[str, list[Any]]:
        types = self.seeded.types[table.name]
        cols = list(types)
        return (f"INSERT INTO {ident(table.name)} ({', '.join(ident(c) for c in cols)}) "
                f"VALUES ({', '.join(f'%s::{types[c]}' for c in cols)})",
                [row.get(c) for c in cols])

    def reinsert(self, role: str, k: int, table: Table, row: dict[str, str | None],
                 original: dict[str, str | None] | None = None) -> session.Outcome:
        """Insert ``row`` as ``role`` after the superuser deleted ``original`` (default: the
        row itself), so keys and unique values are free and parents exist."""
        sql, params = self.insert_sql(table, row)
        gone = original if original is not None else row
        return self.as_role(role, k, sql, params, prepare=[
            f"DELETE FROM {ident(table.name)} WHERE {self.where_pk(table, gone)}"])

    def owner_column(self, table: Table) -> str | None:
        col = next((c.name for c in table.columns if c.owner), None)
        if col is None and self.tenancy and self.tenancy.membership and \
                table.name == self.tenancy.membership.table:
            return self.tenancy.membership.user
        return col

    # -- the invariants ------------------------------------------------------------------

    def run(self) -> None:
        t = self.tenancy
        roles = [r for r in self.design.roles.values() if not r.cross_tenant]
        tables = [self.design.tables[n] for n in sorted(self.seeded.rows)
                  if n in self.design.tables and self.seeded.rows[n]
                  and self.design.tables[n].key_columns]
        if t is None:
            self.out.notes.append("no tenancy model (auth `tenancy:`): the isolation "
                                  "invariants are not checked")
        elif None in self.p.tenants[:2] or None in self.p.users[:2]:
            self.out.notes.append("the principals have no tenant or user id (the tenancy "
                                  "settings map to no seeded rows): isolation not checked")
            t = None
        for role in roles:
            self.cur.execute(b"SAVEPOINT designgate_invariants")
            set_member_role(self.cur, self.design, self.p, role.name)
            for table in tables:
                if t is not None:
                    self.isolation(role.name, table)
                self.least_privilege(role.name, table)
            if t is not None:
                self.privilege_columns(role.name)
            self.cur.execute(b"ROLLBACK TO SAVEPOINT designgate_invariants; "
                             b"RELEASE SAVEPOINT designgate_invariants")
        self.functions_and_owners()

    def allowed(self, table: Table, k: int) -> tuple[str, set[str | None]] | None:
        """The column whose value says whose a row is, and the values principal ``k`` may
        see; None: a table anybody may read (global) or one that cannot be judged."""
        t = self.tenancy
        assert t is not None
        tenant, user = self.p.tenants[k], self.p.users[k]
        m = t.membership
        scope = t.scope(table)
        members: set[str | None] = {user}
        mine: set[str | None] = {tenant}
        if m is not None:
            mrows = self.seeded.rows.get(m.table, [])
            members |= {r.get(m.user) for r in mrows if r.get(t.column) == tenant}
            mine |= {r.get(t.column) for r in mrows if r.get(m.user) == user}
        if scope == "tenant" and len(table.key_columns) == 1:
            return table.key_columns[0], mine
        if scope == "per-tenant":
            return t.column, {tenant}
        if scope == "per-user":
            col = table.key_columns[0] if table.name == t.user_table and \
                len(table.key_columns) == 1 else self.owner_column(table)
            return (col, members) if col else None
        return None

    def isolation(self, role: str, table: Table) -> None:
        t = self.tenancy
        assert t is not None
        judged = self.allowed(table, 0)
        if judged is None:
            return
        col, visible = judged
        got = self.as_role(role, 0, f"SELECT {ident(col)}::text"
                           + (f", {ident(t.membership.user)}::text"
                              if t.membership and table.name == t.membership.table else "")
                           + f" FROM {ident(table.name)}", fetch=True)
        if got.setup or (got.state and got.state != "42501"):
            self.add("read-isolation", role, table.name, "inconclusive", str(got))
        else:
            own_memberships = t.membership and table.name == t.membership.table
            leaked = [r for r in got.fetched or [] if r[0] not in visible
                      and not (own_memberships and r[1] == self.p.users[0])]
            self.add("read-isolation", role, table.name, "fail" if leaked else "pass",
                     f"sees {len(leaked)} row(s) of other tenants (by {col})" if leaked else "")
        if t.scope(table) != "per-tenant":
            return
        theirs = self.rows_of(table, tenant=self.p.tenants[1])
        mine = self.rows_of(table, tenant=self.p.tenants[0])
        if theirs:
            # the other tenant's row as it is, and as if the attacker had written it (every
            # column naming the other principal's user names the attacker's)
            mine_too = {c: (self.p.users[0] if v is not None and v == self.p.users[1] else v)
                        for c, v in theirs[0].items()}
            self.judge_all("insert-isolation", role, table.name, [
                self.reinsert(role, 0, table, row, theirs[0])
                for row in ([theirs[0], mine_too] if mine_too != theirs[0] else [theirs[0]])],
                "inserted a row into another tenant")
        else:
            self.add("insert-isolation", role, table.name, "not-applicable")
        if mine and t.column not in table.key_columns:
            self.judge_denied("move-isolation", role, table.name, self.as_role(
                role, 0, f"UPDATE {ident(table.name)} SET {ident(t.column)} = "
                f"{literal(str(self.p.tenants[1]))}::{self.seeded.types[table.name][t.column]}"
                f" WHERE {self.where_pk(table, mine[0])}"), "moved a row to another tenant")
        else:
            self.add("move-isolation", role, table.name, "not-applicable")
        self.cross_references(role, table, mine)

    def cross_references(self, role: str, table: Table, mine: list[dict[str, str | None]]
                         ) -> None:
        t = self.tenancy
        assert t is not None
        fks = [fk for fk in self.fks.get(table.name, []) if fk.table in self.design.tables
               and t.scope(self.design.tables[fk.table]) == "per-tenant"
               and any(c != t.column for c in fk.columns)]
        if not fks or not mine:
            return
        baseline = self.reinsert(role, 0, table, mine[0])
        if baseline.setup or baseline.state or baseline.rows != 1:
            for _fk in fks:  # the role cannot insert here at all: nothing to attack
                self.add("cross-tenant-reference", role, table.name, "not-applicable")
            return
        for fk in fks:
            parents = self.rows_of(self.design.tables[fk.table], tenant=self.p.tenants[1])
            if not parents:
                self.add("cross-tenant-reference", role, table.name, "not-applicable")
                continue
            row = dict(mine[0])
            for col, ref in zip(fk.columns, fk.ref_columns, strict=True):
                if col != t.column:
                    row[col] = parents[0].get(ref)
            self.judge_denied("cross-tenant-reference", role, table.name,
                              self.reinsert(role, 0, table, row, mine[0]),
                              f"inserted a row of its tenant whose {', '.join(fk.columns)} "
                              f"references another tenant's {fk.table}")

    def privilege_columns(self, role: str) -> None:
        t = self.tenancy
        assert t is not None
        m = t.membership
        table = self.design.tables.get(m.table) if m else None
        if m is None or table is None or not m.role:
            return
        mine = [r for r in self.rows_of(table, tenant=self.p.tenants[0])
                if r.get(m.user) == self.p.users[0]]
        if not mine:
            return
        may_grant = self.design.role_ancestors(role) | {role}
        types = self.seeded.types[table.name]
        for value in membership_roles(self.design):
            if value in may_grant:
                continue
            self.judge_denied("privilege-column", role, table.name, self.as_role(
                role, 0, f"UPDATE {ident(table.name)} SET {ident(m.role)} = "
                f"{literal(value)}::{types[m.role]} WHERE {self.where_pk(table, mine[0])}"),
                f"raised its own membership to {value}")
        for other in self.design.tables.values():
            col = self.owner_column(other)
            if col is None or other.name not in self.seeded.rows or not other.key_columns:
                continue
            owned = self.rows_of(other, owner=(col, str(self.p.users[0])))
            if not owned:
                continue
            self.judge_denied("privilege-column", role, other.name, self.as_role(
                role, 0, f"UPDATE {ident(other.name)} SET {ident(col)} = "
                f"{literal(str(self.p.users[1]))}::{self.seeded.types[other.name][col]} "
                f"WHERE {self.where_pk(other, owned[0])}"), f"changed whose row it is ({col})")

    def least_privilege(self, role: str, table: Table) -> None:
        if not self.design.declares_access:
            return
        need = self.design.needs(role).get(table.name, set())
        t = self.tenancy
        own = self.rows_of(table, tenant=self.p.tenants[0]) if t is not None and \
            t.scope(table) == "per-tenant" else self.seeded.rows.get(table.name, [])
        if not own:
            return
        row = own[0]
        first = next((c for c in self.seeded.types[table.name] if c not in table.key_columns),
                     None)
        attacks = {
            "insert": lambda: self.reinsert(role, 0, table, row),
            "update": lambda: self.as_role(role, 0, f"UPDATE {ident(table.name)} SET "
                                           f"{ident(first)} = {ident(first)} WHERE "
                                           f"{self.where_pk(table, row)}") if first else None,
            "delete": lambda: self.as_role(role, 0, f"DELETE FROM {ident(table.name)} WHERE "
                                           f"{self.where_pk(table, row)}"),
        }
        for command, attack in attacks.items():
            if command in need:
                continue
            got = attack()
            if got is None:
                continue
            self.judge_denied("least-privilege", role, table.name, got,
                              f"{command} on a row of its own tenant, though none of its "
                              f"endpoints (nor its `tables:`) does")

    def functions_and_owners(self) -> None:
        cur = self.cur
        cur.execute("""
            SELECT p.oid::regprocedure::text, coalesce(p.proconfig, '{}'),
                   p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                               WHERE a.grantee = 0
                                                 AND a.privilege_type = 'EXECUTE')
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.prosecdef""")
        for sig, config, public in cur.fetchall():
            path = next((c.split("=", 1)[1] for c in config if c.startswith("search_path=")),
                        None)
            items = [i.strip().strip('"') for i in path.split(",")] if path else []
            ok = bool(items) and items[-1] == "pg_temp"
            self.out.cases.append(Case(
                "function-search-path", "-", sig, "pass" if ok else "fail",
                "" if ok else f"search_path is {path or 'not set'}: a temporary table can "
                "stand in for a table it reads (pg_temp is searched first unless named last)"))
            self.out.cases.append(Case(
                "function-public-execute", "-", sig, "fail" if public else "pass",
                "PUBLIC (every role of the cluster) may execute it" if public else ""))
        names = list(self.design.roles)
        cur.execute("SELECT rolname, rolbypassrls FROM pg_roles WHERE rolname = ANY(%s)",
                    (names,))
        for name, bypass in cur.fetchall():
            self.out.cases.append(Case("no-bypass", name, "-", "fail" if bypass else "pass",
                                       "has BYPASSRLS" if bypass else ""))
        cur.execute("""
            SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity
              AND pg_get_userbyid(c.relowner) = ANY(%s)""", (names,))
        for table, owner in cur.fetchall():
            self.out.cases.append(Case("no-bypass", owner, table, "fail",
                                       f"owns {table}: without FORCE it bypasses its policies, "
                                       "and it may disable them",
                                       table_span(self.design, table)))


def check_invariants(design: Design, cur: Any, psycopg: Any, seeded: Seeded,
                     p: Principals) -> Invariants:
    """Run every invariant on the seeded rows (inside the caller's transaction)."""
    out = Invariants()
    _Run(design, cur, psycopg, seeded, p, out).run()
    return out
