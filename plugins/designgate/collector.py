"""Python's cycle collector, eased for the few seconds a large design is worked on."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def collector_eased() -> Iterator[Callable[[], None]]:
    """Run the block with the cycle collector eased; call the function given to freeze the
    objects that exist by then out of its walks.

    Loading a design builds hundreds of thousands of containers that live until the check (or
    the build) ends, and the collector, run every 700 allocations by default, walks them again
    and again without finding garbage: a tenth of a large check's time, more of a build's.
    Within the block it runs every 50,000 allocations and skips what was frozen. On the way
    out the threshold comes back and frozen objects are handed back to the collector, so
    nothing is kept from being collected afterwards; a process that froze objects itself (a
    pre-forking server) keeps its own freeze, and this one does not freeze anything.
    """
    threshold = gc.get_threshold()
    owner = gc.get_freeze_count() == 0
    froze = False

    def freeze() -> None:
        nonlocal froze
        if owner and gc.isenabled():
            gc.freeze()
            froze = True

    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        yield freeze
    finally:
        if froze:
            gc.unfreeze()
        gc.set_threshold(*threshold)
