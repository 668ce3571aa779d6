"""Waiting in Pilot tests for the app's worker, with a bound so a hang fails the test."""

from __future__ import annotations

from vliwdbg.app.app import DebuggerApp


async def until(pilot, condition, seconds: float = 20.0) -> None:
    """Wait for `condition()`, failing the test (not hanging it) if it never comes."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"still waiting after {seconds} s")


async def settle(app: DebuggerApp, pilot) -> None:
    """Wait until every command the keys queued has run and the panes show its result."""
    await until(pilot, lambda: not app.busy and app.views.insight is not None)
    await pilot.pause()
