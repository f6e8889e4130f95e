"""Design → traceability map: FR-ID → endpoints → tables → permissions (PRODUCT.md §5).

The output is plain JSON-able data in a deterministic (sorted) order, so that the generated
``traceability.json`` only changes when the design does.
"""

from __future__ import annotations

from typing import Any

from designgate.model.design import Design


def build_traceability(design: Design) -> dict[str, Any]:
    """Every requirement with what serves it, every endpoint with what it touches."""
    endpoints_of: dict[str, list[Any]] = {}
    for ep in design.endpoints:
        for fr in dict.fromkeys(ep.fr_ids):
            endpoints_of.setdefault(fr, []).append(ep)
    holders = _permission_holders(design)

    requirements = []
    uncovered = []
    for req in sorted((r for r in design.requirements if r.id), key=lambda r: r.id or ""):
        fr = req.id or ""
        eps = sorted(endpoints_of.get(fr, []), key=lambda e: e.id)
        in_scope = design.in_scope(req)
        if in_scope and not eps:
            uncovered.append(fr)
        permissions = {e.permission for e in eps if e.permission and not e.public}
        requirements.append({
            "id": fr,
            "title": req.title,
            "priority": req.priority,
            "mvp": req.mvp,
            "in_scope": in_scope,
            "endpoints": [
                {"id": e.id, "method": e.method, "path": e.path, "permission": e.permission}
                for e in eps
            ],
            "tables": sorted({t for e in eps for t in e.tables}),
            "permissions": sorted(permissions),
            "webhooks": sorted({w.name for w in design.webhooks if fr in w.fr_ids}),
            "events": sorted({e.name for e in design.events if fr in e.fr_ids}),
            "flows": sorted({f.id for f in design.flows if fr in f.fr_ids}),
        })

    endpoints = {}
    for ep in sorted(design.endpoints, key=lambda e: e.id):
        perm = ep.permission
        endpoints[ep.id] = {
            "method": ep.method,
            "path": ep.path,
            "fr_ids": sorted(set(ep.fr_ids)),
            "tables": sorted(set(ep.tables)),
            "permission": perm,
            "roles": sorted(holders.get(perm, set())) if perm and not ep.public else [],
        }
    return {
        "project": design.project.name,
        "version": design.project.version,
        "release": design.project.release,
        "requirements": requirements,
        "endpoints": endpoints,
        "uncovered": sorted(uncovered),
    }


def _permission_holders(design: Design) -> dict[str, set[str]]:
    """Permission → roles holding it, inheritance included."""
    out: dict[str, set[str]] = {}
    for role in design.roles:
        for perm in design.role_permissions(role):
            out.setdefault(perm, set()).add(role)
    return out
