"""Shared JSON Schema helpers: walking payload schemas and validating examples against them.

Payload schemas are plain JSON Schema 2020-12 dicts whose only references are
``#/components/schemas/Name`` (the loader normalises every ``$ref``). Examples are validated
against them with one validator whose root document is ``{"components": {"schemas": ...}}``,
so those references resolve without copying any schema; per-schema validators are derived
from it with ``evolve`` and cached by schema identity. jsonschema-rs decides first whether an
example fits (microseconds); python-jsonschema explains only the ones that do not.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from designgate.load.refs import COMPONENT_PREFIX

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

    from designgate.model.design import Design

# python-jsonschema (with referencing, attrs, rpds) is imported on first use: jsonschema-rs
# decides whether a value is valid, and only an invalid one needs python-jsonschema's
# explanation — a clean design is checked without importing it.

#: Keywords whose value is one subschema.
_ONE = (
    "items", "not", "additionalProperties", "contains", "propertyNames", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
)
#: Keywords whose value is a list of subschemas.
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
#: Keywords whose value maps names to subschemas.
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")

#: Keywords whose value is data, not a schema.
DATA_KEYWORDS = frozenset(("example", "examples", "const", "default", "enum"))
#: A path template parameter: `{name}`. Not `string.Formatter`, which raises on a lone brace.
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")


@cache
def schema_failures() -> tuple[type[BaseException], ...]:
    """What a broken schema can raise while a value is validated against it. The schema
    itself is reported by the OpenAPI rule (O001); the example check just skips it."""
    from jsonschema.exceptions import UnknownType
    from referencing.exceptions import Unresolvable

    return (UnknownType, Unresolvable, re.error, TypeError, AttributeError, ValueError,
            KeyError, IndexError, RecursionError)


def _refuse(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)


@cache
def offline_registry() -> Registry[Any]:
    """The registry every Python validator gets: the JSON Schema meta-schemas resolve
    (jsonschema adds them), anything else is unresolvable. Without it jsonschema falls back to
    fetching unknown URIs over the network — and a design must never make the tool do that."""
    from referencing import Registry

    return Registry(retrieve=_refuse)


def _int_range(bits: int) -> Any:
    def check(instance: object) -> bool:
        if isinstance(instance, bool) or not isinstance(instance, int):
            return True
        return -(1 << (bits - 1)) <= instance < 1 << (bits - 1)

    return check


@cache
def format_checker() -> FormatChecker:
    """JSON Schema 2020-12 formats plus the OpenAPI ones with a checkable meaning."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker()
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("int32")(_int_range(32))
    checker.checks("int64")(_int_range(64))
    return checker


def _python_validator(schema: Any) -> Any:
    """A python-jsonschema 2020-12 validator of ``schema``: formats asserted, offline."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema, format_checker=format_checker(),
                                registry=offline_registry())


def subschemas(schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[
        tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every schema object inside ``schema`` (itself included) with its relative path."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [(path, schema)]
    while stack:
        p, s = stack.pop()
        if not isinstance(s, dict):
            continue
        yield p, s
        for key in _ONE:
            if key in s:
                stack.append(((*p, key), s[key]))
        for key in _MANY:
            sub = s.get(key)
            if isinstance(sub, list):
                stack.extend(((*p, key, i), x) for i, x in enumerate(sub))
        for key in _MAP:
            sub = s.get(key)
            if isinstance(sub, dict):
                stack.extend(((*p, key, k), x) for k, x in sub.items())


def component_refs(schema: Any) -> set[str]:
    """Names of the named schemas ``schema`` references directly."""
    out: set[str] = set()
    stack: list[tuple[Any, bool]] = [(schema, False)]
    while stack:
        s, named = stack.pop()
        if isinstance(s, dict):
            ref = s.get("$ref")
            if not named and isinstance(ref, str) and ref.startswith(COMPONENT_PREFIX):
                out.add(ref[len(COMPONENT_PREFIX):])
            for key, v in s.items():
                # Data keywords hold values, not schemas (a `$ref` in them is just data),
                # unless the mapping is one of names (a property called `example`).
                if (named or key not in DATA_KEYWORDS) and isinstance(v, (dict, list)):
                    stack.append((v, not named and key in _MAP))
        elif isinstance(s, list):
            stack.extend((x, False) for x in s if isinstance(x, (dict, list)))
    return out


def named_refs(design: Design, name: str) -> frozenset[str]:
    """``component_refs`` of the design's named schema ``name`` (none when there is no such
    schema), worked out once per design: every closure over the named schemas asks again."""
    table = design.cache.get("named_refs")
    if table is None:
        table = design.cache["named_refs"] = {}
    refs = table.get(name)
    if refs is None:
        ns = design.schemas.get(name)
        refs = table[name] = frozenset(component_refs(ns.schema)) if ns is not None \
            else frozenset()
    return refs


def named_closure(design: Design, names: set[str] | frozenset[str]) -> set[str]:
    """``names`` plus every named schema they reference, transitively."""
    out: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(named_refs(design, name) - out)
    return out


def one_line(text: str, limit: int = 160) -> str:
    """Collapse whitespace to one line and cut it at ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class ExampleValidator:
    """Validates example values against payload schemas of one design.

    ``components`` maps schema names to schemas (``components/schemas`` of the document).
    """

    def __init__(self, components: dict[str, Any]) -> None:
        self._root: Any = None  # python-jsonschema's, built when an example does not fit
        self._components = components
        self._registry: Any = None  # jsonschema-rs's, built on first use
        self._last: tuple[Any, Any] = (None, None)  # (schema, its jsonschema-rs validator)
        # Keep the schema objects alive: the cache is keyed by their identity.
        self._cache: dict[int, list[Any]] = {}
        # Named schemas that are not valid schemas (rule O001), or use one: an example
        # checked against them would only produce noise.
        refs = {name: component_refs(s) for name, s in components.items()}
        self._broken = {name for name, s in components.items() if schema_errors(s)}
        grew = True
        while grew:
            more = {n for n, r in refs.items() if n not in self._broken and r & self._broken}
            grew = bool(more)
            self._broken |= more

    def _validators(self, schema: Any) -> list[Any]:
        """[``schema``, usable, python-jsonschema validator or None until asked for]; not
        usable when the schema is broken."""
        hit = self._cache.get(id(schema))
        if hit is None or hit[0] is not schema:
            usable = not (component_refs(schema) & self._broken) and not schema_errors(schema)
            hit = self._cache[id(schema)] = [schema, usable, None]
        return hit

    def _fits(self, schema: Any, instance: Any) -> bool:
        """Whether jsonschema-rs finds ``instance`` valid (False: it does not, or cannot say).

        Only the last schema's compiled validator is kept: the examples of one schema come
        one after another, and a compiled validator of each of a large design's thousands of
        schemas would hold tens of megabytes.
        """
        if self._last[0] is not schema:
            self._last = (schema, self._fast(schema))
        fast = self._last[1]
        if fast is None:
            return False
        try:
            return bool(fast.is_valid(instance))
        except (ValueError, TypeError, OverflowError):
            return False  # not plain JSON (a non-string key, a huge number...): the slow path

    def _fast(self, schema: Any) -> Any:
        """The jsonschema-rs validator of ``schema``, or None (then python-jsonschema decides).

        It is only ever asked "does the example fit?": a "no" goes to python-jsonschema for the
        message, so where jsonschema-rs is the stricter of the two it cannot add a finding.
        Where it is the laxer one, it is the one JSON Schema agrees with: a `pattern` (and a
        `format: regex` value) is an ECMA-262 regex, which it reads as such and Python's `re`
        does not (`(?<name>x)`). The formats python-jsonschema checks beyond JSON Schema's
        (`int32`, `int64`) become the bounds they stand for; tests/test_rules_examples.py
        holds the cases where python-jsonschema finds a misfit.
        """
        try:
            import jsonschema_rs as rs
        except ImportError:  # pragma: no cover - a platform without its wheel
            return None
        if self._registry is None:
            try:
                copied = {"components": {"schemas": _rust_copy(self._components, "")}}
                self._registry = rs.Registry([(_COMPONENTS_URI, copied)])
            except Exception:  # named schemas it cannot take: python-jsonschema decides all
                self._registry = False
        if self._registry is False:
            return None
        return _rust_validator(schema, self._registry)

    def errors(self, schema: Any, instance: Any) -> list[ValidationError]:
        """Validation errors of ``instance`` (empty when it fits or the schema is broken)."""
        if schema is True or schema == {}:
            return []
        hit = self._validators(schema)
        _, usable, validator = hit
        if not usable or self._fits(schema, instance):
            return []
        if validator is None:
            if self._root is None:
                self._root = _python_validator({"components": {"schemas": self._components}})
            validator = hit[2] = self._root.evolve(schema=schema)
        try:
            return sorted(validator.iter_errors(instance), key=_error_order)
        except schema_failures():
            return []


#: Where the named schemas live for jsonschema-rs (a URI of its registry, never fetched).
_COMPONENTS_URI = "urn:designgate:components"
#: OpenAPI's integer formats as the bounds they assert (python-jsonschema checks them above).
_INT_BOUNDS = {"int32": (-(1 << 31), (1 << 31) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}


def _rust_validator(schema: Any, registry: Any = None) -> Any:
    """jsonschema-rs's validator of ``schema`` (formats asserted, never fetching): with a
    ``registry``, its named-schema references reach it; None when it cannot compile it, and
    python-jsonschema decides."""
    try:
        import jsonschema_rs as rs

        copy = _rust_copy(schema, _COMPONENTS_URI if registry is not None else "")
        return rs.validator_for(copy, registry=registry, validate_formats=True,
                                retriever=_no_network)
    except Exception:  # a pattern it cannot compile, a platform without its wheel...
        return None


def _rust_copy(node: Any, ref_base: str, names: bool = False) -> Any:
    """A copy of a schema for jsonschema-rs: ``#/components/schemas/`` references prefixed
    with ``ref_base`` (so they reach the registry), `int32` / `int64` written as bounds too.
    ``names``: ``node`` maps names to schemas (``properties``...), so its keys are not
    keywords. Data keywords (examples, enums...) are kept as they are."""
    if isinstance(node, list):
        return [_rust_copy(x, ref_base) for x in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {k: _rust_copy(v, ref_base) for k, v in node.items()}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            out[key] = value
        elif key == "$ref" and ref_base and isinstance(value, str) \
                and value.startswith(COMPONENT_PREFIX):
            out[key] = ref_base + value
        else:
            out[key] = _rust_copy(value, ref_base, key in _MAP)
    fmt = out.get("format")
    bounds = _INT_BOUNDS.get(fmt) if isinstance(fmt, str) else None
    if bounds is not None:
        low, high = out.get("minimum"), out.get("maximum")
        numeric = (int, float)
        out["minimum"] = max(low, bounds[0]) if isinstance(low, numeric) else bounds[0]
        out["maximum"] = min(high, bounds[1]) if isinstance(high, numeric) else bounds[1]
    return out


def _error_order(err: ValidationError) -> tuple[str, str]:
    return ("/".join(str(p) for p in err.absolute_path), err.message)


def error_message(err: ValidationError) -> str:
    """The validator's message, on one line and short, with where inside the value."""
    where = "/".join(str(p) for p in err.absolute_path)
    msg = one_line(err.message, 140)
    return f"{msg} (at /{where})" if where else msg


# --- OpenAPI 3.1 document validation -------------------------------------------------------
#
# The checks of openapi-spec-validator (OpenAPIV31SpecValidator): the document against the
# OpenAPI 3.1 schema, every Schema Object against the OpenAPI 3.1 schema dialect, `default`
# values against their schema, `required` names under `allOf`, unique operation ids,
# unique parameters, resolvable path parameters, unique tag names — and, beyond it, the
# schemas of request bodies, response headers and webhooks, which it skips. The library
# walks the document through jsonschema-path and re-crawls meta-schema registries on every
# dynamic reference, which takes seconds per thousand operations; this walks plain dicts,
# reuses compiled meta-schema validators (jsonschema-rs when installed), and knows the
# document path of every error. tests/test_rules_openapi.py checks it agrees with the
# library.

_UNSEEN = object()


def _spell(link: Any) -> tuple[str | int, ...]:
    """The path a (parent, key) link chain stands for."""
    parts: list[str | int] = []
    while link is not None:
        link, key = link
        parts.append(key)
    return tuple(reversed(parts))


#: Keys whose value is data wherever they occur in a document (no reference inside counts).
_DATA_VALUES = frozenset(("example", "default", "const", "enum"))
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_DOCUMENT_SCHEMA_ID = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"
OAS31_BASE_DIALECT_ID = "https://spec.openapis.org/oas/3.1/dialect/base"
_PREFERRED = {"enum": 0, "const": 1, "required": 2, "additionalProperties": 3, "pattern": 4}

Path = tuple[str | int, ...]


def _no_network(uri: str) -> Any:
    raise ValueError(f"designgate never fetches remote schemas ({uri})")


class _PyMeta:
    """Meta-schema validation with python-jsonschema (the fallback)."""

    def __init__(self, schema_id: str, registry: Any, formats: bool) -> None:
        from jsonschema import Draft202012Validator

        # A tiny root that references the (pre-crawled) meta-schema: a validator whose root
        # *is* the meta-schema re-crawls it on every `$dynamicRef`.
        self.validator = Draft202012Validator({"$ref": schema_id}, registry=registry,
                                              format_checker=format_checker() if formats
                                              else None)

    def errors(self, instance: Any) -> Iterator[tuple[Path, str]]:
        for err in self.validator.iter_errors(instance):
            yield tuple(err.absolute_path), _py_message(err)


class _RsMeta:
    """Meta-schema validation with jsonschema-rs (compiled once, microseconds per schema)."""

    def __init__(self, rs: Any, schema: Any, resources: list[tuple[str, Any]],
                 fallback: Any) -> None:
        registry = rs.Registry(resources, retriever=_no_network)
        self.validator = rs.validator_for(schema, registry=registry, validate_formats=True,
                                          retriever=_no_network)
        self._fallback = fallback  # () -> _PyMeta, built only for a value it cannot take
        self._slow: _PyMeta | None = None

    def errors(self, instance: Any) -> Iterator[tuple[Path, str]]:
        try:
            found = [(tuple(e.instance_path), _rs_message(e))
                     for e in self.validator.iter_errors(instance)]
        except (ValueError, TypeError, OverflowError):
            # Not plain JSON (a non-string key, a huge number...): the slow path copes.
            if self._slow is None:
                self._slow = self._fallback()
            yield from self._slow.errors(instance)
            return
        yield from found


def _py_message(err: ValidationError) -> str:
    msg = err.message
    if err.validator in ("oneOf", "anyOf") and err.context:
        # "... is not valid under any of the given schemas" says nothing; a branch does.
        best = min(err.context, key=lambda e: (
            _PREFERRED.get(str(e.validator), len(_PREFERRED)), len(e.absolute_path), e.message))
        msg = best.message if best.validator == "enum" else f"{msg} ({best.message})"
    return one_line(msg, 180)


def _rs_message(err: Any) -> str:
    msg = str(err.message)
    context = getattr(err.kind, "context", None)
    if context:
        branches = [e for branch in context for e in branch]
        if branches:
            best = min(branches, key=lambda e: (
                _PREFERRED.get(str(e.kind.name), len(_PREFERRED)), len(e.instance_path),
                str(e.message)))
            options = getattr(best.kind, "options", None)
            if best.kind.name == "enum" and isinstance(options, list):
                # jsonschema-rs abbreviates long option lists ("or 5 other candidates").
                listed = ", ".join(json.dumps(o) for o in options)
                msg = f"{json.dumps(best.instance)} is not one of {listed}"
            else:
                msg = f"{msg} ({best.message})"
    return one_line(msg, 180)


def _package_json(package: str, *parts: str) -> Any:
    """A JSON file shipped inside ``package`` (read without importing the package)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed")
    root = next(iter(spec.submodule_search_locations))
    with open(os.path.join(root, *parts), encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _meta_validators(rust: bool = True) -> tuple[Any, Any]:
    """(document validator, schema-dialect validator) — built once per process.

    The meta-schemas are the ones openapi-spec-validator and openapi-schema-validator ship;
    they are read as files because importing those packages costs a quarter second.
    """
    document_schema = _package_json("openapi_spec_validator", "resources", "schemas", "v3.1",
                                     "schema.json")
    dialect = _package_json("openapi_schema_validator", "schemas", "oas3.1", "metaschema.json")
    vocabulary = _package_json("openapi_schema_validator", "schemas", "oas3.1", "vocabularies",
                               "base")
    oas = [(s["$id"], s) for s in (document_schema, dialect, vocabulary)]

    @cache
    def crawled() -> Any:  # the meta-schemas for python-jsonschema, crawled once
        from jsonschema_specifications import REGISTRY

        return REGISTRY.with_contents(oas).crawl()

    def py_doc() -> _PyMeta:
        return _PyMeta(_DOCUMENT_SCHEMA_ID, crawled(), formats=False)

    def py_dialect() -> _PyMeta:
        return _PyMeta(OAS31_BASE_DIALECT_ID, crawled(), formats=True)

    try:
        if not rust:
            raise ImportError("python-jsonschema asked for")
        import jsonschema_rs
    except ImportError:
        return py_doc(), py_dialect()
    return (_RsMeta(jsonschema_rs, document_schema, [], py_doc),
            _RsMeta(jsonschema_rs, dialect, oas[1:], py_dialect))


def openapi_errors(doc: Any, *, rust: bool = True) -> list[tuple[Path, str]]:
    """Every error of the OpenAPI 3.1 document ``doc``, as (document path, message).

    ``rust=False`` uses python-jsonschema even when jsonschema-rs is installed.
    """
    check = _SpecCheck(doc, rust)
    try:
        return check.run()
    except RecursionError:
        return [*check.errors, ((), "schemas nest too deeply to be checked; flatten them "
                                     "with named schemas")]
    except (TypeError, AttributeError) as exc:
        # A `$ref` led somewhere that is not the object the walk expects.
        return [*check.errors, ((), f"the document cannot be walked: {one_line(str(exc), 100)}")]


def schema_errors(schema: Any, *, rust: bool = True) -> list[tuple[Path, str]]:
    """Errors of one Schema Object against the OpenAPI 3.1 schema dialect."""
    return list(_meta_validators(rust)[1].errors(schema))


class _SpecCheck:
    def __init__(self, doc: Any, rust: bool) -> None:
        self.doc = doc
        self.errors: list[tuple[Path, str]] = []
        self.meta_checked: set[int] = set()
        self.visited: set[int] = set()
        self.default_errors: dict[str, list[tuple[Path, str]]] = {}
        #: Local reference → where it points (the document does not change meanwhile).
        self.targets: dict[str, Any] = {}
        self.document_meta, self.dialect_meta = _meta_validators(rust)

    def error(self, path: Path, message: str) -> None:
        self.errors.append((path, message))

    def run(self) -> list[tuple[Path, str]]:
        doc = self.doc
        structural = list(self.document_meta.errors(doc))
        self.errors.extend(structural)
        if structural or not isinstance(doc, dict):
            # The checks below assume the structure is right (so does the library's).
            return self.errors
        tags = doc.get("tags")
        if isinstance(tags, list):
            seen: set[str] = set()
            for i, tag in enumerate(tags):
                name = tag.get("name")
                if name in seen:
                    self.error(("tags", i, "name"), f"Duplicate tag name '{name}'")
                seen.add(name)
        op_ids: set[Any] = set()
        for url, item in (doc.get("paths") or {}).items():
            self.path_item(url, item, ("paths", url), op_ids)
        # Beyond the library, which skips them: webhooks are operations too.
        for name, item in (doc.get("webhooks") or {}).items():
            self.path_item(name, item, ("webhooks", name), op_ids)
        schemas = (doc.get("components") or {}).get("schemas") or {}
        for name, schema in schemas.items():
            self.schema(("components", "schemas", name), schema)
        self.every_ref()
        return self.errors

    def every_ref(self) -> None:
        """Every ``$ref`` of the document resolves, extensions included.

        Tools that consume the document (mock servers, linters, client generators) resolve
        every reference of it, not only the ones an OpenAPI validator walks; one that does
        not resolve stops them. Values that are data (examples, defaults, enums) are not
        references and are skipped.
        """
        reported = {p for p, m in self.errors if m.startswith("Unresolvable reference")}
        # Whether a reference resolves depends on its text only: each is followed once.
        resolves: set[str] = set()
        # Paths are kept as (parent, key) links and spelled out only for a reference.
        stack: list[tuple[Any, Any]] = [(None, self.doc)]
        while stack:
            link, node = stack.pop()
            if isinstance(node, list):
                stack.extend(((link, i), x) for i, x in enumerate(node)
                             if isinstance(x, (dict, list)))
                continue
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in resolves:
                path = _spell(link)
                if (*path, "$ref") not in reported and self.resolve(path, node) is not None:
                    resolves.add(ref)
            in_examples = link is not None and link[0] is not None and link[0][1] == "examples"
            for key, value in node.items():
                if not isinstance(value, (dict, list)) or key in _DATA_VALUES:
                    continue
                if (key == "examples" and isinstance(value, list)) or (
                        key == "value" and in_examples):
                    continue  # data: schema examples, an Example Object's value
                stack.append(((link, key), value))

    # -- references ------------------------------------------------------------------------

    def resolve(self, path: Path, node: Any) -> tuple[Path, Any] | None:
        """Follow local ``$ref``s from ``node``; None (and an error) when one does not resolve."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            found = self.targets.get(ref, _UNSEEN)
            if found is _UNSEEN:
                found = self.targets[ref] = self.target(ref)
            if found is None or ref in seen:
                self.error((*path, "$ref"), f"Unresolvable reference '{ref}'")
                return None
            seen.add(ref)
            path, node = found
        return path, node

    def target(self, ref: str) -> tuple[Path, Any] | None:
        """Where the local reference ``ref`` points in the document (None: nowhere)."""
        if not ref.startswith("#"):
            return None
        target: Any = self.doc
        tpath: list[str | int] = []
        for raw in ref[1:].split("/")[1:] if ref != "#" else []:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
                tpath.append(part)
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
                tpath.append(int(part))
            else:
                return None
        return tuple(tpath), target

    # -- paths and operations --------------------------------------------------------------

    def path_item(self, url: str, item: Any, at: Path, op_ids: set[Any]) -> None:
        resolved = self.resolve(at, item)
        if resolved is None:
            return
        at, item = resolved
        shared = self.parameters((*at, "parameters"), item.get("parameters"))
        for method, op in item.items():
            if method not in OPERATIONS:
                continue
            self.operation(url, method, op, (*at, method), shared, op_ids)

    def operation(self, url: str, method: str, op: dict[str, Any], at: Path,
                  shared: list[str], op_ids: set[Any]) -> None:
        if "operationId" in op:
            op_id = op["operationId"]
            if op_id is not None and op_id in op_ids:
                self.error((*at, "operationId"),
                           f"Operation ID '{op_id}' for '{method}' in '{url}' is not unique")
            op_ids.add(op_id)
        for code, response in (op.get("responses") or {}).items():
            self.response((*at, "responses", code), response)
        if "requestBody" in op:  # beyond the library, which skips request bodies
            self.response((*at, "requestBody"), op["requestBody"])
        names = self.parameters((*at, "parameters"), op.get("parameters")) + shared
        declared = set(names)
        in_url = set(_PATH_PARAM.findall(url))
        for name in sorted(in_url - declared) + sorted(declared - in_url):
            self.error(at, f"Path parameter '{name}' for '{method}' operation in '{url}' "
                       "was not resolved")

    def parameters(self, at: Path, params: Any) -> list[str]:
        """Check a parameter list; returns the names of its path parameters."""
        if not isinstance(params, list):
            return []
        seen: set[tuple[Any, Any]] = set()
        path_names = []
        for i, raw in enumerate(params):
            resolved = self.resolve((*at, i), raw)
            if resolved is None:
                continue
            ppath, param = resolved
            if "schema" in param:
                self.schema((*ppath, "schema"), param["schema"])
            key = (param.get("name"), param.get("in"))
            if key in seen:
                self.error(at, f"Duplicate parameter '{param.get('name')}'")
            seen.add(key)
            if param.get("in") == "path":
                path_names.append(param.get("name"))
        return path_names

    def response(self, at: Path, response: Any) -> None:
        """A response or a request body: the schemas of its content (and headers)."""
        resolved = self.resolve(at, response)
        if resolved is None:
            return
        at, response = resolved
        if id(response) in self.visited:  # a shared (referenced) response: checked once
            return
        self.visited.add(id(response))
        for ct, media in (response.get("content") or {}).items():
            if isinstance(media, dict) and "schema" in media:
                self.schema((*at, "content", ct, "schema"), media["schema"])
        for name, header in (response.get("headers") or {}).items():
            resolved = self.resolve((*at, "headers", name), header)
            if resolved is not None and "schema" in resolved[1]:
                self.schema((*resolved[0], "schema"), resolved[1]["schema"])

    # -- schemas ---------------------------------------------------------------------------

    def schema(self, at: Path, node: Any, *, require_properties: bool = True,
               meta_checked: bool = False) -> None:
        resolved = self.resolve(at, node)
        if resolved is None:
            return
        at, value = resolved
        if not isinstance(value, (dict, bool)):
            self.error(at, f"{value!r} is not of type 'object', 'boolean'")
            return
        key = id(value)
        if not meta_checked and key not in self.meta_checked:
            self.meta_checked.add(key)
            found = list(self.meta_errors(value))
            if found:
                self.errors.extend(((*at, *p), m) for p, m in found)
                return
        if key in self.visited or isinstance(value, bool):
            return
        self.visited.add(key)
        nested: set[str] = set()
        for kw in ("allOf", "anyOf", "oneOf"):
            for i, inner in enumerate(value.get(kw) or []):
                self.schema((*at, kw, i), inner, require_properties=False, meta_checked=True)
                if kw == "allOf":
                    nested |= self.property_names((*at, kw, i), inner)
        for kw in ("not", "items"):
            if kw in value:
                self.schema((*at, kw), value[kw], require_properties=False, meta_checked=True)
        for name, inner in (value.get("properties") or {}).items():
            self.schema((*at, "properties", name), inner, require_properties=False,
                        meta_checked=True)
        if "allOf" in value and require_properties:
            extra = set(value.get("required") or []) - set(value.get("properties") or {}) \
                - nested
            if extra:
                self.error(at, f"Required list has not defined properties: {sorted(extra)}")
        if "default" in value:
            self.default(at, value)

    def meta_errors(self, value: Any) -> Iterator[tuple[Path, str]]:
        """Errors of a Schema Object against its dialect (the OpenAPI 3.1 one by default)."""
        if isinstance(value, dict) and "$schema" in value:
            dialect = value["$schema"]
        else:
            dialect = self.doc.get("jsonSchemaDialect", OAS31_BASE_DIALECT_ID)
        if dialect == OAS31_BASE_DIALECT_ID:
            yield from self.dialect_meta.errors(value)
            return
        from jsonschema.validators import validator_for

        cls = validator_for({"$schema": dialect}, default=None) \
            if isinstance(dialect, str) else None
        if cls is None:
            yield (), f"Unknown JSON Schema dialect: {dialect!r}"
            return
        meta = cls(cls.META_SCHEMA, format_checker=format_checker(), registry=offline_registry())
        for err in meta.iter_errors(value):
            yield tuple(err.absolute_path), _py_message(err)

    def property_names(self, at: Path, node: Any, seen: set[int] | None = None) -> set[str]:
        """Property names reachable from a schema (as the library collects them)."""
        resolved = self.resolve(at, node)
        if resolved is None or not isinstance(resolved[1], dict):
            return set()
        at, value = resolved
        seen = set() if seen is None else seen
        if id(value) in seen:  # a recursive schema
            return set()
        seen.add(id(value))
        names = set(value.get("properties") or {})
        for kw in ("allOf", "anyOf", "oneOf"):
            for i, inner in enumerate(value.get(kw) or []):
                names |= self.property_names((*at, kw, i), inner, seen)
        for kw in ("items", "not"):
            if kw in value:
                names |= self.property_names((*at, kw), value[kw], seen)
        return names

    def default(self, at: Path, value: dict[str, Any]) -> None:
        default = value["default"]
        if default is None and value.get("nullable") is True:
            return
        try:  # generated parameters repeat the same few schemas: validate each once
            key = json.dumps(value, sort_keys=True)
        except (TypeError, ValueError):
            key = None
        found = self.default_errors.get(key) if key is not None else None
        if found is None and key is not None and "$ref" not in key:
            # Without references the schema stands alone: jsonschema-rs decides first.
            fast = _rust_validator(value)
            try:
                found = [] if fast is not None and fast.is_valid(default) else None
            except (ValueError, TypeError, OverflowError):
                found = None  # not plain JSON: the slow path copes
        if found is None:
            validator = _python_validator(
                {**value, "components": (self.doc.get("components") or {})})
            try:
                found = [(tuple(e.absolute_path), _py_message(e))
                         for e in validator.iter_errors(default)]
            except schema_failures():
                found = []
            if key is not None:
                self.default_errors[key] = found
        self.errors.extend(((*at, "default", *p), m) for p, m in found)
