"""Traceability (T): every endpoint traces to FR-IDs, and every in-scope FR-ID to endpoints."""

from __future__ import annotations

from collections.abc import Iterator

from designgate.findings import Severity
from designgate.model.design import Design
from designgate.model.source import Loc
from designgate.rules.handoff import did_you_mean, scope_name
from designgate.rules.registry import Hit, register


@register("T001", "endpoint-without-fr-id", Severity.ERROR,
          "An endpoint is not traced to any FR-ID.")
def check_endpoint_fr_ids(design: Design) -> Iterator[Hit]:
    """
    The seed's first non-negotiable: *"Every endpoint must be traceable to an FR-ID from the
    PRD."* An endpoint without `fr_ids` is either undocumented scope creep or a requirement
    the PRD is missing. The finding points at `fr_ids:` when an empty list is written, else
    at the endpoint's `id`.

    Fix it by listing the requirements the endpoint serves (or by asking for the missing
    requirement, or removing the endpoint):

    ```yaml
    - id: listNotes
      method: GET
      path: /notes
      fr_ids: [FR-002]
    ```
    """
    for ep in design.endpoints:
        if not ep.fr_ids:
            where = ep.loc.at("fr_ids") if ep.loc.has("fr_ids") else ep.loc.at("id")
            yield Hit(where, f"endpoint {ep.id} is not traced to any requirement; list the "
                      "FR-IDs it serves in `fr_ids:`")


@register("T002", "unknown-fr-id", Severity.ERROR,
          "An FR-ID is referenced that the PRD does not define.")
def check_unknown_fr_ids(design: Design) -> Iterator[Hit]:
    """
    Endpoints, user flows, webhooks, events and third-party contracts name the requirements
    they serve in `fr_ids:`. Each must be an FR-ID defined in the PRD, or the traceability
    map (and the coverage of T003) is wrong. Nothing is reported when the PRD defines no
    requirements at all: H001 halts the gate for that.

    Fix the typo, or add the requirement to the PRD:

    ```yaml
    fr_ids: [FR-001]   # FR-001 must be an `id:` in a `kind: requirements` file
    ```
    """
    known = design.requirement_index()
    if not known:
        return
    holders: list[tuple[str, list[str], Loc]] = []
    holders += [(f"endpoint {e.id}", e.fr_ids, e.loc) for e in design.endpoints]
    holders += [(f"flow {f.id}", f.fr_ids, f.loc) for f in design.flows]
    holders += [(f"webhook {w.name}", w.fr_ids, w.loc) for w in design.webhooks]
    holders += [(f"event {e.name}", e.fr_ids, e.loc) for e in design.events]
    holders += [(f"third-party contract {t.name}", t.fr_ids, t.loc) for t in design.third_parties]
    for label, fr_ids, loc in holders:
        for k, fr in enumerate(fr_ids):
            if fr not in known:
                yield Hit(loc.at("fr_ids", k), f"{label} references {fr}, which the PRD does "
                          f"not define{did_you_mean(fr, known)}; fix the FR-ID or add the "
                          "requirement")


@register("T003", "requirement-without-endpoint", Severity.ERROR,
          "An in-scope requirement is served by no endpoint.", scope=True)
def check_requirement_coverage(design: Design) -> Iterator[Hit]:
    """
    Contract-first means the API covers the release scope: every P0 requirement (in release
    mode `full`) or every MVP-tagged requirement (in release mode `mvp`) is served by at
    least one endpoint that lists its FR-ID. A requirement with no endpoint is a gap in the
    contract that implementation would otherwise discover late.

    Fix it by designing the endpoint(s) and tracing them, or — if the requirement needs no
    API (a purely client-side feature) — waive the finding on the requirement with the
    reason:

    ```yaml
    - id: FR-007
      title: Dark mode
      priority: P0
      waivers:
        - {rule: T003, reason: Client-only setting; stored in the browser.}
    ```
    """
    served = {fr for ep in design.endpoints for fr in ep.fr_ids}
    for req in design.scope_requirements():
        if req.id is not None and req.id not in served:
            yield Hit(req.loc.at("id"), f"{scope_name(design)} requirement {req.id} "
                      f"('{req.title}') is served by no endpoint; design one and list "
                      f"{req.id} in its `fr_ids:`")


@register("T004", "endpoint-outside-mvp", Severity.WARNING,
          "In release mode mvp, an endpoint traces only to non-MVP requirements.", scope=True)
def check_mvp_endpoints(design: Design) -> Iterator[Hit]:
    """
    In release mode `mvp` the seed narrows the endpoint inventory to *"MVP FR-IDs only"*.
    An endpoint whose FR-IDs are all defined but none is MVP-tagged is designed outside the
    release scope: it costs design and review time the MVP does not need. This rule only
    runs in release mode `mvp` (unknown FR-IDs are T002's business).

    Fix it by deferring the endpoint (move it out of the design for this release), by
    tagging the requirement `mvp: true` if it really belongs to the MVP, or by waiving the
    finding on the endpoint with the reason it is needed anyway:

    ```yaml
    - id: FR-003
      title: Share notes
      priority: P1
      mvp: true
    ```
    """
    if not design.project.mvp:
        return
    for ep in design.endpoints:
        reqs = [design.requirement(fr) for fr in ep.fr_ids]
        if not reqs or any(r is None for r in reqs):
            continue
        if not any(r.mvp for r in reqs if r is not None):
            yield Hit(ep.loc.at("fr_ids"), f"endpoint {ep.id} serves only non-MVP "
                      f"requirements ({', '.join(ep.fr_ids)}); defer it from the MVP design "
                      "or tag a requirement it serves `mvp: true`")
