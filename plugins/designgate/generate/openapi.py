"""Design → one bundled OpenAPI 3.1 document (PRODUCT.md §5).

Every endpoint becomes an operation (operationId = endpoint id) with tags, ``x-fr-ids``,
security from the auth model (explicit ``security: []`` when public), path, filter, sort and
pagination parameters, the request body, the success response and RFC 9457
``application/problem+json`` error responses. Webhooks go to ``webhooks``, async events to
``x-events``. The endpoint's raw ``openapi:`` mapping is deep-merged into its operation last.

Besides the document, the build records where each part came from (``origins``) so that a
problem found in the document can be reported at the design-source line that caused it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from designgate.findings import json_pointer
from designgate.generate.jsonschema_tools import DATA_KEYWORDS, component_refs, named_closure
from designgate.load.refs import COMPONENT_PREFIX
from designgate.model.design import Body, Design, Endpoint, Param, Payload, Response
from designgate.model.source import Loc

OPENAPI_VERSION = "3.1.0"
PROBLEM_JSON = "application/problem+json"
PROBLEM = "Problem"
PROBLEM_REF = COMPONENT_PREFIX + PROBLEM
WEBHOOK_TAG = "webhooks"
WEBHOOK_TAG_DESCRIPTION = "Outgoing webhooks: requests this API sends to subscribers."
METHOD_ORDER = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: An entity-tag (RFC 9110 §8.8.3), and what If-Match takes: `*` or a list of them.
ENTITY_TAG = r'^(W/)?"[\x21\x23-\x7e]*"$'
ENTITY_TAGS = r'^(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)$'
#: Bound of the opaque `cursor` parameter (a base64url key of the last row, with room).
CURSOR_MAX_LENGTH = 512
CURSOR_EXAMPLE = "eyJpZCI6IDQyfQ"

Path = tuple[str | int, ...]


@dataclass(slots=True)
class OpenApiResult:
    """The document and, for its parts, the design location each came from."""

    document: dict[str, Any]
    #: OpenAPI path (keys and list indexes) → design location.
    origins: dict[Path, Loc] = field(default_factory=dict)
    #: Origins whose subtree has the same shape in the design source (schemas, examples,
    #: raw ``openapi:`` fields): a deeper path extends the location instead of stopping.
    mirrored: set[Path] = field(default_factory=set)
    #: Fields of an endpoint's raw ``openapi:`` that contradict what the design generates
    #: (rule O006), each with a sentence that says what to change.
    conflicts: list[tuple[Loc, str]] = field(default_factory=list)

    def locate(self, path: Path) -> Loc | None:
        """Design location of the OpenAPI node at ``path``: the deepest known origin."""
        for n in range(len(path), -1, -1):
            loc = self.origins.get(path[:n])
            if loc is not None:
                return loc.at(*path[n:]) if path[:n] in self.mirrored else loc
        return None


def build_openapi(design: Design) -> OpenApiResult:
    """The OpenAPI 3.1 document of ``design`` (computed once, cached on the design)."""
    cached = design.cache.get("openapi")
    if cached is None:
        cached = design.cache["openapi"] = _Builder(design).build()
    return cached


# --- standard error responses -------------------------------------------------------------

#: status → (component name, description, detail of the example problem).
_STANDARD: dict[int, tuple[str, str, str]] = {
    400: ("BadRequest", "The request is malformed: a parameter or the body cannot be read.",
          "The query parameter 'limit' must be an integer."),
    401: ("Unauthorized", "Authentication is missing, expired or invalid.",
          "The access token has expired."),
    403: ("Forbidden", "The caller is authenticated but lacks the permission this operation "
          "requires.", "Your role does not grant the permission this operation requires."),
    404: ("NotFound", "The resource does not exist, or the caller may not see it.",
          "No resource exists at this address."),
    405: ("MethodNotAllowed", "The method is not supported on this resource.",
          "This resource does not support the method."),
    406: ("NotAcceptable", "No representation matches the Accept header.",
          "Only application/json is available."),
    409: ("Conflict", "The request conflicts with the current state of the resource.",
          "The resource was changed by another request."),
    410: ("Gone", "The resource existed but was removed for good.",
          "This resource was deleted."),
    412: ("PreconditionFailed", "A precondition (If-Match) does not hold.",
          "The resource changed since it was read."),
    413: ("ContentTooLarge", "The request body is larger than allowed.",
          "The request body exceeds the size limit."),
    415: ("UnsupportedMediaType", "The request body has a media type the operation does not "
          "accept.", "Send the body as application/json."),
    422: ("UnprocessableContent", "The request is well-formed but fails validation; `errors` "
          "lists each invalid field.", "The request body is invalid."),
    428: ("PreconditionRequired", "The operation requires a precondition header (If-Match).",
          "Send If-Match with the version you read."),
    429: ("TooManyRequests", "Too many requests; retry after the number of seconds in "
          "`Retry-After`.", "The rate limit is exceeded; retry later."),
    500: ("InternalServerError", "An unexpected error on the server.",
          "An unexpected error occurred; it has been logged."),
    502: ("BadGateway", "An upstream service answered with an error.",
          "An upstream service failed."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable; retry later.",
          "The service is under maintenance."),
    504: ("GatewayTimeout", "An upstream service did not answer in time.",
          "An upstream service timed out."),
}
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def _title(status: int) -> str:
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _standard(status: int) -> tuple[str, str, str]:
    if status in _STANDARD:
        return _STANDARD[status]
    title = _title(status)
    name = "".join(w.capitalize() for w in title.replace("-", " ").split() if w.isalnum())
    return (name or f"Error{status}", f"{title}.", f"{title}.")


def problem_schema() -> dict[str, Any]:
    """RFC 9457 problem details, with `errors` for validation failures."""
    return {
        "type": "object",
        "description": "An error, as RFC 9457 problem details (`application/problem+json`).",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {
                "type": "string", "format": "uri-reference", "maxLength": 2048,
                "default": "about:blank",
                "description": "Identifies the problem type; `about:blank` when the status "
                               "code says it all.",
            },
            "title": {"type": "string", "maxLength": 256,
                      "description": "Short summary of the problem type."},
            "status": {"type": "integer", "format": "int32", "minimum": 100, "maximum": 599,
                       "description": "The HTTP status code."},
            "detail": {"type": "string", "maxLength": 4096,
                       "description": "Explanation of this occurrence, for the client."},
            "instance": {"type": "string", "format": "uri-reference", "maxLength": 2048,
                         "description": "Identifies this occurrence (e.g. the request path)."},
            "errors": {
                "type": "array",
                "maxItems": 1000,
                "description": "Validation failures, one per invalid field or parameter.",
                "items": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": {
                        "pointer": {"type": "string", "maxLength": 1024,
                                    "description": "JSON Pointer to the invalid field of "
                                                   "the request body."},
                        "parameter": {"type": "string", "maxLength": 256,
                                      "description": "The invalid query, path or header "
                                                     "parameter."},
                        "detail": {"type": "string", "maxLength": 4096,
                                   "description": "What is wrong with it."},
                    },
                },
            },
        },
    }


# --- security -----------------------------------------------------------------------------


def security_scheme(design: Design) -> tuple[str, dict[str, Any]] | None:
    """The security scheme (name, object) of the design's auth strategy, if any."""
    auth = design.auth
    if auth is None or auth.strategy is None:
        return None
    token = auth.token
    desc = {"description": auth.description} if auth.description else {}
    if auth.strategy == "jwt":
        return "bearerAuth", {"type": "http", "scheme": "bearer",
                              "bearerFormat": _str(token.get("bearer_format")) or "JWT", **desc}
    if auth.strategy == "session":
        return "cookieAuth", {"type": "apiKey", "in": "cookie",
                              "name": _str(token.get("cookie")) or "session", **desc}
    if auth.strategy == "api-key":
        return "apiKeyAuth", {"type": "apiKey", "in": "header",
                              "name": _str(token.get("header")) or "X-API-Key", **desc}
    if auth.strategy == "oauth2":
        scopes = token.get("scopes") if isinstance(token.get("scopes"), dict) else {}
        flows: dict[str, Any] = {}
        auth_url, token_url = _str(token.get("authorization_url")), _str(token.get("token_url"))
        if auth_url and token_url:
            flows["authorizationCode"] = {"authorizationUrl": auth_url, "tokenUrl": token_url,
                                          "scopes": dict(scopes)}
        elif auth_url:
            flows["implicit"] = {"authorizationUrl": auth_url, "scopes": dict(scopes)}
        elif token_url:
            flows["clientCredentials"] = {"tokenUrl": token_url, "scopes": dict(scopes)}
        return "oauth2", {"type": "oauth2", "flows": flows, **desc}
    return None


def id_schema(id_format: str) -> dict[str, Any]:
    """Schema of a path parameter the design gives none for, from ``api.id_format``."""
    if id_format == "integer":
        return {"type": "integer", "format": "int64", "minimum": 1,
                "maximum": 9223372036854775807}
    if id_format == "uuid":
        return {"type": "string", "format": "uuid", "maxLength": 36}
    return {"type": "string", "maxLength": 256}


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ""


# --- the builder --------------------------------------------------------------------------


class _Builder:
    def __init__(self, design: Design) -> None:
        self.design = design
        self.origins: dict[Path, Loc] = {}
        self.mirrored: set[Path] = set()
        self.used_responses: dict[int, str] = {}
        self.used_headers: set[str] = set()
        self.conflicts: list[tuple[Loc, str]] = []
        self.item_paths: dict[str, str] | None = None
        self.uses_problem = False
        self.scheme = security_scheme(design)
        self.problem_is_designed = PROBLEM in design.schemas
        # `webhooks`, capitalised when most of the design's resource tags are.
        capital = sum(1 for ep in design.endpoints for t in ep.tags[:1] if t[:1].isupper())
        self.webhook_tag = WEBHOOK_TAG.capitalize() if capital * 2 > len(design.endpoints) \
            else WEBHOOK_TAG

    def origin(self, path: Path, loc: Loc | None, *, mirror: bool = False) -> None:
        if loc is None:
            return
        self.origins[path] = loc
        if mirror:
            self.mirrored.add(path)

    # -- document --------------------------------------------------------------------------

    def build(self) -> OpenApiResult:
        d = self.design
        p = d.project
        doc: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": self.info()}
        self.origin(("info",), p.loc)
        servers = [_server(s) for s in p.servers] or [{"url": p.base_path or "/"}]
        doc["servers"] = servers
        if p.loc is not None and p.loc.has("api", "servers"):
            self.origin(("servers",), p.loc.at("api", "servers"), mirror=True)
        if p.repo_url:
            doc["externalDocs"] = {"description": "Design sources", "url": p.repo_url}
        paths: dict[str, dict[str, Any]] = {}
        for ep in d.endpoints:
            method = ep.method.lower()
            item = paths.setdefault(ep.path, {})
            if method in item:
                continue  # a duplicate method + path (rule N005); the first one wins
            item[method] = self.operation(ep, ("paths", ep.path, method))
        doc["tags"] = self.tags(paths)
        doc["paths"] = {path: _ordered(item) for path, item in paths.items()}
        webhooks = self.webhooks()
        if webhooks:
            doc["webhooks"] = webhooks
        events = self.events()
        # Named schemas only events use are bundled into `x-events` (an extension, which
        # OpenAPI tools do not walk) instead of sitting in components as "unused".
        used = named_closure(self.design, self.referenced())
        by_events = named_closure(self.design, component_refs(
            [ev.payload.schema for ev in self.design.events if ev.payload is not None]))
        components = self.components(skip=by_events - used)
        if components:
            doc["components"] = components
        if events:
            doc["x-events"] = events
        if not doc["tags"]:
            del doc["tags"]
        return OpenApiResult(doc, self.origins, self.mirrored, self.conflicts)

    def referenced(self) -> set[str]:
        """Named schemas the paths and webhooks reference directly, read from the design
        (walking the generated document, examples and all, costs more)."""
        roots: list[Any] = []
        for ep in self.design.endpoints:
            roots.extend(ep.schemas())
            roots.append(ep.openapi)
        roots.extend(w.payload.schema for w in self.design.webhooks if w.payload is not None)
        names = component_refs(roots)
        if self.uses_problem:
            names.add(PROBLEM)
        return names

    def info(self) -> dict[str, Any]:
        p = self.design.project
        info: dict[str, Any] = {"title": p.name, "version": p.version}
        if p.description:
            info["description"] = p.description
        if p.contact:
            info["contact"] = dict(p.contact)
        if p.license:
            info["license"] = dict(p.license)
        return info

    def tags(self, paths: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        names: set[str] = set()
        for item in paths.values():
            for op in item.values():
                tags = op.get("tags")
                if isinstance(tags, list):
                    names.update(t for t in tags if isinstance(t, str))
        if self.design.webhooks:
            names.add(self.webhook_tag)
        out = []
        for name in sorted(names, key=lambda n: (n.casefold(), n)):
            desc = self.design.resources.get(name) or (
                WEBHOOK_TAG_DESCRIPTION if name == self.webhook_tag else f"Operations on {name}.")
            out.append({"name": name, "description": desc})
        return out


    # -- operations ------------------------------------------------------------------------

    def operation(self, ep: Endpoint, at: Path) -> dict[str, Any]:
        self.origin(at, ep.loc)
        loc = ep.loc
        op: dict[str, Any] = {"operationId": ep.id}
        self.origin((*at, "operationId"), loc.at("id"))
        if ep.summary:
            op["summary"] = ep.summary
            self.origin((*at, "summary"), loc.at("summary"))
        description = "\n\n".join(x for x in (ep.description, _permission_line(ep)) if x)
        if description:
            op["description"] = description
            self.origin((*at, "description"), loc.at("description") if ep.description
                        else loc.at("permission"))
        if ep.tags:
            op["tags"] = list(ep.tags)
            if loc.has("tags"):
                self.origin((*at, "tags"), loc.at("tags"), mirror=True)
        if ep.fr_ids:
            op["x-fr-ids"] = list(ep.fr_ids)
            self.origin((*at, "x-fr-ids"), loc.at("fr_ids"), mirror=True)
        if ep.deprecated:
            op["deprecated"] = True
            self.origin((*at, "deprecated"), loc.at("deprecated"))
        self.security(ep, op, at)
        params = self.parameters(ep, (*at, "parameters"))
        if params:
            op["parameters"] = params
        if ep.request is not None:
            op["requestBody"] = self.request_body(ep.request, (*at, "requestBody"))
        responses = self.responses(ep, (*at, "responses"))
        if responses:
            op["responses"] = responses
        if ep.openapi:
            raw = copy.deepcopy(ep.openapi)
            raw_params = raw.pop("parameters", None)
            if "security" in raw and "security" in op and raw["security"] != op["security"]:
                self.conflicts.append((loc.at("openapi", "security"), (
                    f"the raw `security` of '{ep.id}' changes who may call it (the design "
                    f"says {_who(ep)}); set `permission:` instead")))
            _deep_merge(op, raw)
            self.mirror_tree(at, loc.at("openapi"), raw)
            if raw_params is not None:
                self.merge_parameters(ep, op, raw_params, at)
        return op

    def merge_parameters(self, ep: Endpoint, op: dict[str, Any], raw: Any, at: Path) -> None:
        """Raw ``openapi: {parameters: [...]}`` merged into the generated parameters by name
        and location: a new one is added, one the design generates is extended, and a field
        that contradicts the generated value is a conflict (rule O006)."""
        rloc = ep.loc.at("openapi", "parameters")
        if not isinstance(raw, list):
            op["parameters"] = raw  # not a list: the validator (O001) reports it
            self.origin((*at, "parameters"), rloc, mirror=True)
            return
        params: list[Any] = op.setdefault("parameters", [])
        index = {(p.get("name"), p.get("in")): i for i, p in enumerate(params)
                 if isinstance(p, dict)}
        for j, extra in enumerate(raw):
            key = (extra.get("name"), extra.get("in")) if isinstance(extra, dict) else None
            if key is None or "$ref" in extra or key not in index:
                self.origin((*at, "parameters", len(params)), rloc.at(j), mirror=True)
                params.append(extra)
                if key is not None and "$ref" not in extra:
                    index[key] = len(params) - 1
                continue
            i = index[key]
            for path, mine, theirs in _contradictions(params[i], extra):
                where = ".".join(str(x) for x in path)
                self.conflicts.append((rloc.at(j, *path), (
                    f"the raw parameter '{key[0]}' ({key[1]}) of '{ep.id}' sets {where} to "
                    f"{_show(theirs)}, but the design generates {_show(mine)}; change it in "
                    "the design, or leave it out of `openapi:`")))
            merged = dict(params[i])
            _deep_merge(merged, extra)
            params[i] = merged
            self.mirror_tree((*at, "parameters", i), rloc.at(j), extra)

    def mirror_tree(self, at: Path, loc: Loc, raw: Any) -> None:
        """Every mapping key of a raw ``openapi:`` value maps onto its own source line."""
        stack: list[tuple[Path, Loc, Any]] = [(at, loc, raw)]
        while stack:
            path, here, node = stack.pop()
            if not isinstance(node, dict):
                continue
            for k, v in node.items():
                self.origin((*path, k), here.at(k), mirror=True)
                stack.append(((*path, k), here.at(k), v))

    def security(self, ep: Endpoint, op: dict[str, Any], at: Path) -> None:
        ploc = ep.loc.at("permission") if ep.loc.has("permission") else ep.loc
        if ep.public:
            op["security"] = []
            self.origin((*at, "security"), ploc)
            return
        if ep.permission is None:
            return  # rule A001 reports it; nothing truthful to say here
        op["x-permission"] = ep.permission
        self.origin((*at, "x-permission"), ploc)
        if self.scheme is not None:
            name, scheme = self.scheme
            scopes: list[str] = []
            if scheme["type"] == "oauth2" and any(
                ep.permission in f.get("scopes", {}) for f in scheme["flows"].values()
            ):
                scopes = [ep.permission]
            op["security"] = [{name: scopes}]
            self.origin((*at, "security"), ploc)

    def parameters(self, ep: Endpoint, at: Path) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def add(param: dict[str, Any], loc: Loc | None, p: Param | None = None) -> None:
            i = len(out)
            out.append(param)
            self.origin((*at, i), loc)
            if p is not None:
                if p.schema is not None:
                    self.origin((*at, i, "schema"), p.loc.at("schema"), mirror=True)
                if p.has_example:
                    self.origin((*at, i, "example"), p.loc.at("example"), mirror=True)

        for name in ep.path_param_names:
            p = ep.path_params.get(name)
            param: dict[str, Any] = {"name": name, "in": "path", "required": True}
            if p is not None and p.description:
                param["description"] = p.description
            param["schema"] = p.schema if p is not None and p.schema is not None \
                else id_schema(self.design.project.id_format)
            if p is not None and p.has_example:
                param["example"] = p.example
            add(param, p.loc if p is not None else ep.loc.at("path"), p)
        for p in [*ep.filters, *ep.query]:
            add(self.query_param(p), p.loc, p)
        for p in ep.headers:
            add({**self.query_param(p), "in": "header"}, p.loc, p)
        if ep.idempotency_key:
            add({"name": "Idempotency-Key", "in": "header",
                 "required": ep.idempotency_key == "required",
                 "description": "A unique key (a UUID) for this request: a retry with the same "
                                "key returns the first result instead of doing it twice "
                                "(IETF httpapi Idempotency-Key draft). Reusing a key for "
                                "another request is 422; a retry while the first one runs "
                                "is 409.",
                 "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                 "example": "8e03978e-40d5-43e8-bc93-6894a57f9324"}, ep.loc.at("idempotency_key"))
        if ep.concurrency == "etag" and ep.writes_item:
            add({"name": "If-Match", "in": "header", "required": True,
                 "description": "The ETag of the version this change is based on: 412 when the "
                                "resource has changed since, 428 when it is missing.",
                 "schema": {"type": "string", "minLength": 1, "maxLength": 256,
                            "pattern": ENTITY_TAGS},
                 "example": '"3f2a7c1e"'}, Loc(ep.loc.source, ("resource", "concurrency")))
        if ep.sorts:
            fields = [s.field for s in ep.sorts]
            lines = "\n".join(
                f"- `{s.field}`" + (f": {s.description}" if s.description else "")
                for s in ep.sorts
            )
            add({
                "name": "sort", "in": "query", "required": False,
                "description": "Sort order: a field name, prefixed with `-` for descending."
                               f"\n\n{lines}",
                "schema": {"type": "string",
                           "enum": [v for f in fields for v in (f, f"-{f}")]},
                "example": f"-{fields[0]}",
            }, ep.loc.at("sorts"))
        if ep.pagination is not None:
            for param in self.pagination_params(ep):
                add(param, ep.pagination.loc)
        return out

    def query_param(self, p: Param) -> dict[str, Any]:
        param: dict[str, Any] = {"name": p.name, "in": "query", "required": p.required}
        if p.description:
            param["description"] = p.description
        param["schema"] = p.schema if p.schema is not None else {"type": "string"}
        if p.has_example:
            param["example"] = p.example
        return param

    def pagination_params(self, ep: Endpoint) -> list[dict[str, Any]]:
        conv = self.design.project.pagination
        pag = ep.pagination
        assert pag is not None
        style = pag.style or conv.style
        default = pag.default_page_size or conv.default_page_size
        maximum = pag.max_page_size or conv.max_page_size
        size_schema = {"type": "integer", "format": "int32", "minimum": 1, "maximum": maximum,
                       "default": min(default, maximum)}
        size_desc = f"Items per page, 1 to {maximum} (default {min(default, maximum)})."
        if style == "page":
            return [
                {"name": "page", "in": "query", "required": False,
                 "description": "Page number, starting at 1.",
                 "schema": {"type": "integer", "format": "int32", "minimum": 1,
                            "maximum": 2147483647, "default": 1}, "example": 1},
                {"name": "page_size", "in": "query", "required": False,
                 "description": size_desc, "schema": size_schema, "example": min(default, maximum)},
            ]
        return [
            {"name": "cursor", "in": "query", "required": False,
             "description": f"Opaque cursor: the `{conv.cursor_field}` of the previous page; "
                            "omit it for the first page.",
             "schema": {"type": "string", "maxLength": CURSOR_MAX_LENGTH},
             "example": CURSOR_EXAMPLE},
            {"name": "limit", "in": "query", "required": False,
             "description": size_desc, "schema": size_schema, "example": min(default, maximum)},
        ]

    def request_body(self, body: Body, at: Path) -> dict[str, Any]:
        self.origin(at, body.loc)
        ct = body.content_type or "application/json"
        out: dict[str, Any] = {}
        if body.description:
            out["description"] = body.description
        out["required"] = body.required
        out["content"] = {ct: self.media(body.schema, body.has_example, body.example,
                                         (*at, "content", ct), body.loc)}
        return out

    def media(self, schema: Any, has_example: bool, example: Any, at: Path,
              loc: Loc) -> dict[str, Any]:
        media: dict[str, Any] = {}
        if schema is not None:
            media["schema"] = schema
            self.origin((*at, "schema"), loc.at("schema"), mirror=True)
        if has_example:
            media["example"] = example
            self.origin((*at, "example"), loc.at("example"), mirror=True)
        return media

    # -- responses -------------------------------------------------------------------------

    def responses(self, ep: Endpoint, at: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        r = ep.response
        if r is not None:
            key = str(r.status)
            self.origin((*at, key), r.loc)
            resp: dict[str, Any] = {"description": r.description or _title(r.status)}
            headers = {**self.standard_headers(r.status), **self.success_headers(ep, r)}
            if r.headers:
                self.origin((*at, key, "headers"), r.loc.at("headers"), mirror=True)
            headers = _with_designed(headers, r.headers)
            if headers:
                resp["headers"] = headers
            if r.schema is not None and r.status not in (204, 304):
                ct = r.content_type or "application/json"
                resp["content"] = {ct: self.media(r.schema, r.has_example, r.example,
                                                  (*at, key, "content", ct), r.loc)}
            out[key] = resp
        for e in sorted(ep.errors, key=lambda x: x.status):
            key = str(e.status)
            if key in out:
                continue
            self.origin((*at, key), e.loc)
            out[key] = self.error_response(ep, e, (*at, key))
        return out

    # -- headers ---------------------------------------------------------------------------

    def header_ref(self, name: str) -> dict[str, Any]:
        """A reference to a shared header (components/headers), noted as used."""
        self.used_headers.add(name)
        return {"$ref": f"#/components/headers/{name}"}

    def standard_headers(self, status: int) -> dict[str, Any]:
        """Headers the project's response defaults put on a response with ``status``."""
        conv = self.design.project.responses
        out: dict[str, Any] = {}
        if conv.rate_limit is not None and status // 100 in (2, 4):
            out["RateLimit"] = self.header_ref("RateLimit")
            out["RateLimit-Policy"] = self.header_ref("RateLimit-Policy")
        if status in (429, 503):
            out["Retry-After"] = self.header_ref("Retry-After")
        if conv.cors_origin:
            out["Access-Control-Allow-Origin"] = self.header_ref("Access-Control-Allow-Origin")
        return out

    def success_headers(self, ep: Endpoint, r: Response) -> dict[str, Any]:
        """Location on 201 (from the item path), ETag under optimistic concurrency."""
        out: dict[str, Any] = {}
        if r.status == 201:
            item = self.item_path(ep)
            if item is not None:
                out["Location"] = {
                    "description": f"The address of what was created: `{item}`.",
                    "schema": {"type": "string", "format": "uri-reference", "maxLength": 2048},
                    "example": self.location_example(ep, item, r),
                }
        if ep.concurrency == "etag" and r.status != 204 and (
                ep.is_item or r.status == 201 or ep.singleton):
            out["ETag"] = self.header_ref("ETag")
        return out

    def item_path(self, ep: Endpoint) -> str | None:
        """The path of one item of the collection ``ep`` creates in (``/tasks/{taskId}``)."""
        segs = ep.segments
        if ep.is_item or not segs:
            return None
        if self.item_paths is None:
            self.item_paths = {}
            for other in self.design.endpoints:
                if other.is_item:
                    parent = "/" + "/".join(other.segments[:-1])
                    self.item_paths.setdefault(parent, other.path)
        # Nested (`/tasks/{taskId}/comments/{commentId}`), then shallow (`/comments/{id}`).
        return self.item_paths.get("/" + "/".join(segs)) or self.item_paths.get(f"/{segs[-1]}")

    def location_example(self, ep: Endpoint, item: str, r: Response) -> str:
        """The item path with example values filled in: the endpoint's own path parameters,
        then the created item's id from the response example (or the id format's)."""
        fallback = {"integer": 42, "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}.get(
            self.design.project.id_format, "abc123")
        example = r.example if r.has_example and isinstance(r.example, dict) else {}
        out = item
        for name in re.findall(r"\{([^{}]+)\}", item):
            p = ep.path_params.get(name)
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
            if p is not None and p.has_example:
                value: Any = p.example
            elif name == item.rsplit("{", 1)[1][:-1]:
                value = example.get(snake, example.get("id", fallback))
            else:
                value = fallback
            out = out.replace("{" + name + "}", str(value))
        return self.design.project.base_path.rstrip("/") + out

    # -- error responses -------------------------------------------------------------------

    def error_response(self, ep: Endpoint, e: Response, at: Path) -> dict[str, Any]:
        name, description, _ = _standard(e.status)
        custom = e.description or e.schema is not None or e.has_example or e.content_type \
            or e.headers
        if not custom and e.status not in (400, 422):
            self.used_responses[e.status] = name
            self.uses_problem = True
            return {"$ref": f"#/components/responses/{name}"}
        ct = e.content_type or PROBLEM_JSON
        schema = e.schema
        if schema is None:
            schema = {"$ref": PROBLEM_REF}
            self.uses_problem = True
        media: dict[str, Any] = {"schema": schema}
        if e.schema is not None:
            self.origin((*at, "content", ct, "schema"), e.loc.at("schema"), mirror=True)
        if e.has_example:
            media["example"] = e.example
            self.origin((*at, "content", ct, "example"), e.loc.at("example"), mirror=True)
        elif e.schema is None:
            # 400 and 422 speak of the operation's own parameters and body.
            media["example"] = self.problem_example(e.status, ep)
        out: dict[str, Any] = {"description": e.description or description}
        if e.headers:
            self.origin((*at, "headers"), e.loc.at("headers"), mirror=True)
        headers = _with_designed(self.standard_headers(e.status), e.headers)
        if headers:
            out["headers"] = headers
        out["content"] = {ct: media}
        return out

    def problem_example(self, status: int, ep: Endpoint | None = None) -> dict[str, Any]:
        _, _, detail = _standard(status)
        example: dict[str, Any] = {"type": "about:blank", "title": _title(status),
                                   "status": status, "detail": detail}
        if ep is not None and status == 400:
            example["detail"] = self.bad_request_detail(ep)
        if status == 422:
            example["errors"] = [self.validation_error(ep)]
        return example

    def bad_request_detail(self, ep: Endpoint) -> str:
        """What makes a request to ``ep`` unreadable, in terms of its own input."""
        if ep.request is not None:
            ct = ep.request.content_type or "application/json"
            return "The request body is not valid JSON." if ct.endswith("json") \
                else f"The request body cannot be read as {ct}."
        for p in (*ep.filters, *ep.query):
            return f"The query parameter '{p.name}' {_must(self.resolve(p.schema))}."
        if ep.sorts:
            return "The query parameter 'sort' must name one of the sort fields."
        if ep.pagination is not None:
            style = ep.pagination.style or self.design.project.pagination.style
            return ("The query parameter 'page_size' must be an integer." if style == "page"
                    else "The query parameter 'cursor' is not a cursor this API issued.")
        for name in ep.path_param_names:
            p = ep.path_params.get(name)
            schema = p.schema if p is not None and p.schema is not None \
                else id_schema(self.design.project.id_format)
            return f"The path parameter '{name}' {_must(self.resolve(schema))}."
        for p in ep.headers:
            return f"The header '{p.name}' {_must(self.resolve(p.schema))}."
        return "The request cannot be read."

    def validation_error(self, ep: Endpoint | None) -> dict[str, str]:
        """One realistic field error of ``ep``: the first required field of its body."""
        schema = self.resolve(ep.request.schema) if ep is not None and ep.request else None
        if isinstance(schema, dict):
            required_names = schema.get("required")
            properties = schema.get("properties")
            names = [n for n in required_names if isinstance(n, str)] \
                if isinstance(required_names, list) else []
            required = bool(names)
            if not names and isinstance(properties, dict):
                names = [n for n in properties if isinstance(n, str)]
            for name in names:
                return {"pointer": json_pointer((name,)),
                        "detail": "This field is required." if required
                        else "This value is not allowed here."}
            return {"pointer": "", "detail": "The body must be a JSON object."}
        params = [*ep.filters, *ep.query, *ep.headers] if ep is not None else []
        for p in params:
            return {"parameter": p.name, "detail": f"The value {_must(self.resolve(p.schema))}."}
        return {"pointer": "", "detail": "The request is not valid."}

    def resolve(self, schema: Any) -> Any:
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if not ref.startswith(COMPONENT_PREFIX) or ref in seen:
                return None
            seen.add(ref)
            named = self.design.schemas.get(ref[len(COMPONENT_PREFIX):])
            schema = named.schema if named is not None else None
        return schema

    # -- integrations ----------------------------------------------------------------------

    def webhooks(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        tag = self.webhook_tag
        for w in self.design.webhooks:
            at: Path = ("webhooks", w.name, "post")
            self.origin(("webhooks", w.name), w.loc)
            op: dict[str, Any] = {"operationId": webhook_operation_id(w.name),
                                  "summary": w.summary or f"The {w.name} webhook"}
            self.origin((*at, "operationId"), w.loc.at("name"))
            desc = [w.description] if w.description else []
            if w.trigger:
                desc.append(f"Trigger: {w.trigger}")
            if desc:
                op["description"] = "\n\n".join(desc)
            op["tags"] = [tag]
            header = _str((w.signing or {}).get("header"))
            if header:
                algorithm = _str((w.signing or {}).get("algorithm"))
                secret = _str((w.signing or {}).get("secret"))
                about = f"The {algorithm} signature" if algorithm else "The signature"
                about += " of the raw body; verify it before trusting the delivery."
                op["parameters"] = [{
                    "name": header, "in": "header", "required": True,
                    "description": about + (f" Key: {secret}" if secret else ""),
                    "schema": {"type": "string", "maxLength": 1024},
                }]
                self.origin((*at, "parameters"), w.loc.at("signing", "header"))
            if w.fr_ids:
                op["x-fr-ids"] = list(w.fr_ids)
                self.origin((*at, "x-fr-ids"), w.loc.at("fr_ids"), mirror=True)
            if w.payload is not None:
                op["requestBody"] = {
                    **({"description": w.payload.description} if w.payload.description else {}),
                    "required": True,
                    "content": {"application/json": self.payload_media(
                        w.payload, (*at, "requestBody", "content", "application/json"))},
                }
                self.origin((*at, "requestBody"), w.payload.loc)
            failed = "Any other status"
            failed += f", or no answer within {w.timeout}," if w.timeout else ""
            failed += " is a failed delivery"
            attempts = (w.retries or {}).get("max_attempts")
            failed += "; it is retried (see `x-retries`)." if attempts else "."
            op["responses"] = {
                "2XX": {"description": "The receiver accepted the delivery."},
                "default": {"description": failed},
            }
            op["security"] = []
            if w.signing is not None:
                op["x-signing"] = copy.deepcopy(w.signing)
                self.origin((*at, "x-signing"), w.loc.at("signing"), mirror=True)
            if w.retries is not None:
                op["x-retries"] = copy.deepcopy(w.retries)
                self.origin((*at, "x-retries"), w.loc.at("retries"), mirror=True)
            if w.timeout:
                op["x-timeout"] = w.timeout
            out[w.name] = {"post": op}
        return out

    def payload_media(self, payload: Payload, at: Path) -> dict[str, Any]:
        return self.media(payload.schema, payload.has_example, payload.example, at, payload.loc)

    def bundle(self, schema: Any, at: Path) -> Any:
        """A copy of ``schema`` (placed at ``at``) with the named schemas it uses in ``$defs``.

        Its references point at those ``$defs`` by their place in the whole document
        (``#/x-events/0/payload/schema/$defs/Task``): a reference in an OpenAPI document is
        resolved against the document, and mock servers and linters resolve every one of
        them, extensions included — ``#/$defs/Task`` would point at the document's root.
        """
        names = sorted(named_closure(self.design, component_refs(schema)) & set(self.design.schemas))
        if not names or not isinstance(schema, dict):
            return schema
        base = "#" + json_pointer((*at, "$defs")) + "/"
        out = _rewrite_refs(schema, base)
        defs = dict(out.get("$defs") or {})
        for name in names:
            defs.setdefault(name, _rewrite_refs(self.design.schemas[name].schema, base))
        out["$defs"] = defs
        return out

    def events(self) -> list[dict[str, Any]]:
        out = []
        for i, ev in enumerate(self.design.events):
            self.origin(("x-events", i), ev.loc)
            item: dict[str, Any] = {"name": ev.name, "version": ev.version}
            for key, value in (("description", ev.description), ("channel", ev.channel),
                               ("producer", ev.producer)):
                if value:
                    item[key] = value
            if ev.consumers:
                item["consumers"] = list(ev.consumers)
            if ev.fr_ids:
                item["x-fr-ids"] = list(ev.fr_ids)
            if ev.payload is not None:
                self.origin(("x-events", i, "payload"), ev.payload.loc)
                payload = self.payload_media(ev.payload, ("x-events", i, "payload"))
                if "schema" in payload:
                    payload["schema"] = self.bundle(payload["schema"],
                                                    ("x-events", i, "payload", "schema"))
                item["payload"] = payload
            out.append(item)
        return out

    # -- components ------------------------------------------------------------------------

    def components(self, skip: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        schemas: dict[str, Any] = {}
        for name, ns in self.design.schemas.items():
            if name in skip:
                continue
            schemas[name] = ns.schema
            self.origin(("components", "schemas", name), ns.loc, mirror=True)
        if self.uses_problem and not self.problem_is_designed:
            schemas[PROBLEM] = problem_schema()
        if schemas:
            out["schemas"] = schemas
        if self.used_responses:
            responses = {}
            for status in sorted(self.used_responses):
                name, description, _ = _standard(status)
                resp: dict[str, Any] = {"description": description}
                headers = self.standard_headers(status)
                if headers:
                    resp["headers"] = headers
                resp["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF},
                                                  "example": self.problem_example(status)}}
                responses[name] = resp
            out["responses"] = responses
        if self.used_headers:
            shared = self.shared_headers()
            out["headers"] = {n: shared[n] for n in sorted(self.used_headers)}
            if self.design.project.responses.loc is not None:
                self.origin(("components", "headers"), self.design.project.responses.loc)
        if self.scheme is not None:
            name, scheme = self.scheme
            out["securitySchemes"] = {name: scheme}
            if self.design.auth is not None:
                self.origin(("components", "securitySchemes"), self.design.auth.loc)
        return out


    def shared_headers(self) -> dict[str, dict[str, Any]]:
        """The headers responses share, by name (components/headers)."""
        conv = self.design.project.responses
        bounded = {"type": "string", "maxLength": 256}
        out: dict[str, dict[str, Any]] = {
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "format": "int32", "minimum": 0,
                           "maximum": 86400},
                "example": 30,
            },
            "ETag": {
                "description": "The version of the resource; send it as If-Match to change "
                               "it.",
                "schema": {"type": "string", "minLength": 2, "maxLength": 256,
                           "pattern": ENTITY_TAG},
                "example": '"3f2a7c1e"',
            },
        }
        if conv.rate_limit is not None:
            policy = conv.rate_limit.policy
            about = f" {conv.rate_limit.description}" if conv.rate_limit.description else ""
            out["RateLimit"] = {
                "description": "The quota left in the current window (IETF httpapi RateLimit "
                               "header fields draft): `r` requests remain, the window resets "
                               "in `t` seconds.",
                "schema": bounded, "example": _remaining(policy),
            }
            out["RateLimit-Policy"] = {
                "description": f"The quota policy: `{policy}` (`q` requests per `w` "
                               f"seconds).{about}",
                "schema": bounded, "example": policy,
            }
        if conv.cors_origin:
            out["Access-Control-Allow-Origin"] = {
                "description": "The origin whose browser scripts may read the response (CORS).",
                "schema": {"type": "string", "enum": [conv.cors_origin]},
                "example": conv.cors_origin,
            }
        return out


def _remaining(policy: str) -> str:
    """A RateLimit example for ``policy``: half the quota left, half the window to go."""
    name = policy.split(";", 1)[0].strip() or '"default"'
    q = re.search(r";\s*q=(\d+)", policy)
    w = re.search(r";\s*w=(\d+)", policy)
    return f"{name};r={int(q.group(1)) // 2 if q else 50};t={int(w.group(1)) // 2 if w else 30}"


def _with_designed(generated: dict[str, Any], designed: dict[str, Any]) -> dict[str, Any]:
    """Generated headers, then the designed ones (a designed header replaces a generated
    header of the same name, compared without case as HTTP does)."""
    if not designed:
        return generated
    names = {n.lower() for n in designed}
    out = {n: h for n, h in generated.items() if n.lower() not in names}
    out.update(copy.deepcopy(designed))
    return out


def _server(server: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in server.items() if k != "internal"}
    if isinstance(server.get("internal"), bool):
        out["x-internal"] = server["internal"]
    return out


def _permission_line(ep: Endpoint) -> str:
    """Who may call the operation, for readers of the document (not only `x-permission`)."""
    if ep.public:
        return "**Public**: callable without authentication."
    if ep.permission:
        return f"**Permission**: `{ep.permission}`."
    return ""


def _who(ep: Endpoint) -> str:
    if ep.public:
        return "it is public"
    return f"it needs '{ep.permission}'" if ep.permission else "nothing"


def _must(schema: Any) -> str:
    """How a value of ``schema`` must look, for a 400 example."""
    if not isinstance(schema, dict):
        return "is not valid"
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return "must be one of " + ", ".join(str(v) for v in schema["enum"][:6])
    kind = schema.get("type")
    fmt = schema.get("format")
    if fmt == "uuid":
        return "must be a UUID"
    if fmt in ("date", "date-time"):
        return f"must be a {'date' if fmt == 'date' else 'timestamp'} (RFC 3339)"
    if kind == "integer":
        return "must be an integer"
    if kind == "number":
        return "must be a number"
    if kind == "boolean":
        return "must be true or false"
    if isinstance(schema.get("maxLength"), int):
        return f"must be at most {schema['maxLength']} characters"
    return "is not valid"


def _contradictions(mine: Any, theirs: Any, path: Path = ()) -> Iterator[tuple[Path, Any, Any]]:
    """Where ``theirs`` (raw fields) sets a value that differs from ``mine`` (generated)."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for k, v in theirs.items():
            if k in mine:
                yield from _contradictions(mine[k], v, (*path, k))
    elif mine != theirs:
        yield path, mine, theirs


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def webhook_operation_id(name: str) -> str:
    """The camelCase operationId of a webhook, as endpoints have: ``task.completed`` →
    ``onTaskCompleted`` (the operation a subscriber implements)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    return "on" + "".join(w[:1].upper() + w[1:] for w in words) if words else "onEvent"


def _rewrite_refs(schema: Any, base: str) -> Any:
    """A copy of ``schema`` with ``#/components/schemas/X`` references as ``{base}X``."""
    if isinstance(schema, list):
        return [_rewrite_refs(x, base) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "$ref" and isinstance(v, str) and v.startswith(COMPONENT_PREFIX):
            out[k] = base + v[len(COMPONENT_PREFIX):]
        elif k in DATA_KEYWORDS:
            out[k] = v
        else:
            out[k] = _rewrite_refs(v, base)
    return out


def _ordered(item: dict[str, Any]) -> dict[str, Any]:
    """Path item with operations in the standard method order."""
    return {m: item[m] for m in sorted(item, key=lambda m: (
        METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER), m))}


def _deep_merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    """Merge ``extra`` into ``target``: mappings merge key by key, anything else replaces."""
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(target.get(k), dict):
            merged = dict(target[k])
            _deep_merge(merged, v)
            target[k] = merged
        else:
            target[k] = v
