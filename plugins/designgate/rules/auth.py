"""Auth (A): the auth model, the permission of every endpoint, and RLS policies.

Seed non-negotiable: "Auth and permission model must be designed before implementation — not
deferred".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from designgate.findings import Severity, did_you_mean
from designgate.model.design import Design, Policy, Table
from designgate.rules.registry import Hit, register

E, W = Severity.ERROR, Severity.WARNING

#: PostgreSQL's pseudo-role every role belongs to; valid in a policy's `TO` list.
PG_PUBLIC = "public"


# --- endpoints and the auth model ------------------------------------------------------------


@register("A001", "endpoint-without-permission", E, "An endpoint has neither a permission nor `public`.")
def endpoint_without_permission(design: Design) -> Iterator[Hit]:
    """Every endpoint says who may call it: a `resource:action` permission, or `public`.

    The brief: "Auth and permission model must be designed before implementation — not
    deferred", and Phase 4 maps "permissions to endpoints (who can access what)". An
    endpoint without a permission leaves that decision to whoever implements it. Name the
    permission, or write `permission: public` to make an open endpoint an explicit choice.

    ```yaml
    - id: listNotes
      permission: notes:read
    ```
    """
    for ep in design.endpoints:
        if ep.permission is None:
            yield Hit(ep.loc.at("id"), f"endpoint '{ep.id}' has no permission; add "
                      "`permission: resource:action` (or `permission: public`)")


@register("A002", "unknown-permission", E, "An endpoint requires a permission the auth model does not define.")
def unknown_permission(design: Design) -> Iterator[Hit]:
    """An endpoint's permission is defined in the auth model's `permissions:`.

    Permissions are the vocabulary of the role-permission matrix; a permission no file
    defines cannot be granted to any role, so nobody could call the endpoint. Fix the name
    (the message suggests the closest) or define the permission. Not reported while the
    auth model is missing altogether (A010 reports that once).

    ```yaml
    permissions:
      - {name: notes:read, description: Read own notes.}
    ```
    """
    if design.auth is None:
        return
    for ep in design.endpoints:
        p = ep.permission
        if p is not None and not ep.public and p not in design.permissions:
            yield Hit(ep.loc.at("permission"), f"endpoint '{ep.id}' requires permission "
                      f"'{p}', which the auth model does not define"
                      f"{did_you_mean(p, design.permissions)}")


@register("A010", "auth-model-missing", E, "Endpoints are protected but there is no auth model.")
def auth_model_missing(design: Design) -> Iterator[Hit]:
    """A design with protected endpoints has an auth model with a strategy.

    Phase 4 of the brief defines the "auth strategy (JWT, session, OAuth, API key)", the roles
    and the permission matrix — before implementation, not deferred. Add a `kind: auth`
    file with `strategy:`, `roles:` and `permissions:`. Reported once: at the auth file
    when it lacks a strategy, otherwise at the first protected endpoint.

    ```yaml
    kind: auth
    strategy: jwt
    roles: [{name: reader, permissions: [notes:read]}]
    permissions: [{name: notes:read}]
    ```
    """
    protected = [ep for ep in design.endpoints if not ep.public]
    if not protected:
        return
    if design.auth is None:
        first = protected[0]
        loc = first.loc.at("permission") if first.permission else first.loc.at("id")
        yield Hit(loc, f"{len(protected)} endpoint(s) are protected but no `kind: auth` file "
                  "defines the auth model; add design/auth.yaml with strategy, roles and "
                  "permissions")
    elif design.auth.strategy is None and design.auth.loc is not None:
        yield Hit(design.auth.loc.at("kind"), "the auth model has no `strategy:`; say how "
                  "callers authenticate (jwt, session, oauth2 or api-key)")


# --- roles and permissions ---------------------------------------------------------------------


@register("A003", "role-unknown-permission", E, "A role grants a permission that is not defined.")
def role_unknown_permission(design: Design) -> Iterator[Hit]:
    """Roles grant only permissions defined in `permissions:`.

    A misspelt grant silently gives the role nothing, and the endpoints it was meant to
    open stay closed (or someone "fixes" it in code). Fix the name (the message suggests
    the closest) or define the permission.

    ```yaml
    roles:
      - {name: writer, permissions: [notes:write]}
    ```
    """
    for role in design.roles.values():
        for loc, p in role.loc.at("permissions").strings():
            if p not in design.permissions:
                yield Hit(loc, f"role '{role.name}' grants unknown permission '{p}'"
                          f"{did_you_mean(p, design.permissions)}")


@register("A009", "role-inheritance", E, "A role inherits an unknown role, or roles inherit in a cycle.")
def role_inheritance(design: Design) -> Iterator[Hit]:
    """`inherits:` names defined roles and never leads back to the role itself.

    A role inherits every permission of the roles it lists. An unknown name grants nothing;
    a cycle (a inherits b, b inherits a) makes the roles equal in a roundabout way and
    cannot be expressed as PostgreSQL role membership. Fix the name, or break the cycle so
    inheritance runs from the broader role to the narrower one. Each cycle is reported once.

    ```yaml
    - {name: writer, inherits: [reader]}
    ```
    """
    for role in design.roles.values():
        for loc, parent in role.loc.at("inherits").strings():
            if parent not in design.roles:
                yield Hit(loc, f"role '{role.name}' inherits unknown role '{parent}'"
                          f"{did_you_mean(parent, design.roles)}")
    reported: set[frozenset[str]] = set()
    for role in design.roles.values():
        cycle = _cycle(design, role.name)
        if cycle is None or frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        first = cycle[1] if len(cycle) > 1 else role.name
        loc = next((lc for lc, p in role.loc.at("inherits").strings() if p == first),
                   role.loc.at("inherits"))
        yield Hit(loc, f"roles inherit in a cycle: {' → '.join([*cycle, role.name])}; "
                  "remove one of the inheritances")


def _cycle(design: Design, start: str) -> list[str] | None:
    """The roles of an inheritance path from ``start`` back to itself, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        role = design.roles.get(name)
        if role is None:
            continue
        for parent in role.inherits:
            if parent == start:
                return path
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, [*path, parent]))
    return None


@register("A014", "role-name-invalid", E, "A role name is not a plain PostgreSQL identifier.")
def role_name_invalid(design: Design) -> Iterator[Hit]:
    """A role of the auth model is a database role of the same name: a lower-case
    identifier (letters a-z, digits and `_`, not starting with a digit, at most 63
    characters), not a reserved word and not PostgreSQL's own (`public`, `pg_*`).

    The generated SQL names the role in `CREATE ROLE`, `GRANT`, `SET ROLE` and every policy,
    and the API switches to it with `SET LOCAL ROLE`. A name that needs quoting is easy to
    get wrong in each of those places — and one with `$$` or quotes in it could close the
    statement it is written into. designgate refuses to generate SQL for such a name; rename
    the role (the API's token claim can keep its spelling and be mapped).

    ```yaml
    roles:
      - {name: workspace_admin, permissions: [members:update]}
    ```
    """
    from designgate.generate.sql import role_problem

    for role in design.roles.values():
        why = role_problem(role.name)
        if why is not None:
            yield Hit(role.loc.at("name"), f"role '{role.name}' cannot be a database role: "
                      f"{why}; rename it")


@register("A004", "permission-unheld", W, "A permission no role holds.")
def permission_unheld(design: Design) -> Iterator[Hit]:
    """Every defined permission is granted to some role.

    A permission no role holds makes every endpoint requiring it unreachable, and the
    permission matrix incomplete. Grant it to a role (roles inheriting that role get it
    too), or remove it if nothing needs it.

    ```yaml
    roles:
      - {name: writer, inherits: [reader], permissions: [notes:write, notes:delete]}
    ```
    """
    held: set[str] = set()
    for role in design.roles:
        held |= design.role_permissions(role)
    for perm in design.permissions.values():
        if perm.name not in held:
            yield Hit(perm.loc.at("name"), f"no role holds permission '{perm.name}'; grant "
                      "it to a role or remove it")


# --- row-level security ------------------------------------------------------------------------


@register("A005", "table-without-rls", E, "A table holding user data has no RLS policy.")
def table_without_rls(design: Design) -> Iterator[Hit]:
    """On PostgreSQL, every table holding user data has a row-level security policy.

    Phase 4 of the brief: "Design RLS policies (if Postgres)". Tables mapped to a dictionary
    entity hold user data unless they say `user_data: false`; without a policy, any
    query bug in the API exposes every user's rows. Add a policy for the table (and an
    `enable_rls` step in the migration plan), or mark a reference-data table
    `user_data: false`.

    ```yaml
    policies:
      - name: notes_owner_all
        table: notes
        command: all
        roles: [reader, writer]
        using: "author_id = current_setting('app.user_id')::uuid"
    ```
    """
    if design.project.database != "postgres":
        return
    covered = {p.table for p in design.policies}
    for t in design.tables.values():
        if t.user_data and t.name not in covered:
            yield Hit(t.loc.at("name"), f"table '{t.name}' holds user data but no RLS policy "
                      "protects it; add a policy (or `user_data: false` for reference data)")


@register("A006", "policy-unknown-role", E, "An RLS policy names an unknown role.")
def policy_unknown_role(design: Design) -> Iterator[Hit]:
    """A policy's `roles:` are roles of the auth model (or PostgreSQL's `public`).

    A policy for a role that does not exist protects nobody, and the intended role gets no
    rows at all. Fix the name (the message suggests the closest role).

    ```yaml
    roles: [reader, writer]
    ```
    """
    for pol in design.policies:
        for loc, r in pol.loc.at("roles").strings():
            if r not in design.roles and r != PG_PUBLIC:
                yield Hit(loc, f"policy '{pol.name}' names unknown role '{r}'"
                          f"{did_you_mean(r, design.roles)}")


@register("A008", "policy-unknown-table", E, "An RLS policy is on an unknown table.")
def policy_unknown_table(design: Design) -> Iterator[Hit]:
    """A policy's `table:` is a table of the schema.

    A policy on a misspelt table cannot be created, and the real table stays unprotected.
    Fix the name (the message suggests the closest table).

    ```yaml
    table: notes
    ```
    """
    for pol in design.policies:
        if pol.table not in design.tables:
            yield Hit(pol.loc.at("table"), f"policy '{pol.name}' is on unknown table "
                      f"'{pol.table}'{did_you_mean(pol.table, design.tables)}")


@register("A011", "policy-clause-command", E, "A policy clause PostgreSQL rejects for its command.")
def policy_clause_command(design: Design) -> Iterator[Hit]:
    """`using` and `with_check` fit the policy's command.

    PostgreSQL rejects `CREATE POLICY` with a `USING` expression on `INSERT` (there are no
    existing rows to filter) and with `WITH CHECK` on `SELECT` or `DELETE` (no new rows are
    written). Move the expression to the clause that applies, or change the command.

    ```yaml
    - {name: notes_insert_own, table: notes, command: insert, roles: [writer],
       with_check: "author_id = current_setting('app.user_id')::uuid"}
    ```
    """
    for pol in design.policies:
        if pol.command == "insert" and pol.using is not None:
            yield Hit(pol.loc.at("using"), f"policy '{pol.name}' is for insert, which has no "
                      "existing rows: PostgreSQL rejects `using`; use `with_check`")
        if pol.command in ("select", "delete") and pol.with_check is not None:
            yield Hit(pol.loc.at("with_check"), f"policy '{pol.name}' is for {pol.command}, "
                      "which writes no rows: PostgreSQL rejects `with_check`; use `using`")


@register("A007", "policy-unknown-column", E, "An RLS policy expression names a column its table lacks.")
def policy_unknown_column(design: Design) -> Iterator[Hit]:
    """The columns a policy's `using` / `with_check` expression reads exist on its table.

    A policy naming a missing column fails to create, or — after a rename — silently stops
    protecting the rows. The check only reports what is surely wrong: string literals,
    function names, casts, SQL keywords and system columns are ignored; `table.column` is
    checked against that table when it is a table of the schema; and unqualified names inside
    a subquery are not checked (they may belong to it), those outside it are.

    ```yaml
    using: "author_id = current_setting('app.user_id')::uuid"
    ```
    """
    for pol in design.policies:
        table = design.tables.get(pol.table)
        if table is None:
            continue
        for clause, expr in (("using", pol.using), ("with_check", pol.with_check)):
            if expr is None:
                continue
            for message in _unknown_columns(design, pol, table, clause, expr):
                yield Hit(pol.loc.at(clause), message)


def _unknown_columns(design: Design, pol: Policy, table: Table, clause: str,
                     expr: str) -> Iterator[str]:
    refs, subquery = column_refs(expr)
    outside = _bare_names_outside_subqueries(expr) if subquery else set()
    seen: set[tuple[str | None, str]] = set()
    for qualifier, name in refs:
        if (qualifier, name) in seen:
            continue
        seen.add((qualifier, name))
        if qualifier is None:
            if subquery and name not in outside:
                continue
            target = table
        else:
            found = _table_named(design, qualifier)
            if found is None:
                continue  # an alias, a schema or a composite value: not ours to judge
            target = found
        names = [c.name for c in target.columns]
        if not _has_column(target, name):
            shown = f"{qualifier}.{name}" if qualifier else name
            yield (f"policy '{pol.name}' reads column '{shown}' in `{clause}`, which table "
                   f"'{target.name}' does not have{did_you_mean(name, names)}")


def _bare_names_outside_subqueries(text: str) -> set[str]:
    """Unqualified column names the expression reads outside its subqueries: those are the
    policy's table's, even in `author_id = (select current_setting(...))`."""
    from designgate.generate import expr as x

    node = x.tree(text)
    if node is None:
        return set()
    out = set()
    for n in x.walk(node, into_sublinks=False):
        fields = x.body(n).get("fields") or [] if x.kind(n) == "ColumnRef" else []
        if len(fields) == 1 and isinstance(fields[0], dict) and "String" in fields[0]:
            out.add(fields[0]["String"]["sval"])
    return out


def _table_named(design: Design, name: str) -> Table | None:
    return design.tables.get(name) or next(
        (t for t in design.tables.values() if t.name.lower() == name.lower()), None
    )


def _has_column(table: Table, name: str) -> bool:
    return any(c.name == name or c.name.lower() == name.lower() for c in table.columns)


# --- a small SQL expression reader ------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<string>(?:[eEbBxXnN]|[uU]&)?'(?:[^']|'')*')
    | (?P<dollar>\$\$.*?\$\$|\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*)\$.*?\$(?P=tag)\$)
    | (?P<quoted>(?:[uU]&)?"(?:[^"]|"")*")
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)
    | (?P<param>\$[0-9]+)
    | (?P<cast>::)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.X | re.S,
)

#: Words that are never a column of the policy's table.
KEYWORDS = frozenset({
    "all", "and", "any", "array", "as", "asc", "at", "between", "both", "by", "case", "cast",
    "check", "collate", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "default", "desc",
    "distinct", "else", "end", "escape", "except", "exists", "false", "filter", "first", "from",
    "full", "group", "having", "ilike", "in", "inner", "intersect", "interval", "is", "isnull",
    "join", "last", "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp",
    "natural", "not", "notnull", "null", "nulls", "offset", "on", "only", "or", "order", "outer",
    "over", "overlaps", "partition", "placing", "range", "recursive", "right", "row", "rows",
    "select", "session_user", "similar", "some", "symmetric", "table", "then", "time", "to",
    "trailing", "true", "union", "unknown", "user", "using", "values", "when", "where", "window",
    "with", "within", "without", "zone",
})

#: System columns every table has.
SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"})

#: Words that continue a multi-word type name after `::` or `AS` (`timestamp with time zone`).
_TYPE_WORDS = frozenset({"with", "without", "time", "zone", "precision", "varying"})


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # word | quoted | literal | cast | other
    text: str


def _tokens(expr: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(expr):
        kind = m.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        if kind in ("string", "dollar", "number", "param"):
            out.append(_Tok("literal", m.group()))
        elif kind == "quoted":
            body = m.group()
            body = body[body.index('"') + 1 : -1].replace('""', '"')
            out.append(_Tok("quoted", body))
        elif kind == "word":
            out.append(_Tok("word", m.group().lower()))
        else:
            out.append(_Tok(kind, m.group()))
    return out


def column_refs(expr: str) -> tuple[list[tuple[str | None, str]], bool]:
    """Column references in a SQL boolean expression, and whether it has a subquery.

    Each reference is ``(qualifier, column)``; the qualifier is None for a bare name.
    Literals, functions, casts, keywords and system columns are skipped. In an expression
    with a subquery, bare names may also be its tables and aliases: callers ignore them.
    """
    toks = _tokens(expr)
    subquery = any(t.kind == "word" and t.text == "select" for t in toks)
    refs: list[tuple[str | None, str]] = []
    i, n = 0, len(toks)

    def is_name(k: int) -> bool:
        return k < n and toks[k].kind in ("word", "quoted")

    def is_op(k: int, text: str) -> bool:
        return k < n and toks[k].kind in ("other", "cast") and toks[k].text == text

    def skip_type(k: int) -> int:
        """Index after the type name starting at ``k`` (after `::` or `AS`)."""
        if not is_name(k):
            return k
        k += 1
        while is_op(k, ".") and is_name(k + 1):
            k += 2
        while k < n and toks[k].kind == "word" and toks[k].text in _TYPE_WORDS:
            k += 1
        return k

    while i < n:
        t = toks[i]
        if t.kind == "cast" or (t.kind == "word" and t.text == "as"):
            i = skip_type(i + 1)
            continue
        if t.kind == "word" and t.text == "collate":
            i += 2
            continue
        if not is_name(i):
            i += 1
            continue
        # A field of a composite value, `(row).field`: not a column of a table.
        if i > 0 and is_op(i - 1, "."):
            i += 1
            continue
        chain = [t]
        j = i + 1
        while is_op(j, ".") and is_name(j + 1):
            chain.append(toks[j + 1])
            j += 2
        i = j
        if is_op(j, "(") or (j < n and toks[j].kind == "literal" and len(chain) == 1):
            continue  # a function call, or a typed literal such as date '2026-01-01'
        if len(chain) == 1:
            word = chain[0]
            if word.kind == "word" and (word.text in KEYWORDS or word.text in SYSTEM_COLUMNS):
                continue
            refs.append((None, word.text))
        elif len(chain) == 2:
            col = chain[1]
            if col.kind == "word" and col.text in SYSTEM_COLUMNS:
                continue
            refs.append((chain[0].text, col.text))
    return refs, subquery


@register("A012", "rls-never-enabled", E,
          "A table has RLS policies but no migration enables row-level security on it.")
def rls_never_enabled(design: Design) -> Iterator[Hit]:
    """Policies only take effect on a table whose row-level security is switched on.

    PostgreSQL ignores the policies of a table until `ALTER TABLE ... ENABLE ROW LEVEL
    SECURITY` (and, for the table owner, `FORCE`). designgate creates a table's policies in
    the `enable_rls` step of the migration plan, so a table with policies and no such step
    has, once migrated, no protection at all. Add the step after the table is created:

    ```yaml
    steps:
      - create_table: notes
      - enable_rls: notes
    ```
    """
    if design.project.database != "postgres" or not design.migrations:
        return
    enabled = {str(s.arg) for m in design.migrations for s in m.steps if s.op == "enable_rls"}
    seen: set[str] = set()
    for p in design.policies:
        if p.table in design.tables and p.table not in enabled and p.table not in seen:
            seen.add(p.table)
            yield Hit(p.loc.at("table"), f"table '{p.table}' has RLS policies but no migration "
                      f"enables row-level security on it; add `- enable_rls: {p.table}` "
                      "after its `create_table` step")


@register("A013", "permission-denied-by-rls", W,
          "A role may call an endpoint, but RLS lets it see or change no row of its tables.")
def permission_denied_by_rls(design: Design) -> Iterator[Hit]:
    """Whoever the auth matrix lets call an endpoint, the RLS policies let reach its tables.

    The permission matrix and the policies are two halves of one decision. Each entry of an
    endpoint's `tables:` says what it does there — a bare name is the endpoint's own
    command (GET reads, POST inserts, PUT/PATCH update, DELETE deletes, each reading too),
    `{table, access}` says it exactly (`read`, `write` or the commands). Every role that
    holds the endpoint's permission — or the role in `runs_as:` — needs a policy of that
    table (its own, one of a role it inherits, or `public`'s) for each of those commands;
    else it gets an empty list, a 404 or a permission error from PostgreSQL. Tables done
    `via:` a SECURITY DEFINER function or trigger are not the caller's, and a worker's
    role is checked for the `tables:` it declares. Tables without policies are not checked
    here (see A005).

    ```yaml
    tables:
      - tasks                               # POST: inserts into tasks (and reads it)
      - {table: projects, access: read}
    ```
    """
    if design.project.database != "postgres" or not design.policies:
        return
    by_table: dict[str, list[Policy]] = {}
    for p in design.policies:
        by_table.setdefault(p.table, []).append(p)
    uses = [(f"'{ep.id}'" + (f" ({ep.permission})" if ep.permission and not ep.public
                             else ""), design.runs_as(ep), ep.access)
            for ep in design.endpoints]
    uses += [("its `tables:`", [r.name], r.tables) for r in design.roles.values()]
    for what, roles, accesses in uses:
        for a in accesses:
            if a.via is not None or a.table not in by_table:
                continue
            shut: dict[str, list[str]] = {}
            for r in roles:
                for cmd in a.commands:
                    if not _allowed(design, by_table[a.table], r, frozenset({cmd, "all"})):
                        shut.setdefault(r, []).append(cmd)
            if shut:
                names = list(shut)
                cmds = sorted({c for cs in shut.values() for c in cs},
                              key=["select", "insert", "update", "delete"].index)
                yield Hit(a.loc, f"{_roles(names)} may call {what} but no RLS policy on "
                          f"'{a.table}' lets {_them(names)} {'/'.join(cmds)}; add "
                          f"{_them(names)} to a policy of '{a.table}' for that, narrow the "
                          "permission, or correct `tables:`" if what.startswith("'") else
                          f"{_roles(names)} lists '{a.table}' ({'/'.join(cmds)}) in "
                          f"{what}, but no RLS policy there lets {_them(names)} do it")


def _allowed(design: Design, policies: list[Policy], role: str, commands: frozenset[str]
             ) -> bool:
    """Whether one of ``policies`` with one of ``commands`` applies to ``role`` (directly,
    through a role it inherits, or to every role)."""
    roles = design.role_ancestors(role) | {PG_PUBLIC}
    return any(p.command in commands and (not p.roles or roles & set(p.roles))
               for p in policies)


def _roles(names: list[str]) -> str:
    return ("role " if len(names) == 1 else "roles ") + ", ".join(f"'{n}'" for n in names)


def _them(names: list[str]) -> str:
    return "it" if len(names) == 1 else "them"
