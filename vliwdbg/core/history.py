"""Exact time travel over one run: periodic checkpoints plus re-execution.

The machine is deterministic, so the state at step N is a function of N alone: a move
backward is a restore of the nearest checkpoint at or before the target, then a re-run of
the bundles in between. Why this design rather than an undo log: the whole state is a few
thousand words, so a snapshot (two list copies) costs about as much as running a few dozen
bundles and is taken only every `interval` steps, while an undo log would cost a record on
every bundle and take the engine off its fast path, which does not report writes;
benchmarks/history_bench.py has the figures.

All running goes through `Timeline.drive`, which runs the engine in chunks: from checkpoint
to checkpoint, and in pieces of about a millisecond for a caller that can interrupt or wants
progress. Between chunks it takes the checkpoints, polls for an interrupt, reports progress,
and re-checks the conditions the engine never applies to the first bundle of a run (so that
cutting a run into chunks changes nothing about where it stops).
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace

from machine.engine import Core, RunResult, Snapshot, StopSpec
from machine.faults import MachineFault
from machine.isa import JUMP_OPS, CoreState
from vliwdbg.cancel import Cancel, Cancelled

#: Engine reasons after which the machine cannot go on.
TERMINAL = frozenset({"halt", "end", "fault"})

#: Flow ops that can send pc anywhere but the next bundle.

#: Checkpoint spacing in steps to start with; doubled when the budget runs out.
DEFAULT_INTERVAL = 1024
#: Memory the checkpoints may take, in bytes (an estimate: see `snapshot_bytes`).
DEFAULT_BUDGET = 150_000_000
#: Aim for engine chunks of this many seconds between interrupt polls.
CHUNK_SECONDS = 0.001
PROGRESS_SECONDS = 0.075
MIN_CHUNK, MAX_CHUNK = 64, 1 << 17

EMPTY_SPEC = StopSpec()

#: Decides whether a candidate stop the engine reported ends the drive (True) or is passed.
OnStop = Callable[[RunResult], bool]
SpecFor = Callable[[Core], StopSpec]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    """How a drive ended: an engine reason (then `result` is the engine's report), "limit"
    (the step budget ran out) or "interrupted"."""

    reason: str
    result: RunResult | None = None


@dataclass(frozen=True)
class RunEnd:
    """Where the run is known to stop: the step and cycle, and how ("halt" or "end")."""

    step: int
    cycle: int
    how: str


@dataclass(frozen=True)
class RunFault:
    """Where the run is known to fault: the step and cycle, and the fault."""

    step: int
    cycle: int
    fault: MachineFault


@dataclass(frozen=True)
class Hit:
    """A stop found by a backward scan: its position and the engine's report there."""

    step: int
    result: RunResult


def snapshot_bytes(core: Core) -> int:
    """What one checkpoint costs at most: a list slot per word plus a distinct int object
    for each word that is not a small cached int."""
    return (len(core.scratch) + len(core.mem)) * (8 + 32)


class Timeline:
    """The core plus its checkpoints, and the one place that runs it.

    Invariant: a checkpoint exists at every multiple of `interval` up to `frontier`, the
    furthest step ever executed; anything at or before the frontier is reached again by a
    restore and at most `interval` re-executed bundles.
    """

    def __init__(self, core: Core, *, interval: int = DEFAULT_INTERVAL, budget: int = DEFAULT_BUDGET) -> None:
        self.core = core
        self.interval = interval
        self.max_checkpoints = max(8, budget // snapshot_bytes(core))
        self._snaps: dict[int, Snapshot] = {}
        self._steps: list[int] = []
        self._cycles: list[int] = []
        self.frontier = core.steps
        #: Once the program is known to stop, where and how.
        self.end: RunEnd | None = None
        #: Once a fault is known to stop the run, where and which.
        self.fault: RunFault | None = None
        self.pauses: set[int] = set()
        self._chunk = 1024
        self._straight = not any(
            slot[0] in JUMP_OPS
            for bundle in core.prepared.program
            for slot in bundle.get("flow", ())
            if isinstance(slot, tuple | list) and slot
        )
        self._take_checkpoint()

    # --- checkpoints --------------------------------------------------------------------

    @property
    def checkpoint_count(self) -> int:
        return len(self._steps)

    def _take_checkpoint(self) -> None:
        core = self.core
        self._snaps[core.steps] = core.snapshot()
        i = bisect_left(self._steps, core.steps)
        self._steps.insert(i, core.steps)
        self._cycles.insert(i, core.cycle)
        if len(self._steps) > self.max_checkpoints:
            self._thin()

    def _thin(self) -> None:
        """Double the spacing and drop the checkpoints that no longer fall on it, so a
        runaway program's history stays within the budget (moves get slower, not wrong)."""
        self.interval *= 2
        keep = [i for i, s in enumerate(self._steps) if s % self.interval == 0]
        self._snaps = {self._steps[i]: self._snaps[self._steps[i]] for i in keep}
        self._steps = [self._steps[i] for i in keep]
        self._cycles = [self._cycles[i] for i in keep]

    def _restore_at_or_before(self, step: int) -> None:
        i = bisect_right(self._steps, step) - 1
        self.core.restore(self._snaps[self._steps[i]])

    # --- running ------------------------------------------------------------------------

    def drive(
        self,
        spec_for: SpecFor,
        on_stop: OnStop,
        *,
        limit: int | None = None,
        skip_first_debug: bool = False,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Outcome:
        """Run forward until `on_stop` accepts a stop the engine reports, a terminal reason,
        `limit` steps, or an interrupt. A passed "compare" is stepped over (its bundle runs
        with its compares skipped), so a drive can go through a divergence."""
        core = self.core
        start = core.steps
        skip = skip_first_debug
        recheck = False
        # Only a caller that can interrupt or show progress needs millisecond chunks; the
        # rest run from checkpoint to checkpoint, which is cheaper.
        timed = cancel is not None or progress is not None
        last_progress = time.perf_counter()
        # The engine's specs made from the caller's, by chunk length: a run resumed after
        # every watched change it passes (thousands a run) reuses them rather than making one.
        made_from: tuple[StopSpec, bool] | None = None
        made: dict[int, StopSpec] = {}
        while True:
            if limit is not None and core.steps - start >= limit:
                return Outcome("limit")
            spec = spec_for(core)
            if recheck:
                boundary = self._boundary_stop(spec)
                if boundary is not None and on_stop(boundary):
                    return Outcome(boundary.reason, boundary)
            n = self.interval - core.steps % self.interval
            if timed:
                n = min(n, self._chunk)
            if limit is not None:
                n = min(n, limit - (core.steps - start))
            if made_from is None or made_from != (spec, skip):
                made_from, made = (spec, skip), {}
            run_spec = made.get(n)
            if run_spec is None:
                run_spec = made[n] = replace(spec, max_steps=n, skip_first_debug=skip)
            t0 = time.perf_counter()
            result = core.run(run_spec)
            t1 = time.perf_counter()
            self._after_run(result)
            if result.reason == "steps":
                if timed:
                    self._tune_chunk(result.steps, t1 - t0)
            elif result.reason in TERMINAL or on_stop(result):
                return Outcome(result.reason, result)
            skip = result.reason == "compare"
            # A passed watched change leaves us after its bundle, where no before-bundle
            # condition was looked at yet (the session passes most changes: the store check).
            recheck = result.reason in ("steps", "watch")
            if cancel is not None and cancel():
                return Outcome("interrupted")
            if progress is not None and t1 - last_progress >= PROGRESS_SECONDS:
                last_progress = t1
                progress(core.steps, core.cycle)

    def _tune_chunk(self, steps: int, seconds: float) -> None:
        if steps < self._chunk:
            return
        if seconds < CHUNK_SECONDS / 2:
            self._chunk = min(MAX_CHUNK, self._chunk * 2)
        elif seconds > CHUNK_SECONDS * 2:
            self._chunk = max(MIN_CHUNK, self._chunk // 2)

    def _after_run(self, result: RunResult) -> None:
        core = self.core
        steps = core.steps
        if steps > self.frontier:
            self.frontier = steps
        if steps % self.interval == 0 and steps not in self._snaps:
            self._take_checkpoint()
        reason = result.reason
        if reason == "pause":
            self.pauses.add(steps)
        elif reason in ("halt", "end"):
            self.end = RunEnd(steps, core.cycle, reason)
        elif reason == "fault" and result.fault is not None:
            self.fault = RunFault(steps, core.cycle, result.fault)

    def _boundary_stop(self, spec: StopSpec) -> RunResult | None:
        """The before-bundle conditions at the current position, which the engine skips
        for the first bundle of each run (and so of each chunk)."""
        core = self.core
        if core.state == CoreState.STOPPED or not 0 <= core.pc < len(core.prepared.program):
            return None
        if core.pc in spec.pcs:
            return RunResult(reason="pc", steps=0, fault=None, changes=[])
        if spec.read_scratch or spec.read_mem:
            try:
                scratch, mem = core.reads()
            except MachineFault:
                return None
            if scratch & spec.read_scratch or mem & spec.read_mem:
                return RunResult(reason="read", steps=0, fault=None, changes=[])
        if spec.predicate is not None and spec.predicate(core):
            return RunResult(reason="predicate", steps=0, fault=None, changes=[])
        return None

    # --- exact moves --------------------------------------------------------------------

    def seek(self, target: int, *, cancel: Cancel | None = None, progress: Progress | None = None) -> Outcome:
        """Go to step `target` exactly, through pauses and divergences, stopping for nothing
        else. Starts from the current position when that is nearer than a checkpoint.
        Returns "limit" on arrival; a terminal reason if the run ends before it."""
        core = self.core
        nearest = self._steps[bisect_right(self._steps, target) - 1]
        if not nearest <= core.steps <= target:
            self._restore_at_or_before(target)
        outcome = self.drive(
            lambda c: EMPTY_SPEC,
            lambda r: False,
            limit=target - core.steps,
            cancel=cancel,
            progress=progress,
        )
        # A halt in the last bundle before the target still arrives.
        return Outcome("limit") if core.steps == target else outcome

    def seek_cycle(
        self, cycle: int, *, limit: int | None, cancel: Cancel | None = None, progress: Progress | None = None
    ) -> Outcome:
        """Go to the first step whose cycle count is `cycle` (the count grows by at most one
        a step, so every count up to the last is reached). Returns "cycle" on arrival."""
        core = self.core
        if cycle <= 0:
            self._restore_at_or_before(0)
            return Outcome("cycle")
        i = bisect_left(self._cycles, cycle) - 1
        if not (self._steps[i] <= core.steps and core.cycle < cycle):
            self.core.restore(self._snaps[self._steps[i]])
        spec = StopSpec(cycle=cycle)
        outcome = self.drive(
            lambda c: spec,
            lambda r: r.reason == "cycle",
            limit=limit,
            cancel=cancel,
            progress=progress,
        )
        return Outcome("cycle") if outcome.reason == "halt" and core.cycle >= cycle else outcome

    def _fast_forward(self, steps: int, cancel: Cancel | None, progress: Progress | None) -> str:
        """Run `steps` bundles within the known history, stopping for nothing."""
        return self.drive(
            lambda c: EMPTY_SPEC, lambda r: False, limit=steps, cancel=cancel, progress=progress
        ).reason

    def find_last(
        self,
        lo: int,
        hi: int,
        spec_for: SpecFor,
        is_stop: OnStop,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Hit | None:
        """The latest position in [lo, hi] (lo >= 1, hi below the frontier) where a forward
        run would stop, searching the checkpoint segments newest first.

        A segment scan from checkpoint c covers the positions (c, end]: it runs one bundle
        past `end` so that the engine checks the before-bundle conditions at `end` too; the
        position c itself belongs to the segment before. The part of a segment below lo-1 is
        run with no stop conditions (the engine's fast path), so `back 1` costs the same
        with watchpoints as without. Leaves the core anywhere inside
        the scanned range; the caller seeks to where it wants to be. Raises Cancelled
        (after returning to where it started) when cancelled.
        """
        core = self.core
        origin = core.steps
        end = hi
        while end >= lo:
            c = self._steps[bisect_left(self._steps, end) - 1]
            self.core.restore(self._snaps[c])
            start = max(c, lo - 1)
            if start > c and self._fast_forward(start - c, cancel, progress) == "interrupted":
                self.seek(origin)
                raise Cancelled
            hits: list[Hit] = []

            def collect(result: RunResult, end: int = end, hits: list[Hit] = hits) -> bool:
                if core.steps > end:
                    return True
                if core.steps >= lo and is_stop(result):
                    hits.append(Hit(core.steps, result))
                return False

            outcome = self.drive(spec_for, collect, limit=end + 1 - start, cancel=cancel, progress=progress)
            if outcome.reason == "interrupted":
                self.seek(origin)
                raise Cancelled
            if hits:
                last = hits[-1].step
                return next(h for h in hits if h.step == last)
            end = c
        return None

    def executed_pcs(self, lo: int, hi: int) -> list[int]:
        """The pcs of the bundles executed at steps lo..hi-1 (hi at most the frontier).

        Without jumps that is plain counting; otherwise the segment is re-run one bundle at
        a time, and the timeline comes back to where it was."""
        if self._straight:
            return list(range(lo, hi))
        core = self.core
        origin = core.steps
        self.seek(lo)
        pcs = []
        while core.steps < hi:
            pcs.append(core.pc)
            core.step(skip_debug=True)
        self.seek(origin)
        return pcs
