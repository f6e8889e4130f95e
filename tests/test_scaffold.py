from __future__ import annotations

from pathlib import Path

from support import check


def test_scaffold_checks_clean(design: Path) -> None:
    report = check(design)
    assert [f"{f.location} {f.rule} {f.message}" for f in report.findings] == []
    assert len(report.design.endpoints) == 5
