"""Human interventions: Markdown files with YAML front matter under ``human-interventions/``.

``active/`` holds the ones still to be handled, ``processed/`` the ones handled (the gate
summary notes them). A record is ``<name>.md`` or ``<name>/content.md``; its front matter
says which phase it concerns (``04-backend-design`` or ``all``; others are ignored) and how
urgent it is (``immediate`` halts the gate, ``end-of-phase`` blocks approval until it is
processed). A record with ``kind: api-update`` (or a name ending in ``-api-update``) is the
notice of a post-approval contract change to the downstream phases; whatever its phase, the
gate reads it to know the change was recorded (rule G004)::

    ---
    phase: 04-backend-design
    urgency: end-of-phase
    title: Tasks need a due time, not a date   # optional; else the first heading
    ---
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from designgate.findings import Finding, Severity, Span

PHASE = "04-backend-design"
PHASES = (PHASE, "all")
URGENCIES = ("immediate", "end-of-phase")
ACTIVE, PROCESSED = "active", "processed"
FOLDER = "human-interventions"
#: The record of a post-approval contract change (it tells the downstream phases).
API_UPDATE = "api-update"
NOTIFY = ("06-backend-implementation", "07-integration")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_PHASE = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
_MARKDOWN = (".md", ".markdown", ".mdown", ".txt")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Intervention:
    path: str  # relative to the reporting root
    name: str  # the folder (for <name>/content.md) or the file stem
    phase: str
    urgency: str
    title: str
    processed: bool
    date: str | None = None
    kind: str = ""  # "api-update" for a post-approval contract change record
    covers: str = ""  # an api-update record: the digest of the changes it describes
    abspath: str = ""  # the file, absolute

    @property
    def concerns_phase(self) -> bool:
        return self.phase in PHASES

    @property
    def halts(self) -> bool:
        return self.concerns_phase and not self.processed and self.urgency == "immediate"

    @property
    def blocks_approval(self) -> bool:
        return self.concerns_phase and not self.processed and self.urgency == "end-of-phase"


@dataclass(slots=True)
class Interventions:
    items: list[Intervention]
    findings: list[Finding]  # G005: records that cannot be read


def default_folder(design_dir: str | os.PathLike[str]) -> Path:
    """``human-interventions/`` beside the design folder (the repository root's)."""
    return Path(design_dir).resolve().parent / FOLDER


def load_interventions(folder: str | os.PathLike[str], root: str | os.PathLike[str]) -> Interventions:
    """Every record under ``folder``; whatever looks like a record but cannot be one is a
    G005 finding (a human halt must never be lost without a word)."""
    base = Path(folder)
    items: list[Intervention] = []
    findings: list[Finding] = []
    if base.is_dir():
        for entry in sorted(base.iterdir()):
            if entry.name in (ACTIVE, PROCESSED) or entry.name.startswith("."):
                continue
            if entry.is_file() and entry.name.lower() == "readme.md":
                continue
            near = difflib.get_close_matches(entry.name.lower(), (ACTIVE, PROCESSED), 1, 0.6)
            _bad(findings, _rel(entry, root), 1, 1,
                 f"'{entry.name}' is not read: records go in {ACTIVE}/ or {PROCESSED}/"
                 + (f" (did you mean {near[0]}/?)" if near else ""))
    for state in (ACTIVE, PROCESSED):
        sub = base / state
        if not sub.is_dir():
            continue
        for entry in sorted(sub.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                path = entry / "content.md"
                if not path.is_file():
                    _bad(findings, _rel(entry, root), 1, 1,
                         f"record folder '{entry.name}' has no content.md: the gate cannot "
                         "read it")
                    continue
            elif entry.name.lower() == "readme.md":
                continue
            elif entry.suffix != ".md":
                _bad(findings, _rel(entry, root), 1, 1,
                     f"'{entry.name}' is not read: an intervention record is a .md file or a "
                     "folder with content.md" + (f"; rename it to {entry.stem}.md"
                                                 if entry.suffix.lower() in _MARKDOWN else ""))
                continue
            else:
                path = entry
            rel = _rel(path, root)
            item = _read(path, rel, state == PROCESSED, findings)
            if item is not None and (item.concerns_phase or item.kind == API_UPDATE):
                items.append(item)
    return Interventions(items, findings)


def _rel(path: Path, root: str | os.PathLike[str]) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:
        return path.as_posix()


def _bad(findings: list[Finding], rel: str, line: int, col: int, message: str) -> None:
    findings.append(Finding("G005", Severity.ERROR, message, Span(rel, line, col)))


def _read(path: Path, rel: str, processed: bool, findings: list[Finding]) -> Intervention | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _bad(findings, rel, 1, 1, "intervention record is not UTF-8 text")
        return None
    except OSError as exc:
        _bad(findings, rel, 1, 1, f"intervention record cannot be read: {exc.strerror or exc}")
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        _bad(findings, rel, 1, 1, "intervention record has no front matter; start it with "
             "'---', then 'phase:' and 'urgency:', then '---'")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        _bad(findings, rel, 1, 1, "intervention front matter is not closed with '---'")
        return None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 2, mark.column + 1) if mark else (2, 1)
        _bad(findings, rel, line, col, f"intervention front matter is not valid YAML: "
             f"{getattr(exc, 'problem', None) or exc}")
        return None
    if not isinstance(meta, dict):
        _bad(findings, rel, 2, 1, "intervention front matter must be a mapping")
        return None

    def line_of(key: str) -> int:
        return next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 2)

    phase, urgency = meta.get("phase"), meta.get("urgency")
    if not isinstance(phase, str) or not phase.strip():
        _bad(findings, rel, 2, 1, "intervention front matter lacks 'phase:' "
             f"({PHASE} or all)")
        return None
    phase = phase.strip()
    if phase not in PHASES and not _PHASE.match(phase):
        near = difflib.get_close_matches(phase.lower(), (*PHASES, *NOTIFY), 1, 0.6)
        _bad(findings, rel, line_of("phase"), 1,
             f"intervention 'phase:' {phase!r} is not a phase (NN-name, or all)"
             + (f"; did you mean {near[0]}?" if near else ""))
        return None
    if phase != PHASE and phase not in NOTIFY and difflib.SequenceMatcher(
            None, phase, PHASE).ratio() >= 0.85:
        _bad(findings, rel, line_of("phase"), 1,
             f"intervention 'phase:' {phase!r} is not {PHASE}: a typo would hide a halt; "
             "write the phase exactly")
        return None
    if urgency not in URGENCIES:
        _bad(findings, rel, line_of("urgency"), 1,
             f"intervention 'urgency:' must be immediate or end-of-phase, not {urgency!r}")
        return None
    name = path.parent.name if path.name == "content.md" else path.stem
    heading = _HEADING.search("\n".join(lines[end + 1:]))
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    date = _DATE.match(name)
    kind = str(meta.get("kind") or (API_UPDATE if name.endswith("-api-update") else ""))
    covers = meta.get("covers")
    return Intervention(rel, name, phase, str(urgency),
                        title or (heading.group(1) if heading else name), processed,
                        date.group(1) if date else None, kind,
                        covers if isinstance(covers, str) else "", str(path.resolve()))
