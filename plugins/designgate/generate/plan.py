"""The designer's own SQL in the migration plan (raw ``sql:`` steps), read statement by
statement with PostgreSQL's parser, so that rules and generators can reason about what it
creates and grants: functions and their security, triggers, grants and revokes, row-level
security switches, constraints, indexes and roles.

Each statement is a :class:`RawStatement`: its migration, step, direction, text, the node
pglast parses it to (as plain JSON data) and where it sits in the design (``loc`` and the
offset of the statement inside the step's text, for a finding at its line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from designgate.model.design import Design, Migration, Step
from designgate.model.source import Loc

Node = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RawStatement:
    position: int  # the migration's index in the plan
    migration: Migration
    step: Step
    direction: str  # up | down
    text: str
    kind: str  # the parse node's name (CreateFunctionStmt, GrantStmt...), "" if it does not parse
    node: Node
    offset: int  # where the statement starts in the step's `up` / `down` text

    @property
    def loc(self) -> Loc:
        return self.step.loc.at("sql", self.direction)


@lru_cache(maxsize=2048)
def _split(text: str) -> tuple[tuple[int, str, str, str], ...]:
    """(offset, statement, node kind, node JSON) of each statement of ``text``."""
    from pglast.parser import ParseError, parse_sql_json, split

    try:
        slices = split(text, only_slices=True)
    except ParseError:
        return ()
    out = []
    for sl in slices:
        stmt = text[sl].strip()
        if not stmt:
            continue
        offset = sl.start + (len(text[sl]) - len(text[sl].lstrip()))
        try:
            tree = json.loads(parse_sql_json(stmt))
        except ParseError:
            out.append((offset, stmt, "", "{}"))
            continue
        for raw in tree.get("stmts") or []:
            node = raw.get("stmt") or {}
            kind = next(iter(node), "")
            out.append((offset, stmt, kind, json.dumps(node.get(kind) or {})))
    return tuple(out)


def raw_statements(design: Design, direction: str | None = "up") -> list[RawStatement]:
    """Every statement of the plan's raw `sql:` steps, in plan order (``direction``: only
    the ups or the downs; None: both, each step's up before its down)."""
    key = f"raw_statements:{direction}"
    cached = design.cache.get(key)
    if cached is not None:
        return list(cached)
    out: list[RawStatement] = []
    for position, m in enumerate(design.migrations):
        for step in m.steps:
            if step.op != "sql" or not isinstance(step.arg, dict):
                continue
            for d in ("up", "down"):
                if direction not in (None, d):
                    continue
                text = step.arg.get(d)
                if not isinstance(text, str):
                    continue
                for offset, stmt, kind, node in _split(text):
                    out.append(RawStatement(position, m, step, d, stmt, kind, json.loads(node),
                                            offset))
    design.cache[key] = out
    return list(out)


# --- reading nodes -------------------------------------------------------------------------


def names(items: Any) -> list[str]:
    """The strings of a pglast name list (``[{"String": {"sval": "x"}}, ...]``)."""
    return [i["String"]["sval"] for i in items or [] if isinstance(i, dict) and "String" in i]


def relation(rangevar: Any) -> str:
    """The table a RangeVar names (its schema dropped when it is ``public``)."""
    if not isinstance(rangevar, dict):
        return ""
    rv = rangevar.get("RangeVar", rangevar)
    schema = rv.get("schemaname")
    name = str(rv.get("relname", ""))
    return name if schema in (None, "public") else f"{schema}.{name}"


def _type_name(tn: Any) -> str:
    parts = [n for n in names((tn or {}).get("names")) if n != "pg_catalog"]
    return ".".join(parts) + ("[]" if (tn or {}).get("arrayBounds") else "")


def function_name(node: Node) -> str:
    """The name of a CreateFunctionStmt, or of an ObjectWithArgs (schema public dropped)."""
    parts = names(node.get("funcname") or node.get("objname"))
    if len(parts) == 2 and parts[0] == "public":
        parts = parts[1:]
    return ".".join(parts)


def function_signature(node: Node) -> str:
    """``name(type, ...)`` of a CreateFunctionStmt or an ObjectWithArgs (input types only)."""
    if "parameters" in node or "funcname" in node:
        types = [_type_name(p["FunctionParameter"].get("argType"))
                 for p in node.get("parameters") or []
                 if p.get("FunctionParameter", {}).get("mode", "FUNC_PARAM_DEFAULT") in
                 ("FUNC_PARAM_DEFAULT", "FUNC_PARAM_IN", "FUNC_PARAM_INOUT",
                  "FUNC_PARAM_VARIADIC")]
    else:
        types = [_type_name(t.get("TypeName")) for t in node.get("objargs") or []]
    return f"{function_name(node)}({', '.join(types)})"


def function_options(node: Node) -> dict[str, Any]:
    """The options of a CreateFunctionStmt: language, security (True: DEFINER), volatility,
    and ``set`` — the settings it fixes, name → value."""
    out: dict[str, Any] = {"set": {}}
    for opt in node.get("options") or []:
        d = opt.get("DefElem", {})
        name, arg = d.get("defname"), d.get("arg", {})
        if name == "set":
            var = arg.get("VariableSetStmt", {})
            out["set"][var.get("name")] = [_const(a) for a in var.get("args") or []]
        elif "Boolean" in arg:
            out[name] = bool(arg["Boolean"].get("boolval"))
        elif "String" in arg:
            out[name] = arg["String"]["sval"]
    return out


def _const(node: Any) -> str:
    c = (node or {}).get("A_Const", {})
    for key in ("sval", "ival", "fval", "boolval"):
        if key in c:
            v = c[key]
            return str(v.get(key) if isinstance(v, dict) else v)
    return ""


def grantees(node: Node) -> list[str]:
    """Role names of a GrantStmt's grantees; PUBLIC is ``public``."""
    out = []
    for g in node.get("grantees") or []:
        spec = g.get("RoleSpec", {})
        out.append("public" if spec.get("roletype") == "ROLESPEC_PUBLIC"
                   else str(spec.get("rolename", "")))
    return out


def privileges(node: Node) -> list[tuple[str, list[str]]]:
    """(privilege, columns) of a GrantStmt; ``all`` when none are listed (ALL PRIVILEGES)."""
    privs = node.get("privileges")
    if not privs:
        return [("all", [])]
    return [(str(p["AccessPriv"].get("priv_name", "all")), names(p["AccessPriv"].get("cols")))
            for p in privs if "AccessPriv" in p]


def alter_commands(node: Node) -> list[Node]:
    """The AlterTableCmd nodes of an AlterTableStmt."""
    return [c["AlterTableCmd"] for c in node.get("cmds") or [] if "AlterTableCmd" in c]
