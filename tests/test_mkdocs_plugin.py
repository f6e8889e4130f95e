from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from support import edit

_DELETE_SUMMARY = "    summary: Delete a note\n"


def _site(tmp_path: Path, fail_on: str = "error") -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Notes API\n", encoding="utf-8")
    cfg = tmp_path / "mkdocs.yml"
    cfg.write_text(
        "site_name: t\nplugins:\n  - designgate:\n      design_dir: design\n"
        f"      fail_on: {fail_on}\n",
        encoding="utf-8",
    )
    return cfg


def test_clean_design_builds_strict(design: Path, tmp_path: Path) -> None:
    cfg = load_config(str(_site(tmp_path)), strict=True)
    build(cfg)
    assert (tmp_path / "site" / "index.html").is_file()


def test_errors_fail_the_build_with_one_summary(
    design: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edit(design / "api" / "notes.yaml", _DELETE_SUMMARY, _DELETE_SUMMARY + "    sumary: typo\n")
    cfg = load_config(str(_site(tmp_path)))
    with pytest.raises(Abort):
        build(cfg)
    # Each finding is logged at its source line, then one summary fails the build.
    assert "design/api/notes.yaml:" in caplog.text and "L003" in caplog.text
    assert "1 finding(s) at or above 'error'" in caplog.text


def test_fail_on_never_builds_despite_errors(design: Path, tmp_path: Path) -> None:
    edit(design / "api" / "notes.yaml", _DELETE_SUMMARY, _DELETE_SUMMARY + "    sumary: typo\n")
    cfg = load_config(str(_site(tmp_path, "never")))
    build(cfg)
    assert (tmp_path / "site" / "index.html").is_file()


def test_missing_design_dir_is_one_plugin_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = load_config(str(_site(tmp_path)))
    with pytest.raises(Abort):
        build(cfg)
    assert "designgate: design directory" in caplog.text and "does not exist" in caplog.text
