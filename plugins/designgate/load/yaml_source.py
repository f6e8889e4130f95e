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
#: First characters of every plain scalar that may resolve to something other than a string.
_NON_STRING_STARTS = frozenset("~nNtTfF+-.0123456789")
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
    #: Every mapping key the file writes, at any depth (a reader that looks for one key
    #: skips the files without it).
    keys: set[str] = field(default_factory=set)

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
    if text and text[0] not in _NON_STRING_STARTS:
        return text  # the common case: most scalars are words
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
    __slots__ = (
        "anchor", "col", "count", "dups", "is_map", "key", "key_pos", "line", "merges",
        "pointer", "value",
    )

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
        self.is_map = isinstance(value, dict)
        self.dups = False


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
    # The hot loop of every check: events are dispatched on their exact class and the
    # helpers are inlined, because a large design has hundreds of thousands of events.
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    spans = doc.spans
    key_spans = doc.key_spans
    budget = ALIAS_BUDGET
    documents = 0
    root_set = False
    top: _Frame | None = None  # stack[-1], kept in a local
    keys_add = doc.keys.add
    loader = _Loader(text)
    get_event = loader.get_event
    try:
        while True:
            event = get_event()
            cls = event.__class__
            if cls is _StreamEnd:
                break
            mark = event.start_mark
            line = mark.line + 1
            col = mark.column + 1
            if cls is _Scalar:
                if top is not None and top.key is None and top.is_map:
                    raw = event.value
                    if raw in top.value:
                        _set_key(top, raw, line, col, doc)  # a duplicate (or a second `<<`)
                    else:
                        top.key = raw
                        top.key_pos = (line, col)
                        keys_add(raw)
                    if event.anchor:
                        anchors[event.anchor] = (raw, 1)
                    continue
                style = event.style
                if event.tag is None and not style and event.implicit[0]:
                    value = event.value
                    if not value or value[0] in _NON_STRING_STARTS:  # most are plain words
                        value = resolve_plain(value)
                elif event.tag is None or event.tag == "!":
                    value = event.value if style or not event.implicit[0] \
                        else resolve_plain(event.value)
                else:
                    value = _scalar(event, doc, line, col)
                count = 1
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
            elif cls is _MapStart or cls is _SeqStart:
                if top is not None and top.key is None and top.is_map:
                    doc.problems.append(
                        YamlProblem("key-type", "mapping keys must be plain scalars", line, col)
                    )
                    raise _Stop
                if len(stack) >= MAX_DEPTH:
                    doc.problems.append(YamlProblem(
                        "too-deep", f"nesting deeper than {MAX_DEPTH} levels; flatten this "
                        "structure", line, col,
                    ))
                    raise _Stop
                tag = event.tag
                if tag and tag not in _CONTAINER_TAGS:
                    doc.problems.append(
                        YamlProblem("tag", f"unsupported YAML tag '{tag}'", line, col)
                    )
                if top is None:
                    pointer: Pointer = ()
                elif top.is_map:
                    pointer = (*top.pointer, top.key if top.key is not None else "?")
                else:
                    pointer = (*top.pointer, len(top.value))
                top = _Frame({} if cls is _MapStart else [], pointer, event.anchor, line, col)
                stack.append(top)
                continue
            elif cls is _MapEnd or cls is _SeqEnd:
                frame = stack.pop()
                top = stack[-1] if stack else None
                value = frame.value
                if frame.is_map:
                    if frame.dups:
                        for k in [k for k in value if k.startswith("\x00dup:")]:
                            del value[k]
                    for merged in frame.merges:
                        for k, v in merged.items():
                            value.setdefault(k, v)
                line, col, count = frame.line, frame.col, frame.count
                if frame.anchor:
                    anchors[frame.anchor] = (value, count)
            elif cls is _Alias:
                if event.anchor not in anchors:
                    doc.problems.append(
                        YamlProblem("syntax", f"unknown alias '*{event.anchor}'", line, col)
                    )
                    raise _Stop
                value, count = anchors[event.anchor]
                if top is not None and top.key is None and top.is_map:
                    if not isinstance(value, str):
                        doc.problems.append(
                            YamlProblem("key-type", "mapping keys must be plain scalars", line, col)
                        )
                        raise _Stop
                    _set_key(top, value, line, col, doc)
                    continue
                budget -= count
                if budget < 0:
                    doc.problems.append(YamlProblem(
                        "alias-bomb", f"aliases expand to more than {ALIAS_BUDGET} nodes; "
                        "write the data out instead of nesting aliases", line, col,
                    ))
                    raise _Stop
            elif cls is _DocStart:
                documents += 1
                if documents > 1:
                    doc.problems.append(YamlProblem(
                        "syntax", "more than one YAML document in this file; put each in its "
                        "own file", line, col,
                    ))
                    raise _Stop
                continue
            else:  # StreamStart, DocumentEnd
                continue
            # Attach the finished value to its parent.
            if top is None:
                doc.data = value
                root_set = True
                spans[()] = (line, col)
                continue
            top.count += count
            if top.is_map:
                key = top.key
                top.key = None
                if key == "<<" and isinstance(value, (dict, list)):
                    for m in [value] if isinstance(value, dict) else value:
                        if isinstance(m, dict):
                            top.merges.append(m)
                    continue
                ptr = (*top.pointer, key)
                top.value[key] = value
                spans[ptr] = (line, col)
                key_spans[ptr] = top.key_pos
            else:
                ptr = (*top.pointer, len(top.value))
                top.value.append(value)
                spans[ptr] = (line, col)
    finally:
        loader.dispose()
    if not root_set:
        doc.data = None


def _set_key(parent: _Frame, raw: str, line: int, col: int, doc: YamlDocument) -> None:
    doc.keys.add(raw)
    if raw in parent.value and raw != "<<":
        first = doc.key_spans.get((*parent.pointer, raw), (0, 0))[0]
        doc.problems.append(YamlProblem(
            "duplicate-key", f"duplicate key '{raw}' (first defined on line {first}); keep one",
            line, col,
        ))
        # Keep the first value; swallow the duplicate by writing into a throwaway slot.
        raw = f"\x00dup:{raw}:{line}"
        parent.dups = True
    parent.key = raw
    parent.key_pos = (line, col)


_Scalar = yaml.ScalarEvent
_MapStart = yaml.MappingStartEvent
_SeqStart = yaml.SequenceStartEvent
_MapEnd = yaml.MappingEndEvent
_SeqEnd = yaml.SequenceEndEvent
_Alias = yaml.AliasEvent
_DocStart = yaml.DocumentStartEvent
_StreamEnd = yaml.StreamEndEvent
_CONTAINER_TAGS = frozenset(("!", f"{_TAG}map", f"{_TAG}seq"))


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
