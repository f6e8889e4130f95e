"""What a revision answered: the artifacts its REVISE feedback named, against the ones it touched.

The seed's rule for a REVISE is *update only flagged artifacts*. For every answered cycle the
gate compares the design the REVISE reviewed with the version that answered it (the one the
next REVISE reviewed, or the head for the last cycle), through the change review
(:func:`designgate.diff.diff_designs`) and the design files git says changed, and reads the
feedback for what it names:

- **items**: an endpoint (operationId, ``METHOD /path`` or its path), a table (or
  ``table.column``), a role, a permission, a schema, a webhook, event or third party, an FR-ID,
  a flow or a screen of either version, as a whole word in any case, a plural "s" allowed
  ("Readers" names the role ``reader``);
- **artifacts**: the areas of the change catalog (API contract, database, auth, integrations,
  upstream), from the items named and from words that name them ("column", "RLS", "webhook",
  "pagination"...).

The result says, per cycle, what was named and touched (addressed), named and not touched
(the feedback may be unanswered), and touched without being named (beyond the feedback).
It is information for the reviewer, not a finding: feedback is prose, and a REVISE may
rightly lead to a change elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from designgate.diff.catalog import AREAS
from designgate.model.design import Design

#: The areas, as a revision names them: the change catalog's, the project file with the
#: version policy (its version, base path and settings live there).
AREA_LABELS = {**AREAS, "version": "Project settings and version"}

#: A design file's kind → the area of the change catalog its content belongs to.
KIND_AREA = {
    "project": "version",
    "requirements": "upstream",
    "flows": "upstream",
    "screens": "upstream",
    "handoff": "upstream",
    "dictionary": "database",
    "tables": "database",
    "migrations": "database",
    "endpoints": "api",
    "schemas": "api",
    "auth": "auth",
    "integrations": "integrations",
}

#: Words in feedback that name an area (whole words, any case; a trailing "s" is allowed).
AREA_WORDS = {
    "api": ("endpoint", "operation", "openapi", "spec", "request", "response", "payload",
            "parameter", "query", "header", "status code", "error format", "problem+json",
            "pagination", "paginate", "page size", "cursor", "example", "contract",
            "operationid", "path"),
    "database": ("table", "column", "index", "migration", "constraint", "foreign key",
                 "primary key", "database", "sql", "ddl", "dictionary", "entity",
                 "nullable", "not null"),
    "auth": ("auth", "role", "permission", "rls", "row-level security", "policy",
             "policies", "scope", "security", "access", "jwt", "claim"),
    "integrations": ("webhook", "event", "integration", "third party", "third-party",
                     "retry", "retries", "signing", "signature", "callback"),
    "upstream": ("requirement", "fr-id", "user story", "flow", "screen", "prd"),
    "version": ("version", "semver", "major version", "base path", "server", "project"),
}


@dataclass(slots=True)
class Revision:
    cycle: int
    reviewers: list[str]
    reviewed: str  # the commit the REVISE reviewed
    answer: str  # the version that answered it (a commit, or "head")
    named_areas: list[str] = field(default_factory=list)
    named_items: list[str] = field(default_factory=list)
    touched_areas: list[str] = field(default_factory=list)
    touched_items: list[str] = field(default_factory=list)
    touched_files: list[str] = field(default_factory=list)

    @property
    def addressed(self) -> list[str]:
        """Named items the revision changed."""
        return [i for i in self.named_items if i in self.touched_items]

    @property
    def not_touched(self) -> list[str]:
        """Named items and areas the revision did not change (the feedback may be open)."""
        items = [i for i in self.named_items if i not in self.touched_items]
        areas = [AREA_LABELS[a] for a in self.named_areas if a not in self.touched_areas]
        return items + areas

    @property
    def beyond(self) -> list[str]:
        """Areas the revision changed that the feedback did not name."""
        return [AREA_LABELS[a] for a in self.touched_areas if a not in self.named_areas]

    def as_dict(self) -> dict[str, object]:
        return {
            "cycle": self.cycle, "reviewers": list(self.reviewers),
            "reviewed": self.reviewed, "answer": self.answer,
            "named": {"areas": [AREA_LABELS[a] for a in self.named_areas],
                      "items": list(self.named_items)},
            "touched": {"areas": [AREA_LABELS[a] for a in self.touched_areas],
                        "items": list(self.touched_items), "files": list(self.touched_files)},
            "addressed": self.addressed, "not_touched": self.not_touched,
            "beyond_feedback": self.beyond,
        }


def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})s?(?![\w-])", re.IGNORECASE)


_AREA_PATTERNS = {area: _words(words) for area, words in AREA_WORDS.items()}
_METHOD_PATH = re.compile(r"\b(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE)\s+(/[^\s`'\",;)]*)",
                          re.IGNORECASE)
_PATH = re.compile(r"(?<![\w/])(/[A-Za-z0-9_{}.~:/-]+)")


def items_of(design: Design) -> dict[str, tuple[str, str]]:
    """Every name feedback may use → (the item as the change review names it, its area)."""
    out: dict[str, tuple[str, str]] = {}
    for t in design.tables.values():
        out.setdefault(t.name, (f"table {t.name}", "database"))
        for c in t.columns:
            out.setdefault(f"{t.name}.{c.name}", (f"table {t.name}", "database"))
    for name in design.roles:
        out.setdefault(name, (f"role {name}", "auth"))
    for name in design.permissions:
        out.setdefault(name, (f"permission {name}", "auth"))
    for p in design.policies:
        out.setdefault(p.name, (f"table {p.table}", "auth"))
    for w in design.webhooks:
        out.setdefault(w.name, (f"webhook {w.name}", "integrations"))
    for ev in design.events:
        out.setdefault(ev.name, (f"event {ev.name}", "integrations"))
    for tp in design.third_parties:
        out.setdefault(tp.name, (f"third party {tp.name}", "integrations"))
    for r in design.requirements:
        if r.id:
            out.setdefault(r.id, (r.id, "upstream"))
    for f in design.flows:
        out.setdefault(f.id, (f"flow {f.id}", "upstream"))
    for s in design.screens:
        out.setdefault(s.id, (f"screen {s.id}", "upstream"))
    for name in design.schemas:
        out.setdefault(name, (f"schema {name}", "api"))
    for e in design.endpoints:  # operationIds last: a table called like one stays a table
        out.setdefault(e.id, (f"{e.method.upper()} {e.path}", "api"))
    return out


def named(feedback: str, designs: list[Design]) -> tuple[list[str], list[str]]:
    """The areas and items ``feedback`` names, in the order of the areas and of the text."""
    items: dict[str, str] = {}
    areas: set[str] = {a for a, pattern in _AREA_PATTERNS.items() if pattern.search(feedback)}
    endpoints = {f"{e.method.upper()} {e.path}": e for d in designs for e in d.endpoints}
    by_path: dict[str, list[str]] = {}
    for key, e in endpoints.items():
        by_path.setdefault(e.path.rstrip("/") or "/", []).append(key)
    spans: list[tuple[int, int]] = []
    for m in _METHOD_PATH.finditer(feedback):
        key = f"{m.group(1).upper()} {m.group(2).rstrip('/.') or '/'}"
        if key in endpoints:
            items.setdefault(key, "api")
            spans.append(m.span(2))
    for m in _PATH.finditer(feedback):
        if any(a <= m.start() < b for a, b in spans):
            continue
        for key in by_path.get(m.group(1).rstrip("/.") or "/", []):
            items.setdefault(key, "api")
    names: dict[str, tuple[str, str]] = {}
    for d in designs:
        for k, v in items_of(d).items():
            names.setdefault(k.lower(), v)
    for token in re.finditer(r"[A-Za-z0-9_][A-Za-z0-9_.:\-]*[A-Za-z0-9_]|[A-Za-z0-9_]", feedback):
        word = token.group(0).lower()
        hit = names.get(word) or (names.get(word[:-1]) if word.endswith("s") else None)
        if hit is not None:
            items.setdefault(hit[0], hit[1])
    areas |= set(items.values())
    return [a for a in AREAS if a in areas], list(items)


def touched(changes: list[tuple[str, str]], files: list[str],
            designs: list[Design]) -> tuple[list[str], list[str]]:
    """The areas and items a revision touched: ``(area, subject)`` of its classified changes,
    and the areas of the design files it changed (prose edits have no change check). The
    version policy's findings are consequences of other changes, not edits: only an edit of
    the project file touches it."""
    kinds = {s.rel: s.kind for d in designs for s in d.sources if s.kind}
    changes = [(a, s) for a, s in changes if a != "version"]
    areas = {a for a, _ in changes} | {KIND_AREA[k] for f in files
                                        if (k := kinds.get(f)) in KIND_AREA}
    items = list(dict.fromkeys(s for _, s in changes))
    return [a for a in AREAS if a in areas], items


__all__ = ["AREA_LABELS", "KIND_AREA", "Revision", "items_of", "named", "touched"]
