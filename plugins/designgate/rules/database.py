"""Schema rules (S) about the SQL designgate generates: it parses, and migrations that destroy
data say so.

The parser is PostgreSQL's own (pglast, no server). Each piece of SQL written in the design
(a column type, default or check, an index predicate, a policy expression, a raw SQL step)
is parsed where it was written, so an error points at that line; then every generated
statement is parsed whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from designgate.findings import Severity, Span
from designgate.generate import fragments
from designgate.generate import sql as g
from designgate.generate.fragments import Kind
from designgate.model.design import Design, Migration, Step
from designgate.model.source import Loc
from designgate.rules.registry import Hit, register

E = Severity.ERROR


def parse_error(text: str) -> tuple[str, int] | None:
    """PostgreSQL's complaint about ``text`` and its 0-based index, or None if it parses."""
    return g.parse(text)[1]


def has_subquery(text: str) -> bool:
    """Whether the statement ``text`` holds a subquery (False when it does not parse)."""
    return '"SubLink":' in (g.parse_tree(text) or "")


def _inner_span(loc: Loc, text: str, index: int) -> Span:
    """The position of ``text[index]`` inside the YAML scalar at ``loc``."""
    base = loc.span
    before = text[:index]
    k = before.count("\n")
    col = index - (before.rfind("\n") + 1)
    try:
        lines = loc.source.path.read_text(encoding="utf-8").splitlines()
        head = lines[base.line - 1][base.column - 1:].lstrip()
    except (OSError, IndexError, UnicodeDecodeError):
        return base
    if head[:1] in ("|", ">"):  # a block scalar: content starts on the next line
        body = lines[base.line + k] if base.line + k < len(lines) else ""
        indent = len(body) - len(body.lstrip(" "))
        return Span(base.file, base.line + 1 + k, indent + col + 1)
    quoted = 1 if head[:1] in ("'", '"') else 0
    return Span(base.file, base.line + k, (base.column + quoted if k == 0 else 1) + col)


def _fragment(text: str, index: int) -> str:
    frag = " ".join(text[index:index + 30].split())
    return f" near '{frag}'" if frag else " at the end"


def _piece(loc: Loc, key: str, wrapped: str, offset: int, original: str,
           what: str) -> Iterator[Hit]:
    err = parse_error(wrapped)
    if err is None:
        return
    message, index = err
    inner = max(0, min(len(original), index - offset))
    yield Hit(loc.at(key), f"{what} is not valid PostgreSQL: {message}"
              f"{_fragment(original, inner)}", span=_inner_span(loc.at(key), original, inner))


def _one(loc: Loc, key: str | tuple[str | int, ...], kind: Kind, text: str,
         what: str) -> Iterator[Hit]:
    """A finding when ``text`` is not exactly one SQL fragment of ``kind``."""
    found = fragments.problem(kind, text)
    if found is None:
        return
    at = loc.at(*((key,) if isinstance(key, str) else key))
    inner = max(0, min(len(text), found.index))
    near = _fragment(text, inner) if found.index < len(text) else ""
    yield Hit(at, f"{what} is not a single SQL {found.message}{near}",
              span=_inner_span(at, text, inner))


def _pieces(design: Design) -> Iterator[tuple[Loc, str | tuple[str | int, ...], Kind, str, str]]:
    """Every piece of design text the generators put into a statement: (node, key, kind,
    text, what it is)."""
    for table in design.tables.values():
        for col in table.columns:
            where = f"{table.name}.{col.name}"
            yield col.loc, "type", "type", col.type, f"type of {where}"
            if isinstance(col.default, str):
                yield col.loc, "default", "expression", col.default, f"default of {where}"
            if col.check is not None:
                yield col.loc, "check", "expression", col.check, f"check of {where}"
        for check in table.checks:
            yield (check.loc, "expression", "expression", check.expression,
                   f"check {check.name} of {table.name}")
        for index in table.indexes:
            raw = index.loc.raw
            cols = raw.get("columns") if isinstance(raw, dict) else None
            for i, spec in enumerate(index.columns):
                key: tuple[str | int, ...] = ("columns", i) if isinstance(cols, list) and \
                    i < len(cols) and cols[i] == spec else ("columns",)
                yield (index.loc, key, "index element", spec.strip(),
                       f"column {i + 1} of index {index.name}")
            if index.where is not None:
                yield (index.loc, "where", "expression", index.where,
                       f"predicate of index {index.name}")
    for p in design.policies:
        for key, expr in (("using", p.using), ("with_check", p.with_check)):
            if expr is not None:
                yield p.loc, key, "expression", expr, f"`{key}` of policy {p.name}"
    for m in design.migrations:
        for step in m.steps:
            arg = step.arg
            if not isinstance(arg, dict) or step.op not in ("alter_column", "drop_column"):
                continue
            name = f"{arg.get('table')}.{arg.get('column')}"
            if isinstance(arg.get("using"), str):
                yield (step.loc, (step.op, "using"), "expression", arg["using"],
                       f"`using` of {step.op} {name} in migration {m.id}")
            before = arg.get("from")
            if isinstance(before, dict):
                if isinstance(before.get("type"), str):
                    yield (step.loc, (step.op, "from", "type"), "type", before["type"],
                           f"previous type of {name} in migration {m.id}")
                if isinstance(before.get("default"), str):
                    yield (step.loc, (step.op, "from", "default"), "expression",
                           before["default"], f"previous default of {name} in migration {m.id}")


@register("S019", "sql-syntax", E, "SQL in the design, or generated from it, does not parse.")
def sql_syntax(design: Design) -> Iterator[Hit]:
    """Every statement `designgate build` writes parses with PostgreSQL's own parser, and
    design text put into a statement stays inside it.

    The SQL written in the design — column types, defaults and checks, table checks, index
    columns and predicates, policy `using` / `with_check` expressions, `alter_column` `using`
    and `from:` values, raw `sql:` migration steps — ends up in `schema.sql`, the migration
    files and `rls.sql`. designgate parses each piece with PostgreSQL's parser (pglast; no
    server needed) and reports an error at the line that holds it, before anybody runs a
    migration. Fix the SQL; the message quotes PostgreSQL.

    Each piece that is pasted into a generated statement must be *exactly one* fragment of
    its kind: one expression, one type name, one index element. It may not hold a `;` or a
    comment, and its parentheses balance — so a policy `using: "true); DROP TABLE x; SELECT
    (true"` is refused here, and `designgate build` writes no SQL while such a finding is
    open (the generator refuses it too, whatever this rule's severity). Only raw `sql:`
    steps may hold several statements.

    A column default that names a column (`default: active` instead of `default: "'active'"`)
    is reported too: it parses, but PostgreSQL refuses it when the table is created.
    """
    reported = False
    for loc, key, kind, text, what in _pieces(design):
        for hit in _one(loc, key, kind, text, what):
            reported = True
            yield hit
    for table in design.tables.values():
        for col in table.columns:
            if isinstance(col.default, str) and \
                    fragments.problem("expression", col.default) is None:
                names = g.column_refs(f"SELECT {col.default}")
                if names:
                    reported = True
                    yield Hit(col.loc.at("default"),
                              f"default of {table.name}.{col.name} names a column "
                              f"({', '.join(names)}), which PostgreSQL does not allow; a "
                              f"string default is quoted SQL: \"'{col.default}'\"")
        taken = g.constraint_names(table)
        for check in table.checks:
            if taken.count(check.name) > 1:
                reported = True
                yield Hit(check.loc.at("name"), f"check name '{check.name}' is used by another "
                          f"constraint of table {table.name}; PostgreSQL needs a name of its "
                          "own (generated ones are <table>_<column>_check, _key and _pkey)")
        checks = [(c.loc.at("check"), c.check, f"check of {table.name}.{c.name}")
                  for c in table.columns if c.check]
        checks += [(k.loc.at("expression"), k.expression, f"check {k.name} of {table.name}")
                   for k in table.checks]
        for loc, expr, what in checks:
            wrapped = f"SELECT 1 WHERE ({expr})"
            if fragments.problem("expression", expr) is None and has_subquery(wrapped):
                reported = True
                yield Hit(loc, f"{what} holds a subquery, which PostgreSQL does not allow in a "
                          "CHECK constraint; use a trigger or a foreign key instead")
    for m in design.migrations:
        for step in m.steps:
            if step.op == "sql" and isinstance(step.arg, dict):
                for key in ("up", "down"):
                    text = step.arg.get(key)
                    if isinstance(text, str) and text.strip():
                        for hit in _piece(step.loc.at("sql"), key, text, 0, text,
                                          f"`{key}` SQL of migration {m.id}"):
                            reported = True
                            yield hit
    if reported:
        return  # the whole statements would repeat the same errors
    seen: set[tuple[object, ...]] = set()
    try:
        generated = list(_generated(design))
    except g.UnsafeSql as exc:  # a piece the checks above missed: never written
        if exc.loc is not None:
            yield Hit(exc.loc, f"generated SQL refused: {exc}")
        return
    for stmt in generated:
        err = parse_error(stmt.text)
        if err is None and stmt.loc is not None and g.statement_count(stmt.text) != 1:
            yield Hit(stmt.loc, "generated SQL is not one statement: design text broke out of "
                      f"it (in: {' '.join(stmt.text.split())[:80]})")
            continue
        if err is None or stmt.loc is None:
            continue
        message, index = err
        key = (stmt.loc.file, stmt.loc.pointer, stmt.text)
        if key in seen:  # the same statement in schema.sql and in a migration
            continue
        seen.add(key)
        yield Hit(stmt.loc, f"generated SQL does not parse: {message}"
                  f"{_fragment(stmt.text, index) if 'end of input' not in message else ''}"
                  f" (in: {' '.join(stmt.text.split())[:80]})")


def _generated(design: Design) -> Iterator[g.Sql]:
    yield from g.schema_statements(design)
    yield from g.rls_statements(design)
    for m in design.migrations:
        ms = g.migration_sql(design, m)
        for stmt in (*ms.up, *ms.down):
            if not stmt.comment_only and not g._from_raw_step(m, stmt):
                yield stmt


# --- destructive migrations ----------------------------------------------------------------

_WIDER = {"smallint": 0, "integer": 1, "bigint": 2, "numeric": 3}
_LEN = re.compile(r"^\s*(varchar|character varying|char|character|numeric|decimal)\s*"
                  r"\(\s*(\d+)(?:\s*,\s*(\d+))?\s*\)\s*$", re.I)


def narrowing(old: str, new: str) -> bool:
    """Whether changing a column from ``old`` to ``new`` can lose data (not a known widening)."""
    a, b = " ".join(old.lower().split()), " ".join(new.lower().split())
    if a == b:
        return False
    if b == "text" and (a.startswith(("varchar", "character varying", "char")) or a == "text"):
        return False
    ma, mb = _LEN.match(a), _LEN.match(b)
    if ma and mb and ma.group(1)[:4] == mb.group(1)[:4]:
        if ma.group(1).lower() in ("numeric", "decimal"):
            pa, sa = int(ma.group(2)), int(ma.group(3) or 0)
            pb, sb = int(mb.group(2)), int(mb.group(3) or 0)
            return not (pb - sb >= pa - sa and sb >= sa)
        return int(mb.group(2)) < int(ma.group(2))
    aliases = {"int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint",
               "decimal": "numeric"}
    a, b = aliases.get(a, a), aliases.get(b, b)
    if a in _WIDER and (b in _WIDER or b.startswith("numeric")):
        return _WIDER.get(b, 3) < _WIDER[a]
    return (a, b) not in {("timestamp", "timestamptz"), ("date", "timestamptz"), ("date", "timestamp"), ("real", "double precision")}


def destructive_steps(design: Design, m: Migration) -> Iterator[tuple[Step, str]]:
    """(step, what it destroys) for each step of ``m`` that can lose data."""
    for step in m.steps:
        arg: Any = step.arg
        if step.op == "drop_table":
            yield step, f"drops table {arg}"
        elif step.op == "drop_column" and isinstance(arg, dict):
            yield step, f"drops column {arg.get('table')}.{arg.get('column')}"
        elif step.op == "alter_column" and isinstance(arg, dict):
            table = design.tables.get(str(arg.get("table")))
            col = table.column(str(arg.get("column"))) if table else None
            before = arg.get("from") if isinstance(arg.get("from"), dict) else {}
            if col is None:
                continue
            where = f"{col.table}.{col.name}"
            changes_type = "type" in arg or "type" in before or not any(
                k in arg for k in ("nullable", "default"))
            if changes_type and isinstance(before.get("type"), str) and \
                    narrowing(before["type"], col.type):
                yield step, f"narrows {where} from {before['type']} to {col.type}"
            elif changes_type and "type" not in before and "type" in arg:
                yield step, (f"changes the type of {where} to {col.type} without saying the "
                                "old type (`from: {type: ...}`)")
            sets_not_null = ("nullable" in arg or not any(k in arg for k in ("type", "default"))
                             ) and not col.nullable and before.get("nullable") is not False
            if sets_not_null and col.default is None:
                yield step, (f"sets NOT NULL on existing column {where}, which has no "
                                "default")


@register("S020", "destructive-migration", E,
          "A migration step that can destroy data is not acknowledged.")
def destructive_migration(design: Design) -> Iterator[Hit]:
    """A migration that drops a table or column, narrows a column's type, or makes an existing
    column NOT NULL without a default says so explicitly.

    Such steps lose data or fail on existing rows, and their down migration cannot bring the
    data back. Acknowledge the migration with what is lost and why that is acceptable, and
    say in `rollback:` how the data is restored (a snapshot, a backfill...):

    ```yaml
    destructive:
      acknowledged: true
      note: notes.legacy_tag has been unused since 0004; nothing reads it.
    rollback: Restore notes.legacy_tag from the nightly snapshot if needed.
    ```
    """
    for m in design.migrations:
        steps = list(destructive_steps(design, m))
        if not steps:
            continue
        if m.destructive_acknowledged and m.destructive_note.strip() and m.rollback:
            continue
        for step, what in steps:
            missing = [x for x, ok in (("`destructive: {acknowledged: true, note: ...}`",
                                        m.destructive_acknowledged and
                                        m.destructive_note.strip()),
                                       ("a `rollback:` note", bool(m.rollback))) if not ok]
            yield Hit(step.loc, f"migration '{m.id}' {what}; add "
                      + " and ".join(missing))
