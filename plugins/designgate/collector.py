"""Python's cycle collector, eased for the few seconds a large design is worked on."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

#: Allocations between two young-generation collections inside the block (default 700),
#: and young (then middle) collections between two of the next generation (default 10).
EASED = (50_000, 20, 20)


@contextlib.contextmanager
def collector_eased() -> Iterator[None]:
    """Run the block with the cycle collector run less often; its thresholds come back after.

    Loading a design builds hundreds of thousands of containers that live until the check (or
    the build) ends, and the collector, run every 700 allocations by default, walks them again
    and again without finding garbage: a tenth of a large check's time. Only the thresholds
    change: objects are not frozen out of the collector, because handing a frozen heap back
    leaves the collector's count of long-lived objects behind and makes every later full
    collection of a long-running process (``mkdocs serve``, a test session) walk it again —
    measured: a later allocation-heavy call 1.7 times slower.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(threshold, EASED, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
