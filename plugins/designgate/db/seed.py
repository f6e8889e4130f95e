"""Rows for the tables of a migrated database, as the superuser.

The columns, their types and the foreign keys come from the catalog (so a table can be
seeded as it is at any point of the migration plan, raw-SQL tables included); values from
the design where it knows the column (``IN`` lists and regular expressions of its checks,
``https://`` prefixes), else from the type: every built-in type, arrays of them, enums and
domains. Row *i* of every table references row *i* of the tables it references (modulo
their size), so row *i* of a per-tenant table belongs to tenant *i* through every path — a
tenant's rows only ever reference the same tenant's rows. A value PostgreSQL rejects
(check, unique, length, cast, NOT NULL) moves that column to its next candidate.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from designgate.generate.sql import check_columns, ident
from designgate.model.design import Column, Design, Table

ROWS = 4
#: Inserts tried per seeded row before its table counts as one that cannot be seeded.
ATTEMPTS = 64


@dataclass(slots=True)
class CatalogColumn:
    name: str
    type: str  # format_type
    notnull: bool
    default: bool
    kind: str  # pg_type.typtype of the element: b base, e enum, d domain, ...
    element: str  # the element type of an array, else the type
    labels: list[str]  # enum labels


@dataclass(slots=True)
class CatalogFk:
    name: str
    columns: list[str]
    table: str
    ref_columns: list[str]


@dataclass(slots=True)
class Seeded:
    rows: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)
    types: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> col -> type
    failed: dict[str, str] = field(default_factory=dict)  # table -> why


_COLUMNS = """
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
           a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
           coalesce(bt.typtype, et.typtype, t.typtype),
           format_type(coalesce(nullif(t.typelem, 0), t.oid), NULL),
           coalesce((SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e
                     WHERE e.enumtypid = coalesce(nullif(t.typelem, 0), t.oid)), '{}')
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type et ON et.oid = nullif(t.typelem, 0) AND t.typcategory = 'A'
    LEFT JOIN pg_type bt ON bt.oid = nullif(t.typbasetype, 0)
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    ORDER BY c.relname, a.attnum"""

_FKS = """
    SELECT k.conname, c.relname,
           ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY o),
           r.relname,
           ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY o)
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_class r ON r.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    WHERE k.contype = 'f'
    ORDER BY c.relname, k.conname"""


def catalog(cur: Any) -> tuple[dict[str, list[CatalogColumn]], dict[str, list[CatalogFk]]]:
    cols: dict[str, list[CatalogColumn]] = {}
    cur.execute(_COLUMNS)
    for table, name, typ, notnull, default, kind, element, labels in cur.fetchall():
        cols.setdefault(table, []).append(CatalogColumn(name, typ, bool(notnull), bool(default),
                                                        str(kind), str(element), list(labels)))
    fks: dict[str, list[CatalogFk]] = {}
    cur.execute(_FKS)
    for name, table, columns, ref, ref_columns in cur.fetchall():
        fks.setdefault(table, []).append(CatalogFk(name, list(columns), ref, list(ref_columns)))
    return cols, fks


def order(cols: dict[str, list[CatalogColumn]], fks: dict[str, list[CatalogFk]]) -> list[str]:
    """Tables so that each comes after those it references (cycles: by name)."""
    tables = sorted(cols)
    deps = {t: {f.table for f in fks.get(t, []) if f.table != t and f.table in cols}
            for t in tables}
    done: list[str] = []
    while len(done) < len(tables):
        ready = [t for t in tables if t not in done and deps[t] <= set(done)]
        done.append(ready[0] if ready else next(t for t in tables if t not in done))
    return done


# --- values --------------------------------------------------------------------------------

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

    def walk(items: Any) -> bool:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "ANY":
                out.append(rng.choice("abcdefgh"))
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
                out.append(rng.choice(chars))
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


def _scalar(table: str, name: str, typ: str, i: int, labels: list[str]) -> list[str]:
    """Values of the scalar type ``typ`` (PostgreSQL's name for it) for row ``i``."""
    t = typ.lower()
    if labels:
        return labels[i % len(labels):] + labels[: i % len(labels)]
    if t == "uuid":
        return [f"00000000-0000-4000-8000-{abs(hash((table, name))) % 10**6:06d}{i:06d}"]
    if "email" in name or t == "citext":
        return [f"user{i}.{table}@example.com", f"{name}{i}"]
    if t.startswith(("character varying", "varchar", "text", "character", "char", "name",
                     "citext", "bpchar")):
        size = _LEN.search(t)
        limit = int(size.group(1)) if size else 40
        base = re.sub(r"[^a-z0-9]", "", name.lower()) or "v"
        return [f"{base}{i}"[:limit], f"{base[:1]}{i}"[:limit], f"a{i}"[:limit], "abc"[:limit]]
    if t in ("integer", "bigint", "smallint") or t.startswith(("numeric", "real", "double")):
        return [str(i + 1), str(i + 10), "0"]
    if t == "boolean":
        return ["true" if i % 2 == 0 else "false", "false" if i % 2 == 0 else "true"]
    if t == "date":
        return [f"2026-01-{i + 10:02d}", f"2026-02-{i + 10:02d}"]
    if t.startswith("timestamp"):  # a later second value, for checks ordering two columns
        return [f"2026-01-{i + 10:02d} 10:00:00+00", f"2026-02-{i + 10:02d} 10:00:00+00"]
    if t.startswith("time"):
        return ["10:00:00"]
    if t.startswith("interval"):
        return ["1 day"]
    if t in ("json", "jsonb"):
        return ["{}", '["a"]', "[]", "1"]
    if t in ("inet", "cidr"):
        return [f"192.0.2.{i + 1}"]
    if t == "macaddr":
        return [f"08:00:2b:01:02:{i:02x}"]
    if t == "bytea":
        return ["\\x00"]
    if t.startswith(("int4range", "int8range", "numrange")):
        return [f"[{i},{i + 10})"]
    if t.startswith(("tsrange", "tstzrange", "daterange")):
        return ["[2026-01-01,2026-02-01)"]
    if t == "tsvector":
        return [f"word{i}"]
    if t == "money":
        return [f"{i + 1}.00"]
    if t == "xml":
        return ["<a/>"]
    if t in ("point",):
        return [f"({i},{i})"]
    return [f"v{i}", str(i + 1)]


def candidates(table: str, cc: CatalogColumn, design_col: Column | None, i: int
               ) -> list[str | None]:
    """Values (as text, cast by PostgreSQL) to try for a column in seeded row ``i``."""
    out: list[str | None] = []
    check = design_col.check if design_col is not None else None
    if check:
        m = _IN_LIST.search(check)
        if m:
            values = [v.replace("''", "'") for v in _QUOTED.findall(m.group(1))]
            if values:
                out += values[i % len(values):] + values[: i % len(values)]
            else:
                out += [x.strip() for x in m.group(1).split(",") if x.strip()]
        for pattern in _REGEX.findall(check):
            sample = regex_sample(pattern.replace("''", "'"), i)
            if sample is not None:
                out.append(sample)
        if "https://" in check:
            out.append(f"https://example.com/{table}/{i}")
    if cc.type.endswith("[]"):
        items = _scalar(table, cc.name, cc.element, i, cc.labels)
        out += ["{}", "{" + _array_item(items[0]) + "}"]
    else:
        out += _scalar(table, cc.name, cc.element if cc.kind == "d" else cc.type, i, cc.labels)
    if not cc.notnull:
        out.append(None)
    return out or [None]


def _array_item(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- inserting -----------------------------------------------------------------------------


def seed(design: Design, cur: Any, psycopg: Any, *, rows: int = ROWS,
         into: Seeded | None = None) -> Seeded:
    """``rows`` rows in every table of the public schema, parents first. ``into``: rows
    seeded before, added to; the tables it holds are left as they are (their rows are the
    parents the new tables' rows reference)."""
    cols, fks = catalog(cur)
    out = into if into is not None else Seeded()
    for name in order(cols, fks):
        if name in out.rows:
            continue
        out.types[name] = {c.name: c.type for c in cols[name]}
        out.rows[name] = []
        for i in range(rows):
            row = _insert_row(design, name, cols[name], fks.get(name, []), i, out, cur, psycopg)
            if isinstance(row, str):
                out.failed[name] = row
                break
            out.rows[name].append(row)
    return out


def _insert_row(design: Design, name: str, columns: list[CatalogColumn], fks: list[CatalogFk],
                i: int, seeded: Seeded, cur: Any, psycopg: Any) -> dict[str, str | None] | str:
    table = design.tables.get(name)
    choice: dict[str, int] = {}
    types = seeded.types[name]
    fixed: dict[str, str | None] = {}
    for fk in fks:
        parents = seeded.rows.get(fk.table)
        if not parents:
            continue
        parent = parents[i % len(parents)]
        for col, ref in zip(fk.columns, fk.ref_columns, strict=True):
            fixed.setdefault(col, parent.get(ref))
    for _attempt in range(ATTEMPTS):
        names: list[str] = []
        values: list[str | None] = []
        for cc in columns:
            if cc.name in fixed:
                names.append(cc.name)
                values.append(fixed[cc.name])
                continue
            if cc.default and cc.name not in choice:
                continue
            design_col = table.column(cc.name) if table else None
            options = candidates(name, cc, design_col, i)
            k = choice.get(cc.name, 0)
            if k >= len(options):
                return f"no value of {name}.{cc.name} satisfies its constraints"
            names.append(cc.name)
            values.append(options[k])
        returning = ", ".join(f"{ident(c)}::text" for c in types)
        params = ", ".join(f"%s::{types[c]}" for c in names)
        sql = (f"INSERT INTO {ident(name)} ({', '.join(ident(c) for c in names)}) VALUES "
               f"({params}) RETURNING {returning}" if names else
               f"INSERT INTO {ident(name)} DEFAULT VALUES RETURNING {returning}")
        try:
            with cur.connection.transaction():
                cur.execute(sql.encode(), values, prepare=False)
                got = cur.fetchone()
            return dict(zip(types, got, strict=True))
        except psycopg.Error as exc:
            state = getattr(exc, "sqlstate", "")
            constraint = getattr(exc.diag, "constraint_name", None) or ""
            column = getattr(exc.diag, "column_name", None) or ""
            check = next((k for k in table.checks if k.name == constraint), None) if table \
                else None
            if state == "23514" and check is not None and table is not None:
                if _next_combination(table, columns, check.expression, choice, fixed, i):
                    continue
                return (f"cannot seed {name}: no combination of values satisfied its "
                        f"check {check.name}")
            target = _column_of(name, columns, constraint) or column
            if target in fixed and state in ("23505",):
                return f"cannot seed {name}: {exc.diag.message_primary} (SQLSTATE {state})"
            if state in ("23514", "23505", "22001", "22P02", "23502", "22007", "22008",
                         "22003", "22023") and target and target not in fixed:
                choice[target] = choice.get(target, 0) + 1
                continue
            return f"cannot seed {name}: {exc.diag.message_primary} (SQLSTATE {state})"
    return f"cannot seed {name}: no combination of values satisfied its constraints"


def _next_combination(table: Table, columns: list[CatalogColumn], expression: str,
                      choice: dict[str, int], fixed: dict[str, str | None], i: int) -> bool:
    """Step the values of the columns a table check reads to their next combination, like an
    odometer (a column with a default starts at the default, then tries the candidates);
    False once every combination was tried. Foreign keys keep their parent's value."""
    reads = set(check_columns(table, expression))
    for cc in columns:
        if cc.name not in reads or cc.name in fixed:
            continue
        start = -1 if cc.default else 0
        k = choice.get(cc.name, start)
        if k + 1 < len(candidates(table.name, cc, table.column(cc.name), i)):
            choice[cc.name] = k + 1
            return True
        if start < 0:
            choice.pop(cc.name, None)
        else:
            choice[cc.name] = 0
    return False


def _column_of(table: str, columns: list[CatalogColumn], constraint: str) -> str | None:
    for cc in sorted(columns, key=lambda c: -len(c.name)):
        if constraint.startswith(f"{table}_{cc.name}_"):
            return cc.name
    return None
