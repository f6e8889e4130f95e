"""Helpers for tests: a copy of the scaffold design to mutate, and finding lookups."""

from __future__ import annotations

import shutil
from pathlib import Path

import designgate
from designgate import Finding, Report, check_design

SCAFFOLD = Path(designgate.__file__).parent / "scaffold" / "design"
REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_scaffold(tmp_path: Path) -> Path:
    """A fresh copy of the clean scaffold design at ``tmp_path/design``."""
    target = tmp_path / "design"
    shutil.copytree(SCAFFOLD, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in ``path``; fails loudly when ``old`` is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not found {count}x in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line number of the ``nth`` line containing ``needle``."""
    seen = 0
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == nth:
                return no
    raise AssertionError(f"{needle!r} not in {path}")


def check(design_dir: Path) -> Report:
    return check_design(design_dir)


def only(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def assert_finding(report: Report, rule: str, file: str, line: int) -> Finding:
    """Exactly one finding of ``rule`` at ``file:line`` (file relative to the project root)."""
    hits = [f for f in only(report, rule) if f.span and f.span.file == file and f.span.line == line]
    assert len(hits) == 1, (
        f"expected one {rule} at {file}:{line}, got: "
        + "; ".join(f"{f.location} {f.rule} {f.message}" for f in report.findings)
    )
    return hits[0]
