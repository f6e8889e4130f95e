from __future__ import annotations

from pathlib import Path

import pytest
from support import copy_scaffold


@pytest.fixture
def design(tmp_path: Path) -> Path:
    """A mutable copy of the clean scaffold design (``tmp_path/design``)."""
    return copy_scaffold(tmp_path)
