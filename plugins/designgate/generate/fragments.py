"""Design text that becomes part of a generated SQL statement, and why it stays inside it.

Column types, defaults and checks, index columns and predicates, policy ``using`` /
``with_check`` and ``alter_column.using`` are written by the designer and pasted into the
statements designgate generates. Each piece must be *exactly one* fragment of its kind — one
expression, one type name, one index element — or a ``true); DROP TABLE x; SELECT (true``
would close the statement it is put into and add its own. PostgreSQL's own scanner and
parser (pglast, no server) decide:

- the text scans completely (no unterminated quote, dollar quote or comment);
- it holds no ``;`` and no comment (a ``--`` comment would swallow what the generator writes
  after it on the same line);
- its parentheses balance and never close more than they opened (so it cannot close the
  parenthesis the generator wraps it in);
- parsed inside a minimal statement of its kind, it is one node of that kind and nothing else.

:func:`problem` says what is wrong (with the index in the text, for the finding's column);
the generators call :func:`checked`, which raises :class:`UnsafeSql` instead of writing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Kind = Literal["expression", "type", "index element"]

#: How each kind is parsed: (prefix, suffix) around the text.
_WRAP: dict[str, tuple[str, str]] = {
    "expression": ("SELECT (\n", "\n)"),
    "type": ("SELECT CAST(NULL AS\n", "\n)"),
    "index element": ("CREATE INDEX i ON t (\n", "\n)"),
}
_OPEN, _CLOSE, _SEMI = "ASCII_40", "ASCII_41", "ASCII_59"
_COMMENTS = ("SQL_COMMENT", "C_COMMENT")


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    index: int  # 0-based, in the fragment's text


class UnsafeSql(ValueError):
    """Design text that is not one fragment of its kind; the generator writes nothing."""

    def __init__(self, what: str, text: str, problem: Problem, loc: Any = None) -> None:
        self.what, self.text, self.problem, self.loc = what, text, problem, loc
        where = f" ({loc})" if loc is not None else ""
        super().__init__(f"{what}{where} is not a single SQL {problem.message}")


def problem(kind: Kind, text: str) -> Problem | None:
    """What keeps ``text`` from being exactly one SQL fragment of ``kind``; None if it is."""
    return _problem(kind, text)


@lru_cache(maxsize=8192)
def _problem(kind: str, text: str) -> Problem | None:
    from pglast.parser import ParseError, parse_sql_json, scan

    noun = kind
    if not text.strip():
        return Problem(f"{noun}: it is empty", 0)
    try:
        tokens = scan(text)
    except ParseError as exc:
        message, index = (*exc.args, 0)[:2]
        return Problem(f"{noun}: {message}", int(index or 0))
    depth = 0
    for tok in tokens:
        if tok.name == _SEMI:
            return Problem(f"{noun}: it holds `;`, which would end the statement it is put "
                           "into", tok.start)
        if tok.name in _COMMENTS:
            return Problem(f"{noun}: it holds a comment, which would swallow the SQL written "
                           "after it; put explanations in `description:`", tok.start)
        if tok.name == _OPEN:
            depth += 1
        elif tok.name == _CLOSE:
            depth -= 1
            if depth < 0:
                return Problem(f"{noun}: its `)` closes a parenthesis it did not open",
                               tok.start)
    if depth:
        return Problem(f"{noun}: a parenthesis is not closed", len(text))
    prefix, suffix = _WRAP[kind]
    try:
        tree = json.loads(parse_sql_json(prefix + text + suffix))
    except ParseError as exc:
        message, index = (*exc.args, 0)[:2]
        inner = max(0, min(len(text), int(index or 0) - len(prefix)))
        return Problem(f"{noun}: {message}", inner)
    if not _one_of_kind(kind, tree):
        return Problem(f"{noun}: it is more than one", 0)
    return None


def _one_of_kind(kind: str, tree: dict[str, Any]) -> bool:
    stmts = tree.get("stmts") or []
    if len(stmts) != 1:
        return False
    stmt = stmts[0].get("stmt", {})
    if kind == "index element":
        index = stmt.get("IndexStmt")
        return (isinstance(index, dict) and len(index.get("indexParams") or []) == 1 and
                set(index) <= {"idxname", "relation", "accessMethod", "indexParams"})
    select = stmt.get("SelectStmt")
    if not isinstance(select, dict) or set(select) - {"targetList", "limitOption", "op"}:
        return False
    targets = select.get("targetList") or []
    if len(targets) != 1 or "name" in targets[0].get("ResTarget", {}):
        return False
    if kind == "type":
        cast = targets[0]["ResTarget"].get("val", {}).get("TypeCast", {})
        return cast.get("arg", {}).get("A_Const", {}).get("isnull") is True
    return True


def checked(kind: Kind, text: str, what: str, loc: Any = None) -> str:
    """``text`` if it is one fragment of ``kind``; else :class:`UnsafeSql`."""
    found = _problem(kind, text)
    if found is not None:
        raise UnsafeSql(what, text, found, loc)
    return text


def top_node(text: str) -> str | None:
    """The node type of the expression ``text`` (``A_Const``, ``FuncCall``...), if it is one."""
    from pglast.parser import ParseError, parse_sql_json

    if _problem("expression", text) is not None:
        return None
    try:
        tree = json.loads(parse_sql_json(_WRAP["expression"][0] + text +
                                         _WRAP["expression"][1]))
    except ParseError:  # pragma: no cover - checked above
        return None
    val = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    return next(iter(val)) if isinstance(val, dict) and val else None
