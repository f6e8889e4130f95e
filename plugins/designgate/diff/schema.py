"""Direction-aware comparison of two JSON Schemas (OpenAPI 3.1 schema objects).

The walk follows ``$ref`` (in either document, cycle-safe), properties, ``items`` and
``additionalProperties``; every difference it finds is reported through ``emit`` with the
catalog id of its aspect at its place (see :mod:`designgate.diff.catalog`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from designgate.diff.catalog import PLACES, schema_id

Path = tuple[str | int, ...]
#: emit(change id, detail (property path), message, base path, head path, before, after)
Emit = Callable[[str, tuple[str, ...], str, Path, Path, Any, Any], None]

_BOUNDS = (
    # keyword, lower bound?, aspect stem
    ("maximum", False, "max"),
    ("minimum", True, "min"),
    ("exclusiveMaximum", False, "exclusive-max"),
    ("exclusiveMinimum", True, "exclusive-min"),
    ("maxLength", False, "max-length"),
    ("minLength", True, "min-length"),
    ("maxItems", False, "max-items"),
    ("minItems", True, "min-items"),
)


def resolve(doc: Any, schema: Any, path: Path) -> tuple[Any, Path, str | None]:
    """Follow ``$ref`` chains inside ``doc``: the target, its path and the last ref."""
    ref = None
    seen: set[str] = set()
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and \
            schema["$ref"].startswith("#/") and schema["$ref"] not in seen:
        ref = schema["$ref"]
        seen.add(ref)
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
        node: Any = doc
        for p in parts:
            if isinstance(node, dict):
                node = node.get(p)
            elif isinstance(node, list) and p.isdigit() and int(p) < len(node):
                node = node[int(p)]
            else:
                node = None
        if node is None:
            break
        schema, path = node, tuple(int(p) if p.isdigit() else p for p in parts)
    return schema, path, ref


def _types(s: dict[str, Any]) -> tuple[frozenset[str], bool]:
    t = s.get("type")
    types = frozenset([t] if isinstance(t, str) else
                      [x for x in t if isinstance(x, str)] if isinstance(t, list) else [])
    nullable = "null" in types or s.get("nullable") is True
    for key in ("oneOf", "anyOf"):
        for alt in _items(s.get(key)):
            if isinstance(alt, dict) and alt.get("type") == "null":
                nullable = True
    return frozenset(x for x in types if x != "null"), nullable


class SchemaDiff:
    def __init__(self, base_doc: Any, head_doc: Any, emit: Emit,
                 clean: set[tuple[str, str, str, bool]] | None = None) -> None:
        self.docs = (base_doc, head_doc)
        self._emit = emit
        #: Pairs of named schemas whose comparison found nothing (shared across calls:
        #: an unchanged component referenced by 1,000 operations is walked once).
        self.clean = clean if clean is not None else set()
        self.emitted = 0
        self.cut = 0  # comparisons cut short by a reference cycle

    def emit(self, *args: Any) -> None:
        self.emitted += 1
        self._emit(*args)

    def compare(self, a: Any, b: Any, place: str, a_path: Path, b_path: Path,
                prop: tuple[str, ...] = (), _seen: frozenset[tuple[str, str]] = frozenset()
                ) -> None:
        a, a_path, ra = resolve(self.docs[0], a, a_path)
        b, b_path, rb = resolve(self.docs[1], b, b_path)
        key = None
        if ra and rb:
            if (ra, rb) in _seen:
                self.cut += 1
                return
            _seen = _seen | {(ra, rb)}
            key = (ra, rb, place, bool(prop))
            if key in self.clean:
                return
        if not isinstance(a, dict) or not isinstance(b, dict):
            return
        if key is not None:
            before = (self.emitted, self.cut)
            self._compare(a, b, place, a_path, b_path, prop, _seen)
            if (self.emitted, self.cut) == before:
                self.clean.add(key)
            return
        self._compare(a, b, place, a_path, b_path, prop, _seen)

    def _compare(self, a: dict[str, Any], b: dict[str, Any], place: str, a_path: Path,
                 b_path: Path, prop: tuple[str, ...], _seen: frozenset[tuple[str, str]]
                 ) -> None:
        direction = PLACES[place][2]
        request = direction == "request"
        # A read-only property is not sent; a write-only one is not returned: in either
        # version, it is not part of this direction (a flip is reported by its parent).
        if prop and (_hidden(a, request) or _hidden(b, request)):
            return
        name = "/".join(prop)
        where = f"{PLACES[place][3]}" + (f", property `{name}`" if name else "")

        def out(aspect: str, text: str, before: Any = None, after: Any = None) -> None:
            self.emit(schema_id(place, aspect, root=not prop), prop, f"{where}: {text}",
                      a_path, b_path, before, after)

        self._types(a, b, out)
        self._values(a, b, out)
        for key, lower, stem in _BOUNDS:
            self._bound(a.get(key), b.get(key), key, lower, stem, request, out)
        _keyword(a, b, "pattern", ("pattern-added", "pattern-removed", "pattern-changed"), out)
        _keyword(a, b, "default", ("default-value-added", "default-value-removed",
                                   "default-value-changed"), out)
        if bool(a.get("deprecated")) != bool(b.get("deprecated")):
            out("deprecated" if b.get("deprecated") else "reactivated",
                "deprecated" if b.get("deprecated") else "no longer deprecated")
        self._composition(a, b, out)
        self._discriminator(a, b, out)
        self._additional(a, b, out, place, a_path, b_path, prop, _seen)
        self._properties(a, b, place, a_path, b_path, prop, _seen)
        if "items" in a and "items" in b:
            self.compare(a["items"], b["items"], place, (*a_path, "items"), (*b_path, "items"),
                         (*prop, "items"), _seen)

    # --- aspects --------------------------------------------------------------------------

    def _types(self, a: dict[str, Any], b: dict[str, Any], out: Callable[..., None]) -> None:
        (ta, na), (tb, nb) = _types(a), _types(b)
        fa, fb = a.get("format"), b.get("format")
        if ta and tb and ta != tb:
            text = f"type changed from {_tj(ta)} to {_tj(tb)}"
            if _covers(ta, tb):
                out("type-generalized", text, sorted(ta), sorted(tb))
            elif _covers(tb, ta):
                out("type-specialized", text, sorted(ta), sorted(tb))
            else:
                out("type-changed", text, sorted(ta), sorted(tb))
        elif ta == tb and fa != fb:
            if fa is None:
                out("type-specialized", f"format `{fb}` added", None, fb)
            elif fb is None:
                out("type-generalized", f"format `{fa}` removed", fa, None)
            else:
                out("type-changed", f"format changed from `{fa}` to `{fb}`", fa, fb)
        if na != nb:
            out("became-nullable" if nb else "became-not-nullable",
                "null is now allowed" if nb else "null is no longer allowed")

    def _values(self, a: dict[str, Any], b: dict[str, Any], out: Callable[..., None]) -> None:
        ea, eb = a.get("enum"), b.get("enum")
        ea = ea if isinstance(ea, list) else None
        eb = eb if isinstance(eb, list) else None
        if isinstance(ea, list) or isinstance(eb, list):
            if not isinstance(ea, list):
                out("became-enum", f"restricted to {_j(eb)}", None, eb)
            elif not isinstance(eb, list):
                out("enum-removed", f"no longer restricted to {_j(ea)}", ea, None)
            else:
                removed = [v for v in ea if v not in eb]
                added = [v for v in eb if v not in ea]
                for v in removed:
                    out("enum-value-removed", f"enum value `{_j(v)}` removed", v, None)
                for v in added:
                    out("enum-value-added", f"enum value `{_j(v)}` added", None, v)
        _keyword(a, b, "const", ("const-added", "const-removed", "const-changed"), out)

    @staticmethod
    def _bound(va: Any, vb: Any, key: str, lower: bool, stem: str, request: bool,
               out: Callable[..., None]) -> None:
        num = (int, float)
        va = va if isinstance(va, num) and not isinstance(va, bool) else None
        vb = vb if isinstance(vb, num) and not isinstance(vb, bool) else None
        if va == vb:
            return
        if va is None:
            out(f"{stem}-set", f"`{key}` {vb} set", None, vb)
        elif vb is None:
            out(f"{stem}-unset", f"`{key}` {va} removed", va, None)
        else:
            up = vb > va
            aspect = f"{stem}-{'increased' if up else 'decreased'}"
            out(aspect, f"`{key}` {'raised' if up else 'lowered'} from {va} to {vb}", va, vb)

    def _composition(self, a: dict[str, Any], b: dict[str, Any],
                     out: Callable[..., None]) -> None:
        for key, stem in (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of")):
            la = [x for x in _items(a.get(key)) if not _is_null(x)]
            lb = [x for x in _items(b.get(key)) if not _is_null(x)]
            ka, kb = [_key(x) for x in la], [_key(x) for x in lb]
            for x in kb:
                if x not in ka:
                    out(f"{stem}-added", f"`{key}` alternative {x} added", None, x)
            for x in ka:
                if x not in kb:
                    out(f"{stem}-removed", f"`{key}` alternative {x} removed", x, None)

    @staticmethod
    def _discriminator(a: dict[str, Any], b: dict[str, Any], out: Callable[..., None]) -> None:
        da, db = a.get("discriminator"), b.get("discriminator")
        da = da if isinstance(da, dict) else None
        db = db if isinstance(db, dict) else None
        if da is None and db is None:
            return
        if da is None or db is None:
            d = db if da is None else da
            name = d.get("propertyName") if d else None  # type: ignore[union-attr]
            out("discriminator-added" if da is None else "discriminator-removed",
                f"discriminator on `{name}` {'added' if da is None else 'removed'}",
                None if da is None else name, name if da is None else None)
            return
        na, nb = da.get("propertyName"), db.get("propertyName")
        if na != nb:
            out("discriminator-property-name-changed",
                f"the discriminator reads `{nb}` instead of `{na}`", na, nb)
        ma = da.get("mapping") if isinstance(da.get("mapping"), dict) else {}
        mb = db.get("mapping") if isinstance(db.get("mapping"), dict) else {}
        for value in ma:
            if value not in mb:
                out("discriminator-mapping-deleted",
                    f"discriminator value `{value}` no longer maps to a schema", value, None)
            elif ma[value] != mb[value]:
                out("discriminator-mapping-changed", f"discriminator value `{value}` maps to "
                    f"{_key({'$ref': mb[value]})} instead of {_key({'$ref': ma[value]})}",
                    ma[value], mb[value])
        for value in mb:
            if value not in ma:
                out("discriminator-mapping-added",
                    f"discriminator value `{value}` added", None, value)

    def _additional(self, a: dict[str, Any], b: dict[str, Any], out: Callable[..., None],
                    place: str, a_path: Path, b_path: Path, prop: tuple[str, ...],
                    seen: frozenset[tuple[str, str]]) -> None:
        if not ({"object"} & (_types(a)[0] | _types(b)[0]) or "properties" in a or
                "properties" in b):
            return
        xa, xb = a.get("additionalProperties", True), b.get("additionalProperties", True)
        if xa is not False and xb is False:
            out("additional-properties-forbidden", "fields the schema does not name are "
                "no longer allowed")
        elif xa is False and xb is not False:
            out("additional-properties-allowed", "fields the schema does not name are allowed")
        elif isinstance(xa, dict) and isinstance(xb, dict):
            self.compare(xa, xb, place, (*a_path, "additionalProperties"),
                         (*b_path, "additionalProperties"), (*prop, "*"), seen)

    def _properties(self, a: dict[str, Any], b: dict[str, Any], place: str, a_path: Path,
                    b_path: Path, prop: tuple[str, ...],
                    seen: frozenset[tuple[str, str]]) -> None:
        props_a = a.get("properties") if isinstance(a.get("properties"), dict) else {}
        props_b = b.get("properties") if isinstance(b.get("properties"), dict) else {}
        if not props_a and not props_b:
            return
        req_a = {x for x in a.get("required") or [] if isinstance(x, str)} \
            if isinstance(a.get("required"), list) else set()
        req_b = {x for x in b.get("required") or [] if isinstance(x, str)} \
            if isinstance(b.get("required"), list) else set()
        direction = PLACES[place][2]
        request = direction == "request"
        payload = place.endswith("payload")
        pp = PLACES[place][1]
        words = PLACES[place][3]
        for name in list(props_a) + [n for n in props_b if n not in props_a]:
            sub = (*prop, str(name))
            label = "/".join(sub)
            pa_path, pb_path = (*a_path, "properties", name), (*b_path, "properties", name)
            sa, sb = props_a.get(name), props_b.get(name)
            if sa is not None and sb is not None:
                ra, rb = name in req_a, name in req_b
                fa, fb = self._flags(0, sa), self._flags(1, sb)
                if place in ("request-body", "response-body"):
                    self._access(fa, fb, ra, rb, request, sub, words, pa_path, pb_path)
                if _hidden(fa, request) or _hidden(fb, request):
                    continue  # not part of this direction in one version: the flip says it
                if ra != rb:
                    if request:
                        cid = f"request-property-became-{'required' if rb else 'optional'}"
                    elif payload and not rb:
                        cid = f"{pp}-became-optional"
                    elif payload:
                        cid = ""
                    else:
                        cid = f"response-property-became-{'required' if rb else 'optional'}"
                    if cid:
                        self.emit(cid, sub, f"{words}: property `{label}` became "
                                  f"{'required' if rb else 'optional'}", pa_path, pb_path,
                                  ra, rb)
                self.compare(sa, sb, place, pa_path, pb_path, sub, seen)
                continue
            if sb is not None:  # added
                if _hidden(self._flags(1, sb), request):
                    continue
                required = name in req_b
                if request:
                    cid = f"new-{'required' if required else 'optional'}-request-property"
                elif payload:
                    cid = f"{pp}-added"
                else:
                    cid = f"response-{'required' if required else 'optional'}-property-added"
                self.emit(cid, sub, f"{words}: {'required' if required else 'optional'} "
                          f"property `{label}` added", (*a_path,), pb_path, None, name)
            else:  # removed
                if _hidden(self._flags(0, sa), request):
                    continue
                required = name in req_a
                if request:
                    cid = "request-property-removed"
                elif payload:
                    cid = f"{pp}-{'required' if required else 'optional'}-removed"
                else:
                    cid = f"response-{'required' if required else 'optional'}-property-removed"
                self.emit(cid, sub, f"{words}: {'required' if required else 'optional'} "
                          f"property `{label}` removed", pa_path, (*b_path,), name, None)


    def _flags(self, side: int, s: Any) -> dict[str, bool]:
        """readOnly / writeOnly of a property: beside its ``$ref`` (OpenAPI 3.1) or on the
        schema it refers to."""
        target = resolve(self.docs[side], s, ())[0]
        return {k: _flag(s, k) or _flag(target, k) for k in ("readOnly", "writeOnly")}

    def _access(self, sa: dict[str, bool], sb: dict[str, bool], ra: bool, rb: bool,
                request: bool,
                sub: tuple[str, ...], words: str, pa_path: Path, pb_path: Path) -> None:
        """readOnly / writeOnly flips of a body property (oasdiff's ids). "required" is
        the base's for a property that became read- or write-only, the head's for one that
        is no longer."""
        side = "request" if request else "response"
        label = "/".join(sub)
        for key, word in (("readOnly", "read-only"), ("writeOnly", "write-only")):
            fa, fb = sa[key], sb[key]
            if fa == fb:
                continue
            required = ra if fb else rb
            kind = "required" if required else "optional"
            state = word if fb else f"not-{word}"
            self.emit(f"{side}-{kind}-property-became-{state}", sub,
                      f"{words}: {kind} property `{label}` "
                      f"{'became' if fb else 'is no longer'} {word}", pa_path, pb_path, fa, fb)


def _hidden(s: Any, request: bool) -> bool:
    """Not part of this direction: read-only in a request, write-only in a response (``s``:
    a schema, or the flags of :meth:`SchemaDiff._flags`)."""
    key = "readOnly" if request else "writeOnly"
    return bool(s.get(key) is True) if isinstance(s, dict) else False


def _keyword(a: dict[str, Any], b: dict[str, Any], key: str, aspects: tuple[str, str, str],
             out: Callable[..., None]) -> None:
    """A keyword added, removed or changed (``aspects`` in that order)."""
    if key not in a and key not in b:
        return
    va, vb = a.get(key), b.get(key)
    if key not in a:
        out(aspects[0], f"{key} `{_j(vb)}` added", None, vb)
    elif key not in b:
        out(aspects[1], f"{key} `{_j(va)}` removed", va, None)
    elif va != vb:
        out(aspects[2], f"{key} changed from `{_j(va)}` to `{_j(vb)}`", va, vb)


def _covers(old: frozenset[str], new: frozenset[str]) -> bool:
    """Every value of the ``old`` types is a value of the ``new`` ones."""
    return all(t in new or (t == "integer" and "number" in new) for t in old)


def _flag(s: Any, key: str) -> bool:
    return isinstance(s, dict) and s.get(key) is True


def _is_null(x: Any) -> bool:
    return isinstance(x, dict) and x.get("type") == "null" and len(x) == 1


def _key(x: Any) -> str:
    if isinstance(x, dict) and isinstance(x.get("$ref"), str):
        return x["$ref"].rsplit("/", 1)[-1]
    import json

    return json.dumps(x, sort_keys=True, default=str)


def _j(v: Any) -> str:
    import json

    return json.dumps(v, ensure_ascii=False, default=str)


def _tj(types: frozenset[str]) -> str:
    return "/".join(sorted(types))


def _items(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []
