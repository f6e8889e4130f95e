"""The cycle collector is eased while a design is checked or built, and left as it was."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from designgate import check_design
from designgate.collector import EASED, collector_eased
from designgate.generate import write_outputs


def test_a_check_and_a_build_leave_the_collector_as_they_found_it(
        design: Path, tmp_path: Path) -> None:
    before = gc.get_threshold()
    report = check_design(design)
    write_outputs(report.design, tmp_path / "out")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # nothing is frozen out of the collector
    assert gc.isenabled()


def test_inside_the_block_collections_are_rare() -> None:
    before = gc.get_threshold()
    with collector_eased():
        assert gc.get_threshold() == tuple(max(a, b) for a, b in zip(before, EASED, strict=True))
    assert gc.get_threshold() == before


def test_a_host_that_collects_even_less_often_is_not_made_to_collect_more() -> None:
    before = gc.get_threshold()
    gc.set_threshold(1_000_000, 5, 5)
    try:
        with collector_eased():
            assert gc.get_threshold() == (1_000_000, 20, 20)
        assert gc.get_threshold() == (1_000_000, 5, 5)
    finally:
        gc.set_threshold(*before)


def test_the_threshold_comes_back_when_the_block_raises() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector_eased():
        raise RuntimeError("a rule failed")
    assert gc.get_threshold() == before
