"""The rule registry: every rule's id, severity, documentation and check function."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from designgate.findings import Severity, Span
from designgate.model.design import Design
from designgate.model.source import Loc

FAMILIES: dict[str, str] = {
    "L": "Loading",
    "H": "Handoff No-Go",
    "T": "Traceability",
    "N": "Naming",
    "R": "Responses",
    "P": "Pagination",
    "E": "Examples",
    "S": "Schema",
    "A": "Auth",
    "I": "Integrations",
    "O": "OpenAPI",
    "Q": "Prioritization",
    "G": "Gate",
}


class Hit(NamedTuple):
    """What a check yields: where, and a sentence that says what to fix."""

    loc: Loc
    message: str
    key: bool = False  # point at the mapping key rather than its value
    span: Span | None = None  # a position inside the node (a line of a SQL block)


Check = Callable[[Design], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    check: Check | None = None  # None: emitted by the loader or the generator
    scope: bool = False  # narrowed to MVP-tagged FR-IDs in release mode mvp
    halts: bool = False  # a Handoff No-Go: halts the gate

    @property
    def family(self) -> str:
        return FAMILIES[self.id[0]]


RULES: dict[str, Rule] = {}


def register(
    rule_id: str,
    name: str,
    severity: Severity,
    summary: str,
    *,
    scope: bool = False,
    halts: bool = False,
) -> Callable[[Check], Check]:
    """Decorator: the function's docstring is the rule's explanation."""

    def deco(fn: Check) -> Check:
        _add(Rule(rule_id, name, severity, summary, _doc(fn), fn, scope, halts))
        return fn

    return deco


def declare(rule_id: str, name: str, severity: Severity, summary: str, explanation: str) -> None:
    """A rule whose findings come from the loader or a generator, not a check function."""
    _add(Rule(rule_id, name, severity, summary, inspect.cleandoc(explanation)))


def _add(rule: Rule) -> None:
    if rule.id in RULES:
        raise ValueError(f"rule {rule.id} registered twice")
    if rule.id[0] not in FAMILIES:
        raise ValueError(f"rule {rule.id} has no family")
    RULES[rule.id] = rule


def _doc(fn: Callable[..., object]) -> str:
    return inspect.cleandoc(fn.__doc__ or "")


def all_rules() -> list[Rule]:
    """Every rule, in id order (imports the rule modules on first use)."""
    import designgate.rules  # noqa: F401  (registers the families)

    return [RULES[k] for k in sorted(RULES, key=_order)]


def get_rule(rule_id: str) -> Rule | None:
    all_rules()
    return RULES.get(rule_id.upper())


def _order(rule_id: str) -> tuple[int, str]:
    return (list(FAMILIES).index(rule_id[0]), rule_id)


def iter_checks() -> Iterator[Rule]:
    for rule in all_rules():
        if rule.check is not None:
            yield rule
