"""The API part of the change catalog, on OpenAPI documents written here (no design): one
case per check — a base, a head, and the id, level and JSON paths expected. The levels are
compared with oasdiff's own catalog (``oasdiff_checks.txt``), an independent reference."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from designgate.diff.api import ApiDiff
from designgate.diff.catalog import ASPECTS, CATALOG, PLACES, Level, oasdiff_levels

Found = list[tuple[str, str, tuple[str, ...], Any, Any]]


def run(base: dict[str, Any], head: dict[str, Any]) -> Found:
    found: Found = []

    def report(cid: str, subject: str, detail: tuple[str, ...], message: str, pa: Any,
               pb: Any, before: Any, after: Any) -> None:
        assert cid in CATALOG, cid
        assert message and "\n" not in message
        found.append((cid, subject, detail, pa, pb))

    ApiDiff(base, head, report).run()
    return found


def doc(op: dict[str, Any] | None = None, path: str = "/tasks/{taskId}",
        schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    op = op if op is not None else {"operationId": "getTask", "responses": {"200": {
        "description": "ok"}}}
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"},
            "paths": {path: {"get": op}}, "components": {"schemas": schemas or {}}}


def ids(found: Found) -> list[str]:
    return [f[0] for f in found]


# --- schema aspects, in every place -----------------------------------------------------------

#: A polymorphic schema (the alternatives are the same in both versions of each case).
_PET: dict[str, Any] = {"oneOf": [{"type": "object", "properties": {"kind": {"type": "string"}}},
                                  {"type": "object", "properties": {"kind": {"type": "string"},
                                                                    "bark": {"type": "string"}}}]}

#: aspect → (base schema, head schema); the same pair is placed in each context below.
SCHEMA_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "type-changed": ({"type": "string"}, {"type": "boolean"}),
    "type-generalized": ({"type": "integer"}, {"type": "number"}),
    "type-specialized": ({"type": "number"}, {"type": "integer"}),
    "became-nullable": ({"type": "string"}, {"type": ["string", "null"]}),
    "became-not-nullable": ({"type": ["string", "null"]}, {"type": "string"}),
    "became-enum": ({"type": "string"}, {"type": "string", "enum": ["a", "b"]}),
    "enum-removed": ({"type": "string", "enum": ["a"]}, {"type": "string"}),
    "enum-value-removed": ({"type": "string", "enum": ["a", "b"]},
                           {"type": "string", "enum": ["a"]}),
    "enum-value-added": ({"type": "string", "enum": ["a"]},
                         {"type": "string", "enum": ["a", "b"]}),
    "const-added": ({"type": "string"}, {"type": "string", "const": "a"}),
    "const-changed": ({"type": "string", "const": "a"}, {"type": "string", "const": "b"}),
    "const-removed": ({"type": "string", "const": "a"}, {"type": "string"}),
    "max-decreased": ({"type": "integer", "maximum": 10}, {"type": "integer", "maximum": 5}),
    "max-increased": ({"type": "integer", "maximum": 5}, {"type": "integer", "maximum": 10}),
    "max-set": ({"type": "integer"}, {"type": "integer", "maximum": 10}),
    "max-unset": ({"type": "integer", "maximum": 10}, {"type": "integer"}),
    "min-increased": ({"type": "integer", "minimum": 1}, {"type": "integer", "minimum": 2}),
    "min-decreased": ({"type": "integer", "minimum": 2}, {"type": "integer", "minimum": 1}),
    "min-set": ({"type": "integer"}, {"type": "integer", "minimum": 1}),
    "min-unset": ({"type": "integer", "minimum": 1}, {"type": "integer"}),
    "exclusive-max-decreased": ({"type": "number", "exclusiveMaximum": 10},
                                {"type": "number", "exclusiveMaximum": 9}),
    "exclusive-max-increased": ({"type": "number", "exclusiveMaximum": 9},
                                {"type": "number", "exclusiveMaximum": 10}),
    "exclusive-min-increased": ({"type": "number", "exclusiveMinimum": 0},
                                {"type": "number", "exclusiveMinimum": 1}),
    "exclusive-min-decreased": ({"type": "number", "exclusiveMinimum": 1},
                                {"type": "number", "exclusiveMinimum": 0}),
    "max-length-decreased": ({"type": "string", "maxLength": 200},
                             {"type": "string", "maxLength": 100}),
    "max-length-increased": ({"type": "string", "maxLength": 100},
                             {"type": "string", "maxLength": 200}),
    "max-length-set": ({"type": "string"}, {"type": "string", "maxLength": 10}),
    "max-length-unset": ({"type": "string", "maxLength": 10}, {"type": "string"}),
    "min-length-increased": ({"type": "string", "minLength": 1},
                             {"type": "string", "minLength": 3}),
    "min-length-decreased": ({"type": "string", "minLength": 3},
                             {"type": "string", "minLength": 1}),
    "max-items-decreased": ({"type": "array", "maxItems": 9}, {"type": "array", "maxItems": 3}),
    "max-items-increased": ({"type": "array", "maxItems": 3}, {"type": "array", "maxItems": 9}),
    "min-items-increased": ({"type": "array", "minItems": 0}, {"type": "array", "minItems": 1}),
    "min-items-decreased": ({"type": "array", "minItems": 1}, {"type": "array", "minItems": 0}),
    "pattern-added": ({"type": "string"}, {"type": "string", "pattern": "^a"}),
    "pattern-changed": ({"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"}),
    "pattern-removed": ({"type": "string", "pattern": "^a"}, {"type": "string"}),
    "default-value-changed": ({"type": "integer", "default": 1},
                              {"type": "integer", "default": 2}),
    "default-value-added": ({"type": "integer"}, {"type": "integer", "default": 1}),
    "default-value-removed": ({"type": "integer", "default": 1}, {"type": "integer"}),
    "additional-properties-forbidden": (
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "object", "properties": {"a": {"type": "string"}},
         "additionalProperties": False}),
    "additional-properties-allowed": (
        {"type": "object", "properties": {"a": {"type": "string"}},
         "additionalProperties": False},
        {"type": "object", "properties": {"a": {"type": "string"}}}),
    "one-of-added": ({"oneOf": [{"type": "string"}]},
                     {"oneOf": [{"type": "string"}, {"type": "integer"}]}),
    "one-of-removed": ({"oneOf": [{"type": "string"}, {"type": "integer"}]},
                       {"oneOf": [{"type": "string"}]}),
    "any-of-added": ({"anyOf": [{"type": "string"}]},
                     {"anyOf": [{"type": "string"}, {"type": "integer"}]}),
    "any-of-removed": ({"anyOf": [{"type": "string"}, {"type": "integer"}]},
                       {"anyOf": [{"type": "string"}]}),
    "all-of-added": ({"allOf": [{"type": "object"}]},
                     {"allOf": [{"type": "object"}, {"required": ["x"]}]}),
    "all-of-removed": ({"allOf": [{"type": "object"}, {"required": ["x"]}]},
                       {"allOf": [{"type": "object"}]}),
    "deprecated": ({"type": "string"}, {"type": "string", "deprecated": True}),
    "reactivated": ({"type": "string", "deprecated": True}, {"type": "string"}),
    "discriminator-added": (_PET, {**_PET, "discriminator": {"propertyName": "kind"}}),
    "discriminator-removed": ({**_PET, "discriminator": {"propertyName": "kind"}}, _PET),
    "discriminator-property-name-changed": (
        {**_PET, "discriminator": {"propertyName": "kind"}},
        {**_PET, "discriminator": {"propertyName": "type"}}),
    "discriminator-mapping-added": (
        {**_PET, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat"}}},
        {**_PET, "discriminator": {"propertyName": "kind",
                                   "mapping": {"cat": "#/c/Cat", "dog": "#/c/Dog"}}}),
    "discriminator-mapping-deleted": (
        {**_PET, "discriminator": {"propertyName": "kind",
                                   "mapping": {"cat": "#/c/Cat", "dog": "#/c/Dog"}}},
        {**_PET, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat"}}}),
    "discriminator-mapping-changed": (
        {**_PET, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat"}}},
        {**_PET, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Lion"}}}),
}


def _wrap_property(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"field": schema}}


def _place(place: str, a: dict[str, Any], b: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Two documents with the schema pair in ``place``."""
    def op(schema: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"description": "ok"}
        o: dict[str, Any] = {"operationId": "op", "responses": {"200": ok}}
        if place == "request-body":
            o["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        elif place == "request-parameter":
            o["parameters"] = [{"name": "q", "in": "query", "schema": schema}]
        elif place == "response-body":
            ok["content"] = {"application/json": {"schema": schema}}
        elif place == "response-header":
            ok["headers"] = {"X-Rate": {"schema": schema}}
        return o

    if place == "webhook-payload":
        def hook(schema: dict[str, Any]) -> dict[str, Any]:
            d = doc()
            d["webhooks"] = {"task.created": {"post": {"requestBody": {"content": {
                "application/json": {"schema": schema}}}, "responses": {"200": {
                    "description": "ok"}}}}}
            return d
        return hook(a), hook(b)
    return doc(op(a), "/x"), doc(op(b), "/x")


API_PLACES = ["request-body", "request-parameter", "response-body", "response-header",
              "webhook-payload"]
CASES = [(place, aspect, root) for place in API_PLACES for aspect in SCHEMA_CASES
         for root in (True, False) if not (place == "response-header" and not root)]


@pytest.mark.parametrize(("place", "aspect", "root"), CASES,
                         ids=[f"{p}-{a}-{'root' if r else 'property'}" for p, a, r in CASES])
def test_each_schema_aspect_in_each_place(place: str, aspect: str, root: bool) -> None:
    a, b = SCHEMA_CASES[aspect]
    if not root:
        a, b = _wrap_property(a), _wrap_property(b)
    base, head = _place(place, copy.deepcopy(a), copy.deepcopy(b))
    prefix = PLACES[place][0] if root else PLACES[place][1]
    expected = f"{prefix}-{aspect}"
    found = run(base, head)
    assert ids(found) == [expected], found
    # The base and head paths point into each document at the schema that changed.
    _, _, detail, pa, pb = found[0]
    suffix = ("schema",) if root else ("schema", "properties", "field")
    assert pa == pb and pa[-len(suffix):] == suffix, found
    assert pa[0] == ("webhooks" if place == "webhook-payload" else "paths")
    if not root:
        assert detail[-1] == "field"


def test_the_same_documents_have_no_change() -> None:
    for a, b in SCHEMA_CASES.values():
        for place in API_PLACES:
            base, _ = _place(place, a, b)
            assert run(base, copy.deepcopy(base)) == []


def test_levels_agree_with_oasdiff_where_it_has_the_check() -> None:
    """Our level of every check oasdiff also has equals oasdiff's, except the documented
    disagreements (each with its reason in the guide's change reference)."""
    theirs = oasdiff_levels()
    disagree = {k.id: (str(k.level), str(theirs[k.oasdiff])) for k in CATALOG.values()
                if k.oasdiff and theirs[k.oasdiff] != k.level}
    assert disagree == DOCUMENTED_DISAGREEMENTS


#: id → (our level, oasdiff's level); the reasons are in guide/changes.md.
DOCUMENTED_DISAGREEMENTS = {
    "api-security-added": ("breaking", "info"),
    "api-security-removed": ("warning", "info"),
    "api-deprecated-sunset-missing": ("warning", "breaking"),
    "api-major-version-not-bumped": ("breaking", "info"),
    "api-version-decreased": ("warning", "info"),
    "response-body-any-of-added": ("breaking", "info"),
    "response-property-any-of-added": ("breaking", "info"),
    "response-body-all-of-removed": ("breaking", "info"),
    "response-property-all-of-removed": ("breaking", "info"),
    # readOnly / writeOnly flips, levelled as the removal or addition they amount to
    "request-required-property-became-read-only": ("warning", "info"),
    "request-optional-property-became-read-only": ("warning", "info"),
    "request-required-property-became-not-read-only": ("breaking", "info"),
    "response-required-property-became-write-only": ("breaking", "info"),
    "response-optional-property-became-write-only": ("warning", "info"),
    "response-optional-property-became-not-write-only": ("warning", "info"),
    # discriminators: what generated clients dispatch on
    **{f"{p}-discriminator-{a}": ("breaking", "info")
       for p in ("request-body", "request-property", "response-body", "response-property")
       for a in ("property-name-changed", "mapping-changed")},
    "response-body-discriminator-mapping-added": ("warning", "info"),
    "response-property-discriminator-mapping-added": ("warning", "info"),
}


def test_the_catalog_is_large_and_documented() -> None:
    assert len(CATALOG) >= 120
    assert sum(1 for k in CATALOG.values() if k.level == Level.BREAKING) >= 60
    for k in CATALOG.values():
        assert k.summary.endswith(".") and k.why.endswith((".", ")")), k.id
        assert k.explain().startswith(f"# {k.id}")
    assert {k.area for k in CATALOG.values()} == {"api", "database", "auth", "integrations",
                                                  "upstream", "version"}
    assert len({k.oasdiff for k in CATALOG.values() if k.oasdiff}) >= 150


# --- operations --------------------------------------------------------------------------------


def test_an_operation_removed_without_deprecation_breaks_with_deprecation_informs() -> None:
    base = doc()
    assert ids(run(base, {**doc(), "paths": {}})) == ["api-removed-without-deprecation"]
    dep = doc({"operationId": "getTask", "deprecated": True, "responses": {}})
    assert ids(run(dep, {**doc(), "paths": {}})) == ["api-removed-with-deprecation"]
    assert ids(run({**doc(), "paths": {}}, base)) == ["endpoint-added"]


def test_renaming_a_path_parameter_is_no_change_moving_the_operation_is() -> None:
    a = doc(path="/tasks/{id}")
    assert run(a, doc(path="/tasks/{taskId}")) == []
    found = run(a, doc(path="/todos/{id}"))
    assert ids(found) == ["api-operation-moved"]
    assert found[0][3] == ("paths", "/tasks/{id}", "get")
    assert found[0][4] == ("paths", "/todos/{id}", "get")


def test_operation_id_deprecation_tags_security() -> None:
    a = doc({"operationId": "getTask", "tags": ["Tasks"], "security": [{"bearer": []}],
             "responses": {}})
    b = doc({"operationId": "readTask", "tags": ["Work"], "deprecated": True,
             "security": [{"bearer": []}], "responses": {}})
    assert sorted(ids(run(a, b))) == sorted([
        "api-operation-id-changed", "endpoint-deprecated", "api-deprecated-sunset-missing",
        "api-tag-added", "api-tag-removed"])
    public = doc({"operationId": "getTask", "responses": {}})
    assert ids(run(a, {**public})) == ["api-tag-removed", "api-security-removed"] or \
        sorted(ids(run(a, public))) == ["api-security-removed", "api-tag-removed"]
    assert ids(run(public, doc({"operationId": "getTask", "security": [{"bearer": []}],
                                "responses": {}}))) == ["api-security-added"]
    both = doc({"operationId": "getTask", "security": [{"apiKey": []}], "responses": {}})
    assert ids(run(doc({"operationId": "getTask", "security": [{"bearer": []}],
                        "responses": {}}), both)) == ["api-security-changed"]


def _params(*params: dict[str, Any]) -> dict[str, Any]:
    return doc({"operationId": "op", "parameters": list(params), "responses": {}}, "/x/{id}")


def test_parameters() -> None:
    path = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    q = {"name": "q", "in": "query", "schema": {"type": "string"}}
    base = _params(path, q)
    assert ids(run(base, _params(path, q, {"name": "r", "in": "query", "required": True,
                                           "schema": {"type": "string"}}))) == [
        "new-required-request-parameter"]
    assert ids(run(base, _params(path, q, {"name": "r", "in": "query"}))) == [
        "new-optional-request-parameter"]
    assert ids(run(base, _params(path))) == ["request-parameter-removed"]
    assert ids(run(_params(path, {**q, "deprecated": True}), _params(path))) == [
        "request-parameter-removed-with-deprecation"]
    assert ids(run(base, _params(path, {**q, "required": True}))) == [
        "request-parameter-became-required"]
    assert ids(run(_params(path, {**q, "required": True}), base)) == [
        "request-parameter-became-optional"]
    assert ids(run(base, _params(path, {**q, "in": "header"}))) == ["request-parameter-moved"]
    assert ids(run(base, _params(path, {**q, "deprecated": True}))) == [
        "request-parameter-deprecated"]


def test_a_new_path_parameter() -> None:
    a = doc(path="/tasks")
    b = doc({"operationId": "getTask", "parameters": [
        {"name": "id", "in": "path", "required": True}], "responses": {"200": {
            "description": "ok"}}}, "/tasks")
    assert ids(run(a, b)) == ["new-request-path-parameter"]


def _body(body: dict[str, Any] | None) -> dict[str, Any]:
    o: dict[str, Any] = {"operationId": "op", "responses": {}}
    if body is not None:
        o["requestBody"] = body
    return doc(o, "/x")


def test_request_bodies() -> None:
    js = {"application/json": {"schema": {"type": "object"}}}
    assert ids(run(_body(None), _body({"required": True, "content": js}))) == [
        "request-body-added-required"]
    assert ids(run(_body(None), _body({"content": js}))) == ["request-body-added-optional"]
    assert ids(run(_body({"content": js}), _body(None))) == ["request-body-removed"]
    assert ids(run(_body({"content": js}), _body({"content": js, "required": True}))) == [
        "request-body-became-required"]
    assert ids(run(_body({"content": js, "required": True}), _body({"content": js}))) == [
        "request-body-became-optional"]
    both = {**js, "text/csv": {"schema": {"type": "string"}}}
    assert ids(run(_body({"content": both}), _body({"content": js}))) == [
        "request-body-media-type-removed"]
    assert ids(run(_body({"content": js}), _body({"content": both}))) == [
        "request-body-media-type-added"]


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


def test_properties_by_direction() -> None:
    s = {"type": "string"}
    req = lambda schema: _body({"content": {"application/json": {"schema": schema}}})  # noqa: E731
    assert ids(run(req(_obj({"a": s}, [])), req(_obj({"a": s, "b": s}, ["b"])))) == [
        "new-required-request-property"]
    assert ids(run(req(_obj({"a": s}, [])), req(_obj({"a": s, "b": s}, [])))) == [
        "new-optional-request-property"]
    assert ids(run(req(_obj({"a": s, "b": s}, [])), req(_obj({"a": s}, [])))) == [
        "request-property-removed"]
    assert ids(run(req(_obj({"a": s}, [])), req(_obj({"a": s}, ["a"])))) == [
        "request-property-became-required"]
    assert ids(run(req(_obj({"a": s}, ["a"])), req(_obj({"a": s}, [])))) == [
        "request-property-became-optional"]
    # a read-only property is not sent: removing it changes no request
    ro = {"type": "string", "readOnly": True}
    assert run(req(_obj({"a": s, "id": ro}, [])), req(_obj({"a": s}, []))) == []

    def resp(schema: dict[str, Any]) -> dict[str, Any]:
        return doc({"operationId": "op", "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": schema}}}}}, "/x")

    assert ids(run(resp(_obj({"a": s, "b": s}, ["b"])), resp(_obj({"a": s}, [])))) == [
        "response-required-property-removed"]
    assert ids(run(resp(_obj({"a": s, "b": s}, [])), resp(_obj({"a": s}, [])))) == [
        "response-optional-property-removed"]
    assert ids(run(resp(_obj({"a": s}, ["a"])), resp(_obj({"a": s}, [])))) == [
        "response-property-became-optional"]
    assert ids(run(resp(_obj({"a": s}, [])), resp(_obj({"a": s}, ["a"])))) == [
        "response-property-became-required"]
    assert ids(run(resp(_obj({"a": s}, [])), resp(_obj({"a": s, "b": s}, ["b"])))) == [
        "response-required-property-added"]
    assert ids(run(resp(_obj({"a": s}, [])), resp(_obj({"a": s, "b": s}, [])))) == [
        "response-optional-property-added"]


def test_refs_are_followed_in_both_documents_and_recursion_ends() -> None:
    node = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10},
                                             "children": {"type": "array", "items": {
                                                 "$ref": "#/components/schemas/Node"}}}}
    op = {"operationId": "op", "requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Node"}}}}, "responses": {}}
    a = doc(op, "/x", {"Node": node})
    b = copy.deepcopy(a)
    b["components"]["schemas"]["Node"]["properties"]["name"]["maxLength"] = 5
    found = run(a, b)
    assert ids(found) == ["request-property-max-length-decreased"]
    assert found[0][3] == ("components", "schemas", "Node", "properties", "name")


def test_responses_statuses_media_types_headers_and_error_format() -> None:
    def resp(responses: dict[str, Any]) -> dict[str, Any]:
        return doc({"operationId": "op", "responses": responses}, "/x")

    ok = {"description": "ok", "content": {"application/json": {"schema": {}}}}
    assert ids(run(resp({"200": ok}), resp({"201": ok}))) == [
        "response-success-status-removed", "response-success-status-added"]
    err = {"description": "e", "content": {"application/problem+json": {"schema": {}}}}
    assert ids(run(resp({"200": ok, "404": err}), resp({"200": ok}))) == [
        "response-non-success-status-removed"]
    assert ids(run(resp({"200": ok}), resp({"200": ok, "404": err}))) == [
        "response-non-success-status-added"]
    plain = {"description": "e", "content": {"application/json": {"schema": {}}}}
    assert sorted(ids(run(resp({"404": err}), resp({"404": plain})))) == sorted([
        "response-error-format-changed", "response-media-type-added",
        "response-media-type-removed"])
    hdr = {**ok, "headers": {"ETag": {"required": True, "schema": {"type": "string"}}}}
    assert ids(run(resp({"200": hdr}), resp({"200": ok}))) == ["required-response-header-removed"]
    opt = {**ok, "headers": {"ETag": {"schema": {"type": "string"}}}}
    assert ids(run(resp({"200": opt}), resp({"200": ok}))) == ["optional-response-header-removed"]
    assert ids(run(resp({"200": ok}), resp({"200": opt}))) == ["response-header-added"]
    assert ids(run(resp({"200": hdr}), resp({"200": opt}))) == [
        "response-header-became-optional"]


def test_webhooks() -> None:
    a = doc()
    a["webhooks"] = {"task.created": {"post": {"x-signing": {"header": "X-Sig"},
                                               "x-retries": {"attempts": 3}}}}
    assert ids(run(a, doc())) == ["webhook-removed"]
    assert ids(run(doc(), a)) == ["webhook-added"]
    b = copy.deepcopy(a)
    b["webhooks"]["task.created"]["post"]["x-signing"] = {"header": "X-Signature"}
    b["webhooks"]["task.created"]["post"]["x-retries"] = {"attempts": 5}
    assert ids(run(a, b)) == ["webhook-signing-changed", "webhook-retries-changed"]


def _body_pair(side: str, a_prop: dict[str, Any], b_prop: dict[str, Any],
               required: tuple[list[str], list[str]] = ([], [])) -> tuple[dict[str, Any], ...]:
    def d(prop: dict[str, Any], req: list[str]) -> dict[str, Any]:
        schema = {"type": "object", "required": req,
                  "properties": {"id": {"type": "string"}, "secret": prop}}
        ok: dict[str, Any] = {"description": "ok"}
        op: dict[str, Any] = {"operationId": "op", "responses": {"200": ok}}
        if side == "request":
            op["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        else:
            ok["content"] = {"application/json": {"schema": schema}}
        return doc(op, "/x", {"Secret": {"type": "string", "writeOnly": True}})
    return d(a_prop, required[0]), d(b_prop, required[1])


@pytest.mark.parametrize(("side", "flag", "on", "required", "expected"), [
    ("request", "readOnly", True, True, "request-required-property-became-read-only"),
    ("request", "readOnly", True, False, "request-optional-property-became-read-only"),
    ("request", "readOnly", False, True, "request-required-property-became-not-read-only"),
    ("request", "readOnly", False, False, "request-optional-property-became-not-read-only"),
    ("request", "writeOnly", True, True, "request-required-property-became-write-only"),
    ("request", "writeOnly", True, False, "request-optional-property-became-write-only"),
    ("request", "writeOnly", False, True, "request-required-property-became-not-write-only"),
    ("request", "writeOnly", False, False, "request-optional-property-became-not-write-only"),
    ("response", "writeOnly", True, True, "response-required-property-became-write-only"),
    ("response", "writeOnly", True, False, "response-optional-property-became-write-only"),
    ("response", "writeOnly", False, True, "response-required-property-became-not-write-only"),
    ("response", "writeOnly", False, False,
     "response-optional-property-became-not-write-only"),
    ("response", "readOnly", True, True, "response-required-property-became-read-only"),
    ("response", "readOnly", True, False, "response-optional-property-became-read-only"),
    ("response", "readOnly", False, True, "response-required-property-became-not-read-only"),
    ("response", "readOnly", False, False, "response-optional-property-became-not-read-only"),
])
def test_read_only_and_write_only_flips(side: str, flag: str, on: bool, required: bool,
                                        expected: str) -> None:
    plain, flagged = {"type": "string"}, {"type": "string", flag: True}
    req = ["secret"] if required else []
    base, head = _body_pair(side, plain if on else flagged, flagged if on else plain,
                            (req, req))
    found = run(base, head)
    assert ids(found) == [expected], found
    assert found[0][2][-1] == "secret"


def test_a_property_hidden_in_one_direction_reports_only_its_flip() -> None:
    """A property that becomes read-only is no longer part of requests: its other changes
    there (bounds, requiredness) are not reported besides the flip; a flag beside a `$ref`
    (OpenAPI 3.1) or on the referenced schema counts."""
    base, head = _body_pair("request", {"type": "string", "maxLength": 10},
                            {"type": "string", "maxLength": 5, "readOnly": True},
                            ([], ["secret"]))
    assert ids(run(base, head)) == ["request-optional-property-became-read-only"]
    # both read-only: nothing in the request changes
    base, head = _body_pair("request", {"type": "string", "readOnly": True},
                            {"type": "integer", "readOnly": True})
    assert run(base, head) == []
    # the referenced schema is write-only: the response property became write-only
    base, head = _body_pair("response", {"type": "string"},
                            {"$ref": "#/components/schemas/Secret"}, (["secret"], ["secret"]))
    assert ids(run(base, head)) == ["response-required-property-became-write-only"]
    base, head = _body_pair("response", {"type": "string"},
                            {"$ref": "#/components/schemas/Secret", "description": "x"})
    assert ids(run(base, head)) == ["response-optional-property-became-write-only"]
    # a write-only property added to a response is not part of it
    base, head = _body_pair("response", {"type": "string", "writeOnly": True},
                            {"type": "string", "writeOnly": True})
    del base["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["properties"]["secret"]
    assert run(base, head) == []


def test_every_api_check_of_the_catalog_is_exercised_by_a_test_here() -> None:
    """Every api and payload check in the catalog is produced by a case of this file (the
    design-level ones by tests/test_diff.py)."""
    exercised = {f"{PLACES[p][0] if r else PLACES[p][1]}-{a}" for p, a, r in CASES}
    schema_ids = {f"{PLACES[p][0] if r else PLACES[p][1]}-{a}" for p in API_PLACES
                  for a in ASPECTS for r in (True, False)
                  if not (p == "response-header" and not r)}
    assert schema_ids <= exercised


def test_the_reference_page_lists_every_check_with_its_level() -> None:
    from designgate.diff.report import catalog_markdown

    page = catalog_markdown()
    for k in CATALOG.values():
        assert f'| <a id="check-{k.id}"></a>`{k.id}` | {k.level} |' in page


def test_a_changed_component_is_reported_for_every_operation_that_uses_it() -> None:
    """Unchanged components are walked once (a cache); a changed one never is skipped."""
    task = {"type": "object", "properties": {"title": {"type": "string", "maxLength": 200}}}
    other = {"type": "object", "properties": {"n": {"type": "integer"}}}

    def d(max_length: int) -> dict[str, Any]:
        t = copy.deepcopy(task)
        t["properties"]["title"]["maxLength"] = max_length
        ok = {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"task": {"$ref": "#/components/schemas/Task"},
                                            "other": {"$ref": "#/components/schemas/Other"}}}}}}
        paths = {f"/p{i}": {"get": {"operationId": f"op{i}", "responses": {"200": ok}}}
                 for i in range(3)}
        return {"openapi": "3.1.0", "paths": paths,
                "components": {"schemas": {"Task": t, "Other": other}}}

    found = run(d(200), d(300))
    assert sorted((f[0], f[1]) for f in found) == [
        ("response-property-max-length-increased", f"GET /p{i}") for i in range(3)]


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _nodes(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _nodes(v, (*path, i))
    return out


def test_malformed_documents_never_raise() -> None:
    """Any node of a rich document replaced by a value of the wrong type (the raw
    `openapi:` escape hatch lets a design write anything): the diff still completes."""
    rich = _place("request-body", *SCHEMA_CASES["one-of-removed"])[0]
    rich["paths"]["/x"]["get"].update({
        "tags": ["a"], "security": [{"b": []}], "parameters": [
            {"name": "q", "in": "query", "schema": {"type": ["string", "null"], "enum": ["a"]}}],
        "responses": {"200": {"description": "ok", "headers": {"H": {"schema": {}}},
                              "content": {"application/json": {"schema": {
                                  "type": "object", "required": ["a"],
                                  "properties": {"a": {"allOf": [{"type": "string"}]}}}}}}}})
    rich["webhooks"] = {"w": {"post": {"requestBody": {"content": {"application/json": {
        "schema": {"type": "object"}}}}}}}
    wrong: list[Any] = [None, "text", 7, [1, {"x": 1}], {"k": [None]}, True]
    for path in _nodes(rich)[1:]:
        for bad in wrong:
            head = copy.deepcopy(rich)
            node = head
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = bad
            run(rich, head)
            run(head, rich)
