"""Designs to compare, read from git without touching the working tree."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from designgate.diff.changes import DesignDiff
from designgate.diff.design import diff_designs
from designgate.load.loader import DesignLoadError, load_design
from designgate.model.design import Design


class DiffError(Exception):
    """A one-line reason the two designs cannot be compared."""


def _load(folder: Path, root: Path, what: str) -> Design:
    try:
        return load_design(folder, root).design
    except DesignLoadError as exc:
        raise DiffError(f"the design at {what} cannot be loaded: {exc}") from None


def diff_refs(design_dir: str | os.PathLike[str], base: str, head: str | None = None,
              *, report_root: Path | None = None) -> DesignDiff:
    """Compare the design at git ``base`` with the one at ``head`` (None: the working tree).

    ``base`` may be ``approved``: the approved baseline the gate finds (its newest recorded
    approval on HEAD's history). Paths in the result read as in the repository (or
    relative to ``report_root`` for the working tree).
    """
    from designgate.gate.git import GitError, Repo

    try:
        repo = Repo(design_dir)
        if base == "approved":
            marks = repo.approvals()
            if not marks:
                raise DiffError("no approved baseline: nothing in git history records an "
                                "approval (pass --base REF)")
            base_sha, base_name = marks[0].commit, f"approved ({marks[0].commit[:12]})"
        else:
            base_sha, base_name = repo.resolve(base), base
        head_sha = repo.resolve(head) if head else None
    except GitError as exc:
        raise DiffError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="designgate-diff-") as tmp:
        old = _at(repo, base_sha, Path(tmp) / "base", base_name)
        if head_sha is None:
            root = report_root or repo.root
            new = _load(Path(design_dir), root, "the working tree")
            head_name = "working tree"
        else:
            new = _at(repo, head_sha, Path(tmp) / "head", head or head_sha)
            head_name = head or head_sha
        return diff_designs(old, new, base_ref=base_name, head_ref=head_name)


def _at(repo: object, sha: str, dest: Path, name: str) -> Design:
    folder = repo.design_tree(sha, dest)  # type: ignore[attr-defined]
    if folder is None:
        raise DiffError(f"{name} has no design folder "
                        f"'{repo.design_path or '.'}'")  # type: ignore[attr-defined]
    return _load(folder, dest, name)
