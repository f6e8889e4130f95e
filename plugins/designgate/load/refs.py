"""``$ref`` resolution for payload schemas and examples — local files only, never fetched.

Every reference is normalised so that the rest of the tool sees one form:

* a reference to a named schema (``#/components/schemas/Task``, or a file reference that
  lands on ``schemas: {Task: ...}`` in a ``kind: schemas`` file) becomes
  ``#/components/schemas/Task``;
* any other local or file reference is replaced by the (normalised) content it points at;
* a remote reference, one that escapes the design directory, or one that does not resolve
  is reported and replaced by ``{}`` so nothing downstream ever tries to follow it.
"""

from __future__ import annotations

import errno
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from designgate.load.files import Refused, read_regular
from designgate.load.yaml_source import Pointer, read_yaml
from designgate.model.source import Loc, Source

COMPONENT_PREFIX = "#/components/schemas/"
_DYNAMIC_REFS = ("$dynamicRef", "$recursiveRef")
#: Keywords whose value is data, not a schema: kept as written.
_DATA_KEYS = frozenset(("example", "examples", "const", "default", "enum"))
_REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")

Report = Callable[[str, Loc, str], None]  # (rule id, where, message)
#: A followed reference: which file and where in it.
Seen = frozenset[tuple[str, Pointer]]
#: Nodes that inlining may copy into one payload schema: refs that each inline the same
#: target twice would otherwise grow exponentially, like a YAML alias bomb.
INLINE_BUDGET = 100_000


class RefResolver:
    def __init__(
        self,
        design_dir: Path,
        sources: dict[Path, Source],
        schema_names: set[str],
        report: Report,
    ) -> None:
        self.design_dir = design_dir.resolve()
        self.sources = sources
        self.schema_names = schema_names
        self.report = report
        self._extra: dict[Path, Source | None] = {}
        self._refused: dict[Path, str] = {}  # referenced files not read, and why
        self._budget = INLINE_BUDGET
        self._over_budget = False

    # -- public ----------------------------------------------------------------------------

    def schema(self, value: Any, loc: Loc) -> Any:
        """Normalise a payload schema written at ``loc``."""
        self._budget, self._over_budget = INLINE_BUDGET, False
        return self._walk(value, loc, frozenset(), schema=True)

    def example(self, value: Any, loc: Loc) -> Any:
        """An example may be ``{$ref: file}`` (sole key): inline the file's content."""
        if isinstance(value, dict) and set(value) == {"$ref"} and isinstance(value["$ref"], str):
            target = self._follow(value["$ref"], loc.at("$ref"), frozenset())
            if target is None:
                return None
            _, data, _ = target
            return data
        return value

    # -- internals -------------------------------------------------------------------------

    def _walk(self, value: Any, loc: Loc, seen: Seen, *, schema: bool,
              sub: Pointer = ()) -> Any:
        # ``loc.at(*sub)`` is where ``value`` is; it is only built for a report or a file
        # reference (a schema has a node per keyword, and nearly all of them are fine).
        if seen and isinstance(value, (dict, list)):
            self._budget -= 1
        if isinstance(value, list):
            return [self._walk(v, loc, seen, schema=schema, sub=(*sub, i))
                    for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "$ref" and isinstance(inner, str) and schema:
                continue
            if key in _DYNAMIC_REFS and schema and not (
                    isinstance(inner, str) and inner.startswith("#")):
                # Only anchors inside the schema are followed; anything else would be fetched.
                self.report("L008", loc.at(*sub, key), f"{key} '{inner}' is not a '#anchor' "
                            "in this schema; designgate never fetches — use a local anchor or "
                            "a $ref to a file in design/")
                continue
            # `example(s)`, `const`, `default`, `enum` hold data, not schemas.
            if key in _DATA_KEYS or not isinstance(inner, (dict, list)):
                out[key] = inner
            else:
                out[key] = self._walk(inner, loc, seen, schema=schema, sub=(*sub, key))
        if not schema or "$ref" not in value:
            return out
        ref = value["$ref"]
        rloc = loc.at(*sub, "$ref")
        if not isinstance(ref, str):
            self.report("L010", rloc, "$ref must be a string: a file path and/or a "
                        "'#/json/pointer'")
            del out["$ref"]
            return out
        if ref.startswith(COMPONENT_PREFIX):
            name = unquote(ref[len(COMPONENT_PREFIX) :])
            if name not in self.schema_names:
                self.report("L010", rloc, f"$ref '{ref}' names no schema; define '{name}' "
                            "in a `kind: schemas` file or fix the name")
                return {k: v for k, v in out.items()} or {}
            out["$ref"] = ref
            return out
        target = self._follow(ref, rloc, seen)
        if target is None:
            return out
        tsource, data, tptr = target
        if tsource is not None and tsource.kind == "schemas" and len(tptr) == 2 \
                and tptr[0] == "schemas":
            out["$ref"] = COMPONENT_PREFIX + str(tptr[1])
            return out
        key = (tsource.rel, tptr)
        if key in seen:
            self.report("L010", rloc, f"$ref '{ref}' is circular through inlined content; "
                        "move the shared part into a named schema")
            return out
        if self._budget <= 0:
            if not self._over_budget:  # report once, where the budget ran out
                self._over_budget = True
                self.report("L011", rloc, f"$refs inline more than {INLINE_BUDGET} nodes; "
                            "make the repeated parts named schemas")
            return out
        # Refs inside the target resolve relative to the target's own file.
        inlined = self._walk(data, Loc(tsource, tptr), seen | {key}, schema=True)
        if isinstance(inlined, dict):
            merged = dict(inlined)
            merged.update(out)
            return merged
        return inlined

    def _follow(self, ref: str, rloc: Loc, seen: Seen) -> tuple[Source, Any, Pointer] | None:
        """Find what ``ref`` points at. Reports and returns None when it cannot."""
        if _REMOTE.match(ref):
            self.report("L008", rloc, f"$ref '{ref}' is remote; designgate never fetches — "
                        "copy the schema into design/ and reference the file")
            return None
        file_part, _, frag = ref.partition("#")
        here = rloc.source
        if file_part:
            try:
                target_path = (here.path.parent / unquote(file_part)).resolve()
            except (OSError, RuntimeError, ValueError) as exc:
                self.report("L010", rloc, f"$ref '{ref}' cannot be followed: "
                            f"{_path_problem(exc)}")
                return None
            if not target_path.is_relative_to(self.design_dir):
                self.report("L009", rloc, f"$ref '{ref}' leaves the design directory; "
                            "keep referenced files inside design/")
                return None
            source = self.sources.get(target_path)
            if source is None and _is_file(target_path):
                rel = posixpath.normpath(posixpath.join(posixpath.dirname(here.rel),
                                                        unquote(file_part)))
                source = self._read_extra(target_path, rel)
                if source is None:
                    why = self._refused.get(target_path)
                    self.report("L010", rloc, f"$ref '{ref}' points at a file that "
                                + (f"is not read: {why}" if why else
                                   "is not valid UTF-8 YAML or JSON"))
                    return None
            if source is not None:
                data: Any = source.data
            else:
                self.report("L010", rloc, f"$ref '{ref}': file '{file_part}' does not exist")
                return None
        else:
            source, data = here, here.data
        ptr = _parse_pointer(frag)
        if ptr is None:
            self.report("L010", rloc, f"$ref '{ref}' has an invalid JSON pointer after '#'")
            return None
        resolved, ptr = _resolve(data, ptr)
        if resolved is _MISSING:
            self.report("L010", rloc, f"$ref '{ref}' does not resolve: nothing at "
                        f"'#{frag}'")
            return None
        return source, resolved, ptr

    def _read_extra(self, path: Path, rel: str) -> Source | None:
        """A referenced file that is not a design source (plain JSON or YAML), read once."""
        if path not in self._extra:
            try:
                text = read_regular(path).decode("utf-8-sig")
            except Refused as exc:
                self._extra[path] = None
                self._refused[path] = exc.why
            except (OSError, UnicodeDecodeError):
                self._extra[path] = None
            else:
                doc = read_yaml(text)
                ok = not doc.problems and doc.data is not None
                self._extra[path] = Source(path, rel, doc) if ok else None
        return self._extra[path]


_MISSING = object()


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # e.g. a name too long for the file system
        return False


def _path_problem(exc: Exception) -> str:
    """Why a path cannot be resolved, in words (Python 3.11 reports a loop as RuntimeError)."""
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "the path runs into a symlink loop"
    if isinstance(exc, ValueError):
        return "the path contains a NUL character"
    return str(getattr(exc, "strerror", None) or exc)


def _parse_pointer(frag: str) -> Pointer | None:
    if frag in ("", "/"):
        return ()
    if not frag.startswith("/"):
        return None
    parts = unquote(frag)[1:].split("/")
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)


def _resolve(data: Any, ptr: Pointer) -> tuple[Any, Pointer]:
    """The value at ``ptr`` and the pointer with list indexes as ints (as spans use them)."""
    cur = data
    norm: list[str | int] = []
    for part in ptr:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
            norm.append(part)
        elif isinstance(cur, list) and isinstance(part, str) and part.isdigit() \
                and int(part) < len(cur):
            cur = cur[int(part)]
            norm.append(int(part))
        else:
            return _MISSING, ptr
    return cur, tuple(norm)
