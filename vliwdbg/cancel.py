"""One convention for stopping long work, shared by every layer of the debugger: building a
kernel, moving through history, and the analyses that replay it.

A `Cancel` is a callable that the work polls now and then (a face's escape key sets what it
reads); once it returns True the work stops at a consistent point and raises `Cancelled`,
or, for a move, reports that it was interrupted where it stands.
"""

from __future__ import annotations

from collections.abc import Callable

Cancel = Callable[[], bool]

#: Steps between two polls of a Cancel in a replay loop.
POLL_STEPS = 4096


class Cancelled(Exception):
    """The user stopped the work; what it was working on is as it was before, or at a
    consistent point that the caller reports."""


def poll(cancel: Cancel | None, steps: int) -> None:
    """Raise Cancelled when cancel() says so, asked once every POLL_STEPS steps."""
    if cancel is not None and steps % POLL_STEPS == 0 and cancel():
        raise Cancelled
