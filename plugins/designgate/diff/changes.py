"""One change between two designs, and the list of them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from designgate.diff.catalog import CATALOG, ChangeKind, Level
from designgate.findings import Span


@dataclass(slots=True)
class Impact:
    """What a change reaches, from the traceability graph of both designs."""

    fr_ids: list[str] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)
    screens: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    third_parties: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(getattr(self, k)) for k in self.__slots__}  # type: ignore[attr-defined]

    def __bool__(self) -> bool:
        return any(getattr(self, k) for k in self.__slots__)  # type: ignore[attr-defined]


@dataclass(slots=True)
class Change:
    id: str
    subject: str  # what changed: "GET /tasks", "table tasks", "role member"
    message: str  # one sentence
    base: Span | None = None  # where, in the base design
    head: Span | None = None  # where, in the head design
    detail: tuple[str, ...] = ()  # what identifies it inside the subject (property path...)
    before: Any = None
    after: Any = None
    impact: Impact = field(default_factory=Impact)
    #: Items that trace to an upstream change and were not re-audited by this change.
    suspects: list[str] = field(default_factory=list)
    acknowledged: str | None = None  # the reason, when the design acknowledges it
    migration: str | None = None  # the migration step that implements a database change

    @property
    def kind(self) -> ChangeKind:
        return CATALOG[self.id]

    @property
    def level(self) -> Level:
        return CATALOG[self.id].level

    @property
    def area(self) -> str:
        return CATALOG[self.id].area

    @property
    def fingerprint(self) -> str:
        """Stable across line moves and unrelated edits: the check, the subject, what inside
        it, and the values before and after."""
        text = json.dumps([self.id, self.subject, list(self.detail), _canon(self.before),
                           _canon(self.after)], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def sort_key(self) -> tuple[int, str, str, str]:
        return (-int(self.level), self.area, self.subject, self.id)


def _canon(v: Any) -> Any:
    return json.loads(json.dumps(v, sort_keys=True, default=str)) if v is not None else None


@dataclass(slots=True)
class DesignDiff:
    base_ref: str
    head_ref: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def digest(self) -> str:
        """What an api-update record covers: the unacknowledged breaking changes, by their
        fingerprints (a later breaking change has another digest)."""
        text = "\n".join(sorted(c.fingerprint for c in self.breaking))
        return f"sha256:{hashlib.sha256(text.encode()).hexdigest()[:32]}"

    def __bool__(self) -> bool:
        return bool(self.changes)

    def sort(self) -> None:
        self.changes.sort(key=Change.sort_key)

    def count(self, level: Level) -> int:
        return sum(1 for c in self.changes if c.level == level and not c.acknowledged)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.level == Level.BREAKING and not c.acknowledged]

    def fails(self, threshold: Level | None) -> bool:
        return threshold is not None and any(
            c.level >= threshold and not c.acknowledged for c in self.changes)

    def summary(self) -> str:
        n = [self.count(level) for level in (Level.BREAKING, Level.WARNING, Level.INFO)]
        acked = sum(1 for c in self.changes if c.acknowledged)
        text = f"{n[0]} breaking, {_plural(n[1], 'warning')}, {_plural(n[2], 'info')}"
        return text + (f" ({acked} acknowledged)" if acked else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
