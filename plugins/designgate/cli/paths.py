"""Where the commands report paths from."""

from __future__ import annotations

from pathlib import Path


def report_root(design_dir: Path) -> Path | None:
    """The working directory when the design lies inside it, else None (its parent folder).

    That is where editors, terminals and CI annotations resolve `file:line:col` from (a
    design in `services/api/design` is reported as `services/api/design/...`).
    """
    cwd = Path.cwd().resolve()
    try:
        return cwd if design_dir.resolve().is_relative_to(cwd) else None
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError on 3.11): load_design says so
        return None
