"""Schema (S): migrations that are safe to run on a live database, foreign keys over several
columns, and migrations that stay as they shipped.

squawk's rules are the reference for what locks or rewrites a table that has rows: an index
built without CONCURRENTLY, a NOT NULL column without a default, a type change that rewrites
the table, a constraint validated under an exclusive lock, no lock_timeout. A table counts as
having rows once an earlier migration created it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from designgate.findings import Severity, Span, did_you_mean
from designgate.generate import checksum, plan
from designgate.generate import sql as g
from designgate.model.design import Design, Migration, Step
from designgate.model.source import Loc
from designgate.rules.registry import Hit, register
from designgate.rules.schema import is_key

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class _Op:
    """One thing a migration does to a table: a generated step or a raw statement."""

    migration: Migration
    step: Step
    table: str
    what: str  # index | drop-index | add-column | alter-type | set-not-null | constraint | alter
    hit_loc: Loc
    span: Span | None
    detail: dict[str, object]


def _existing_before(design: Design) -> list[set[str]]:
    """For each migration, the tables created by the migrations before it."""
    out, seen = [], set()
    raws: dict[int, list[plan.RawStatement]] = {}
    for r in plan.raw_statements(design):
        raws.setdefault(id(r.step), []).append(r)
    for m in design.migrations:
        out.append(set(seen))
        for step in m.steps:
            if step.op == "create_table":
                seen.add(str(step.arg))
            for r in raws.get(id(step), []):
                if r.kind == "CreateStmt":
                    seen.add(plan.relation(r.node.get("relation")))
    return out


def _index_table(design: Design) -> dict[str, str]:
    return {ix.name: t.name for t in design.tables.values() for ix in t.indexes}


def _raw_span(r: plan.RawStatement) -> Span:
    from designgate.rules.database import _inner_span

    return _inner_span(r.loc, str(r.step.arg.get(r.direction)), r.offset)


def _ops(design: Design) -> Iterator[_Op]:
    """What each migration's up does to the tables that existed before it."""
    existing = _existing_before(design)
    index_table = _index_table(design)
    indexes = {ix.name: ix for t in design.tables.values() for ix in t.indexes}
    raws: dict[int, list[plan.RawStatement]] = {}
    for r in plan.raw_statements(design):
        raws.setdefault(id(r.step), []).append(r)
    for i, m in enumerate(design.migrations):
        old = existing[i]
        for step in m.steps:
            arg = step.arg
            if step.op == "create_index" and index_table.get(str(arg)) in old:
                ix = indexes[str(arg)]
                yield _Op(m, step, ix.table, "index", step.loc.at("create_index"), None,
                          {"name": ix.name, "concurrently": ix.concurrently})
            elif step.op == "drop_index":
                yield _Op(m, step, index_table.get(str(arg), ""), "drop-index",
                          step.loc.at("drop_index"), None,
                          {"name": str(arg), "concurrently": not m.transactional})
            elif step.op in ("add_column", "alter_column", "drop_column") and \
                    isinstance(arg, dict) and str(arg.get("table")) in old:
                table = design.tables.get(str(arg.get("table")))
                col = table.column(str(arg.get("column"))) if table else None
                what = {"add_column": "add-column", "alter_column": "alter-column",
                        "drop_column": "alter"}[step.op]
                yield _Op(m, step, str(arg.get("table")), what, step.loc.at(step.op), None,
                          {"column": col, "arg": arg})
            elif step.op == "enable_rls" and str(arg) in old:
                yield _Op(m, step, str(arg), "alter", step.loc.at("enable_rls"), None, {})
            for r in raws.get(id(step), []):
                yield from _raw_ops(m, step, r, old)


def _raw_ops(m: Migration, step: Step, r: plan.RawStatement, old: set[str]) -> Iterator[_Op]:
    node = r.node
    if r.kind == "IndexStmt":
        table = plan.relation(node.get("relation"))
        if table in old:
            yield _Op(m, step, table, "index", r.loc, _raw_span(r),
                      {"name": node.get("idxname"), "concurrently": bool(node.get("concurrent")),
                       "raw": True, "if": bool(node.get("if_not_exists"))})
    elif r.kind == "DropStmt" and node.get("removeType") == "OBJECT_INDEX":
        yield _Op(m, step, "", "drop-index", r.loc, _raw_span(r),
                  {"name": "", "concurrently": bool(node.get("concurrent")), "raw": True,
                   "if": bool(node.get("missing_ok"))})
    elif r.kind == "AlterTableStmt":
        table = plan.relation(node.get("relation"))
        if table not in old:
            return
        for cmd in plan.alter_commands(node):
            sub = cmd.get("subtype")
            d = cmd.get("def") or {}
            if sub == "AT_AddColumn":
                cdef = d.get("ColumnDef", {})
                cons = [c.get("Constraint", {}) for c in cdef.get("constraints") or []]
                notnull = any(c.get("contype") == "CONSTR_NOTNULL" for c in cons)
                default = any(c.get("contype") == "CONSTR_DEFAULT" for c in cons)
                yield _Op(m, step, table, "raw-add-column", r.loc, _raw_span(r),
                          {"name": cdef.get("colname"), "not_null": notnull,
                           "default": default, "if": bool(cmd.get("missing_ok"))})
            elif sub == "AT_AlterColumnType":
                yield _Op(m, step, table, "raw-alter-type", r.loc, _raw_span(r),
                          {"name": cmd.get("name")})
            elif sub == "AT_SetNotNull":
                yield _Op(m, step, table, "raw-set-not-null", r.loc, _raw_span(r),
                          {"name": cmd.get("name")})
            elif sub == "AT_AddConstraint":
                con = d.get("Constraint", {})
                yield _Op(m, step, table, "constraint", r.loc, _raw_span(r),
                          {"name": con.get("conname"), "type": con.get("contype"),
                           "not_valid": bool(con.get("skip_validation"))})
            else:
                yield _Op(m, step, table, "alter", r.loc, _raw_span(r), {"sub": sub})


def _hit(op: _Op, message: str) -> Hit:
    return Hit(op.hit_loc, message, span=op.span)


# --- foreign keys over several columns --------------------------------------------------------


@register("S023", "foreign-key-invalid", E,
          "A table's foreign key names unknown columns or a key its target does not have.")
def foreign_key_invalid(design: Design) -> Iterator[Hit]:
    """A table-level foreign key (`foreign_keys:`) references a primary key or unique
    constraint of its target, column for column.

    PostgreSQL accepts a foreign key only onto columns that are unique together on the
    referenced table (42830): for `(workspace_id, project_id) → projects (workspace_id, id)`
    the projects table needs `unique: [[workspace_id, id]]` (or a unique index on them).
    Both column lists name existing columns and have the same length.

    ```yaml
    unique: [[workspace_id, id]]
    ```
    """
    for table in design.tables.values():
        for fk in table.foreign_keys:
            names = [c.name for c in table.columns]
            for c in fk.columns:
                if c not in names:
                    yield Hit(fk.loc.at("columns"), f"foreign key of {table.name} names unknown "
                              f"column '{c}'{did_you_mean(c, names)}")
            target = design.tables.get(fk.table)
            if target is None:
                yield Hit(fk.loc.at("references", "table"), f"foreign key of {table.name} "
                          f"references unknown table '{fk.table}'"
                          f"{did_you_mean(fk.table, design.tables)}")
                continue
            tnames = [c.name for c in target.columns]
            for c in fk.ref_columns:
                if c not in tnames:
                    yield Hit(fk.loc.at("references", "columns"), f"foreign key of "
                              f"{table.name} references unknown column {fk.table}.{c}"
                              f"{did_you_mean(c, tnames)}")
            if len(fk.columns) != len(fk.ref_columns):
                yield Hit(fk.loc.at("references", "columns"), f"foreign key of {table.name} "
                          f"has {len(fk.columns)} column(s) but references "
                          f"{len(fk.ref_columns)}")
                continue
            if not is_key(target, fk.ref_columns):
                yield Hit(fk.loc.at("references"), f"foreign key of {table.name} references "
                          f"{fk.table} ({', '.join(fk.ref_columns)}), which is not its primary "
                          f"key or unique; add `unique: [[{', '.join(fk.ref_columns)}]]` to "
                          f"{fk.table}")


# --- locks and rewrites on tables with rows ---------------------------------------------------


@register("S024", "index-not-concurrent", W,
          "An index on a table with rows is built or dropped without CONCURRENTLY.")
def index_not_concurrent(design: Design) -> Iterator[Hit]:
    """Indexes on tables that already have rows are created and dropped CONCURRENTLY.

    `CREATE INDEX` holds a lock that blocks every write to the table until the index is
    built — minutes on a large table; `DROP INDEX` blocks reads too. `CONCURRENTLY` does
    not, but cannot run in a transaction: mark the index `concurrently: true` and its
    migration `transactional: false` (designgate then writes `CREATE INDEX CONCURRENTLY IF
    NOT EXISTS`, safe to re-run). Tables created by the same migration are empty and not
    reported.

    ```yaml
    - id: "0007_tasks_by_label"
      transactional: false
      steps: [{create_index: tasks_label_idx}]   # the index says concurrently: true
    ```
    """
    for op in _ops(design):
        if op.what == "index" and not op.detail["concurrently"]:
            yield _hit(op, f"migration '{op.migration.id}' builds index "
                       f"{op.detail['name']} on {op.table}, which already has rows, without "
                       "CONCURRENTLY: writes to the table wait until it is built; set "
                       "`concurrently: true` on the index and `transactional: false` on the "
                       "migration")
        elif op.what == "drop-index" and not op.detail["concurrently"]:
            yield _hit(op, f"migration '{op.migration.id}' drops index "
                       f"{op.detail['name'] or ''} without CONCURRENTLY: queries on the table "
                       "wait meanwhile; run the migration with `transactional: false` (the "
                       "drop then is concurrent)".replace("index  ", "an index "))


@register("S025", "required-column-on-existing-table", E,
          "A NOT NULL column without a default is added to a table with rows.")
def required_column_on_existing_table(design: Design) -> Iterator[Hit]:
    """A column added to a table that has rows is nullable or has a default.

    `ALTER TABLE ... ADD COLUMN c ... NOT NULL` without a default fails on the first
    existing row (23502) — the migration passes on an empty test database and fails in
    production. Give it a default (a constant default costs nothing since PostgreSQL 11),
    or add it nullable, backfill, then set NOT NULL in a later migration.

    ```yaml
    - {name: priority, type: text, nullable: false, default: "'none'"}
    ```
    """
    for op in _ops(design):
        if op.what == "add-column":
            col = op.detail["column"]
            if col is not None and not col.nullable and col.default is None:  # type: ignore[attr-defined]
                yield _hit(op, f"migration '{op.migration.id}' adds {op.table}."
                           f"{col.name} NOT NULL without a default to a table that has rows: "  # type: ignore[attr-defined]
                           "it fails on the first one; give it a default, or add it nullable "
                           "and backfill first")
        elif op.what == "raw-add-column" and op.detail["not_null"] and not op.detail["default"]:
            yield _hit(op, f"migration '{op.migration.id}' adds {op.table}."
                       f"{op.detail['name']} NOT NULL without a default to a table that has "
                       "rows: it fails on the first one; give it a default")


_NO_REWRITE = (("varchar", "text"), ("character varying", "text"), ("varchar", "varchar"),
               ("character varying", "character varying"), ("numeric", "numeric"),
               ("text", "text"), ("cidr", "inet"), ("timestamp", "timestamptz"))


def _rewrites(old: str, new: str) -> bool:
    """Whether changing a column's type from ``old`` to ``new`` rewrites the table (it does
    unless the types are binary coercible: a longer varchar, varchar → text...)."""
    import re

    def split(t: str) -> tuple[str, list[int]]:
        t = " ".join(t.lower().split())
        m = re.match(r"^([a-z ]+?)\s*(?:\((\d+)(?:\s*,\s*(\d+))?\))?$", t)
        if not m:
            return t, []
        return m.group(1).strip(), [int(x) for x in m.groups()[1:] if x is not None]

    (a, pa), (b, pb) = split(old), split(new)
    if (a, b) not in _NO_REWRITE and a != b:
        return True
    if a in ("varchar", "character varying") and b == a:
        return bool(pb) and bool(pa) and pb[0] < pa[0]
    if a == "numeric" and b == "numeric":
        return bool(pa) and (not pb or len(pa) != len(pb) or pb[-1] != pa[-1] or pb[0] < pa[0])
    return a == "timestamp" and b == "timestamptz"  # rewrites unless the zone is UTC


@register("S026", "table-rewrite", W,
          "A migration rewrites or scans a table with rows under an exclusive lock.")
def table_rewrite(design: Design) -> Iterator[Hit]:
    """A type change that rewrites the table, or a SET NOT NULL that scans it, is planned
    as a safe sequence instead.

    Changing a column to a type that is not binary compatible (`integer` → `bigint`,
    `varchar(80)` → `varchar(40)`) rewrites the whole table under an ACCESS EXCLUSIVE lock:
    nothing reads or writes it meanwhile. `SET NOT NULL` scans every row under the same
    lock. Add a new column and backfill it in batches, or — for NOT NULL — add `CHECK (c IS
    NOT NULL) NOT VALID`, validate it, then SET NOT NULL (PostgreSQL skips the scan).
    Widening a varchar or turning it into text is fine.
    """
    for op in _ops(design):
        if op.what == "alter-column":
            col, arg = op.detail["column"], op.detail["arg"]
            if col is None or not isinstance(arg, dict):
                continue
            before = arg.get("from") if isinstance(arg.get("from"), dict) else {}
            fields = [k for k in ("type", "nullable", "default") if k in arg] or \
                ["type", "nullable", "default"]
            if "type" in fields and isinstance(before.get("type"), str) and \
                    _rewrites(before["type"], col.type):  # type: ignore[attr-defined]
                yield _hit(op, f"migration '{op.migration.id}' changes {op.table}."
                           f"{col.name} from {before['type']} to {col.type}, which rewrites "  # type: ignore[attr-defined]
                           "the table under an exclusive lock; add a new column and backfill "
                           "it instead")
            if "nullable" in fields and not col.nullable and \
                    before.get("nullable") is not False:  # type: ignore[attr-defined]
                yield _hit(op, f"migration '{op.migration.id}' sets {op.table}.{col.name} "  # type: ignore[attr-defined]
                           "NOT NULL, which scans the table under an exclusive lock; add "
                           "CHECK (... IS NOT NULL) NOT VALID and validate it first (a raw "
                           "step), then set NOT NULL")
        elif op.what == "raw-alter-type":
            yield _hit(op, f"migration '{op.migration.id}' changes the type of {op.table}."
                       f"{op.detail['name']}; unless the new type is binary compatible this "
                       "rewrites the table under an exclusive lock")
        elif op.what == "raw-set-not-null":
            yield _hit(op, f"migration '{op.migration.id}' sets {op.table}."
                       f"{op.detail['name']} NOT NULL, which scans the table under an "
                       "exclusive lock; validate a CHECK (... IS NOT NULL) NOT VALID first")


@register("S027", "constraint-not-valid", W,
          "A constraint is added to a table with rows without NOT VALID.")
def constraint_not_valid(design: Design) -> Iterator[Hit]:
    """Foreign keys and checks added to a table with rows are added NOT VALID, then
    validated.

    `ADD CONSTRAINT ... FOREIGN KEY` or `CHECK` checks every row while holding a lock that
    blocks writes (a foreign key also locks the referenced table). Added `NOT VALID` it
    takes effect for new rows at once; `VALIDATE CONSTRAINT` then checks the old rows with
    a lock that lets writes go on. designgate writes that form for the columns an
    `add_column` step adds; a raw step does it by hand:

    ```sql
    ALTER TABLE tasks ADD CONSTRAINT tasks_owner_fkey FOREIGN KEY (owner_id)
      REFERENCES users (id) NOT VALID;
    ALTER TABLE tasks VALIDATE CONSTRAINT tasks_owner_fkey;
    ```
    """
    for op in _ops(design):
        if op.what == "constraint" and op.detail["type"] in ("CONSTR_FOREIGN", "CONSTR_CHECK") \
                and not op.detail["not_valid"]:
            kind = "foreign key" if op.detail["type"] == "CONSTR_FOREIGN" else "check"
            yield _hit(op, f"migration '{op.migration.id}' adds {kind} "
                       f"{op.detail['name'] or ''} to {op.table}, which has rows, and checks "
                       "them under a lock that blocks writes; add it NOT VALID, then VALIDATE "
                       "CONSTRAINT")


@register("S028", "migration-without-timeouts", W,
          "A migration that locks tables with rows sets no lock_timeout.")
def migration_without_timeouts(design: Design) -> Iterator[Hit]:
    """A migration that alters tables with rows gives up instead of queueing everybody.

    An `ALTER TABLE` waits for the lock behind every running transaction, and while it
    waits every new query of the table queues behind it: one long report stops the API.
    With `lock_timeout` the migration fails fast and can be retried; `statement_timeout`
    bounds the work itself. Set them on the migration (designgate writes `SET LOCAL`):

    ```yaml
    - id: "0006_task_estimates"
      lock_timeout: 5s
      statement_timeout: 5min
    ```
    """
    reported: set[str] = set()
    raw_sets: dict[str, set[str]] = {}
    for r in plan.raw_statements(design):
        if r.kind == "VariableSetStmt":
            raw_sets.setdefault(r.migration.id, set()).add(str(r.node.get("name")))
    for op in _ops(design):
        m = op.migration
        if m.id in reported or (op.what == "index" and op.detail["concurrently"]):
            continue
        if m.lock_timeout or "lock_timeout" in raw_sets.get(m.id, set()):
            continue
        reported.add(m.id)
        yield Hit(m.loc.at("id"), f"migration '{m.id}' alters {op.table or 'a table'}, which "
                  "has rows, without a lock_timeout: while it waits for the lock every query "
                  "of the table queues behind it; add `lock_timeout: 5s` (and "
                  "`statement_timeout:`) to the migration")


@register("S029", "non-rerunnable-statement", W,
          "A migration outside a transaction holds a statement that fails when re-run.")
def non_rerunnable_statement(design: Design) -> Iterator[Hit]:
    """Each statement of a migration with `transactional: false` can run twice.

    Outside a transaction a migration that fails half way leaves its first statements
    applied; the retry must skip them. Write `IF NOT EXISTS` / `IF EXISTS`: designgate does
    for the concurrent indexes it generates; raw steps must too.

    ```sql
    CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_label_idx ON tasks (label_id);
    ```
    """
    for r in plan.raw_statements(design):
        if r.migration.transactional or r.direction != "up":
            continue
        node, kind = r.node, r.kind
        robust = True
        if kind == "IndexStmt" or kind in ("CreateStmt", "CreateSchemaStmt",
                                           "CreateExtensionStmt"):
            robust = bool(node.get("if_not_exists"))
        elif kind == "DropStmt":
            robust = bool(node.get("missing_ok"))
        elif kind == "AlterTableStmt":
            robust = all(c.get("missing_ok") for c in plan.alter_commands(node)
                         if c.get("subtype") in ("AT_AddColumn", "AT_DropColumn"))
        if not robust:
            yield Hit(r.loc, f"migration '{r.migration.id}' runs outside a transaction, and "
                      f"this statement fails if the migration is re-run after a failure; add "
                      "IF NOT EXISTS / IF EXISTS", span=_raw_span(r))


@register("S030", "concurrently-in-transaction", E,
          "CREATE/DROP INDEX CONCURRENTLY in a migration that runs in a transaction.")
def concurrently_in_transaction(design: Design) -> Iterator[Hit]:
    """`CONCURRENTLY` needs a migration with `transactional: false`.

    PostgreSQL refuses `CREATE INDEX CONCURRENTLY` inside a transaction block (25001), and
    every migration runs in one unless it says `transactional: false`. Mark the migration
    (and keep its other statements re-runnable, see S029).
    """
    index_table = _index_table(design)
    indexes = {ix.name: ix for t in design.tables.values() for ix in t.indexes}
    for m in design.migrations:
        if not m.transactional:
            continue
        for step in m.steps:
            if step.op == "create_index" and str(step.arg) in indexes and \
                    indexes[str(step.arg)].concurrently and str(step.arg) in index_table:
                yield Hit(step.loc.at("create_index"), f"index {step.arg} is built "
                          f"CONCURRENTLY but migration '{m.id}' runs in a transaction "
                          "(25001); add `transactional: false` to the migration")
    for r in plan.raw_statements(design, None):
        if r.migration.transactional and r.kind in ("IndexStmt", "DropStmt") and \
                r.node.get("concurrent"):
            yield Hit(r.loc, f"migration '{r.migration.id}' uses CONCURRENTLY in a "
                      "transaction (25001); add `transactional: false` to the migration",
                      span=_raw_span(r))


# --- the plan builds the schema, and shipped migrations stay as they shipped -----------------


@register("S032", "index-not-migrated", E, "No migration creates an index of the schema.")
def index_not_migrated(design: Design) -> Iterator[Hit]:
    """Every index of the schema is created by a `create_index` step (or a raw step).

    An index in `tables/` that no migration creates exists in `schema.sql` but never in a
    migrated database: a schema change without a migration step. Add the step, in a new
    migration if the table's migration has shipped.

    ```yaml
    steps: [{create_index: tasks_label_idx}]
    ```
    """
    if not design.migrations:
        return
    created = {str(s.arg) for m in design.migrations for s in m.steps if s.op == "create_index"}
    created |= {str(r.node.get("idxname")) for r in plan.raw_statements(design)
                if r.kind == "IndexStmt"}
    for table in design.tables.values():
        for ix in table.indexes:
            if ix.name not in created:
                yield Hit(ix.loc.at("name"), f"no migration creates index '{ix.name}'; add a "
                          f"`create_index: {ix.name}` step")


@register("S031", "migration-changed-after-shipping", E,
          "A migration recorded in migrations.sum no longer does what it shipped with.")
def migration_changed_after_shipping(design: Design) -> Iterator[Hit]:
    """Migrations recorded in `migrations.sum` keep the SQL they shipped with.

    `designgate migrations sum` records each migration with a hash of its SQL when it ships
    (like Atlas's `atlas.sum`). A later edit that changes what a recorded migration does —
    an edited step, a column added to a table its `create_table` makes instead of an
    `add_column` step in a new migration, a changed policy its `enable_rls` creates —
    means databases that ran it differ from new ones, silently. Put the change in a new
    migration (and run `designgate migrations sum` when it ships). A recorded migration
    that is gone, renamed or moved, and a hand-edited file, are reported too. The hash
    covers what the SQL does, not how it is written.
    """
    text = design.migrations_sum
    if text is None:
        return
    rel = design.migrations_sum_file
    parsed = checksum.parse(text)
    anchor = design.migrations[0].loc if design.migrations else None
    if anchor is None:
        return
    for line, what in parsed.problems:
        yield Hit(anchor, f"{rel}: {what}", span=Span(rel, line, 1))
    if not parsed.intact:
        yield Hit(anchor, f"{rel} was edited by hand (its first line does not match the "
                  "rest); regenerate it with `designgate migrations sum`", span=Span(rel, 1, 1))
    by_id = {m.id: (i, m) for i, m in enumerate(design.migrations)}
    for k, entry in enumerate(parsed.entries):
        found = by_id.get(entry.id)
        if found is None:
            yield Hit(anchor, f"migration '{entry.id}' has shipped ({rel}) but the plan no "
                      "longer has it; restore it (undo a shipped migration with a new one)",
                      span=Span(rel, entry.line, 1))
            continue
        i, m = found
        if i != k:
            yield Hit(m.loc.at("id"), f"migration '{m.id}' is number {i + 1} of the plan but "
                      f"shipped as number {k + 1} ({rel}); keep shipped migrations in order "
                      "and add new ones after them")
        try:
            now = checksum.migration_hash(design, m)
        except g.UnsafeSql:
            continue  # S019
        if now != entry.hash:
            yield Hit(m.loc.at("id"), f"migration '{m.id}' has shipped ({rel}) but its SQL "
                      "changed since: databases that ran it would differ from new ones; put "
                      "the change in a new migration (a column: an add_column step)")
