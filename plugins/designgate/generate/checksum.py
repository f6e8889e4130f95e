"""``migrations.sum``: the migrations that have shipped, and the SQL they shipped with.

Like Atlas's ``atlas.sum``: one line per migration with a hash of its SQL, and a first line
hashing the rest, so that a hand edit shows. A migration recorded here has been applied
somewhere; changing what it does (an edited step, a column added to a table its
`create_table` makes, a changed policy of its `enable_rls`) would silently make databases
that ran it differ from new ones. The change belongs in a new migration.

The hash is over each statement's parse tree (without positions), not its text: the same
SQL written differently (spacing, redundant parentheses, a newer designgate's formatting)
keeps its hash; any change to what it does does not.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from designgate.model.design import Design, Migration

FILE = "migrations.sum"
_IGNORED = frozenset({"location", "stmt_location", "stmt_len"})


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in sorted(node.items()) if k not in _IGNORED}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _h1(data: bytes) -> str:
    return "h1:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def migration_hash(design: Design, migration: Migration) -> str:
    """The hash of what ``migration`` does: its up and down statements' parse trees."""
    from designgate.generate import sql

    ms = sql.migration_sql(design, migration)
    parts: list[Any] = [migration.transactional]
    for direction, statements in (("up", ms.up), ("down", ms.down)):
        parts.append(direction)
        for stmt in statements:
            if stmt.comment_only:
                parts.append(stmt.text)
                continue
            tree = sql.parse_tree(stmt.text)
            parts.append(_strip(json.loads(tree)) if tree is not None else stmt.text)
    return _h1(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode())


def render(design: Design) -> str:
    """The text of ``migrations.sum`` for every migration of the plan."""
    lines = [f"{m.id} {migration_hash(design, m)}" for m in design.migrations]
    body = "".join(line + "\n" for line in lines)
    return _h1(body.encode()) + "\n" + body


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    hash: str
    line: int


@dataclass(frozen=True, slots=True)
class Sum:
    entries: list[Entry]
    intact: bool  # the first line matches the rest
    problems: list[tuple[int, str]]  # (line, what is wrong with it)


def parse(text: str) -> Sum:
    lines = text.splitlines()
    problems: list[tuple[int, str]] = []
    if not lines or not lines[0].startswith("h1:"):
        return Sum([], False, [(1, "the first line is not the file's hash (h1:...)")])
    body = "".join(line + "\n" for line in lines[1:])
    entries = []
    for n, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if len(parts) != 2 or not parts[1].startswith("h1:"):
            problems.append((n, "expected `<migration id> h1:<hash>`"))
            continue
        entries.append(Entry(parts[0], parts[1], n))
    return Sum(entries, _h1(body.encode()) == lines[0].strip(), problems)
