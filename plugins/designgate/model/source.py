"""Where things come from: source files and locations inside them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designgate.findings import Span
from designgate.load.yaml_source import Pointer, YamlDocument


@dataclass(slots=True, eq=False)
class Source:
    """One design file as read: its data and the position of every node."""

    path: Path
    rel: str  # path relative to the project root, '/'-separated, used in findings
    doc: YamlDocument
    kind: str | None = None

    @property
    def data(self) -> Any:
        return self.doc.data

    def span(self, pointer: Pointer, *, key: bool = False) -> Span:
        line, col = self.doc.position(pointer, key=key)
        return Span(self.rel, line, col)


@dataclass(frozen=True, slots=True)
class Loc:
    """A node of a design source: the file and the JSON-pointer path inside it."""

    source: Source = field(compare=False)
    pointer: Pointer = ()

    def at(self, *sub: str | int) -> Loc:
        # The hottest constructor of a check (~100k per 1,000 endpoints): the slots are
        # filled directly, skipping the frozen dataclass's __init__ (same object).
        loc = _new(Loc)
        _set_source(loc, self.source)
        _set_pointer(loc, (*self.pointer, *sub))
        return loc

    @property
    def span(self) -> Span:
        return self.source.span(self.pointer)

    @property
    def key_span(self) -> Span:
        return self.source.span(self.pointer, key=True)

    @property
    def file(self) -> str:
        return self.source.rel

    @property
    def raw(self) -> Any:
        """The YAML value here as written (lists keep their original positions); None when
        there is none."""
        node: Any = self.source.data
        for p in self.pointer:
            try:
                node = node[p]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def strings(self) -> Iterator[tuple[Loc, str]]:
        """The string items of the list here, each with its own location."""
        items = self.raw
        if isinstance(items, list):
            for i, x in enumerate(items):
                if isinstance(x, str):
                    yield self.at(i), x

    def has(self, *sub: str | int) -> bool:
        """Whether the sub-node was written in the file (not defaulted)."""
        return (*self.pointer, *sub) in self.source.doc.spans

    def __str__(self) -> str:
        return str(self.span)


_new = object.__new__
_set_source = Loc.source.__set__  # type: ignore[attr-defined]
_set_pointer = Loc.pointer.__set__  # type: ignore[attr-defined]
