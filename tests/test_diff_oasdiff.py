"""designgate's change classification against oasdiff's, on oasdiff's own documented examples.

Each case of ``fixtures/oasdiff_pairs.yaml`` is one of oasdiff's example pairs (a Go test of
its ``checker/`` and the testdata it opens), expressed as the same change made to the scaffold
design. The expected id and level are oasdiff's, copied from its test and its rules table, not
from designgate; a case where designgate deliberately differs says how and why, and must be
listed in the guide's table of disagreements."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from designgate.diff.catalog import CATALOG, oasdiff_levels
from designgate.diff.changes import Change
from designgate.diff.design import diff_designs
from designgate.load.loader import load_design
from support import FIXTURES, SCAFFOLD

CASES: list[dict[str, Any]] = yaml.safe_load(
    (FIXTURES / "oasdiff_pairs.yaml").read_text(encoding="utf-8"))
LEVELS = {"ERR": "breaking", "WARN": "warning", "INFO": "info"}
GUIDE = SCAFFOLD.parent.parent / "guide" / "changes.md"


def _cut_endpoint(text: str, endpoint: str) -> str:
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {endpoint}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")),
               len(lines))
    return "".join(lines[:start] + lines[end:])


def _apply(design: Path, edits: list[dict[str, str]]) -> None:
    for e in edits:
        f = design / e["file"]
        text = f.read_text(encoding="utf-8")
        if "cut_endpoint" in e:
            assert f"- id: {e['cut_endpoint']}\n" in text, e
            text = _cut_endpoint(text, e["cut_endpoint"])
        else:
            assert e["old"] in text, f"{e['old']!r} not in {f}"
            text = text.replace(e["old"], e["new"], 1)
        f.write_text(text, encoding="utf-8")


def _diff(tmp_path: Path, case: dict[str, Any]) -> list[Change]:
    designs = []
    for side in ("base", "head"):
        root = tmp_path / side
        shutil.copytree(SCAFFOLD, root / "design")
        _apply(root / "design", case.get("both", []))
        _apply(root / "design", case.get(side, []))
        designs.append(load_design(root / "design", root).design)
    return diff_designs(*designs).changes


def _name(case: dict[str, Any]) -> str:
    return str(case["oasdiff"]["id"])


def test_the_cases_are_thirty_distinct_oasdiff_checks_with_oasdiffs_own_levels() -> None:
    names = [_name(c) for c in CASES]
    assert len(names) >= 30 and len(set(names)) == len(names)
    rules = oasdiff_levels()
    for case in CASES:
        o = case["oasdiff"]
        # The level copied from oasdiff's test agrees with its rules table (a typo guard on
        # the two transcriptions of oasdiff, neither of them designgate's).
        assert LEVELS[o["level"]] == str(rules[o["id"]]), o
        assert o["test"].startswith("Test") and o["source"].startswith("checker/")
        assert case.get("base") or case.get("head"), o


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_designgate_classifies_the_pair_as_oasdiff_does(tmp_path: Path,
                                                        case: dict[str, Any]) -> None:
    o = case["oasdiff"]
    ours = case.get("designgate", {})
    want_id = ours.get("id", o["id"])
    want_level = ours.get("level", LEVELS[o["level"]])
    assert want_id in CATALOG
    found = _diff(tmp_path, case)
    hits = [c for c in found if c.id == want_id and c.subject == case["subject"]]
    assert hits, (f"{want_id} at {case['subject']} not reported; got: "
                  + "; ".join(f"{c.id} {c.subject}" for c in found))
    edited = {"design/" + e["file"] for side in ("base", "head", "both")
              for e in case.get(side, [])}
    for c in hits:
        assert str(c.level) == want_level, (c.id, c.level)
        # Located in a file the case edits, at the side where the item exists.
        span = c.head or c.base
        assert span is not None and span.file in edited, (c.id, span)
    if "id" not in ours:
        return
    # designgate reports its own id instead: oasdiff's id is not reported for this change.
    assert not [c for c in found if c.id == o["id"]]


def _guide_rows() -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Where designgate and oasdiff disagree", 1)[1]
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("| `")]


@pytest.mark.parametrize("case", [c for c in CASES if "designgate" in c], ids=_name)
def test_every_disagreement_is_in_the_guide_with_both_levels(case: dict[str, Any]) -> None:
    o, ours = case["oasdiff"], case["designgate"]
    assert ours["reason"].strip()
    rows = [r for r in _guide_rows() if f"`{o['id']}`" in r[0]]
    assert len(rows) == 1, f"{o['id']} is not listed once in {GUIDE.name}"
    row = rows[0]
    assert row[1] == ours.get("level", LEVELS[o["level"]]) and row[2] == LEVELS[o["level"]]
    if "id" in ours:
        assert f"`{ours['id']}`" in row[0]
    assert len(row[3]) > 20


def test_the_guide_lists_no_disagreement_the_catalog_does_not_have() -> None:
    """Each row names checks of the catalog (a wildcard row at least one), so the table
    cannot keep a disagreement after the check changed its id."""
    for row in _guide_rows():
        for name in re.findall(r"`([^`]+)`", row[0]):
            pattern = re.compile("^" + re.escape(name).replace(r"\*", ".*") + "$")
            assert any(pattern.match(cid) for cid in CATALOG) or name in oasdiff_levels(), name
