"""Two designs compared: the API contract (through the generated OpenAPI documents), the
database, the auth model, integrations, the upstream artifacts and the version policy.

Each change is located in both designs (``file:line:col`` of the YAML node at base and at
head), carries its impact from the traceability graph, and is matched against the design's
acknowledgements by its fingerprint.
"""

from __future__ import annotations

import json
import re
from typing import Any

from designgate.diff.api import ApiDiff
from designgate.diff.catalog import CATALOG, Level
from designgate.diff.changes import Change, DesignDiff, Impact
from designgate.diff.schema import Path, SchemaDiff
from designgate.findings import Span
from designgate.generate.openapi import OpenApiResult, build_openapi
from designgate.model.design import Column, Design, Endpoint, Table
from designgate.model.source import Loc
from designgate.model.sqltypes import parse as parse_type


class _Side:
    def __init__(self, design: Design) -> None:
        self.design = design
        self.api: OpenApiResult = build_openapi(design)
        self.endpoints: dict[str, Endpoint] = {
            f"{ep.method.upper()} {ep.path}": ep for ep in design.endpoints}

    def span(self, path: Path | None) -> Span | None:
        if path is None:
            return None
        loc = self.api.locate(path)
        return loc.span if loc is not None else None


def diff_designs(base: Design, head: Design, *, base_ref: str = "base",
                 head_ref: str = "head") -> DesignDiff:
    """Every change from ``base`` to ``head``, classified, located and with its impact."""
    a, b = _Side(base), _Side(head)
    out = DesignDiff(base_ref, head_ref)

    def api_report(cid: str, subject: str, detail: tuple[str, ...], message: str,
                   pa: Path | None, pb: Path | None, before: Any, after: Any) -> None:
        out.changes.append(Change(cid, subject, message, a.span(pa), b.span(pb), detail,
                                  before, after))

    ApiDiff(a.api.document, b.api.document, api_report).run()
    _pagination(a, b, out)
    _events(a, b, out)
    _third_parties(base, head, out)
    _database(base, head, out)
    _auth(base, head, out)
    _upstream(base, head, out)
    _version(base, head, out)
    for c in out.changes:
        c.impact = impact(c, base, head)
    acks = {ack.fingerprint: ack.reason for ack in head.project.acknowledged}
    for c in out.changes:
        c.acknowledged = acks.get(c.fingerprint)
    out.sort()
    return out


def _at(loc: Loc | None, *sub: str | int) -> Span | None:
    if loc is None:
        return None
    here = loc.at(*sub)
    return here.span if loc.source.doc.spans and (*here.pointer,) in loc.source.doc.spans \
        else loc.span


def _add(out: DesignDiff, cid: str, subject: str, message: str, base: Span | None,
         head: Span | None, detail: tuple[str, ...] = (), before: Any = None,
         after: Any = None, **kw: Any) -> Change:
    assert cid in CATALOG, cid
    c = Change(cid, subject, message, base, head, detail, before, after, **kw)
    out.changes.append(c)
    return c


# --- pagination ------------------------------------------------------------------------------


def _page(design: Design, ep: Endpoint) -> tuple[str, int, int] | None:
    if ep.pagination is None:
        return None
    conv = design.project.pagination
    p = ep.pagination
    return (p.style or conv.style, p.default_page_size or conv.default_page_size,
            p.max_page_size or conv.max_page_size)


def _pagination(a: _Side, b: _Side, out: DesignDiff) -> None:
    ca, cb = a.design.project.pagination, b.design.project.pagination
    env_a = (ca.items_field, ca.cursor_field, ca.total_field)
    env_b = (cb.items_field, cb.cursor_field, cb.total_field)
    if env_a != env_b and any(ep.pagination for ep in b.design.endpoints):
        _add(out, "pagination-envelope-changed", "project pagination",
             f"the list envelope changed from items `{env_a[0]}`, cursor `{env_a[1]}`, total "
             f"`{env_a[2]}` to `{env_b[0]}`, `{env_b[1]}`, `{env_b[2]}`",
             _at(a.design.project.loc, "api", "pagination"),
             _at(b.design.project.loc, "api", "pagination"), (), list(env_a), list(env_b))
    for key, ep in b.endpoints.items():
        old = a.endpoints.get(key)
        if old is None:
            continue
        pa, pb = _page(a.design, old), _page(b.design, ep)
        la, lb = old.pagination.loc.span if old.pagination else old.loc.span, \
            ep.pagination.loc.span if ep.pagination else ep.loc.span
        if pa is None and pb is not None:
            _add(out, "pagination-added", key, f"{key} is now paginated ({pb[0]})", la, lb,
                 (), None, pb[0])
        elif pa is not None and pb is None:
            _add(out, "pagination-removed", key, f"{key} is no longer paginated", la, lb,
                 (), pa[0], None)
        elif pa is not None and pb is not None:
            if pa[0] != pb[0]:
                _add(out, "pagination-style-changed", key, f"{key}: pagination style changed "
                     f"from {pa[0]} to {pb[0]}", la, lb, (), pa[0], pb[0])
            if pb[2] < pa[2]:
                _add(out, "pagination-max-page-size-decreased", key, f"{key}: maximum page "
                     f"size lowered from {pa[2]} to {pb[2]}", la, lb, (), pa[2], pb[2])
            elif pb[2] > pa[2]:
                _add(out, "pagination-max-page-size-increased", key, f"{key}: maximum page "
                     f"size raised from {pa[2]} to {pb[2]}", la, lb, (), pa[2], pb[2])
            if pa[1] != pb[1]:
                _add(out, "pagination-default-page-size-changed", key, f"{key}: default page "
                     f"size changed from {pa[1]} to {pb[1]}", la, lb, (), pa[1], pb[1])


# --- events and third parties ------------------------------------------------------------------


def _events(a: _Side, b: _Side, out: DesignDiff) -> None:
    ea = {e.name: (i, e) for i, e in enumerate(a.design.events)}
    eb = {e.name: (i, e) for i, e in enumerate(b.design.events)}
    for name, (_, e) in ea.items():
        if name not in eb:
            _add(out, "event-removed", f"event {name}", f"event `{name}` removed", e.loc.span,
                 None, (), name, None)
    for name, (j, e) in eb.items():
        if name not in ea:
            _add(out, "event-added", f"event {name}", f"event `{name}` added", None, e.loc.span,
                 (), None, name)
            continue
        i, old = ea[name]
        subject = f"event {name}"
        if old.channel != e.channel:
            _add(out, "event-channel-changed", subject, f"event `{name}` moved from channel "
                 f"`{old.channel}` to `{e.channel}`", _at(old.loc, "channel"),
                 _at(e.loc, "channel"), (), old.channel, e.channel)
        if sorted(old.consumers) != sorted(e.consumers):
            _add(out, "event-consumers-changed", subject, f"event `{name}`: consumers changed "
                 f"from {old.consumers} to {e.consumers}", _at(old.loc, "consumers"),
                 _at(e.loc, "consumers"), (), sorted(old.consumers), sorted(e.consumers))
        found: list[Change] = []

        def emit(cid: str, prop: tuple[str, ...], message: str, pa: Path, pb: Path,
                 before: Any, after: Any, subject: str = subject,
                 found: list[Change] = found) -> None:
            found.append(_add(out, cid, subject, f"{subject}: {message}", a.span(pa),
                              b.span(pb), prop, before, after))

        if old.payload is not None and e.payload is not None:
            pa, pb = ("x-events", i, "payload", "schema"), ("x-events", j, "payload", "schema")
            SchemaDiff(a.api.document, b.api.document, emit).compare(
                _get(a.api.document, pa), _get(b.api.document, pb), "event-payload", pa, pb)
        if any(c.level == Level.BREAKING for c in found) and old.version == e.version:
            _add(out, "event-version-not-bumped", subject, f"event `{name}`: the payload has "
                 f"a breaking change and the version is still `{e.version}`",
                 _at(old.loc, "version"), _at(e.loc, "version"), (), old.version, e.version)
    wa = {w.name: w for w in a.design.webhooks}
    for w in b.design.webhooks:
        old = wa.get(w.name)
        if old is not None and old.timeout != w.timeout:
            _add(out, "webhook-timeout-changed", f"webhook {w.name}", f"webhook `{w.name}`: "
                 f"timeout changed from {old.timeout} to {w.timeout}", _at(old.loc, "timeout"),
                 _at(w.loc, "timeout"), (), old.timeout, w.timeout)


def _get(doc: Any, path: Path) -> Any:
    for p in path:
        try:
            doc = doc[p]
        except (KeyError, IndexError, TypeError):
            return None
    return doc


def _third_parties(base: Design, head: Design, out: DesignDiff) -> None:
    ta = {t.name: t for t in base.third_parties}
    tb = {t.name: t for t in head.third_parties}
    for name, t in ta.items():
        if name not in tb:
            _add(out, "third-party-removed", f"third party {name}", f"third party `{name}` "
                 "removed", t.loc.span, None, (), name, None)
    for name, t in tb.items():
        old = ta.get(name)
        if old is None:
            _add(out, "third-party-added", f"third party {name}", f"third party `{name}` "
                 "added", None, t.loc.span, (), None, name)
            continue
        fields = [f for f in ("operations", "auth", "retries", "timeout", "base_url",
                              "failure_modes") if _j(getattr(old, f)) != _j(getattr(t, f))]
        if fields:
            _add(out, "third-party-changed", f"third party {name}", f"third party `{name}`: "
                 f"{', '.join(fields)} changed", old.loc.span, t.loc.span, tuple(fields),
                 {f: getattr(old, f) for f in fields}, {f: getattr(t, f) for f in fields})


def _j(v: Any) -> str:
    return json.dumps(v, sort_keys=True, default=str)


# --- database ----------------------------------------------------------------------------------


def _migration_targets(design: Design, only: set[str]) -> dict[str, list[str]]:
    """Table → the ids of the migrations in ``only`` that have a step touching it."""
    from designgate.generate import plan

    out: dict[str, list[str]] = {}
    for m in design.migrations:
        if m.id not in only:
            continue
        for step in m.steps:
            tables: list[str] = []
            if step.op in ("create_table", "drop_table", "enable_rls"):
                tables.append(str(step.arg))
            elif step.op in ("add_column", "drop_column", "alter_column") and \
                    isinstance(step.arg, dict):
                tables.append(str(step.arg.get("table")))
            elif step.op in ("create_index", "drop_index"):
                idx = design.index_named(str(step.arg))
                if idx is not None:
                    tables.append(idx.table)
                else:
                    tables.append(f"index:{step.arg}")
            for t in tables:
                out.setdefault(t, []).append(m.id)
        for raw in plan.raw_statements(design):
            if raw.migration is m:
                rel = raw.node.get("relation")
                if rel:
                    out.setdefault(plan.relation(rel), []).append(m.id)
    return out


def _renames(design: Design, only: set[str]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Tables and columns renamed by raw `sql:` steps of the migrations in ``only``."""
    from designgate.generate import plan

    tables: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    for raw in plan.raw_statements(design):
        if raw.migration.id not in only or raw.kind != "RenameStmt":
            continue
        node = raw.node
        rel = plan.relation(node.get("relation")) if node.get("relation") else ""
        if node.get("renameType") == "OBJECT_TABLE":
            tables[rel] = str(node.get("newname"))
        elif node.get("renameType") == "OBJECT_COLUMN":
            columns[(rel, str(node.get("subname")))] = str(node.get("newname"))
    return tables, columns


def _database(base: Design, head: Design, out: DesignDiff) -> None:
    new_migrations = {m.id for m in head.migrations} - {m.id for m in base.migrations}
    touched = _migration_targets(head, new_migrations)
    table_renames, column_renames = _renames(head, new_migrations)
    renamed_to = {v: k for k, v in table_renames.items()}
    changed_tables: dict[str, Change] = {}

    def db(cid: str, table: str, message: str, pa: Span | None, pb: Span | None,
           detail: tuple[str, ...] = (), before: Any = None, after: Any = None) -> None:
        steps = touched.get(table) or touched.get(renamed_to.get(table, "")) or []
        c = _add(out, cid, f"table {table}", message, pa, pb, detail, before, after,
                 migration=", ".join(dict.fromkeys(steps)) or None)
        changed_tables.setdefault(table, c)

    for name, t in base.tables.items():
        if name in head.tables:
            continue
        if name in table_renames and table_renames[name] in head.tables:
            db("table-renamed", table_renames[name], f"table `{name}` renamed to "
               f"`{table_renames[name]}`", t.loc.span, head.tables[table_renames[name]].loc.span,
               (), name, table_renames[name])
            continue
        db("table-removed", name, f"table `{name}` dropped", t.loc.span, None, (), name, None)
    for name, t in head.tables.items():
        old = base.tables.get(name)
        if old is None:
            if name not in renamed_to:
                db("table-added", name, f"table `{name}` added", None, t.loc.span, (), None, name)
            continue
        _table(old, t, column_renames, db, head)
    if base.tables and head.tables:
        for table, c in changed_tables.items():
            if c.migration is None and c.id not in ("index-removed-used-by-endpoint",):
                _add(out, "schema-changed-without-migration", f"table {table}",
                     f"table `{table}` changed ({c.id}) and no new migration step touches it",
                     c.base, c.head, (c.id,), None, None)


def _table(old: Table, t: Table, column_renames: dict[tuple[str, str], str], db: Any,
           head: Design) -> None:
    name = t.name
    ca = {c.name: c for c in old.columns}
    cb = {c.name: c for c in t.columns}
    renamed = {column_renames[(name, c)]: c for c in ca if (name, c) in column_renames
               or (old.name, c) in column_renames}
    for cname, col in ca.items():
        if cname in cb:
            continue
        new_name = column_renames.get((name, cname))
        if new_name and new_name in cb:
            db("column-renamed", name, f"column `{name}.{cname}` renamed to `{new_name}`",
               col.loc.span, cb[new_name].loc.span, (cname,), cname, new_name)
            continue
        db("column-removed", name, f"column `{name}.{cname}` dropped", col.loc.span,
           t.loc.span, (cname,), cname, None)
    for cname, col in cb.items():
        before = ca.get(cname) or ca.get(renamed.get(cname, ""))
        if before is None:
            required = not col.nullable and col.default is None and not col.primary_key
            db("column-added-required" if required else "column-added", name,
               f"column `{name}.{cname}` added" + (" (NOT NULL, no default)" if required else ""),
               old.loc.span, col.loc.span, (cname,), None, cname)
            continue
        _column(name, before, col, db)
    if list(old.primary_key) != list(t.primary_key):
        db("primary-key-changed", name, f"primary key of `{name}` changed from "
           f"{old.primary_key} to {t.primary_key}", old.loc.span, t.loc.span, (),
           list(old.primary_key), list(t.primary_key))
    ua = {tuple(u) for u in old.unique}
    for u in t.unique:
        if tuple(u) not in ua:
            db("unique-constraint-added", name, f"UNIQUE ({', '.join(u)}) added on `{name}`",
               old.loc.span, t.loc.span, tuple(u), None, list(u))
    ka = {k.name: k for k in old.checks}
    kb = {k.name: k for k in t.checks}
    for k, chk in kb.items():
        if k not in ka:
            db("check-constraint-added", name, f"CHECK `{k}` added on `{name}`", old.loc.span,
               chk.loc.span, (k,), None, chk.expression)
        elif _sql(ka[k].expression) != _sql(chk.expression):
            db("check-constraint-changed", name, f"CHECK `{k}` on `{name}` changed",
               ka[k].loc.span, chk.loc.span, (k,), ka[k].expression, chk.expression)
    for k, chk in ka.items():
        if k not in kb:
            db("check-constraint-removed", name, f"CHECK `{k}` removed from `{name}`",
               chk.loc.span, t.loc.span, (k,), chk.expression, None)
    fa = {tuple(f.columns or [f.column]): f for f in _fks(old)}
    fb = {tuple(f.columns or [f.column]): f for f in _fks(t)}
    for cols, fk in fb.items():
        prev = fa.get(cols)
        if prev is None:
            db("foreign-key-added", name, f"foreign key ({', '.join(cols)}) → `{fk.table}` "
               f"added on `{name}`", old.loc.span, fk.loc.span, cols, None, fk.table)
        elif (prev.on_delete or "") != (fk.on_delete or ""):
            db("foreign-key-on-delete-changed", name, f"ON DELETE of ({', '.join(cols)}) on "
               f"`{name}` changed from {prev.on_delete or 'no action'} to "
               f"{fk.on_delete or 'no action'}", prev.loc.span, fk.loc.span, cols,
               prev.on_delete, fk.on_delete)
    for cols, fk in fa.items():
        if cols not in fb:
            db("foreign-key-removed", name, f"foreign key ({', '.join(cols)}) → `{fk.table}` "
               f"removed from `{name}`", fk.loc.span, t.loc.span, cols, fk.table, None)
    ia = {i.name: i for i in old.indexes}
    ib = {i.name: i for i in t.indexes}
    for iname, idx in ia.items():
        if iname not in ib:
            users = [f"{ep.method.upper()} {ep.path}" for ep in head.endpoints
                     if name in ep.tables and _serves(idx.columns, ep)]
            cid = "index-removed-used-by-endpoint" if users else "index-removed"
            db(cid, name, f"index `{iname}` on `{name}` dropped" +
               (f"; {', '.join(users)} filter or sort on {', '.join(idx.columns)}" if users
                else ""), idx.loc.span, t.loc.span, (iname,), iname, None)
        else:
            new = ib[iname]
            if (idx.columns, idx.unique, idx.method, _sql(idx.where or "")) != \
                    (new.columns, new.unique, new.method, _sql(new.where or "")):
                db("index-changed", name, f"index `{iname}` on `{name}` changed", idx.loc.span,
                   new.loc.span, (iname,), idx.columns, new.columns)
    for iname, idx in ib.items():
        if iname not in ia:
            db("index-added", name, f"index `{iname}` on `{name}` added", old.loc.span,
               idx.loc.span, (iname,), None, iname)
    if old.user_data != t.user_data:
        db("table-user-data-changed", name, f"`{name}`: user_data changed from "
           f"{old.user_data} to {t.user_data}", old.loc.span, t.loc.span, (), old.user_data,
           t.user_data)


def _fks(t: Table) -> list[Any]:
    fks = list(t.foreign_keys)
    fks += [c.references for c in t.columns if c.references is not None]
    return fks


def _only_deletes(ep: Endpoint, table: str) -> bool:
    commands = {cmd for a in ep.access if a.table == table for cmd in a.commands}
    return commands == {"delete"}


def _serves(columns: list[str], ep: Endpoint) -> bool:
    used = {p.column or p.name for p in ep.filters} | {s.column or s.field for s in ep.sorts}
    return bool(columns) and columns[0] in used


def _sql(text: str) -> str:
    return " ".join(text.split()).lower()


_WIDER = {("smallint", "integer"), ("smallint", "bigint"), ("integer", "bigint"),
          ("real", "double precision"), ("character varying", "text"),
          ("character", "character varying"), ("character", "text"),
          ("smallint", "numeric"), ("integer", "numeric"), ("bigint", "numeric")}


def _type_order(a: str, b: str) -> str:
    """``same``, ``widened``, ``narrowed`` or ``changed`` from column type ``a`` to ``b``."""
    ta, tb = parse_type(a), parse_type(b)
    if ta is None or tb is None:
        return "same" if _sql(a) == _sql(b) else "changed"
    if (ta.name, ta.params, ta.array) == (tb.name, tb.params, tb.array):
        return "same"
    if ta.array != tb.array:
        return "changed"
    if ta.name == tb.name:
        if not tb.params:
            return "widened"
        if not ta.params:
            return "narrowed"
        if ta.name == "numeric" and len(ta.params) == len(tb.params) == 2:
            (pa, sa), (pb, sb) = ta.params, tb.params
            return "widened" if pb - sb >= pa - sa and sb >= sa else "narrowed"
        return "widened" if all(y >= x for x, y in zip(ta.params, tb.params, strict=False)) \
            else "narrowed"
    if (ta.name, tb.name) in _WIDER:
        return "widened"
    if (tb.name, ta.name) in _WIDER:
        return "narrowed"
    return "changed"


def _column(table: str, a: Column, b: Column, db: Any) -> None:
    col = f"{table}.{b.name}"
    order = _type_order(a.type, b.type)
    if order != "same":
        db(f"column-type-{order}", table, f"column `{col}` type {order} from `{a.type}` to "
           f"`{b.type}`", a.loc.span, b.loc.span, (b.name,), a.type, b.type)
    if a.nullable and not b.nullable and not b.primary_key:
        db("column-became-not-null", table, f"column `{col}` became NOT NULL", a.loc.span,
           b.loc.span, (b.name,), True, False)
    elif not a.nullable and b.nullable:
        db("column-became-nullable", table, f"column `{col}` became nullable", a.loc.span,
           b.loc.span, (b.name,), False, True)
    if a.default is not None and b.default is None:
        db("column-default-removed", table, f"column `{col}`: default `{a.default}` removed",
           a.loc.span, b.loc.span, (b.name,), a.default, None)
    elif a.default is not None and b.default is not None and \
            _sql(str(a.default)) != _sql(str(b.default)):
        db("column-default-changed", table, f"column `{col}`: default changed from "
           f"`{a.default}` to `{b.default}`", a.loc.span, b.loc.span, (b.name,), a.default,
           b.default)
    if b.unique and not a.unique:
        db("column-became-unique", table, f"column `{col}` became UNIQUE", a.loc.span,
           b.loc.span, (b.name,), False, True)
    if b.check and _sql(b.check) != _sql(a.check or ""):
        db("check-constraint-added" if not a.check else "check-constraint-changed", table,
           f"column `{col}`: CHECK {'added' if not a.check else 'changed'}", a.loc.span,
           b.loc.span, (b.name,), a.check, b.check)


# --- auth ------------------------------------------------------------------------------------------


def _auth(base: Design, head: Design, out: DesignDiff) -> None:
    for name, r in base.roles.items():
        if name not in head.roles:
            _add(out, "role-removed", f"role {name}", f"role `{name}` removed", r.loc.span,
                 None, (), name, None)
    for name, r in head.roles.items():
        if name not in base.roles:
            _add(out, "role-added", f"role {name}", f"role `{name}` added", None, r.loc.span,
                 (), None, name)
            continue
        old = base.roles[name]
        pa, pb = base.role_permissions(name), head.role_permissions(name)
        for p in sorted(pb - pa):
            via = "" if p in r.permissions else " (inherited)"
            _add(out, "role-permission-added", f"role {name}", f"role `{name}` gained "
                 f"`{p}`{via}", old.loc.span, _at(r.loc, "permissions"), (p,), None, p)
        for p in sorted(pa - pb):
            _add(out, "role-permission-removed", f"role {name}", f"role `{name}` lost `{p}`",
                 _at(old.loc, "permissions"), r.loc.span, (p,), p, None)
    for name, p in base.permissions.items():
        if name not in head.permissions:
            _add(out, "permission-removed", f"permission {name}", f"permission `{name}` "
                 "removed", p.loc.span, None, (), name, None)
    for name, p in head.permissions.items():
        if name not in base.permissions:
            _add(out, "permission-added", f"permission {name}", f"permission `{name}` added",
                 None, p.loc.span, (), None, name)
    ea = {f"{e.method.upper()} {e.path}": e for e in base.endpoints}
    for ep in head.endpoints:
        key = f"{ep.method.upper()} {ep.path}"
        old = ea.get(key)
        if old is None:
            continue
        la, lb = _at(old.loc, "permission"), _at(ep.loc, "permission")
        if old.permission != ep.permission:
            if ep.public and not old.public:
                _add(out, "endpoint-became-public", key, f"{key} became public (was "
                     f"`{old.permission}`)", la, lb, (), old.permission, ep.permission)
            else:
                _add(out, "endpoint-permission-changed", key, f"{key}: permission changed "
                     f"from `{old.permission}` to `{ep.permission}`", la, lb, (),
                     old.permission, ep.permission)
        ra = set(base.holders(old.permission)) if old.permission and not old.public else set()
        rb = set(head.holders(ep.permission)) if ep.permission and not ep.public else set()
        if ep.public or old.public:
            continue
        if rb - ra:
            _add(out, "endpoint-access-widened", key, f"{key}: now callable by "
                 f"{', '.join(sorted(rb - ra))}", la, lb, (), sorted(ra), sorted(rb))
        if ra - rb:
            _add(out, "endpoint-access-narrowed", key, f"{key}: no longer callable by "
                 f"{', '.join(sorted(ra - rb))}", la, lb, (), sorted(ra), sorted(rb))
    _policies(base, head, out)


def _policies(base: Design, head: Design, out: DesignDiff) -> None:
    pa = {(p.table, p.name): p for p in base.policies}
    pb = {(p.table, p.name): p for p in head.policies}
    for key, p in pa.items():
        if key not in pb:
            _add(out, "rls-policy-removed", f"table {p.table}", f"policy `{p.name}` on "
                 f"`{p.table}` removed ({'restrictive' if p.restrictive else 'permissive'})",
                 p.loc.span, None, (p.name,), p.name, None)
    for key, p in pb.items():
        old = pa.get(key)
        if old is None:
            _add(out, "rls-policy-added", f"table {p.table}", f"policy `{p.name}` on "
                 f"`{p.table}` added ({'restrictive' if p.restrictive else 'permissive'})",
                 None, p.loc.span, (p.name,), None, p.name)
            continue
        subject, detail = f"table {p.table}", (p.name,)
        if old.command != p.command:
            _add(out, "rls-policy-command-changed", subject, f"policy `{p.name}` on `{p.table}`"
                 f": command changed from {old.command} to {p.command}", _at(old.loc, "command"),
                 _at(p.loc, "command"), detail, old.command, p.command)
        if sorted(old.roles) != sorted(p.roles):
            _add(out, "rls-policy-roles-changed", subject, f"policy `{p.name}` on `{p.table}`: "
                 f"roles changed from {sorted(old.roles)} to {sorted(p.roles)}",
                 _at(old.loc, "roles"), _at(p.loc, "roles"), detail, sorted(old.roles),
                 sorted(p.roles))
        for field in ("using", "with_check"):
            ea, eb = getattr(old, field), getattr(p, field)
            if _sql(ea or "") == _sql(eb or ""):
                continue
            order = _expr_order(ea, eb)
            cid = {"tightened": "rls-policy-tightened", "loosened": "rls-policy-loosened"}.get(
                order, "rls-policy-changed")
            _add(out, cid, subject, f"policy `{p.name}` on `{p.table}`: {field.upper()} "
                 f"{order if order != 'changed' else 'changed, review'}: `{ea}` → `{eb}`",
                 _at(old.loc, field), _at(p.loc, field), (*detail, field), ea, eb)


def _expr_order(a: str | None, b: str | None) -> str:
    """Whether expression ``b`` admits fewer rows than ``a`` (``tightened``: ``b`` is ``a
    AND x``, or ``a`` was none), more (``loosened``: ``a OR x``, or ``b`` is none), or
    cannot be ordered (``changed``). Compared on PostgreSQL's parse trees."""
    if not a:
        return "tightened"
    if not b:
        return "loosened"
    ta, tb = _parse_expr(a), _parse_expr(b)
    if ta is None or tb is None:
        return "changed"
    for op, order in (("AND_EXPR", "tightened"), ("OR_EXPR", "loosened")):
        args = _bool_args(tb, op)
        if len(args) > 1 and (ta in args or set(_bool_args(ta, op)) < set(args)):
            return order
    for op, order in (("AND_EXPR", "loosened"), ("OR_EXPR", "tightened")):
        args = _bool_args(ta, op)
        if len(args) > 1 and (tb in args or set(_bool_args(tb, op)) < set(args)):
            return order
    return "changed"


def _parse_expr(text: str) -> str | None:
    import pglast

    try:
        tree = pglast.parser.parse_sql_json(f"SELECT 1 WHERE {text}")
    except pglast.parser.ParseError:
        return None
    stmt = json.loads(tree)["stmts"][0]["stmt"]["SelectStmt"]["whereClause"]
    return json.dumps(_strip(stmt), sort_keys=True)


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_strip(x) for x in node]
    return node


def _bool_args(tree: str, op: str) -> list[str]:
    node = json.loads(tree)
    b = node.get("BoolExpr")
    if not b or b.get("boolop") != op:
        return [tree]
    out: list[str] = []
    for arg in b.get("args") or []:
        out += _bool_args(json.dumps(arg, sort_keys=True), op)
    return out


# --- upstream ----------------------------------------------------------------------------------


def _upstream(base: Design, head: Design, out: DesignDiff) -> None:
    ra = {r.id: r for r in base.requirements if r.id}
    rb = {r.id: r for r in head.requirements if r.id}
    for fr, r in ra.items():
        if fr not in rb:
            _add(out, "requirement-removed", fr, f"requirement {fr} removed", r.loc.span, None,
                 (), fr, None)
    for fr, r in rb.items():
        old = ra.get(fr)
        if old is None:
            _add(out, "requirement-added", fr, f"requirement {fr} added", None, r.loc.span, (),
                 None, fr)
            continue
        for field, cid in (("title", "requirement-title-changed"),
                           ("description", "requirement-description-changed"),
                           ("priority", "requirement-priority-changed"),
                           ("mvp", "requirement-mvp-changed")):
            va, vb = getattr(old, field), getattr(r, field)
            if va != vb:
                c = _add(out, cid, fr, f"requirement {fr}: {field} changed from "
                         f"{_short(va)} to {_short(vb)}", _at(old.loc, field),
                         _at(r.loc, field), (field,), va, vb)
                c.suspects = _suspects(base, head, {fr})
        sa = [(s.id, s.text) for s in old.stories]
        sb = [(s.id, s.text) for s in r.stories]
        if sa != sb:
            c = _add(out, "requirement-stories-changed", fr, f"requirement {fr}: stories changed",
                     _at(old.loc, "stories"), _at(r.loc, "stories"), ("stories",),
                     [s[0] for s in sa], [s[0] for s in sb])
            c.suspects = _suspects(base, head, {fr})
    fa = {f.id: f for f in base.flows}
    fb = {f.id: f for f in head.flows}
    for fid, f in fa.items():
        if fid not in fb:
            c = _add(out, "flow-removed", f"flow {fid}", f"flow {fid} ({f.name}) removed",
                     f.loc.span, None, (), fid, None)
            c.suspects = _suspects(base, head, set(f.fr_ids))
    for fid, f in fb.items():
        old = fa.get(fid)
        if old is None:
            _add(out, "flow-added", f"flow {fid}", f"flow {fid} ({f.name}) added", None,
                 f.loc.span, (), None, fid)
        elif (old.name, old.steps, old.fr_ids, old.stories) != (f.name, f.steps, f.fr_ids,
                                                                  f.stories):
            c = _add(out, "flow-changed", f"flow {fid}", f"flow {fid} ({f.name}) changed",
                     old.loc.span, f.loc.span, (), _j([old.name, old.steps, old.fr_ids]),
                     _j([f.name, f.steps, f.fr_ids]))
            c.suspects = _suspects(base, head, set(old.fr_ids) | set(f.fr_ids))
    sa_ = {s.id: s for s in base.screens}
    sb_ = {s.id: s for s in head.screens}
    for sid, s in sa_.items():
        if sid not in sb_:
            _add(out, "screen-removed", f"screen {sid}", f"screen {sid} removed", s.loc.span,
                 None, (), sid, None)
    for sid, s in sb_.items():
        old = sa_.get(sid)
        if old is None:
            _add(out, "screen-added", f"screen {sid}", f"screen {sid} added", None, s.loc.span,
                 (), None, sid)
            continue
        wa = _j(old.wireframe and [old.wireframe.shows, old.wireframe.states,
                                    old.wireframe.description])
        wb = _j(s.wireframe and [s.wireframe.shows, s.wireframe.states,
                                  s.wireframe.description])
        if (old.name, old.flows, old.data_dependent, wa) != (s.name, s.flows, s.data_dependent,
                                                              wb):
            c = _add(out, "screen-changed", f"screen {sid}", f"screen {sid} ({s.name}) changed",
                     old.loc.span, s.loc.span, (), _j([old.name, old.flows, wa]),
                     _j([s.name, s.flows, wb]))
            frs = {fr for f in head.flows if f.id in set(s.flows) | set(old.flows)
                   for fr in f.fr_ids}
            c.suspects = _suspects(base, head, frs)


def _short(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + '..."'


def _node(loc: Loc) -> str:
    raw = loc.raw
    return json.dumps(raw, sort_keys=True, default=str)


def _suspects(base: Design, head: Design, frs: set[str]) -> list[str]:
    """What traces to ``frs`` and was not re-audited: endpoints (their YAML unchanged),
    their tables and the policies on them (unchanged). Touching an item re-audits it."""
    ea = {e.id: e for e in base.endpoints}
    out: list[str] = []
    tables: set[str] = set()
    for ep in head.endpoints:
        if not frs & set(ep.fr_ids):
            continue
        tables |= set(ep.tables)
        old = ea.get(ep.id)
        if old is not None and _node(old.loc) == _node(ep.loc):
            out.append(f"{ep.method.upper()} {ep.path}")
    for t in sorted(tables):
        old_t, new_t = base.tables.get(t), head.tables.get(t)
        if old_t is not None and new_t is not None and _node(old_t.loc) == _node(new_t.loc):
            out.append(f"table {t}")
        for pol in head.policies_on(t):
            prev = next((p for p in base.policies_on(t) if p.name == pol.name), None)
            if prev is not None and _node(prev.loc) == _node(pol.loc):
                out.append(f"policy {t}.{pol.name}")
    return out


# --- version policy ------------------------------------------------------------------------------


def _major(design: Design) -> tuple[int | None, int | None]:
    m = re.match(r"v?(\d+)", design.project.version.strip())
    p = re.search(r"/v(\d+)(?:/|$)", design.project.base_path or "")
    return (int(m.group(1)) if m else None, int(p.group(1)) if p else None)


def _version(base: Design, head: Design, out: DesignDiff) -> None:
    va, vb = base.project.version, head.project.version
    la, lb = _at(base.project.loc, "version"), _at(head.project.loc, "version")
    if va != vb:
        if _semver(vb) < _semver(va):
            _add(out, "api-version-decreased", "project version", f"version decreased from "
                 f"{va} to {vb}", la, lb, (), va, vb)
        else:
            _add(out, "api-version-changed", "project version", f"version changed from {va} "
                 f"to {vb}", la, lb, (), va, vb)
    breaking = [c for c in out.changes if c.level == Level.BREAKING and _versioned(c)]
    if not breaking:
        return
    (ma, pa), (mb, pb) = _major(base), _major(head)
    bumped = (ma is not None and mb is not None and mb > ma) or \
        (pa is not None and pb is not None and pb > pa)
    if not bumped:
        _add(out, "api-major-version-not-bumped", "project version",
             f"{len(breaking)} breaking API change{'s' if len(breaking) != 1 else ''} and the "
             f"major version is still {mb if mb is not None else va}"
             + (f" (base path /v{pb})" if pb is not None else ""), la, lb, (), va, vb)


#: Auth checks that change an operation's security in the OpenAPI document (the contract);
#: the rest of the auth model (roles, permissions, RLS) is not versioned with the API.
_CONTRACT_AUTH = frozenset({"api-security-added", "api-security-removed",
                            "api-security-changed"})


def _versioned(c: Change) -> bool:
    """Whether the API's version answers for ``c``: a change of the API contract (its
    operations and webhooks). Events have versions of their own (`event-version-not-bumped`)
    and a third party's contract is not this API's."""
    if c.id == "api-major-version-not-bumped":
        return False
    return c.area == "api" or c.id in _CONTRACT_AUTH or c.id.startswith("webhook-")


def _semver(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3]) or (0,)


# --- impact ----------------------------------------------------------------------------------------


def impact(c: Change, base: Design, head: Design) -> Impact:
    """What ``c`` reaches: its endpoints, their FR-IDs, the flows and screens of those, the
    tables, roles, webhooks, events and third parties that trace to them."""
    imp = Impact()
    eps: list[Endpoint] = []
    tables: set[str] = set()
    roles: set[str] = set()
    for design in (head, base):
        by_key = {f"{e.method.upper()} {e.path}": e for e in design.endpoints}
        if c.subject in by_key:
            eps.append(by_key[c.subject])
        if c.subject.startswith("table "):
            t = c.subject[6:]
            # The table, the tables whose rows reference it, and the endpoints that use
            # it; a change inside the table (a column, an index, a constraint) does not
            # reach an endpoint that only deletes its rows (a cascade).
            tables.add(t)
            tables |= {o.name for o in design.tables.values()
                       if any(fk.table == t for fk in _fks(o))}
            eps += [e for e in design.endpoints if t in e.tables
                    and not (c.detail and _only_deletes(e, t))]
        if c.subject.startswith("role "):
            roles.add(c.subject[5:])
            perms = {x for x in (c.before, c.after) if isinstance(x, str)}
            eps += [e for e in design.endpoints if e.permission in perms]
        if c.subject.startswith("permission "):
            eps += [e for e in design.endpoints if e.permission == c.subject[11:]]
        if c.subject.startswith(("webhook ", "event ")):
            name = c.subject.split(" ", 1)[1]
            for w in design.webhooks:
                if w.name == name:
                    imp.fr_ids += w.fr_ids
            for ev in design.events:
                if ev.name == name:
                    imp.fr_ids += ev.fr_ids
    frs: set[str] = set(imp.fr_ids)
    if c.area == "upstream" and c.subject.startswith("FR-"):
        frs.add(c.subject)
    for e in eps:
        frs |= set(e.fr_ids)
        if not c.subject.startswith("table "):
            tables |= set(e.tables)  # what the endpoint reads and writes
    imp.endpoints = sorted({f"{e.method.upper()} {e.path}" for e in eps})
    imp.fr_ids = sorted(frs)
    imp.tables = sorted(tables)
    imp.roles = sorted(roles or {r for e in eps if e.permission and not e.public
                                 for r in head.holders(e.permission) + base.holders(e.permission)})
    imp.flows = sorted({f.id for d in (head, base) for f in d.flows if frs & set(f.fr_ids)})
    imp.screens = sorted({s.id for d in (head, base) for s in d.screens
                          if set(imp.flows) & set(s.flows)})
    imp.webhooks = sorted({w.name for d in (head, base) for w in d.webhooks
                           if frs & set(w.fr_ids)})
    imp.events = sorted({e.name for d in (head, base) for e in d.events if frs & set(e.fr_ids)})
    imp.third_parties = sorted({t.name for d in (head, base) for t in d.third_parties
                                if frs & set(t.fr_ids)})
    return imp


__all__ = ["diff_designs", "impact"]
