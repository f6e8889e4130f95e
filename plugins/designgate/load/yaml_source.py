"""A marked, safe YAML reader.

Builds plain JSON-like data (dict / list / str / int / float / bool / None) straight from
libyaml's event stream, without recursion, and records the line and column of every node
and every mapping key under its JSON-pointer path. The reader:

* rejects duplicate keys (with both lines),
* resolves plain scalars with the YAML 1.2 core schema (``yes``/``no``/``on`` stay strings,
  dates stay strings), and refuses tags it does not know instead of constructing objects,
* bounds alias expansion (a "billion laughs" file stops at once) and nesting depth.

Problems are returned, not raised: the caller turns them into findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is much faster; the pure-Python parser gives identical events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Pointer = tuple[str | int, ...]

#: Nodes an alias may add beyond those written in the file.
ALIAS_BUDGET = 100_000
#: Deepest nesting accepted; real design files stay far below it.
MAX_DEPTH = 64

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_TAG = "tag:yaml.org,2002:"
#: Characters outside YAML's printable set (the reader rejects them).
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


@dataclass(slots=True)
class YamlProblem:
    """A problem found while reading; ``kind`` selects the loading rule."""

    kind: str  # syntax | duplicate-key | alias-bomb | too-deep | tag | key-type
    message: str
    line: int  # 1-based
    column: int  # 1-based


@dataclass(slots=True)
class YamlDocument:
    data: Any = None
    spans: dict[Pointer, tuple[int, int]] = field(default_factory=dict)
    key_spans: dict[Pointer, tuple[int, int]] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def position(self, pointer: Pointer, *, key: bool = False) -> tuple[int, int]:
        """Line/column of ``pointer``; falls back to the nearest ancestor that has one."""
        if key and pointer in self.key_spans:
            return self.key_spans[pointer]
        p = pointer
        while True:
            if p in self.spans:
                return self.spans[p]
            if not p:
                return (1, 1)
            p = p[:-1]


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema resolution of a plain (unquoted) scalar."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        t = text.lstrip("+")
        if "0o" in t:
            return int(t.replace("0o", ""), 8)
        return int(t, 0) if "0x" in t else int(t)
    if _FLOAT.match(text):
        low = text.lower()
        if low.endswith("inf"):
            return float("-inf") if low.startswith("-") else float("inf")
        if low.endswith("nan"):
            return float("nan")
        return float(text)
    return text


class _Frame:
    __slots__ = ("anchor", "col", "count", "key", "key_pos", "line", "merges", "pointer", "value")

    def __init__(
        self, value: Any, pointer: Pointer, anchor: str | None, line: int, col: int
    ) -> None:
        self.value = value
        self.pointer = pointer
        self.anchor = anchor
        self.key: str | None = None
        self.key_pos: tuple[int, int] = (0, 0)
        self.count = 1
        self.merges: list[dict[str, Any]] = []
        self.line = line
        self.col = col


class _Stop(Exception):
    pass


def read_yaml(text: str) -> YamlDocument:
    """Parse ``text`` (one YAML document) into data plus positions. Never raises."""
    doc = YamlDocument()
    try:
        _build(text, doc)
    except _Stop:
        doc.data = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        # An unclosed quote fails only at the end of the file, a key without ':' only on
        # the next line; the construct's start (the context mark) is where to look.
        late = "end of stream" in what or "expected ':'" in what
        if late and exc.context_mark is not None:
            mark = exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "maximum nesting depth" in what:  # libyaml's own limit (1000 levels)
            doc.problems.append(YamlProblem(
                "too-deep", f"nesting deeper than {MAX_DEPTH} levels; flatten this structure",
                line, col,
            ))
        else:
            if exc.context:
                what = f"{what} ({exc.context})"
            doc.problems.append(YamlProblem("syntax", f"YAML syntax error: {what}", line, col))
        doc.data = None
    except yaml.YAMLError as exc:  # a reader error: a character YAML does not allow
        bad = _NON_PRINTABLE.search(text)
        at = bad.start() if bad else 0
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        reason = getattr(exc, "reason", None) or "invalid character"
        code = f" U+{ord(bad.group()):04X}" if bad else ""
        doc.problems.append(YamlProblem(
            "syntax", f"YAML error: character{code} is not allowed ({reason})", line, col
        ))
        doc.data = None
    return doc


def _build(text: str, doc: YamlDocument) -> None:
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    budget = ALIAS_BUDGET
    documents = 0
    root_set = False

    def place(value: Any, line: int, col: int, count: int) -> None:
        """Attach a finished value to the parent; returns the value's pointer."""
        nonlocal root_set
        if not stack:
            doc.data = value
            root_set = True
            doc.spans[()] = (line, col)
            return
        parent = stack[-1]
        parent.count += count
        if isinstance(parent.value, list):
            ptr = (*parent.pointer, len(parent.value))
            parent.value.append(value)
            doc.spans[ptr] = (line, col)
            return
        key = parent.key
        parent.key = None
        if key == "<<" and isinstance(value, (dict, list)):
            merges = [value] if isinstance(value, dict) else value
            for m in merges:
                if isinstance(m, dict):
                    parent.merges.append(m)
            return
        ptr = (*parent.pointer, key)
        parent.value[key] = value
        doc.spans[ptr] = (line, col)
        doc.key_spans[ptr] = parent.key_pos

    def next_pointer() -> Pointer:
        if not stack:
            return ()
        parent = stack[-1]
        if isinstance(parent.value, list):
            return (*parent.pointer, len(parent.value))
        return (*parent.pointer, parent.key if parent.key is not None else "?")

    def expecting_key() -> bool:
        return bool(stack) and isinstance(stack[-1].value, dict) and stack[-1].key is None

    def set_key(raw: str, line: int, col: int) -> None:
        parent = stack[-1]
        if raw in parent.value and raw != "<<":
            first = doc.key_spans.get((*parent.pointer, raw), (0, 0))[0]
            doc.problems.append(
                YamlProblem(
                    "duplicate-key",
                    f"duplicate key '{raw}' (first defined on line {first}); keep one",
                    line,
                    col,
                )
            )
            # Keep the first value; swallow the duplicate by writing into a throwaway slot.
            raw = f"\x00dup:{raw}:{line}"
        parent.key = raw
        parent.key_pos = (line, col)

    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1
        col = event.start_mark.column + 1
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                doc.problems.append(
                    YamlProblem(
                        "syntax",
                        "more than one YAML document in this file; put each in its own file",
                        line,
                        col,
                    )
                )
                raise _Stop
            continue
        if isinstance(event, yaml.ScalarEvent):
            value = _scalar(event, doc, line, col)
            if expecting_key():
                set_key(event.value, line, col)
                if event.anchor:
                    anchors[event.anchor] = (event.value, 1)
                continue
            place(value, line, col, 1)
            if event.anchor:
                anchors[event.anchor] = (value, 1)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if expecting_key():
                doc.problems.append(
                    YamlProblem("key-type", "mapping keys must be plain scalars", line, col)
                )
                raise _Stop
            if len(stack) >= MAX_DEPTH:
                doc.problems.append(
                    YamlProblem(
                        "too-deep",
                        f"nesting deeper than {MAX_DEPTH} levels; flatten this structure",
                        line,
                        col,
                    )
                )
                raise _Stop
            if event.tag and event.tag not in ("!", f"{_TAG}map", f"{_TAG}seq"):
                doc.problems.append(
                    YamlProblem("tag", f"unsupported YAML tag '{event.tag}'", line, col)
                )
            container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
            stack.append(_Frame(container, next_pointer(), event.anchor, line, col))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            if isinstance(frame.value, dict):
                for k in [k for k in frame.value if k.startswith("\x00dup:")]:
                    del frame.value[k]
                for merged in frame.merges:
                    for k, v in merged.items():
                        frame.value.setdefault(k, v)
            place(frame.value, frame.line, frame.col, frame.count)
            if frame.anchor:
                anchors[frame.anchor] = (frame.value, frame.count)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                doc.problems.append(
                    YamlProblem("syntax", f"unknown alias '*{event.anchor}'", line, col)
                )
                raise _Stop
            value, count = anchors[event.anchor]
            if expecting_key():
                if not isinstance(value, str):
                    doc.problems.append(
                        YamlProblem("key-type", "mapping keys must be plain scalars", line, col)
                    )
                    raise _Stop
                set_key(value, line, col)
                continue
            budget -= count
            if budget < 0:
                doc.problems.append(
                    YamlProblem(
                        "alias-bomb",
                        f"aliases expand to more than {ALIAS_BUDGET} nodes; "
                        "write the data out instead of nesting aliases",
                        line,
                        col,
                    )
                )
                raise _Stop
            place(value, line, col, count)
    if not root_set:
        doc.data = None


def _scalar(event: yaml.ScalarEvent, doc: YamlDocument, line: int, col: int) -> Any:
    text = event.value
    tag = event.tag
    if tag and tag != "!":
        name = tag[len(_TAG) :] if tag.startswith(_TAG) else None
        try:
            if name == "str":
                return text
            if name == "int":
                return int(text, 0)
            if name == "float":
                return float(text)
            if name == "bool":
                return _BOOL[text]
            if name == "null":
                return None
        except (ValueError, KeyError):
            doc.problems.append(
                YamlProblem("tag", f"value '{text}' does not fit its tag '{tag}'", line, col)
            )
            return text
        doc.problems.append(YamlProblem("tag", f"unsupported YAML tag '{tag}'", line, col))
        return text
    if event.style in (None, "") and event.implicit[0]:
        return resolve_plain(text)
    return text
