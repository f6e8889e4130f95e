"""What changed in the API contract between two OpenAPI documents.

Operations are matched by ``operationId`` (else ``METHOD path``), webhooks by name, schemas
by their name under ``components.schemas``; an item whose JSON differs in any way is
"changed", with the top-level fields that differ named.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # operation | webhook | schema
    name: str
    what: str  # added | removed | changed
    detail: str = ""  # e.g. "GET /tasks" or the fields that differ


@dataclass(slots=True)
class ContractDiff:
    changes: list[Change] = field(default_factory=list)
    #: The two contracts compared, as one digest: what an api-update record covers.
    contracts: str = ""

    def digest(self) -> str:
        return f"sha256:{self.contracts[:32]}"

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of(self, what: str) -> list[Change]:
        return [c for c in self.changes if c.what == what]

    def summary(self) -> str:
        parts = [f"{len(self.of(w))} {w}" for w in ("added", "removed", "changed") if self.of(w)]
        return ", ".join(parts) or "no change"

    @property
    def breaking(self) -> bool:
        """Removed operations or schemas, or any changed one (a reviewer must look)."""
        return bool(self.of("removed") or self.of("changed"))


def operations(doc: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    paths = doc.get("paths") or {}
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                where = f"{method.upper()} {path}"
                out[str(op.get("operationId") or where)] = (where, op)
    return out


def diff_contracts(old: dict[str, Any], new: dict[str, Any]) -> ContractDiff:
    diff = ContractDiff(contracts=hashlib.sha256(
        (_canon(old) + "\n" + _canon(new)).encode()).hexdigest())
    _diff(diff, "operation", operations(old), operations(new))
    _diff(diff, "webhook", _named(old.get("webhooks")), _named(new.get("webhooks")))
    old_s = _named((old.get("components") or {}).get("schemas"))
    new_s = _named((new.get("components") or {}).get("schemas"))
    _diff(diff, "schema", old_s, new_s)
    return diff


def _named(items: Any) -> dict[str, tuple[str, Any]]:
    return {str(k): ("", v) for k, v in items.items()} if isinstance(items, dict) else {}


def _diff(diff: ContractDiff, kind: str, old: dict[str, tuple[str, Any]],
          new: dict[str, tuple[str, Any]]) -> None:
    for name in sorted(new.keys() - old.keys()):
        diff.changes.append(Change(kind, name, "added", new[name][0]))
    for name in sorted(old.keys() - new.keys()):
        diff.changes.append(Change(kind, name, "removed", old[name][0]))
    for name in sorted(old.keys() & new.keys()):
        (where_a, a), (where_b, b) = old[name], new[name]
        if _canon(a) == _canon(b) and where_a == where_b:
            continue
        fields = _fields(a, b)
        if where_a != where_b:
            fields.insert(0, f"moved from {where_a}")
        diff.changes.append(Change(kind, name, "changed",
                                   " ".join(x for x in (where_b, "—", ", ".join(fields)) if x)
                                   if where_b else ", ".join(fields)))


def _canon(v: Any) -> str:
    return json.dumps(v, sort_keys=True, default=str)


def _fields(a: Any, b: Any) -> list[str]:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return ["value"]
    return [k for k in sorted(a.keys() | b.keys()) if _canon(a.get(k)) != _canon(b.get(k))]
