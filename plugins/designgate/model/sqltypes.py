"""PostgreSQL column types: parsing and fit with the data-dictionary attribute types.

Column types are written as PostgreSQL spells them (``varchar(200)``, ``timestamptz``,
``TIMESTAMP (3) WITH TIME ZONE``, ``text[]``). :func:`parse` reads one into a canonical
:class:`SqlType`; :func:`misfit` says why it cannot store a dictionary attribute type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Spellings and aliases → the canonical name PostgreSQL itself reports.
_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "serial4": "serial",
    "serial8": "bigserial",
    "serial2": "smallserial",
    "bool": "boolean",
    "varchar": "character varying",
    "char varying": "character varying",
    "char": "character",
    "bpchar": "character",
    "decimal": "numeric",
    "float4": "real",
    "float8": "double precision",
    "float": "double precision",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "time": "time without time zone",
    "varbit": "bit varying",
}

#: Built-in type names (canonical). Any other plain identifier is a user-defined type.
BUILTINS = frozenset({
    "integer", "bigint", "smallint", "serial", "bigserial", "smallserial", "numeric", "real",
    "double precision", "money", "boolean", "text", "character varying", "character", "citext",
    "name", "bytea", "date", "timestamp with time zone", "timestamp without time zone",
    "time with time zone", "time without time zone", "interval", "uuid", "json", "jsonb",
    "xml", "inet", "cidr", "macaddr", "macaddr8", "bit", "bit varying", "point", "line", "lseg",
    "box", "path", "polygon", "circle", "tsvector", "tsquery", "oid", "int4range", "int8range",
    "numrange", "tsrange", "tstzrange", "daterange", "hstore", "ltree", "vector",
})

_TEXTUAL = frozenset({"text", "character varying", "citext"})
_INTEGERS = frozenset({"integer", "bigint", "smallint", "serial", "bigserial", "smallserial"})
_DECIMALS = frozenset({"numeric", "real", "double precision"})
_TIMESTAMPS = frozenset({"timestamp with time zone", "timestamp without time zone"})

#: Dictionary attribute type → the column types that store it.
FITS: dict[str, frozenset[str]] = {
    "string": _TEXTUAL,
    "text": _TEXTUAL,
    "integer": _INTEGERS,
    "decimal": _DECIMALS,
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
    "datetime": _TIMESTAMPS,
    "uuid": frozenset({"uuid"}),
    "enum": frozenset({"text", "character varying"}),
    "json": frozenset({"jsonb", "json"}),
    "email": _TEXTUAL,
    "url": frozenset({"text", "character varying"}),
}

_PARAMS = re.compile(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")
_WORDS = re.compile(r"^[a-z_][a-z0-9_$]*(?: [a-z_][a-z0-9_$]*)*$")
_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*(?:\.[a-z_][a-z0-9_$]*)?$")


@dataclass(frozen=True, slots=True)
class SqlType:
    """A parsed column type: canonical name, its ``(n)`` / ``(p, s)`` and array-ness."""

    name: str
    params: tuple[int, ...] = ()
    array: bool = False

    @property
    def builtin(self) -> bool:
        return self.name in BUILTINS

    def __str__(self) -> str:
        args = f"({', '.join(map(str, self.params))})" if self.params else ""
        return f"{self.name}{args}{'[]' if self.array else ''}"


def parse(text: str) -> SqlType | None:
    """Read a PostgreSQL type; None when it is not a type expression at all."""
    t = " ".join(text.strip().lower().replace('"', "").split())
    array = False
    # `integer[]`, `integer [3][]`, `integer array`, `integer array[4]`
    while True:
        stripped = re.sub(r"\s*\[\s*\d*\s*\]$", "", t)
        if stripped == t:
            break
        array, t = True, stripped
    if re.search(r"\sarray$", t):
        array, t = True, t[: -len("array")].rstrip()
    params: tuple[int, ...] = ()
    found = _PARAMS.search(t)
    if found:
        params = tuple(int(g) for g in found.groups() if g is not None)
        # `timestamp(3) with time zone`: the precision may sit inside the name.
        t = " ".join((t[: found.start()] + " " + t[found.end():]).split())
    if "(" in t or ")" in t or not (_WORDS.match(t) or _IDENT.match(t)):
        return None
    return SqlType(_ALIASES.get(t, t), params, array)


def misfit(attr_type: str, max_length: int | None, column_type: str) -> str | None:
    """Why ``column_type`` cannot store an attribute of ``attr_type``; None when it fits."""
    st = parse(column_type)
    if st is None:
        return f"'{column_type}' is not a PostgreSQL type"
    if st.array:
        if attr_type == "json":
            return None
        return (f"'{column_type}' is an array, but {_a(attr_type)} attribute holds one value; "
                "store lists as json or in their own table")
    allowed = FITS.get(attr_type)
    if allowed is None:  # an attribute type the format does not know: reported on load
        return None
    if attr_type == "enum" and not st.builtin and _IDENT.match(st.name):
        return None  # a user-defined (CREATE TYPE ... AS ENUM) type, maybe schema-qualified
    if st.name not in allowed:
        return (f"'{column_type}' cannot store {_a(attr_type)} attribute; use "
                f"{' or '.join(_suggest(attr_type))}")
    if (st.name == "character varying" and st.params and max_length is not None
            and st.params[0] < max_length):
        return (f"'{column_type}' holds at most {st.params[0]} characters but the attribute "
                f"allows {max_length}; use varchar({max_length}) or text")
    return None


def _a(word: str) -> str:
    return ("an " if word[0] in "aeio" else "a ") + word  # a uuid, a url


def _suggest(attr_type: str) -> list[str]:
    return {
        "string": ["text", "varchar(n)", "citext"],
        "text": ["text"],
        "integer": ["integer", "bigint"],
        "decimal": ["numeric(p, s)"],
        "boolean": ["boolean"],
        "date": ["date"],
        "datetime": ["timestamptz"],
        "uuid": ["uuid"],
        "enum": ["text with a check", "a CREATE TYPE ... AS ENUM type"],
        "json": ["jsonb"],
        "email": ["citext", "text"],
        "url": ["text"],
    }[attr_type]
