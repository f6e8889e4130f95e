"""Change review: what changed between two versions of a design, classified, located in
both, and with its impact (``designgate diff``)."""

from designgate.diff.catalog import CATALOG, ChangeKind, Level
from designgate.diff.changes import Change, DesignDiff, Impact
from designgate.diff.design import diff_designs

__all__ = ["CATALOG", "Change", "ChangeKind", "DesignDiff", "Impact", "Level", "diff_designs"]
