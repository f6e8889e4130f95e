"""The database schema as a Mermaid ``erDiagram`` (rendered in the browser by Mermaid).

Mermaid's grammar is narrow, so every name from the design is reduced to the characters it
accepts; the diagram is a picture of the schema, the table pages carry the exact names.
"""

from __future__ import annotations

import re

from designgate.model.design import Design, Table

#: The largest diagram source the site asks Mermaid to draw. Mermaid refuses sources longer
#: than its ``maxTextSize`` (50,000 characters by default: "Maximum text size in diagram
#: exceeded"), and a diagram anywhere near that is too dense to read; above this a page shows
#: a notice instead (the tables and their links are listed on the page either way).
MAX_DIAGRAM_CHARS = 40_000

_IDENT_BAD = re.compile(r"[^A-Za-z0-9_]+")
_TYPE_BAD = re.compile(r"[^A-Za-z0-9_]+")


def ident(name: str) -> str:
    """A Mermaid entity or attribute name: letters, digits and ``_``, not starting with a digit."""
    out = _IDENT_BAD.sub("_", name).strip("_") or "unnamed"
    return f"_{out}" if out[0].isdigit() else out


def _type(sql_type: str) -> str:
    # Only the base type: Mermaid's attribute types allow no commas or spaces (numeric(10,2)).
    base = sql_type.split("(")[0].strip().replace(" ", "_")
    array = sql_type.strip().endswith("[]")
    out = _TYPE_BAD.sub("_", base).strip("_") or "unknown"
    if out[0].isdigit():
        out = f"t{out}"
    return out + ("_array" if array and not out.endswith("_array") else "")


def _comment(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")[:60]


def er_diagram(design: Design, tables: list[Table] | None = None) -> str:
    """``erDiagram`` source for ``tables`` (default: all) and the foreign keys between them."""
    chosen = tables if tables is not None else list(design.tables.values())
    names = {t.name for t in chosen}
    lines = ["erDiagram"]
    for table in chosen:
        if not table.columns:
            lines.append(f"    {ident(table.name)}")
            continue
        lines.append(f"    {ident(table.name)} {{")
        keys = set(table.key_columns)
        unique = {c.name for c in table.columns if c.unique}
        for col in table.columns:
            marks = [m for m, on in (("PK", col.name in keys), ("FK", col.references is not None),
                                     ("UK", col.name in unique and col.name not in keys)) if on]
            keys_s = f" {','.join(marks)}" if marks else ""
            note = ' "nullable"' if col.nullable else ""
            lines.append(f"        {_type(col.type)} {ident(col.name)}{keys_s}{note}")
        lines.append("    }")
    for table in chosen:
        for col in table.columns:
            fk = col.references
            if fk is None or fk.table not in names:
                continue
            # Left: how many parents a child row has; right: how many children a parent has.
            one_to_one = col.unique or table.key_columns == [col.name]
            parent = "|o" if col.nullable else "||"
            child = "o|" if one_to_one else "o{"
            label = _comment(col.name)
            lines.append(f'    {ident(fk.table)} {parent}--{child} {ident(table.name)} : "{label}"')
        for fk in table.foreign_keys:  # over several columns (a tenant's composite keys)
            if fk.table not in names:
                continue
            cols = [table.column(c) for c in fk.columns]
            nullable = any(c is not None and c.nullable for c in cols)
            one_to_one = sorted(fk.columns) == sorted(table.key_columns)
            parent, child = ("|o" if nullable else "||"), ("o|" if one_to_one else "o{")
            label = _comment(", ".join(fk.columns))
            lines.append(f'    {ident(fk.table)} {parent}--{child} {ident(table.name)} : "{label}"')
    return "\n".join(lines) + "\n"


def neighbours(design: Design, table: Table) -> list[Table]:
    """``table``, the tables it references and the tables that reference it (one hop)."""
    names = {table.name}
    names |= {c.references.table for c in table.columns if c.references is not None}
    names |= {fk.table for fk in table.foreign_keys}
    for other in design.tables.values():
        if any(c.references is not None and c.references.table == table.name
               for c in other.columns) or any(fk.table == table.name
                                              for fk in other.foreign_keys):
            names.add(other.name)
    return [t for t in sorted(design.tables.values(), key=lambda t: t.name) if t.name in names]


def drawable(source: str) -> bool:
    """Whether a diagram source is small enough to draw (``MAX_DIAGRAM_CHARS``)."""
    return len(source) <= MAX_DIAGRAM_CHARS
