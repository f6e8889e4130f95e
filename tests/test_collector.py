"""The cycle collector is eased while a design is checked or built, and left as it was."""

from __future__ import annotations

import gc
from pathlib import Path

from designgate import check_design
from designgate.collector import collector_eased
from designgate.generate import write_outputs


def test_a_check_leaves_the_collector_as_it_found_it(design: Path, tmp_path: Path) -> None:
    before = gc.get_threshold()
    report = check_design(design)
    write_outputs(report.design, tmp_path / "out")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # everything frozen was handed back
    assert gc.isenabled()


def test_inside_the_block_collections_are_rare_and_frozen_objects_skipped() -> None:
    before = gc.get_threshold()
    with collector_eased() as freeze:
        assert gc.get_threshold()[0] >= 50_000
        kept = [[i] for i in range(1000)]
        freeze()
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_freeze_of_the_host_process_is_left_alone() -> None:
    gc.freeze()  # as a pre-forking server does
    try:
        frozen = gc.get_freeze_count()
        with collector_eased() as freeze:
            freeze()  # does nothing: unfreezing later would undo the host's freeze
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_the_threshold_comes_back_when_the_block_raises() -> None:
    before = gc.get_threshold()
    try:
        with collector_eased() as freeze:
            freeze()
            raise RuntimeError("a rule failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
