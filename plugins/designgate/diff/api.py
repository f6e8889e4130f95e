"""The API contract: two OpenAPI documents compared operation by operation.

Operations are matched by method and path, path parameters compared by position (renaming
``{id}`` to ``{taskId}`` is no change to a client); an operation that kept its operationId
but not its method or path is moved. Every comparison reports JSON paths into both
documents; the caller turns them into design locations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from designgate.diff.schema import Path, SchemaDiff, resolve

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PROBLEM = "application/problem+json"

#: report(change id, subject, detail, message, base path, head path, before, after)
Report = Callable[[str, str, tuple[str, ...], str, Path | None, Path | None, Any, Any], None]


def _norm(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations(doc: Any) -> dict[tuple[str, str], tuple[str, Any]]:
    """``(METHOD, normalised path)`` → (path as written, operation)."""
    out: dict[tuple[str, str], tuple[str, Any]] = {}
    for path, item in _dict(doc.get("paths")).items() if isinstance(doc, dict) else ():
        if isinstance(item, dict):
            for m in METHODS:
                if isinstance(item.get(m), dict):
                    out[(m.upper(), _norm(str(path)))] = (str(path), item[m])
    return out


class ApiDiff:
    def __init__(self, base: Any, head: Any, report: Report) -> None:
        self.base, self.head = base, head
        self.report = report
        self.clean: set[tuple[str, str, str, bool]] = set()

    def run(self) -> None:
        ops_a, ops_b = operations(self.base), operations(self.head)
        by_id_b = {str(op.get("operationId")): k for k, (_, op) in ops_b.items()
                   if op.get("operationId")}
        moved: set[tuple[str, str]] = set()
        for key in ops_a.keys() - ops_b.keys():
            path, op = ops_a[key]
            subject = f"{key[0]} {path}"
            at = ("paths", path, key[0].lower())
            target = by_id_b.get(str(op.get("operationId"))) if op.get("operationId") else None
            if target is not None and target not in ops_a:
                moved.add(target)
                bpath = ops_b[target][0]
                self.report("api-operation-moved", subject, (), f"{subject} moved to "
                            f"{target[0]} {bpath} (operationId `{op.get('operationId')}`)", at,
                            ("paths", bpath, target[0].lower()), subject,
                            f"{target[0]} {bpath}")
                self.operation(subject, op, ops_b[target][1], at,
                               ("paths", bpath, target[0].lower()))
            elif op.get("deprecated"):
                self.report("api-removed-with-deprecation", subject, (),
                            f"deprecated operation {subject} removed", at, None, subject, None)
            else:
                self.report("api-removed-without-deprecation", subject, (),
                            f"operation {subject} removed without deprecation", at, None,
                            subject, None)
        for key in sorted(ops_b.keys() - ops_a.keys() - moved):
            path, _ = ops_b[key]
            subject = f"{key[0]} {path}"
            self.report("endpoint-added", subject, (), f"operation {subject} added", None,
                        ("paths", path, key[0].lower()), None, subject)
        for key in sorted(ops_a.keys() & ops_b.keys()):
            (pa, a), (pb, b) = ops_a[key], ops_b[key]
            self.operation(f"{key[0]} {pb}", a, b, ("paths", pa, key[0].lower()),
                           ("paths", pb, key[0].lower()))
        self.webhooks()

    # --- one operation -------------------------------------------------------------------

    def operation(self, subject: str, a: dict[str, Any], b: dict[str, Any], at: Path,
                  bt: Path, place_prefix: str = "") -> None:
        r = self.report
        ida, idb = a.get("operationId"), b.get("operationId")
        if ida and idb and ida != idb:
            r("api-operation-id-changed", subject, (), f"{subject}: operationId changed from "
              f"`{ida}` to `{idb}`", (*at, "operationId"), (*bt, "operationId"), ida, idb)
        if bool(a.get("deprecated")) != bool(b.get("deprecated")):
            if b.get("deprecated"):
                r("endpoint-deprecated", subject, (), f"{subject} deprecated", at,
                  (*bt, "deprecated"), False, True)
                if not b.get("x-sunset"):
                    r("api-deprecated-sunset-missing", subject, (), f"{subject} deprecated "
                      "without a sunset date (`x-sunset`)", at, (*bt, "deprecated"), None, None)
            else:
                r("endpoint-reactivated", subject, (), f"{subject} no longer deprecated", at,
                  bt, True, False)
        ta, tb = _list(a.get("tags")), _list(b.get("tags"))
        for t in tb:
            if t not in ta:
                r("api-tag-added", subject, (t,), f"{subject}: tag `{t}` added", at,
                  (*bt, "tags"), None, t)
        for t in ta:
            if t not in tb:
                r("api-tag-removed", subject, (t,), f"{subject}: tag `{t}` removed",
                  (*at, "tags"), bt, t, None)
        self.security(subject, a, b, at, bt)
        self.parameters(subject, a, b, at, bt)
        self.request_body(subject, a, b, at, bt)
        self.responses(subject, a, b, at, bt)

    def _security(self, doc: Any, op: dict[str, Any]) -> list[frozenset[str]]:
        reqs = op.get("security", doc.get("security") if isinstance(doc, dict) else None)
        return [frozenset(map(str, x)) for x in _list(reqs) if isinstance(x, dict)]

    def security(self, subject: str, a: dict[str, Any], b: dict[str, Any], at: Path,
                 bt: Path) -> None:
        sa, sb = self._security(self.base, a), self._security(self.head, b)
        public_a = not sa or frozenset() in sa
        public_b = not sb or frozenset() in sb
        if public_a and not public_b:
            self.report("api-security-added", subject, (), f"{subject} now requires "
                        f"credentials ({_alts(sb)})", at, (*bt, "security"), None, _alts(sb))
        elif public_b and not public_a:
            self.report("api-security-removed", subject, (), f"{subject} no longer requires "
                        f"credentials (was {_alts(sa)})", (*at, "security"), bt, _alts(sa), None)
        elif set(sa) != set(sb):
            self.report("api-security-changed", subject, (), f"{subject}: security changed "
                        f"from {_alts(sa)} to {_alts(sb)}", (*at, "security"),
                        (*bt, "security"), _alts(sa), _alts(sb))

    def _params(self, doc: Any, op: dict[str, Any], at: Path) -> dict[tuple[str, str], Any]:
        out: dict[tuple[str, str], Any] = {}
        path_index = 0
        for i, p in enumerate(_list(op.get("parameters"))):
            p, ppath, _ = resolve(doc, p, (*at, "parameters", i))
            if not isinstance(p, dict):
                continue
            where, name = str(p.get("in")), str(p.get("name"))
            if where == "header":
                name = name.lower()
            if where == "path":
                key = ("path", str(path_index))
                path_index += 1
            else:
                key = (where, name)
            out[key] = (p, ppath)
        return out

    def parameters(self, subject: str, a: dict[str, Any], b: dict[str, Any], at: Path,
                   bt: Path) -> None:
        r = self.report
        pa, pb = self._params(self.base, a, at), self._params(self.head, b, bt)
        moved: set[tuple[str, str]] = set()
        for key in [k for k in pa if k not in pb]:
            p, path = pa[key]
            name = str(p.get("name"))
            other = next((k for k in pb if k not in pa and k[1] == key[1] and k[0] != "path"
                          and key[0] != "path"), None)
            if other is not None:
                moved.add(other)
                r("request-parameter-moved", subject, (name,), f"{subject}: parameter `{name}` "
                  f"moved from {key[0]} to {other[0]}", path, pb[other][1], key[0], other[0])
            elif p.get("deprecated"):
                r("request-parameter-removed-with-deprecation", subject, (key[0], name),
                  f"{subject}: deprecated {key[0]} parameter `{name}` removed", path, bt,
                  name, None)
            else:
                r("request-parameter-removed", subject, (key[0], name), f"{subject}: "
                  f"{key[0]} parameter `{name}` removed", path, bt, name, None)
        for key in [k for k in pb if k not in pa and k not in moved]:
            p, path = pb[key]
            name = str(p.get("name"))
            if key[0] == "path":
                cid = "new-request-path-parameter"
            else:
                cid = f"new-{'required' if p.get('required') else 'optional'}-request-parameter"
            r(cid, subject, (key[0], name), f"{subject}: "
              f"{'required ' if p.get('required') else ''}{key[0]} parameter `{name}` added",
              at, path, None, name)
        for key in [k for k in pa if k in pb]:
            (p, ppa), (q, ppb) = pa[key], pb[key]
            name = str(q.get("name"))
            if bool(p.get("required")) != bool(q.get("required")) and key[0] != "path":
                rb = bool(q.get("required"))
                r(f"request-parameter-became-{'required' if rb else 'optional'}", subject,
                  (key[0], name), f"{subject}: {key[0]} parameter `{name}` became "
                  f"{'required' if rb else 'optional'}", ppa, ppb, not rb, rb)
            if bool(p.get("deprecated")) != bool(q.get("deprecated")):
                dep = bool(q.get("deprecated"))
                r(f"request-parameter-{'deprecated' if dep else 'reactivated'}", subject,
                  (key[0], name), f"{subject}: {key[0]} parameter `{name}` "
                  f"{'deprecated' if dep else 'no longer deprecated'}", ppa, ppb, not dep, dep)
            self.schemas(subject, "request-parameter", p.get("schema"), q.get("schema"),
                         (*ppa, "schema"), (*ppb, "schema"), (key[0], name))

    def request_body(self, subject: str, a: dict[str, Any], b: dict[str, Any], at: Path,
                     bt: Path) -> None:
        r = self.report
        ba, bpa, _ = resolve(self.base, a.get("requestBody"), (*at, "requestBody"))
        bb, bpb, _ = resolve(self.head, b.get("requestBody"), (*bt, "requestBody"))
        if not isinstance(ba, dict) and not isinstance(bb, dict):
            return
        if not isinstance(ba, dict):
            req = bool(bb.get("required"))
            r(f"request-body-added-{'required' if req else 'optional'}", subject, (),
              f"{subject}: {'required' if req else 'optional'} request body added", at, bpb,
              None, req)
            return
        if not isinstance(bb, dict):
            r("request-body-removed", subject, (), f"{subject}: request body removed", bpa, bt,
              True, None)
            return
        if bool(ba.get("required")) != bool(bb.get("required")):
            req = bool(bb.get("required"))
            r(f"request-body-became-{'required' if req else 'optional'}", subject, (),
              f"{subject}: request body became {'required' if req else 'optional'}", bpa, bpb,
              not req, req)
        self.media(subject, "request-body", ba, bb, bpa, bpb, ())

    def media(self, subject: str, place: str, a: dict[str, Any], b: dict[str, Any], at: Path,
              bt: Path, detail: tuple[str, ...]) -> None:
        ca = a.get("content") if isinstance(a.get("content"), dict) else {}
        cb = b.get("content") if isinstance(b.get("content"), dict) else {}
        prefix = "request-body" if place == "request-body" else "response"
        what = "request" if place == "request-body" else f"response {detail[0]}"
        for mt in cb:
            if mt not in ca:
                self.report(f"{prefix}-media-type-added", subject, (*detail, mt),
                            f"{subject}: {what} media type `{mt}` added", at,
                            (*bt, "content", mt), None, mt)
        for mt in ca:
            if mt not in cb:
                self.report(f"{prefix}-media-type-removed", subject, (*detail, mt),
                            f"{subject}: {what} media type `{mt}` removed",
                            (*at, "content", mt), bt, mt, None)
                continue
            ma, mb = ca[mt], cb[mt]
            if isinstance(ma, dict) and isinstance(mb, dict):
                self.schemas(subject, place, ma.get("schema"), mb.get("schema"),
                             (*at, "content", mt, "schema"), (*bt, "content", mt, "schema"),
                             (*detail, mt))

    def responses(self, subject: str, a: dict[str, Any], b: dict[str, Any], at: Path,
                  bt: Path) -> None:
        r = self.report
        ra = a.get("responses") if isinstance(a.get("responses"), dict) else {}
        rb = b.get("responses") if isinstance(b.get("responses"), dict) else {}
        for code in list(ra) + [c for c in rb if c not in ra]:
            success = str(code)[:1] in "23"
            kind = "success" if success else "non-success"
            if code not in rb:
                r(f"response-{kind}-status-removed", subject, (str(code),),
                  f"{subject}: response {code} removed", (*at, "responses", code),
                  (*bt, "responses"), code, None)
                continue
            if code not in ra:
                r(f"response-{kind}-status-added", subject, (str(code),),
                  f"{subject}: response {code} added", (*at, "responses"),
                  (*bt, "responses", code), None, code)
                continue
            xa, pa, _ = resolve(self.base, ra[code], (*at, "responses", code))
            xb, pb, _ = resolve(self.head, rb[code], (*bt, "responses", code))
            if not isinstance(xa, dict) or not isinstance(xb, dict):
                continue
            if not success:
                fa = PROBLEM in _dict(xa.get("content"))
                fb = PROBLEM in _dict(xb.get("content"))
                if fa != fb:
                    r("response-error-format-changed", subject, (str(code),),
                      f"{subject}: error response {code} "
                      f"{'now uses' if fb else 'no longer uses'} {PROBLEM}", pa, pb, fa, fb)
            self.media(subject, "response-body", xa, xb, pa, pb, (str(code),))
            self.headers(subject, str(code), xa, xb, pa, pb)

    def headers(self, subject: str, code: str, a: dict[str, Any], b: dict[str, Any], at: Path,
                bt: Path) -> None:
        r = self.report
        ha = {str(k).lower(): (k, v) for k, v in _dict(a.get("headers")).items()}
        hb = {str(k).lower(): (k, v) for k, v in _dict(b.get("headers")).items()}
        for name, (k, v) in ha.items():
            va, pa, _ = resolve(self.base, v, (*at, "headers", k))
            if name not in hb:
                req = isinstance(va, dict) and bool(va.get("required"))
                r(f"{'required' if req else 'optional'}-response-header-removed", subject,
                  (code, name), f"{subject}: response {code} header `{k}` removed", pa,
                  (*bt, "headers") if "headers" in b else bt, k, None)
                continue
            kb, vb = hb[name]
            vb, pb, _ = resolve(self.head, vb, (*bt, "headers", kb))
            if isinstance(va, dict) and isinstance(vb, dict):
                if va.get("required") and not vb.get("required"):
                    r("response-header-became-optional", subject, (code, name),
                      f"{subject}: response {code} header `{k}` became optional", pa, pb,
                      True, False)
                self.schemas(subject, "response-header", va.get("schema"), vb.get("schema"),
                             (*pa, "schema"), (*pb, "schema"), (code, name))
        for name, (k, _v) in hb.items():
            if name not in ha:
                r("response-header-added", subject, (code, name),
                  f"{subject}: response {code} header `{k}` added",
                  (*at, "headers") if "headers" in a else at, (*bt, "headers", k), None, k)

    def schemas(self, subject: str, place: str, a: Any, b: Any, at: Path, bt: Path,
                detail: tuple[str, ...]) -> None:
        if a is None or b is None:
            return

        def emit(cid: str, prop: tuple[str, ...], message: str, pa: Path, pb: Path,
                 before: Any, after: Any) -> None:
            self.report(cid, subject, (*detail, *prop), f"{subject}: {message}", pa, pb,
                        before, after)

        SchemaDiff(self.base, self.head, emit, self.clean).compare(a, b, place, at, bt)

    # --- webhooks ------------------------------------------------------------------------

    def webhooks(self) -> None:
        wa = _dict(self.base.get("webhooks")) if isinstance(self.base, dict) else {}
        wb = _dict(self.head.get("webhooks")) if isinstance(self.head, dict) else {}
        for name in wa:
            if name not in wb:
                self.report("webhook-removed", f"webhook {name}", (), f"webhook `{name}` "
                            "removed", ("webhooks", name), None, name, None)
        for name in wb:
            if name not in wa:
                self.report("webhook-added", f"webhook {name}", (), f"webhook `{name}` added",
                            None, ("webhooks", name), None, name)
                continue
            for m in METHODS:
                oa, ob = _dict(wa[name]).get(m), _dict(wb[name]).get(m)
                if not isinstance(oa, dict) or not isinstance(ob, dict):
                    continue
                at, bt = ("webhooks", name, m), ("webhooks", name, m)
                subject = f"webhook {name}"
                ba, pa, _ = resolve(self.base, oa.get("requestBody"), (*at, "requestBody"))
                bb, pb, _ = resolve(self.head, ob.get("requestBody"), (*bt, "requestBody"))
                if isinstance(ba, dict) and isinstance(bb, dict):
                    for mt, media in _dict(ba.get("content")).items():
                        other = _dict(bb.get("content")).get(mt)
                        if isinstance(media, dict) and isinstance(other, dict):
                            self.schemas(subject, "webhook-payload", media.get("schema"),
                                         other.get("schema"), (*pa, "content", mt, "schema"),
                                         (*pb, "content", mt, "schema"), ())
                for key, cid in (("x-signing", "webhook-signing-changed"),
                                 ("x-retries", "webhook-retries-changed")):
                    if oa.get(key) != ob.get(key):
                        self.report(cid, subject, (key,), f"webhook `{name}`: "
                                    f"{key[2:]} changed", (*at, key), (*bt, key), oa.get(key),
                                    ob.get(key))


def _alts(reqs: list[frozenset[str]]) -> str:
    return " or ".join("+".join(sorted(r)) or "none" for r in reqs) or "none"


def _dict(v: Any) -> dict[Any, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []
