"""Findings: what a rule reports, where, and how bad it is."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= threshold`` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A position in a design source: path relative to the project root, 1-based line/col."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    span: Span | None = None
    pointer: tuple[str | int, ...] = ()
    waived_by: str | None = field(default=None, compare=False)

    @property
    def location(self) -> str:
        return str(self.span) if self.span else "<design>"

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.rule)
        return (self.span.file, self.span.line, self.span.column, self.rule)

    def json_pointer(self) -> str:
        return json_pointer(self.pointer)


def json_pointer(parts: Iterable[str | int]) -> str:
    """RFC 6901 JSON Pointer of a path of keys and list indexes (``""`` for the root)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the option closest to ``word``, or nothing."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
