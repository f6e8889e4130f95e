"""Auth (A): tenant isolation and least privilege, checked before any server runs.

Modeled on Supabase's splinter lints and on what an attacker tries first: a foreign key that
lets one tenant's row point at another's, an UPDATE that lets a role promote itself, a
SECURITY DEFINER function that a temporary table can hijack or that anybody may run, a
privilege granted to PUBLIC, row-level security that the table owner bypasses, a policy that
is always true or forgets the tenant. The intent these rules check against is stated once,
in the auth model: the tenancy model (``tenancy:``) and the role x permission matrix, with
what each endpoint does to its tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from designgate.findings import Severity, did_you_mean
from designgate.generate import expr, plan
from designgate.generate import sql as g
from designgate.model.design import Design, Policy, Table
from designgate.model.source import Loc
from designgate.rules.registry import Hit, register

E, W = Severity.ERROR, Severity.WARNING
PUBLIC = "public"


def _scoped(design: Design, table: Table) -> str:
    t = design.tenancy
    return t.scope(table) if t else "undeclared"


def _functions(design: Design) -> set[str]:
    """Names of the functions the plan's raw SQL creates."""
    return {plan.function_name(r.node) for r in plan.raw_statements(design)
            if r.kind == "CreateFunctionStmt"}


def _clauses(p: Policy) -> Iterator[tuple[str, str]]:
    for key, text in (("using", p.using), ("with_check", p.with_check)):
        if text:
            yield key, text


# --- the tenancy model ---------------------------------------------------------------------


@register("A032", "tenancy-model", E, "The tenancy model names something the design lacks, or "
          "leaves a table's scope open.")
def tenancy_model(design: Design) -> Iterator[Hit]:
    """The tenancy model says who owns which rows, and every name in it exists.

    `tenancy:` in the auth model states the intent the policies and `db verify` are checked
    against: the table of tenants, the column that scopes a row to its tenant, the session
    setting that holds the caller's tenant (and user), the membership table with its user
    and role columns, and the scope of every table without the tenant column — `per-user`
    (rows of one user: the user table, or a table with an `owner: true` column) or `global`
    (shared reference data). A table whose scope is not declared cannot be checked, so it
    is reported; so is a design whose tables have `technical: tenant` columns but no
    tenancy model.

    ```yaml
    tenancy:
      tenant: workspaces
      column: workspace_id
      setting: app.workspace_id
      user: {table: users, setting: app.user_id}
      membership: {table: workspace_members, user: user_id, role: role}
      tables: {users: per-user, plans: global}
    ```
    """
    t = design.tenancy
    if t is None:
        tenant_cols = [c for tb in design.tables.values() for c in tb.columns
                       if c.technical == "tenant"]
        if tenant_cols and design.auth is not None and design.auth.loc is not None:
            yield Hit(design.auth.loc.at("kind"), f"{len(tenant_cols)} column(s) are "
                      "`technical: tenant` but the auth model has no `tenancy:`; declare the "
                      "tenant table, column and session setting so tenant isolation can be "
                      "checked")
        return
    loc = t.loc
    settings = design.auth.session_settings if design.auth else {}
    tenant = design.tables.get(t.tenant)
    if tenant is None:
        yield Hit(loc.at("tenant"), f"tenant table '{t.tenant}' is not a table of the schema"
                  f"{did_you_mean(t.tenant, design.tables)}")
    elif len(tenant.key_columns) != 1:
        yield Hit(loc.at("tenant"), f"tenant table '{t.tenant}' needs a one-column primary "
                  "key (the tenant id)")
    if design.tables and not any(tb.column(t.column) for tb in design.tables.values()):
        yield Hit(loc.at("column"), f"no table has the tenant column '{t.column}'")
    for key, setting in (("setting", t.setting), ("user", t.user_setting)):
        if setting and settings and setting not in settings:
            at = loc.at("user", "setting") if key == "user" else loc.at("setting")
            yield Hit(at, f"session setting '{setting}' is not in the auth model's "
                      f"`session_settings`{did_you_mean(setting, settings)}")
    if t.user_table and t.user_table not in design.tables:
        yield Hit(loc.at("user", "table"), f"user table '{t.user_table}' is not a table of the "
                  f"schema{did_you_mean(t.user_table, design.tables)}")
    m = t.membership
    if m is not None:
        table = design.tables.get(m.table)
        if table is None:
            yield Hit(m.loc.at("table"), f"membership table '{m.table}' is not a table of the "
                      f"schema{did_you_mean(m.table, design.tables)}")
        else:
            for key, col in (("user", m.user), ("role", m.role)):
                if col and table.column(col) is None:
                    yield Hit(m.loc.at(key), f"membership table '{m.table}' has no column "
                              f"'{col}'{did_you_mean(col, [c.name for c in table.columns])}")
            if table.column(t.column) is None:
                yield Hit(m.loc.at("table"), f"membership table '{m.table}' has no tenant "
                          f"column '{t.column}'")
    for name in t.scopes:
        if name not in design.tables:
            yield Hit(loc.at("tables", name), f"'{name}' is not a table of the schema"
                      f"{did_you_mean(name, design.tables)}", key=True)
        elif design.tables[name].column(t.column) is not None:
            yield Hit(loc.at("tables", name), f"'{name}' has the tenant column "
                      f"'{t.column}': it is per-tenant", key=True)
    for table in design.tables.values():
        scope = t.scope(table)
        if scope == "undeclared":
            yield Hit(table.loc.at("name"), f"table '{table.name}' has no tenant column "
                      f"'{t.column}' and the tenancy model does not say whose rows it holds; "
                      f"add it to `tenancy.tables` as per-user or global")
        elif scope == "per-user" and table.name != t.user_table and not any(
                c.owner for c in table.columns):
            yield Hit(loc.at("tables", table.name), f"per-user table '{table.name}' has no "
                      "`owner: true` column saying which user a row belongs to", key=True)


# --- foreign keys and privilege columns ----------------------------------------------------


@register("A015", "cross-tenant-foreign-key", E,
          "A per-tenant table references another per-tenant table without the tenant column.")
def cross_tenant_foreign_key(design: Design) -> Iterator[Hit]:
    """A foreign key between two per-tenant tables includes the tenant column on both sides.

    `tasks.project_id → projects.id` only says the project exists — in *some* tenant. Row-level
    security checks the task's own `workspace_id`, not the project's, so a member of
    workspace B can create a task in B under a project of workspace A, or comment on A's
    task. With the tenant in the key the database itself refuses it: reference
    `(workspace_id, project_id) → projects (workspace_id, id)`, which needs a unique
    constraint on `projects (workspace_id, id)`:

    ```yaml
    # tables/tasks.yaml
    foreign_keys:
      - columns: [workspace_id, project_id]
        references: {table: projects, columns: [workspace_id, id]}
        on_delete: cascade
    # tables/projects.yaml
    unique: [[workspace_id, id]]
    ```
    """
    t = design.tenancy
    if t is None:
        return
    for table in design.tables.values():
        if t.scope(table) != "per-tenant":
            continue
        for fk in table.fks:
            target = design.tables.get(fk.table)
            if target is None or t.scope(target) != "per-tenant":
                continue
            cols, refs = g.fk_columns(fk)
            if t.column in cols and t.column in refs and \
                    cols.index(t.column) == refs.index(t.column):
                continue
            col = next((c for c in cols if c != t.column), cols[0] if cols else "?")
            ref = next((c for c in refs if c != t.column), refs[0] if refs else "id")
            yield Hit(fk.loc, f"foreign key {table.name}.{col} → {fk.table}.{ref} does not "
                      f"include the tenant column: a row of one tenant can reference "
                      f"another tenant's {fk.table}; use `foreign_keys: [{{columns: "
                      f"[{t.column}, {col}], references: {{table: {fk.table}, columns: "
                      f"[{t.column}, {ref}]}}}}]` (and `unique: [[{t.column}, {ref}]]` on "
                      f"{fk.table})")


@register("A016", "privilege-column-unchecked", E,
          "An UPDATE policy lets a role set a privilege column it may not grant.")
def privilege_column_unchecked(design: Design) -> Iterator[Hit]:
    """An UPDATE policy on the membership table restricts the role column to the roles the
    updating role may grant.

    `WITH CHECK (workspace_id = ...)` keeps the row in the tenant but leaves `role` free: an
    admin can write `owner` into its own membership and is promoted. A role may only give
    what it has — itself and the roles it inherits — so for every role of an UPDATE (or
    ALL) policy on the membership table that cannot grant every value of the role column,
    the policy's `with_check` must constrain the column (`role IN ('admin', 'member',
    'guest')`), and its `using` should keep rows of higher roles out of reach. The role
    that inherits all the others (the owner) needs no such check. The tenant, owner and
    membership user columns need none either: designgate grants UPDATE only on the other
    columns when a tenancy model is declared.

    ```yaml
    - name: workspace_members_update_admin
      table: workspace_members
      command: update
      roles: [admin]
      using: workspace_id = (select current_setting('app.workspace_id', true)::uuid) AND role <> 'owner'
      with_check: workspace_id = (select current_setting('app.workspace_id', true)::uuid) AND role <> 'owner'
    ```
    """
    t = design.tenancy
    m = t.membership if t else None
    if m is None or not m.role:
        return
    table = design.tables.get(m.table)
    column = table.column(m.role) if table else None
    if table is None or column is None:
        return
    values = _allowed_values(column.check) or [r for r in design.roles]
    for p in design.policies:
        if p.table != m.table or p.command not in ("update", "all"):
            continue
        check = p.with_check or p.using
        node = expr.tree(check) if check else None
        if check and node is None:
            continue  # S019
        for r in p.roles:
            mine = design.role_ancestors(r) | {r}
            mine_node = expr.specialize(node, lambda x, mine=mine: x in mine) if node else None
            beyond = [v for v in values if v not in mine and
                      (mine_node is None or expr.could_hold(mine_node, m.role, v))]
            if beyond:
                yield Hit(p.loc.at("with_check" if p.with_check else "roles"),
                          f"policy '{p.name}' lets '{r}' set {m.table}.{m.role} to "
                          f"{', '.join(beyond)}, a role it does not have (its own membership "
                          f"included); restrict `{m.role}` in `with_check` to the roles "
                          f"'{r}' may grant")
                break


def _allowed_values(check: str | None) -> list[str]:
    node = expr.tree(check)
    for c in expr.conjuncts(node):
        b = expr.body(c)
        if expr.kind(c) == "A_Expr" and b.get("kind") == "AEXPR_IN":
            items = b.get("rexpr", {}).get("List", {}).get("items") or []
            vals = [expr.body(i).get("sval", {}).get("sval") for i in items
                    if expr.kind(i) == "A_Const"]
            if vals and all(isinstance(v, str) for v in vals):
                return [str(v) for v in vals]
    return []


# --- functions, grants and row-level security in the plan's raw SQL -------------------------


@register("A017", "security-definer-search-path", E,
          "A SECURITY DEFINER function does not fix a search_path ending in pg_temp.")
def security_definer_search_path(design: Design) -> Iterator[Hit]:
    """A SECURITY DEFINER function sets `search_path`, and lists `pg_temp` last.

    A SECURITY DEFINER function runs with its owner's rights. Any table or function name it
    does not qualify is looked up through `search_path` — and PostgreSQL searches the
    caller's temporary schema *first* unless `pg_temp` is named explicitly. Without `SET
    search_path`, or with `SET search_path = public`, any role that may create a temporary
    table can create one called `workspace_members` and the function reads it instead:
    the membership check says yes to whoever the attacker likes. Fix the path, trusted
    schemas only, `pg_temp` last:

    ```sql
    CREATE FUNCTION is_workspace_member(target uuid) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, public, pg_temp AS $$ ... $$;
    ```
    """
    for r in plan.raw_statements(design):
        if r.kind != "CreateFunctionStmt":
            continue
        opts = plan.function_options(r.node)
        if not opts.get("security"):
            continue
        path = [p.strip().lower() for v in opts["set"].get("search_path", []) for p in
                v.split(",")]
        name = plan.function_signature(r.node)
        if not path:
            yield _at(r, f"SECURITY DEFINER function {name} does not set search_path: a "
                      "caller's temporary table can stand in for the tables it reads; add "
                      "`SET search_path = pg_catalog, public, pg_temp`")
        elif path[-1] != "pg_temp":
            yield _at(r, f"SECURITY DEFINER function {name} has search_path "
                      f"{', '.join(path)}, which searches the caller's temporary schema "
                      f"first; end it with pg_temp: `SET search_path = "
                      f"{', '.join(p for p in path if p != 'pg_temp')}, pg_temp`")


def _at(r: plan.RawStatement, message: str) -> Hit:
    from designgate.rules.database import _inner_span

    return Hit(r.loc, message, span=_inner_span(r.loc, str(r.step.arg.get(r.direction)),
                                                r.offset))


def _privilege_events(design: Design) -> Iterator[tuple[plan.RawStatement, bool, list[str]]]:
    """(statement, revokes PUBLIC's EXECUTE, function signatures) of the raw GRANT/REVOKE
    on functions and ALTER DEFAULT PRIVILEGES, in plan order."""
    for r in plan.raw_statements(design):
        if r.kind == "GrantStmt" and r.node.get("objtype") == "OBJECT_FUNCTION":
            sigs = [plan.function_signature(o.get("ObjectWithArgs", {}))
                    for o in r.node.get("objects") or [] if "ObjectWithArgs" in o]
            if r.node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
                sigs = ["*"]
            yield r, not r.node.get("is_grant") and PUBLIC in plan.grantees(r.node), sigs


@register("A018", "function-executable-by-public", E,
          "A SECURITY DEFINER function may be executed by every role (PUBLIC).")
def function_executable_by_public(design: Design) -> Iterator[Hit]:
    """The plan revokes EXECUTE from PUBLIC on every SECURITY DEFINER function.

    PostgreSQL grants EXECUTE on a new function to PUBLIC: every role of the cluster — also
    roles outside the auth model, such as a reporting login — may run a function that
    bypasses row-level security with its owner's rights. Revoke it and grant it to the
    roles that need it, in the same step:

    ```sql
    REVOKE EXECUTE ON FUNCTION accept_invitation(text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION accept_invitation(text) TO authenticated;
    ```
    """
    raws = plan.raw_statements(design)
    default_revoked = any(
        r.kind == "AlterDefaultPrivilegesStmt" and
        r.node.get("action", {}).get("objtype") == "OBJECT_FUNCTION" and
        not r.node.get("action", {}).get("is_grant") and
        PUBLIC in plan.grantees(r.node.get("action", {})) for r in raws)
    if default_revoked:
        return
    events = list(_privilege_events(design))
    for r in raws:
        if r.kind != "CreateFunctionStmt" or not plan.function_options(r.node).get("security"):
            continue
        sig = plan.function_signature(r.node)
        later = [e for e in events if (e[0].position, e[0].offset) >= (r.position, 0) and
                 (sig in e[2] or "*" in e[2])]
        if not any(revokes for _, revokes, _ in later):
            yield _at(r, f"SECURITY DEFINER function {sig} is executable by PUBLIC (every "
                      f"role); add `REVOKE EXECUTE ON FUNCTION {sig} FROM PUBLIC;` and grant "
                      "it to the roles that call it")


@register("A019", "grant-to-public", E, "The plan grants a privilege to PUBLIC.")
def grant_to_public(design: Design) -> Iterator[Hit]:
    """Nothing is granted to PUBLIC.

    PUBLIC is every role of the cluster, now and later: a grant to it reaches roles the
    auth model never mentions. Grant to the roles of the auth model instead.

    ```sql
    GRANT SELECT ON plans TO authenticated;
    ```
    """
    for r in plan.raw_statements(design):
        if r.kind == "GrantStmt" and r.node.get("is_grant") and PUBLIC in plan.grantees(r.node):
            what = r.node.get("objtype", "OBJECT_").removeprefix("OBJECT_").lower()
            yield _at(r, f"grants {what} privileges to PUBLIC (every role of the cluster); "
                      "grant them to roles of the auth model")


@register("A020", "rls-not-forced", E,
          "Row-level security of a table with policies is disabled or not forced.")
def rls_not_forced(design: Design) -> Iterator[Hit]:
    """A table with policies keeps row-level security enabled and forced.

    Without FORCE, the table's owner — the role that ran the migrations, often the API's
    own login — bypasses every policy: one query on the wrong connection shows every
    tenant. The `enable_rls` step enables and forces it; a raw step that disables it, says
    NO FORCE, or enables without forcing undoes that.

    ```sql
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    ALTER TABLE notes FORCE ROW LEVEL SECURITY;
    ```
    """
    with_policies = {p.table for p in design.policies}
    forced: dict[str, bool] = {}
    last: dict[str, plan.RawStatement] = {}
    for m in design.migrations:
        for step in m.steps:
            if step.op == "enable_rls":
                forced[str(step.arg)] = True
    for r in plan.raw_statements(design):
        if r.kind != "AlterTableStmt":
            continue
        table = plan.relation(r.node.get("relation"))
        for cmd in plan.alter_commands(r.node):
            sub = cmd.get("subtype")
            if sub in ("AT_DisableRowSecurity", "AT_NoForceRowSecurity"):
                forced[table] = False
                last[table] = r
            elif sub == "AT_ForceRowSecurity":
                forced[table] = True
            elif sub == "AT_EnableRowSecurity":
                forced.setdefault(table, False)
                last.setdefault(table, r)
    for table, ok in sorted(forced.items()):
        if not ok and table in with_policies and table in last:
            yield _at(last[table], f"table {table} has policies, but after the migrations its "
                      "row-level security is not enabled and forced: its owner bypasses them; "
                      "use an `enable_rls` step (it enables and forces)")


# --- the policies ---------------------------------------------------------------------------


@register("A021", "policy-always-true", W, "A policy lets every row through.")
def policy_always_true(design: Design) -> Iterator[Hit]:
    """A policy's expression is not always true where that opens user data.

    `USING (true)` or `WITH CHECK (1 = 1)` on a command that writes lets the role change
    every row of the table; on a read of a per-tenant, per-user or tenant table, it shows
    every tenant's rows. Only global reference data may be read by everybody. Say whose
    rows the role may touch:

    ```yaml
    using: workspace_id = (select current_setting('app.workspace_id', true)::uuid)
    ```
    """
    for p in design.policies:
        table = design.tables.get(p.table)
        scope = _scoped(design, table) if table else "undeclared"
        for key, text in _clauses(p):
            node = expr.tree(text)
            if node is None or not expr.is_true(node):
                continue
            if p.command == "select" and scope in ("global", "undeclared") and table and \
                    not table.user_data:
                continue
            if p.command == "select" and scope == "global":
                continue
            yield Hit(p.loc.at(key), f"policy '{p.name}' is always true ({key}: {text}): "
                      f"{', '.join(p.roles) or PUBLIC} may {p.command} every row of "
                      f"{p.table}; say whose rows they may")


@register("A022", "policy-without-tenant", E,
          "A policy of a per-tenant table does not restrict the tenant.")
def policy_without_tenant(design: Design) -> Iterator[Hit]:
    """Every permissive policy of a per-tenant table restricts its tenant column; of a
    per-user table, its owner.

    Row-level security is the tenant boundary: a policy of `tasks` whose `using` is `status
    <> 'archived'` shows every tenant's tasks, and a `with_check` of `author_id = ...` alone
    lets a member write rows into any workspace. Each `using` and `with_check` must hold
    only for rows of the caller's tenant — `workspace_id = <the tenant setting>`, `IN
    (...)`, a correlated EXISTS or a membership function given the column. On the
    membership table a select policy may instead restrict its user column (your own
    memberships in every tenant). Restrictive policies narrow others and are not checked.

    ```yaml
    using: workspace_id = (select current_setting('app.workspace_id', true)::uuid) AND status <> 'archived'
    ```
    """
    t = design.tenancy
    if t is None:
        return
    for p in design.policies:
        table = design.tables.get(p.table)
        if table is None or p.restrictive:
            continue
        scope = t.scope(table)
        if scope == "per-tenant":
            needed = [t.column]
            if t.membership and t.membership.table == table.name and p.command == "select":
                needed.append(t.membership.user)
        elif scope == "tenant":
            needed = list(table.key_columns[:1])
        elif scope == "per-user":
            needed = [c.name for c in table.columns if c.owner] or (
                list(table.key_columns[:1]) if table.name == t.user_table else [])
        else:
            continue
        if not needed:
            continue
        owners = [c.name for c in table.columns if c.owner] if scope == "per-tenant" else []
        if owners and p.with_check and p.command in ("insert", "all"):
            node = expr.tree(p.with_check)
            for col in owners:
                if node is not None and not expr.constrains(node, col):
                    yield Hit(p.loc.at("with_check"), f"policy '{p.name}' lets "
                              f"{', '.join(p.roles) or PUBLIC} insert rows into {p.table} "
                              f"whose owner {col} is somebody else; add `{col} = (select "
                              f"current_setting('{t.user_setting or 'app.user_id'}', true)"
                              "::uuid)` to `with_check`")
        for key, text in _clauses(p):
            node = expr.tree(text)
            if node is None or expr.constrains(node, set(needed)):
                continue
            what = "tenant" if scope in ("per-tenant", "tenant") else "owner"
            yield Hit(p.loc.at(key), f"policy '{p.name}' ({key}) does not restrict {p.table}."
                      f"{needed[0]} to the caller's {what}: {', '.join(p.roles) or PUBLIC} may "
                      f"{'see' if key == 'using' else 'write'} rows of every {what}; add "
                      f"`{needed[0]} = (select current_setting('"
                      f"{t.setting if what == 'tenant' else (t.user_setting or 'app.user_id')}"
                      f"', true)::uuid) AND ...`")


@register("A023", "multiple-permissive-policies", W,
          "Several permissive policies apply to one role and command of a table.")
def multiple_permissive_policies(design: Design) -> Iterator[Hit]:
    """One permissive policy per role and command, with what they share in a restrictive one.

    PostgreSQL runs every permissive policy that applies to a role (its own, those of the
    roles it inherits, PUBLIC's, and `all` policies for each command) and ORs them, for
    every row — a cost each query pays, and an OR that is easy to widen by accident (one
    lax policy opens the table). Merge them into one policy per command; a condition
    they all share (the tenant) belongs in a restrictive policy:

    ```yaml
    - {name: comments_tenant, table: comments, command: all, restrictive: true,
       roles: [guest], using: "workspace_id = (select current_setting('app.workspace_id', true)::uuid)"}
    ```
    """
    seen: set[tuple[str, str, frozenset[str]]] = set()
    for table in sorted({p.table for p in design.policies}):
        pols = [p for p in design.policies if p.table == table and not p.restrictive]
        for role in design.roles:
            mine = design.role_ancestors(role) | {role, PUBLIC}
            for cmd in g.COMMANDS:
                apply = [p for p in pols if cmd in g.policy_commands(p) and
                         (set(p.roles or [PUBLIC]) & mine)]
                if len(apply) < 2:
                    continue
                key = (table, cmd, frozenset(p.name for p in apply))
                if key in seen:
                    continue
                seen.add(key)
                shared = _shared_conjunct(apply)
                hint = (f"; they all require `{shared}`: put it in one restrictive policy "
                        "and merge the rest into one permissive policy") if shared else (
                        "; merge them into one policy (USING (a) OR (b))")
                yield Hit(apply[-1].loc.at("name"), f"{len(apply)} permissive policies apply "
                          f"to '{role}' for {cmd} on {table} "
                          f"({', '.join(p.name for p in apply)}){hint}")


def _shared_conjunct(policies: list[Policy]) -> str | None:
    """A condition (a top-level AND operand) every one of ``policies`` requires."""
    common: set[str] | None = None
    for p in policies:
        parts = _conjunct_texts(p.using or p.with_check or "")
        common = parts if common is None else common & parts
    return sorted(common)[0] if common else None


def _conjunct_texts(text: str) -> set[str]:
    """The top-level AND operands of an expression, in pglast's canonical rendering."""
    from pglast import ast, enums, parse_sql
    from pglast.parser import ParseError
    from pglast.stream import RawStream

    if expr.tree(text) is None:
        return set()
    try:
        val = parse_sql(f"SELECT ({text})")[0].stmt.targetList[0].val
    except ParseError:  # pragma: no cover - expr.tree parsed it
        return set()
    todo, out = [val], set()
    while todo:
        node = todo.pop()
        if isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.AND_EXPR:
            todo.extend(node.args)
        else:
            out.add(RawStream()(node))
    return out


@register("A024", "policy-per-row-call", W,
          "A policy calls a function once per row that could run once per statement.")
def policy_per_row_call(design: Design) -> Iterator[Hit]:
    """A call in a policy that does not depend on the row is wrapped in `(select ...)`.

    PostgreSQL evaluates a policy for every row it reads. `current_setting(...)` (or one of
    the plan's own functions) given no column of the row returns the same value each time,
    but is called again for each row; inside a scalar subquery it becomes an *initplan*,
    run once per statement — on a large table the difference is the query's run time
    (Supabase's `auth_rls_initplan` lint). Wrap the whole row-independent part:

    ```yaml
    using: workspace_id = (select current_setting('app.workspace_id', true)::uuid)
    ```
    """
    functions = _functions(design)
    for p in design.policies:
        for key, text in _clauses(p):
            node = expr.tree(text)
            if node is None:
                continue
            found = expr.per_row_calls(node, functions)
            if found:
                names = sorted({expr.function_name(c) + "()" for c in found})
                parts = expr.row_independent_parts(text, functions)
                how = (f": write `(select {parts[0]})`" if parts else "")
                yield Hit(p.loc.at(key), f"policy '{p.name}' ({key}) calls "
                          f"{', '.join(names)} for every row; wrap the part that does not "
                          f"depend on the row in (select ...) so it runs once per "
                          f"statement{how}")


@register("A025", "current-setting-without-missing-ok", W,
          "A policy reads a session setting without `missing_ok`.")
def current_setting_without_missing_ok(design: Design) -> Iterator[Hit]:
    """`current_setting` in a policy passes `true` as its second argument (`missing_ok`).

    `current_setting('app.user_id')` raises "unrecognized configuration parameter" (42704)
    on any connection that never set it — a migration, a maintenance job, a new pool
    connection — instead of denying: the error, not the policy, decides. With `missing_ok`
    an unset setting reads as NULL, which matches no row.

    ```yaml
    using: author_id = (select current_setting('app.user_id', true)::uuid)
    ```
    """
    for p in design.policies:
        for key, text in _clauses(p):
            node = expr.tree(text)
            for call in expr.calls(node) if node is not None else []:
                name = expr.setting_name(call)
                if name is not None and len(expr.body(call).get("args") or []) < 2:
                    yield Hit(p.loc.at(key), f"policy '{p.name}' reads current_setting('"
                              f"{name}') without missing_ok: where it is not set the query "
                              f"fails instead of matching no row; write current_setting('"
                              f"{name}', true)")
                    break


@register("A026", "unknown-session-setting", E,
          "A policy reads a session setting the auth model does not declare.")
def unknown_session_setting(design: Design) -> Iterator[Hit]:
    """Every setting a policy reads is one of the auth model's `session_settings`.

    The API sets the declared settings at the start of each transaction; a policy that
    reads another one (`current_setting('app.clinc_id', true)` for `app.clinic_id`) reads
    NULL — or, without `missing_ok`, fails — and matches nothing. Fix the name (the message
    suggests the closest), or declare the setting and say where its value comes from.
    Settings without a dot are PostgreSQL's own and not checked.
    """
    if design.auth is None:
        return
    declared = design.auth.session_settings
    for p in design.policies:
        for key, text in _clauses(p):
            node = expr.tree(text)
            for call in expr.calls(node) if node is not None else []:
                name = expr.setting_name(call)
                if name is None or "." not in name or name in declared:
                    continue
                yield Hit(p.loc.at(key), f"policy '{p.name}' reads session setting '{name}', "
                          f"which the auth model's `session_settings` does not declare"
                          f"{did_you_mean(name, declared)}")


@dataclass(frozen=True, slots=True)
class _Created:
    position: tuple[int, int]  # (migration, step) of the first step creating it
    migration: str


def _creations(design: Design) -> dict[str, _Created]:
    """Tables and functions, by name, with the step that first creates them."""
    out: dict[str, _Created] = {}
    raws: dict[int, list[plan.RawStatement]] = {}
    for r in plan.raw_statements(design):
        raws.setdefault(id(r.step), []).append(r)
    for i, m in enumerate(design.migrations):
        for j, step in enumerate(m.steps):
            if step.op == "create_table":
                out.setdefault(str(step.arg), _Created((i, j), m.id))
            for r in raws.get(id(step), []):
                if r.kind == "CreateFunctionStmt":
                    out.setdefault(plan.function_name(r.node), _Created((i, j), m.id))
                elif r.kind == "CreateStmt":
                    out.setdefault(plan.relation(r.node.get("relation")), _Created((i, j), m.id))
    return out


@register("A027", "policy-reads-missing-relation", E,
          "A policy reads a table or function that does not exist yet when its RLS is enabled.")
def policy_reads_missing_relation(design: Design) -> Iterator[Hit]:
    """The tables and functions a policy uses exist when the `enable_rls` step creates it.

    The policies of a table are created by its `enable_rls` step. A policy that calls a
    function, or reads a table in a subquery, that a later migration creates fails there
    (42883 / 42P01) — or the step must be moved. Move the `enable_rls` step after the
    migration that creates what the policy needs (or create it first).
    """
    created = _creations(design)
    enabled: dict[str, tuple[tuple[int, int], str]] = {}
    for i, m in enumerate(design.migrations):
        for j, step in enumerate(m.steps):
            if step.op == "enable_rls":
                enabled.setdefault(str(step.arg), ((i, j), m.id))
    for p in design.policies:
        if p.table not in enabled:
            continue
        at, mid = enabled[p.table]
        for key, text in _clauses(p):
            node = expr.tree(text)
            if node is None:
                continue
            used = {expr.function_name(c) for c in expr.calls(node)} | expr.relations(node)
            for name in sorted(used):
                c = created.get(name)
                if c is not None and c.position > at:
                    yield Hit(p.loc.at(key), f"policy '{p.name}' uses {name}, which migration "
                              f"'{c.migration}' creates after row-level security of {p.table} "
                              f"is enabled (migration '{mid}'); move the enable_rls step after "
                              "it")


# --- privileges -----------------------------------------------------------------------------


def _privileges(design: Design) -> dict[tuple[str, str], set[str]]:
    """(table, role) → the table privileges the plan leaves it (select, insert, update,
    delete; update also when only some columns): the generated grants of each
    `enable_rls` step, then the raw GRANT and REVOKE statements, in plan order."""
    out: dict[tuple[str, str], set[str]] = {}
    raws: dict[int, list[plan.RawStatement]] = {}
    for r in plan.raw_statements(design):
        raws.setdefault(id(r.step), []).append(r)
    tables: set[str] = set()
    for m in design.migrations:
        for step in m.steps:
            if step.op == "create_table":
                tables.add(str(step.arg))
            elif step.op == "enable_rls":
                for role, (privs, update) in g.grants(design).get(str(step.arg), {}).items():
                    got = out.setdefault((str(step.arg), role), set())
                    got |= set(privs) | ({"update"} if update is not None else set())
            for r in raws.get(id(step), []):
                if r.kind == "CreateStmt":
                    tables.add(plan.relation(r.node.get("relation")))
                if r.kind != "GrantStmt" or r.node.get("objtype") != "OBJECT_TABLE":
                    continue
                if r.node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
                    targets = sorted(tables) if "public" in plan.names(
                        r.node.get("objects")) else []
                else:
                    targets = [plan.relation(o) for o in r.node.get("objects") or []]
                privs = {name for name, _ in plan.privileges(r.node)}
                if "all" in privs:
                    privs = set(g.COMMANDS)
                privs &= set(g.COMMANDS)
                for table in targets:
                    for role in plan.grantees(r.node):
                        got = out.setdefault((table, role), set())
                        if r.node.get("is_grant"):
                            got |= privs
                        else:
                            got -= privs
    return out


def _holds(design: Design, privs: dict[tuple[str, str], set[str]], table: str, role: str,
           command: str) -> bool:
    mine = design.role_ancestors(role) | {role, PUBLIC}
    return any(command in privs.get((table, r), set()) for r in mine)


@register("A028", "grant-policy-mismatch", E,
          "A policy's command is not granted to its role, or a role holds a privilege no "
          "policy uses.")
def grant_policy_mismatch(design: Design) -> Iterator[Hit]:
    """The privileges the plan grants match the commands of the policies.

    A policy takes effect only for a role that also holds the table privilege: a policy
    `for all` whose role was granted no DELETE never lets it delete, and the design says
    otherwise (an error). The other way round, a role holding a privilege on a table with
    row-level security that no policy lets it use is not least privilege (a warning-worthy
    error: `GRANT ... ON ALL TABLES` hands out DELETE on every table) — and the first
    permissive policy someone adds for it opens that door. designgate's `enable_rls` step
    grants exactly the policies' commands; raw `GRANT`s in the plan are compared too.

    ```yaml
    - sql:
        up: GRANT SELECT ON plans TO authenticated;
        down: REVOKE SELECT ON plans FROM authenticated;
    ```
    """
    privs = _privileges(design)
    with_rls = {p.table for p in design.policies}
    for p in design.policies:
        for role in p.roles:
            if role not in design.roles:
                continue
            missing = [c for c in g.policy_commands(p) if not _holds(design, privs, p.table,
                                                                     role, c)]
            if missing:
                yield Hit(p.loc.at("command"), f"policy '{p.name}' lets '{role}' "
                          f"{'/'.join(missing)} on {p.table}, but the plan grants it no "
                          f"{'/'.join(m.upper() for m in missing)} privilege there: the "
                          "policy never applies; grant it or narrow the command")
    reported: set[tuple[str, str]] = set()
    for (table, role), got in sorted(privs.items()):
        if table not in with_rls or role not in design.roles:
            continue
        mine = design.role_ancestors(role) | {role, PUBLIC}
        used = {c for p in design.policies if p.table == table and
                set(p.roles or [PUBLIC]) & mine for c in g.policy_commands(p)}
        unused = [c for c in g.COMMANDS if c in got and c not in used]
        if unused and (table, role) not in reported:
            reported.add((table, role))
            loc = _grant_loc(design, table, role)
            if loc is not None:
                yield Hit(loc, f"'{role}' holds {'/'.join(u.upper() for u in unused)} on "
                          f"{table} but no policy lets it {'/'.join(unused)} there: revoke "
                          "the privilege (least privilege)")


def _grant_loc(design: Design, table: str, role: str) -> Loc | None:
    """Where the last raw grant giving ``role`` privileges on ``table`` is written."""
    found: Loc | None = None
    for r in plan.raw_statements(design):
        if r.kind == "GrantStmt" and r.node.get("objtype") == "OBJECT_TABLE" and \
                r.node.get("is_grant") and role in plan.grantees(r.node):
            targets = [plan.relation(o) for o in r.node.get("objects") or []]
            if r.node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA" or table in targets:
                found = r.loc
    return found


@register("A029", "policy-beyond-permissions", W,
          "A policy lets a role do more to a table than any endpoint it may call does.")
def policy_beyond_permissions(design: Design) -> Iterator[Hit]:
    """Each role may do to a table only what its permissions need (least privilege).

    The role x permission matrix says which endpoints a role may call, and each endpoint's
    `tables:` what it does to them. A policy that lets a role insert, update or delete
    where none of its endpoints (nor its own `tables:`, for a worker) does gives it a power
    nobody asked for — a read-only guest writing into the webhook outbox. Narrow the
    policy's roles or command, or, if an endpoint really does it, say so in its `tables:`
    (`{table: activity_events, access: [insert]}`; `via:` when a trigger or SECURITY
    DEFINER function does it instead of the caller). Checked once any endpoint lists its
    tables.
    """
    if not design.declares_access:
        return
    for p in design.policies:
        if p.table not in design.tables:
            continue
        for loc, role in p.loc.at("roles").strings():
            if role not in design.roles:
                continue
            need = design.needs(role).get(p.table, set())
            extra = [c for c in g.policy_commands(p) if c not in need]
            if extra and p.command != "all":
                yield Hit(loc, f"policy '{p.name}' lets '{role}' {'/'.join(extra)} on "
                          f"{p.table}, which no endpoint '{role}' may call does; drop the "
                          "role from the policy, or list the access in the endpoint's "
                          "`tables:`")
            elif extra:
                yield Hit(loc, f"policy '{p.name}' (all) lets '{role}' {'/'.join(extra)} on "
                          f"{p.table}, which no endpoint '{role}' may call does; give the "
                          "policy the commands it needs, or drop the role")


# --- endpoints and their tables ---------------------------------------------------------------


@register("A030", "endpoint-unknown-table", E,
          "An endpoint or a role lists a table the schema does not define.")
def endpoint_unknown_table(design: Design) -> Iterator[Hit]:
    """The `tables:` of an endpoint (or of a worker's role) are tables of the schema.

    They decide which policies A013 and A029 look at and what `db verify` expects each role
    to reach; an unknown name checks nothing. Fix it (the message suggests the closest).
    """
    if not design.tables:
        return
    items = [(f"endpoint '{ep.id}'", ep.access) for ep in design.endpoints]
    items += [(f"role '{r.name}'", r.tables) for r in design.roles.values()]
    for who, accesses in items:
        for a in accesses:
            if a.table not in design.tables:
                yield Hit(a.loc, f"{who} lists table '{a.table}', which the schema does not "
                          f"define{did_you_mean(a.table, design.tables)}")


@register("A031", "endpoint-database-role", W,
          "An endpoint's database role is unknown, or a public endpoint uses tables as nobody.")
def endpoint_database_role(design: Design) -> Iterator[Hit]:
    """Every endpoint that touches tables runs as a role of the auth model.

    A protected endpoint runs as the caller's role. A public one (an invitation preview, an
    inbound webhook) has no caller: say which database role the API uses for it with
    `runs_as:`, so its tables are checked against that role's policies (A013) and
    privileges. `runs_as` names a role of the auth model.

    ```yaml
    - id: receiveStripeEvent
      permission: public
      runs_as: webhook_receiver
    ```
    """
    for ep in design.endpoints:
        if ep.runs_as and ep.runs_as not in design.roles:
            yield Hit(ep.loc.at("runs_as"), f"endpoint '{ep.id}' runs as unknown role "
                      f"'{ep.runs_as}'{did_you_mean(ep.runs_as, design.roles)}")
        elif ep.public and not ep.runs_as and design.roles and \
                any(a.via is None for a in ep.access):
            yield Hit(ep.loc.at("permission"), f"public endpoint '{ep.id}' uses tables but "
                      "does not say which database role it runs as; add `runs_as:` (or "
                      "`via:` on the tables a SECURITY DEFINER function reads)")
