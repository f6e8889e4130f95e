"""SQL expressions of the design (policy ``using`` / ``with_check``) read as PostgreSQL parses
them, for the rules that reason about what a policy lets through.

Everything works on pglast's JSON parse tree (plain dicts). An expression that is not one
fragment (S019 reports it) reads as None everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from designgate.generate import fragments

Node = dict[str, Any]


@lru_cache(maxsize=4096)
def _tree(text: str) -> Node | None:
    from pglast.parser import ParseError, parse_sql_json

    if fragments.problem("expression", text) is not None:
        return None
    try:
        tree = json.loads(parse_sql_json(f"SELECT (\n{text}\n)"))
    except ParseError:  # pragma: no cover - the fragment check parsed it already
        return None
    node: Node = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    return node


def tree(text: str | None) -> Node | None:
    """The expression's parse node, or None when it is not one expression.

    The node is shared by every caller that asks for the same text (a design repeats its
    policy expressions hundreds of times): read it, never change it (``specialize`` copies).
    """
    return _tree(text) if text else None


def kind(node: Any) -> str:
    return next(iter(node)) if isinstance(node, dict) and node else ""


def body(node: Any) -> Node:
    return node[kind(node)] if kind(node) else {}


def column_name(node: Any) -> str | None:
    """The column a ColumnRef names (its last field), through casts; None otherwise."""
    while kind(node) == "TypeCast":
        node = body(node).get("arg")
    if kind(node) != "ColumnRef":
        return None
    fields = body(node).get("fields") or []
    last = fields[-1] if fields else {}
    return last.get("String", {}).get("sval") if isinstance(last, dict) else None


def walk(node: Any, *, into_sublinks: bool = True) -> Iterator[Node]:
    """Every dict node under ``node`` (``into_sublinks``: also inside subqueries; without,
    the left side of `x IN (select ...)` is still walked, the subquery is not)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            yield n
            if "SubLink" in n and not into_sublinks:
                stack.append(n["SubLink"].get("testexpr"))
                continue
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)


def row_columns(node: Any) -> set[str]:
    """Columns of the policy's row the expression reads outside subqueries."""
    out = set()
    for n in walk(node, into_sublinks=False):
        if "ColumnRef" in n:
            name = column_name(n)
            if name:
                out.add(name)
    return out


def is_true(node: Any) -> bool:
    """Whether the expression is true for every row: `true`, `1 = 1`, `x OR true`..."""
    k, b = kind(node), body(node)
    if k == "A_Const":
        return b.get("boolval", {}).get("boolval") is True if "boolval" in b else False
    if k == "TypeCast":
        return is_true(b.get("arg"))
    if k == "BoolExpr":
        args = b.get("args") or []
        if b.get("boolop") == "OR_EXPR":
            return any(is_true(a) for a in args)
        if b.get("boolop") == "AND_EXPR":
            return bool(args) and all(is_true(a) for a in args)
        if b.get("boolop") == "NOT_EXPR":
            return bool(args) and is_false(args[0])
    if k == "A_Expr" and b.get("kind") == "AEXPR_OP" and _op(b) == "=":
        left, right = b.get("lexpr"), b.get("rexpr")
        return (kind(left) == "A_Const" and left == right) or (
            kind(left) == "A_Const" and kind(right) == "A_Const" and
            _const(left) is not None and _const(left) == _const(right))
    return False


def is_false(node: Any) -> bool:
    k, b = kind(node), body(node)
    if k == "A_Const" and "boolval" in b:
        return b.get("boolval", {}).get("boolval") is not True
    if k == "BoolExpr" and b.get("boolop") == "NOT_EXPR":
        args = b.get("args") or []
        return bool(args) and is_true(args[0])
    return False


def _op(b: Node) -> str:
    names = [n.get("String", {}).get("sval") for n in b.get("name") or []]
    return str(names[-1]) if names else ""


def _const(node: Any) -> str | None:
    b = body(node)
    for key in ("ival", "sval", "fval", "boolval"):
        if key in b:
            v = b[key]
            return f"{key}:{v.get(key) if isinstance(v, dict) else v}"
    return None


def conjuncts(node: Any) -> list[Node]:
    """The operands of a top-level AND (the expression itself otherwise)."""
    if kind(node) == "BoolExpr" and body(node).get("boolop") == "AND_EXPR":
        return [c for a in body(node).get("args") or [] for c in conjuncts(a)]
    return [node] if node is not None else []


def constrains(node: Any, column: str | set[str] | frozenset[str]) -> bool:
    """Whether the expression holds only for rows whose ``column`` (one of the columns)
    matches something that does not depend on the row: `column = <setting, subquery,
    constant>`, `column IN (...)`, an EXISTS that correlates on it, or a function given the
    column (a membership check). Every branch of an OR must constrain one of them; one
    operand of an AND is enough."""
    cols = {column} if isinstance(column, str) else set(column)
    k, b = kind(node), body(node)
    if k == "BoolExpr":
        args = b.get("args") or []
        if b.get("boolop") == "AND_EXPR":
            return any(constrains(a, cols) for a in args)
        if b.get("boolop") == "OR_EXPR":
            return bool(args) and all(constrains(a, cols) for a in args)
        return False
    if k == "A_Expr":
        left, right = b.get("lexpr"), b.get("rexpr")
        if b.get("kind") == "AEXPR_OP" and _op(b) == "=":
            return (column_name(left) in cols and not row_columns(right)) or \
                (column_name(right) in cols and not row_columns(left))
        if b.get("kind") == "AEXPR_IN" and _op(b) == "=":
            return column_name(left) in cols
        return False
    if k == "SubLink":
        if b.get("subLinkType") == "ANY_SUBLINK":
            return column_name(b.get("testexpr")) in cols
        if b.get("subLinkType") == "EXISTS_SUBLINK":
            return any(column_name(n) in cols for n in walk(b.get("subselect"))
                       if "ColumnRef" in n)
        return False
    if k == "FuncCall":
        return any(column_name(a) in cols for a in b.get("args") or [])
    return False


def _role_test(node: Any) -> str | None:
    """The role a `pg_has_role('role', 'MEMBER')` test (or `(select pg_has_role(...))`)
    asks about, for the current user."""
    k, b = kind(node), body(node)
    if k == "SubLink" and b.get("subLinkType") == "EXPR_SUBLINK":
        sel = body(b.get("subselect"))
        targets = sel.get("targetList") or []
        if len(targets) == 1 and set(sel) <= {"targetList", "limitOption", "op"}:
            return _role_test(targets[0].get("ResTarget", {}).get("val"))
        return None
    if k != "FuncCall" or function_name(node) != "pg_has_role":
        return None
    args = b.get("args") or []
    if len(args) == 2 and kind(args[0]) == "A_Const":
        value = body(args[0]).get("sval", {}).get("sval")
        return str(value) if value is not None else None
    return None


def specialize(node: Any, has_role: Any) -> Any:
    """``node`` with each `pg_has_role('x', ...)` test of the current user replaced by its
    answer for one role (``has_role(x)``), so a policy can be read for that role alone."""
    role = _role_test(node)
    if role is not None:
        return {"A_Const": {"boolval": {"boolval": bool(has_role(role))}}}
    if isinstance(node, dict):
        return {k: specialize(v, has_role) for k, v in node.items()}
    if isinstance(node, list):
        return [specialize(v, has_role) for v in node]
    return node


def could_hold(node: Any, column: str, value: str) -> bool:
    """Whether the expression may be true for a row whose ``column`` is ``value``: the
    comparisons of that column with constants are evaluated, anything else may be true."""
    k, b = kind(node), body(node)
    if k == "BoolExpr":
        args = b.get("args") or []
        if b.get("boolop") == "AND_EXPR":
            return all(could_hold(a, column, value) for a in args)
        if b.get("boolop") == "OR_EXPR":
            return any(could_hold(a, column, value) for a in args)
        return True
    if k == "A_Const" and "boolval" in b:
        return b.get("boolval", {}).get("boolval") is True
    if k == "A_Expr" and column_name(b.get("lexpr")) == column:
        right = b.get("rexpr")
        if b.get("kind") == "AEXPR_OP" and kind(right) == "A_Const" and "sval" in body(right):
            const = body(right)["sval"].get("sval")
            if _op(b) == "=":
                return const == value
            if _op(b) == "<>":
                return const != value
        if b.get("kind") == "AEXPR_IN":
            items = body(right).get("items") if kind(right) == "List" else None
            if isinstance(items, list) and all(kind(i) == "A_Const" for i in items):
                listed = {body(i).get("sval", {}).get("sval") for i in items}
                return (value in listed) == (_op(b) == "=")
    return True


def function_name(node: Any) -> str:
    parts = [n.get("String", {}).get("sval", "") for n in body(node).get("funcname") or []]
    if parts and parts[0] in ("pg_catalog", "public") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


def calls(node: Any, *, into_sublinks: bool = True) -> list[Node]:
    """The FuncCall nodes of the expression (a list of its own; the nodes are shared)."""
    key = (id(node), into_sublinks)
    hit = _CALLS.get(key)
    if hit is None or hit[0] is not node:
        if len(_CALLS) > 8192:
            _CALLS.clear()
        found = [n for n in walk(node, into_sublinks=into_sublinks) if "FuncCall" in n]
        hit = _CALLS[key] = (node, found)
    return list(hit[1])


#: ``calls`` by node identity (the node kept, so its id cannot be reused meanwhile).
_CALLS: dict[tuple[int, bool], tuple[Any, list[Node]]] = {}


def setting_name(call: Node) -> str | None:
    """The setting a `current_setting('name', ...)` call reads (a string constant)."""
    if function_name(call) != "current_setting":
        return None
    args = body(call).get("args") or []
    first = body(args[0]) if args and kind(args[0]) == "A_Const" else {}
    value = first.get("sval", {}).get("sval") if "sval" in first else None
    return str(value) if value is not None else None


def per_row_calls(node: Any, functions: set[str]) -> list[Node]:
    """Calls PostgreSQL runs once per row although they do not depend on the row:
    ``current_setting(...)`` and the plan's own functions, given no column, outside any
    subquery. Wrapped in ``(select ...)`` they are evaluated once per statement (an
    initplan)."""
    out = []
    for call in calls(node, into_sublinks=False):
        name = function_name(call)
        if name != "current_setting" and name not in functions:
            continue
        if row_columns(body(call).get("args")):
            continue
        out.append(call)
    return out


def relations(node: Any) -> set[str]:
    """Tables the expression's subqueries read (RangeVar names, schema public dropped)."""
    out = set()
    for n in walk(node):
        if "RangeVar" in n:
            rv = n["RangeVar"]
            schema = rv.get("schemaname")
            out.add(rv.get("relname", "") if schema in (None, "public")
                    else f"{schema}.{rv.get('relname', '')}")
    return out


def row_independent_parts(text: str, functions: set[str]) -> list[str]:
    """The largest parts of the expression that do not depend on the row and call
    ``current_setting`` or one of ``functions`` outside a subquery, as SQL (PostgreSQL's
    rendering, casts written ``x::type``): what to wrap in ``(select ...)``."""
    from pglast import ast, parse_sql
    from pglast.parser import ParseError
    from pglast.stream import RawStream

    if tree(text) is None:
        return []
    try:
        val = parse_sql(f"SELECT ({text})")[0].stmt.targetList[0].val
    except ParseError:  # pragma: no cover - tree() parsed it
        return []

    def nodes(n: Any) -> Iterator[Any]:
        if isinstance(n, ast.SubLink):
            return
        if isinstance(n, ast.Node):
            yield n
            for name in n:  # the node's attribute names
                yield from nodes(getattr(n, name))
        elif isinstance(n, tuple | list):
            for x in n:
                yield from nodes(x)

    def reads_row(n: Any) -> bool:
        return any(isinstance(x, ast.ColumnRef) for x in nodes(n))

    def calls_one(n: Any) -> bool:
        for x in nodes(n):
            if isinstance(x, ast.FuncCall):
                name = ".".join(s.sval for s in x.funcname if s.sval not in ("pg_catalog",
                                                                              "public"))
                if name == "current_setting" or name in functions:
                    return True
        return False

    out: list[str] = []

    def visit(n: Any) -> None:
        if isinstance(n, ast.SubLink) or not isinstance(n, ast.Node | tuple | list):
            return
        if isinstance(n, ast.Node) and not reads_row(n) and calls_one(n):
            out.append(_casts(RawStream()(n)))
            return
        children = [getattr(n, name) for name in n] if isinstance(n, ast.Node) else list(n)
        for c in children:
            visit(c)

    visit(val)
    return out


def _casts(sql: str) -> str:
    """``CAST(x AS t)`` as ``x::t`` when it is the whole text."""
    import re

    m = re.fullmatch(r"CAST\((.*) AS ([A-Za-z_][A-Za-z0-9_ ]*(?:\[\])?)\)", sql)
    return f"{m.group(1)}::{m.group(2)}" if m else sql
