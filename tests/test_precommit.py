"""The pre-commit hook this repository offers (`.pre-commit-hooks.yaml`), the repository's own
hooks (`.pre-commit-config.yaml`) and the guide's snippets for both: each hook runs the way
pre-commit runs it (its entry and args, no file names) and does what the guide says."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import REPO, copy_scaffold, edit

GUIDE = REPO / "plugins" / "designgate" / "guide" / "getting-started.md"


def offered() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert isinstance(hooks, list)
    return {h["id"]: h for h in hooks}


def own_hooks() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text("utf-8"))
    return {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}


def guide_snippets() -> list[dict[str, Any]]:
    text = GUIDE.read_text("utf-8")
    section = text[text.index("## 5. Before each commit"):]
    return [yaml.safe_load(b) for b in re.findall(r"^```yaml\n(.*?)^```", section, re.S | re.M)]


def run_hook(hook: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    """As pre-commit does: the entry, then the args; with pass_filenames false, no files.
    The console script is run through this interpreter (`python -m designgate`)."""
    program, *rest = shlex.split(hook["entry"])
    assert program == "designgate"
    assert hook.get("pass_filenames") is False  # the rules need the whole design
    argv = [sys.executable, "-m", "designgate", *rest, *hook.get("args", [])]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def test_the_offered_hook_is_complete() -> None:
    hook = offered()["designgate-check"]
    assert {"id", "name", "entry", "language", "files"} <= set(hook)
    assert hook["language"] == "python"  # pre-commit installs this repository's package
    assert hook["require_serial"] is True
    files = re.compile(hook["files"])
    assert files.search("design/api/notes.yaml") and files.search("design/prd.yaml")
    assert not files.search("README.md") and not files.search("docs/design/index.md")


@pytest.mark.parametrize("source", ["offered", "own", "guide"])
def test_the_hook_passes_a_clean_design_and_stops_a_broken_one(tmp_path: Path,
                                                                 source: str) -> None:
    hook = {"offered": offered, "own": own_hooks}.get(source, _guide_local_hook)()[
        "designgate-check"]
    design = copy_scaffold(tmp_path)
    clean = run_hook(hook, tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 errors" in clean.stdout
    edit(design / "api" / "notes.yaml", "    fr_ids: [FR-002]\n", "", 1)
    broken = run_hook(hook, tmp_path)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert re.search(r"^design/api/notes\.yaml:\d+:\d+ T001 ", broken.stdout, re.M), broken.stdout


def _guide_local_hook() -> dict[str, dict[str, Any]]:
    local = [s for s in guide_snippets() if s["repos"][0]["repo"] == "local"]
    assert len(local) == 1
    return {h["id"]: h for h in local[0]["repos"][0]["hooks"]}


def test_the_guide_names_the_offered_hook_and_the_repository_uses_it() -> None:
    remote = [s for s in guide_snippets() if s["repos"][0]["repo"] != "local"]
    assert len(remote) == 1
    assert [h["id"] for h in remote[0]["repos"][0]["hooks"]] == ["designgate-check"]
    assert set(offered()) == {"designgate-check"}
    # The guide's local hook is this repository's own.
    assert _guide_local_hook()["designgate-check"] == own_hooks()["designgate-check"]
    # And this repository's hook passes on its own design.
    result = run_hook(own_hooks()["designgate-check"], REPO)
    assert result.returncode == 0, result.stdout + result.stderr
