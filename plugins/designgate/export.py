"""Files written for the user outside a build: the JSON Schemas and the ``init`` scaffold.

Both refuse to overwrite what the user wrote: every target is checked before the first
byte is written, so a refusal leaves the disk untouched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from designgate.load.format import SCHEMAS_BY_KIND, any_file_schema

#: Where ``init`` puts the schemas, relative to the project folder; the scaffold's
#: ``# yaml-language-server: $schema=`` comments point here.
SCHEMA_DIR = Path(".designgate") / "schema"


class ExportError(Exception):
    """A write was refused (a target exists or differs); nothing was written."""


@dataclass(slots=True)
class ExportResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def schema_documents() -> dict[str, bytes]:
    """File name → content of every exported schema: ``<kind>.json`` and ``design.json``."""
    docs = {f"{kind}.json": _json(schema) for kind, schema in SCHEMAS_BY_KIND.items()}
    docs["design.json"] = _json(any_file_schema())
    return docs


def export_schemas(out_dir: str | os.PathLike[str], *, force: bool = False) -> ExportResult:
    """Write the schemas into ``out_dir``; identical files are left alone.

    A file that exists with other content is only replaced with ``force``; otherwise
    :class:`ExportError` names it and nothing is written.
    """
    out = Path(out_dir)
    result = ExportResult()
    plan: dict[Path, bytes] = {}
    for name, content in schema_documents().items():
        path = out / name
        if path.is_dir():
            raise ExportError(f"'{path}' is a directory; cannot write the {name} schema there")
        if path.exists() and path.read_bytes() == content:
            result.unchanged.append(path)
        elif path.exists() and not force:
            raise ExportError(f"'{path}' exists and differs from the exported schema; "
                              "pass --force to replace it")
        else:
            plan[path] = content
    result.written = _write(plan)
    return result


def init_plan(target: str | os.PathLike[str]) -> dict[Path, bytes]:
    """Every file ``init`` writes under ``target``: the scaffold design and its schemas."""
    root = Path(target)
    plan = {root / "design" / rel: data for rel, data in _tree(files("designgate") / "scaffold" / "design")}
    plan.update({root / SCHEMA_DIR / n: c for n, c in schema_documents().items()})
    return dict(sorted(plan.items()))


def init_project(target: str | os.PathLike[str]) -> list[Path]:
    """Write the scaffold into ``target`` (created if needed); refuse if any file exists."""
    root = Path(target)
    if root.exists() and not root.is_dir():
        raise ExportError(f"'{root}' exists and is not a directory")
    plan = init_plan(root)
    for path in plan:
        # lexists: a dangling symlink is still something the user put there.
        if os.path.lexists(path):
            raise ExportError(f"'{path}' already exists; init writes nothing into a folder "
                              "that holds any of its files (choose a new folder or move it away)")
    # Scaffold files mixed into an existing design would clash with it (a second project
    # file, duplicate names), so a design folder that holds anything at all is refused too.
    existing = sorted(p for p in (root / "design").rglob("*") if not p.is_dir()) \
        if (root / "design").is_dir() else []
    if existing:
        raise ExportError(f"'{existing[0]}' already exists; '{root / 'design'}' holds a design "
                          "already, and init only starts new ones")
    return _write(plan)


def _tree(node: Traversable, prefix: Path = Path()) -> list[tuple[Path, bytes]]:
    out: list[tuple[Path, bytes]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name.startswith((".", "__")):
            continue
        if child.is_dir():
            out.extend(_tree(child, prefix / child.name))
        else:
            out.append((prefix / child.name, child.read_bytes()))
    return out


def _write(plan: dict[Path, bytes]) -> list[Path]:
    for path, content in plan.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return list(plan)


def _json(schema: object) -> bytes:
    return (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
