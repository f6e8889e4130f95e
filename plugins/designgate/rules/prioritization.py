"""Prioritization (Q): every endpoint is scored on the Impact/Effort 2x2."""

from __future__ import annotations

from collections.abc import Iterator

from designgate.findings import Severity
from designgate.model.design import Design
from designgate.rules.registry import Hit, register

SCORE_RANGE = range(1, 6)


@register("Q001", "missing-scores", Severity.WARNING,
          "An endpoint has no impact and/or effort score.")
def check_scores_present(design: Design) -> Iterator[Hit]:
    """
    The seed sequences backend work with the Impact/Effort 2x2: *"Score each: Business Impact
    (1-5) x Design Effort (1-5)"*, then design Quick Wins first, then Major Projects, then
    Fill-Ins, and defer Thankless Tasks. An endpoint without both scores has no quadrant, so
    it is missing from the prioritization summary of the gate package.

    ```yaml
    - id: listNotes
      impact: 5   # business impact, 1-5
      effort: 2   # design effort, 1-5 -> Quick Win
    ```
    """
    for ep in design.endpoints:
        missing = [name for name, v in (("impact", ep.impact), ("effort", ep.effort))
                   if v is None and not ep.loc.has(name)]
        if missing:
            yield Hit(ep.loc.at("id"), f"endpoint {ep.id} has no {' and no '.join(missing)} "
                      f"score; add `{': 1-5`, `'.join(missing)}: 1-5` for the Impact/Effort "
                      "matrix")


@register("Q002", "score-out-of-range", Severity.ERROR,
          "An impact or effort score is outside 1–5.")
def check_score_range(design: Design) -> Iterator[Hit]:
    """
    Impact and effort are scored from 1 (lowest) to 5 (highest); the quadrant split is at 3.
    A score outside that range (`0`, `10`) is a slip that puts the endpoint in the wrong
    quadrant and the wrong place in the design sequence.

    ```yaml
    impact: 4
    effort: 2
    ```
    """
    for ep in design.endpoints:
        for name, value in (("impact", ep.impact), ("effort", ep.effort)):
            if value is not None and value not in SCORE_RANGE:
                yield Hit(ep.loc.at(name), f"endpoint {ep.id} has {name} {value}; scores run "
                          "from 1 to 5")
