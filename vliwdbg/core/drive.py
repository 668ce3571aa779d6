"""How a move runs through history: a forward drive to the next real stop (or a move's own
target), a backward scan for the latest one, a goto, and the refusal of a target past the
known end. The session's public moves wrap these and keep what the last move did; the Judge
(vliwdbg.core.arrival) decides which candidates are stops and words them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from machine.engine import Core, RunResult, StopSpec
from machine.isa import CoreState
from vliwdbg.cancel import Cancel, Cancelled
from vliwdbg.core.history import Outcome, Progress, RunFault
from vliwdbg.core.stops import Stop

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


class SessionError(ValueError):
    """A request the session refuses, with a one-line reason; nothing was changed."""


class Drive:
    """The moves' mechanics for one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def forward(
        self,
        cancel: Cancel | None,
        progress: Progress | None,
        *,
        steps: int | None = None,
        move_cycle: int | None = None,
        move_pc: int | None = None,
        move_until: Callable[[int], bool] | None = None,
    ) -> Stop:
        """Run forward to the next stop: after `steps` bundles when given (a plain arrival),
        else within the runaway limit; `move_cycle`, `move_pc` and `move_until` are the
        move's own targets, which stop it as plain arrivals."""
        limit, limit_kind = (
            (steps, "steps") if steps is not None else (self.session.options.max_steps, "max-steps")
        )
        core = self.session.core
        if core.state == CoreState.STOPPED:
            how = self.session.timeline.end.how if self.session.timeline.end else "end"
            return self.session.judge.at_end(how)
        last = self.session.last_stop
        skip = last is not None and last is self.session.judge.compare_stop and last.step == core.steps
        self.session._ready_to_watch()
        judge = self.session.judge
        if move_until is None:

            def spec_for(c: Core) -> StopSpec:
                return self.session.stops.spec(c.cycle, move_cycle, move_pc)

            def is_stop(r: RunResult) -> bool:
                return judge.is_stop(r, move_cycle, move_pc)
        else:
            until = move_until

            def predicate(c: Core) -> bool:
                return until(c.pc)

            def spec_for(c: Core) -> StopSpec:
                return replace(self.session.stops.spec(c.cycle, move_cycle, move_pc), predicate=predicate)

            def is_stop(r: RunResult) -> bool:
                # A candidate passed over runs its bundle unchecked: the move's own test
                # must be made here for it.
                return judge.is_stop(r, move_cycle, move_pc) or (
                    r.reason in ("pc", "cycle", "read") and until(self.session.pc)
                )

        outcome = self.session.timeline.drive(
            spec_for,
            is_stop,
            limit=limit,
            skip_first_debug=skip,
            cancel=cancel,
            progress=progress,
        )
        return self.session.judge.arrive(outcome, limit_kind, move_pc)

    def backward(self, floor: int, cancel: Cancel | None, progress: Progress | None) -> Stop:
        origin = self.session.step
        if origin == 0:
            return self.session.judge.stop("start", "start of history")
        self.session._ready_to_watch()
        try:
            hit = None
            if origin - 1 >= max(1, floor):
                hit = self.session.timeline.find_last(
                    max(1, floor),
                    origin - 1,
                    lambda c: self.session.stops.spec(c.cycle),
                    lambda r: self.session.judge.is_stop(r, None),
                    cancel=cancel,
                    progress=progress,
                )
        except Cancelled:
            return self.session.judge.stop("interrupted", "interrupted")
        if hit is not None:
            self.session.timeline.seek(hit.step)
            return self.session.judge.arrive(Outcome(hit.result.reason, hit.result), "steps")
        self.session.timeline.seek(floor)
        return self.session.judge.plain("steps")

    def goto_step(self, step: int, cancel: Cancel | None, progress: Progress | None) -> Stop:
        origin = self.session.step
        outcome = self.session.timeline.seek(step, cancel=cancel, progress=progress)
        if outcome.reason == "limit":
            return self.session.judge.plain("steps")
        if outcome.reason == "interrupted":
            return self.session.judge.arrive(outcome, "steps")
        self.session.timeline.seek(origin)
        self.refuse_past_end(step, None)
        raise SessionError(f"step {step} cannot be reached")

    def goto_cycle(self, cycle: int, cancel: Cancel | None, progress: Progress | None) -> Stop:
        origin = self.session.step
        outcome = self.session.timeline.seek_cycle(
            cycle, limit=self.session.options.max_steps, cancel=cancel, progress=progress
        )
        if outcome.reason == "cycle":
            return self.session.judge.plain("cycle")
        if outcome.reason in ("limit", "interrupted"):
            return self.session.judge.arrive(outcome, "max-steps")
        self.session.timeline.seek(origin)
        self.refuse_past_end(None, cycle)
        raise SessionError(f"cycle {cycle} cannot be reached")

    def refuse_past_end(self, step: int | None, cycle: int | None) -> None:
        """Raise SessionError for a target past the end of the run, once the end is known
        (a move that finds the end on its way comes back and asks again)."""
        target = f"step {step}" if step is not None else f"cycle {cycle}"
        for known, what in (
            (self.session.timeline.end, "the program ends"),
            (self.session.timeline.fault, "the run faults"),
        ):
            if known is None:
                continue
            if (step is not None and step > known.step) or (cycle is not None and cycle > known.cycle):
                why = f": {known.fault}" if isinstance(known, RunFault) else ""
                raise SessionError(
                    f"{target} is past the end: {what} at step {known.step}, cycle {known.cycle}{why}"
                )
