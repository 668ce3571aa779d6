"""Replaying a session's run on a core of our own, so that analyses never move the session.

Origin, uses, the executed critical path and trace export all need to run stretches of the
program again (history is deterministic, so a replay is exact). They do it on a second
engine core with the session's settings, started from the session's state or from one of
its timeline's checkpoints, and leave the session's own core where the user put it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from machine.engine import Core, StopSpec
from machine.faults import CompareFault, MachineFault

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


def fresh_core(session: Session) -> Core:
    """A core at step 0 of the session's problem, with the session's settings (so it
    shares the engine's compiled bundles)."""
    return Core(
        session.prepared,
        session.problem.initial,
        value_trace=session.problem.value_trace,
        enable_pause=session.options.pause,
        enable_debug=session.options.debug,
    )


def side_core(session: Session) -> Core:
    """A core at the session's position."""
    core = fresh_core(session)
    core.restore(session.core.snapshot())
    return core


def side_core_at_cycle(session: Session, cycle: int) -> Core:
    """A core at the first step whose cycle count is `cycle` (or where the run ends, if it
    ends first). The session's timeline is borrowed for its checkpoints and put back."""
    if cycle <= 0:
        return fresh_core(session)
    core = side_core(session)
    if cycle <= session.cycle:
        home = session.step
        try:
            session.timeline.seek_cycle(cycle, limit=None)
            core.restore(session.core.snapshot())
        finally:
            if session.core.steps != home:
                session.timeline.seek(home)
    advance_cycles(core, cycle)
    return core


def advance(core: Core, until: int, stop_pcs: frozenset[int]) -> bool:
    """Run the core toward step `until`, running the current bundle first and stopping before
    any later bundle whose pc is in stop_pcs. Pauses are run through and failed compares
    stepped over, as the history went on past them. False when the run cannot go on (it
    halted, ended or faulted)."""
    while core.steps < until:
        result = core.run(StopSpec(pcs=stop_pcs, max_steps=until - core.steps))
        if result.reason in ("steps", "pc"):
            return True
        if result.reason == "compare":
            core.step(skip_debug=True)
        elif result.reason != "pause":
            return False
    return True


def advance_cycles(core: Core, cycle: int) -> bool:
    """Run the core until its cycle count reaches `cycle`, as `advance` runs (pauses through,
    failed compares stepped over). False when the run ends first."""
    while core.cycle < cycle:
        result = core.run(StopSpec(cycle=cycle))
        if result.reason == "cycle":
            return True
        if result.reason == "compare":
            core.step(skip_debug=True)
        elif result.reason != "pause":
            return False
    return True


def step_over(core: Core) -> bool:
    """One bundle, as the history ran it (a failed compare skipped). False at the end of the
    run (the core is stopped, or the bundle faults)."""
    before = core.steps
    try:
        core.step()
    except CompareFault:
        core.step(skip_debug=True)
    except MachineFault:
        return False
    return core.steps > before
