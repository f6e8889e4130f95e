"""designgate: backend design as code.

The small public API; the CLI and the MkDocs plugin are thin adapters over it.
"""

from __future__ import annotations

from designgate.check import Report, check_design, run_checks
from designgate.findings import Finding, Severity, Span
from designgate.load.loader import DesignLoadError, LoadResult, load_design
from designgate.model.design import Design

__all__ = [
    "Design",
    "DesignLoadError",
    "Finding",
    "LoadResult",
    "Report",
    "Severity",
    "Span",
    "check_design",
    "load_design",
    "run_checks",
]
__version__ = "0.1.0"
