"""The cyclic garbage collector paused for a bulk build, the one copy every layer uses
(kernels building programs, the engine preparing them, the session opening, the analyses
of a whole run).

A build makes hundreds of thousands of small tuples, lists and dicts that live as long as
the program does and form no cycles. The collector, triggered by the allocations, would walk
them again and again and free nothing; reference counting frees everything as usual while it
is paused. (The engine's run loop pauses it inline, where a context manager's call would cost
on every run; the build child keeps its own copy, see ARCHITECTURE.md.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block, and restore it as it was, even on error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
