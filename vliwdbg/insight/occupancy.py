"""Where the cycles go: slots used per engine against its limit, over any range of cycles.

A SlotTable holds, per pc, how many slots each engine uses and whether the bundle costs a
cycle; it is built once per program. A Profile is the executed pcs in order with prefix sums
over them, so "utilization over the run so far" or over any cycle range is a couple of
bisections and subtractions, however long the run; it grows as the run grows (extend). The
prefix sums are built lazily and incrementally, with itertools.accumulate over the pcs, so
extending by one step at a time stays cheap.

The lower bound is the one the slot counts alone imply: an engine with S slots to issue and
a limit of L per bundle needs at least ceil(S / L) cycles, whatever the dependencies.
"""

from __future__ import annotations

import math
import weakref
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from machine.engine import Prepared
from machine.isa import SLOT_LIMITS, TRACE_ENGINES, costs_cycle

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

ENGINES: tuple[str, ...] = TRACE_ENGINES


class SlotTable:
    """Per-pc slot counts of the limited engines (debug is free and unlimited, so it is left out)."""

    def __init__(self, program: Sequence[dict]) -> None:
        self.size = len(program)
        self.counts: dict[str, array] = {e: array("H", bytes(2 * self.size)) for e in ENGINES}
        self.full: dict[str, array] = {e: array("B", bytes(self.size)) for e in ENGINES}
        #: 1 when the bundle costs a cycle (any engine key other than debug, ISA.md step 5).
        self.costs = array("B", bytes(self.size))
        for pc, bundle in enumerate(program):
            if not isinstance(bundle, dict):
                continue
            if costs_cycle(bundle):
                self.costs[pc] = 1
            for engine in ENGINES:
                slots = bundle.get(engine)
                if isinstance(slots, list | tuple) and slots:
                    n = min(len(slots), 65535)
                    self.counts[engine][pc] = n
                    self.full[engine][pc] = int(n >= SLOT_LIMITS[engine])

    def bundle_counts(self, pc: int) -> tuple[int, ...]:
        """Slots per engine (in ENGINES order) of the bundle at pc."""
        return tuple(self.counts[e][pc] for e in ENGINES)


@dataclass(frozen=True)
class EngineUse:
    """One engine's use over a range: slots issued, against limit x cycles."""

    engine: str
    limit: int
    slots: int
    cycles: int
    full_bundles: int

    @property
    def capacity(self) -> int:
        return self.limit * self.cycles

    @property
    def utilization(self) -> float:
        return self.slots / self.capacity if self.capacity else 0.0

    @property
    def full_share(self) -> float:
        """The share of the range's bundles in which this engine used all its slots."""
        return self.full_bundles / self.cycles if self.cycles else 0.0

    @property
    def bound(self) -> int:
        """Cycles this engine alone needs for its slots: ceil(slots / limit)."""
        return math.ceil(self.slots / self.limit)


@dataclass(frozen=True)
class OccupancyReport:
    """Occupancy over cycles [from_cycle, to_cycle)."""

    from_cycle: int
    to_cycle: int
    cycles: int
    engines: tuple[EngineUse, ...]

    @property
    def lower_bound(self) -> int:
        """The fewest cycles the slot counts allow: the largest per-engine bound."""
        return max((u.bound for u in self.engines), default=0)

    @property
    def binding_engine(self) -> str | None:
        """The engine that sets the lower bound (None when nothing was issued)."""
        best = max(self.engines, key=lambda u: u.bound, default=None)
        return best.engine if best is not None and best.bound else None

    def engine(self, name: str) -> EngineUse:
        return next(u for u in self.engines if u.engine == name)

    def lines(self) -> list[str]:
        """The text `info occupancy` prints."""
        out = [f"cycles {self.from_cycle}..{self.to_cycle}: {self.cycles} bundles that cost a cycle"]
        out.append(f"{'engine':<7}{'slots':>10}{'of':>11}{'used':>8}{'at limit':>10}{'bound':>9}")
        for u in self.engines:
            out.append(
                f"{u.engine:<7}{u.slots:>10}{u.capacity:>11}{u.utilization:>8.1%}{u.full_share:>10.1%}"
                f"{u.bound:>9}"
            )
        bound = self.lower_bound
        if bound:
            gap = self.cycles - bound
            out.append(
                f"slot-count lower bound: {bound} cycles (set by {self.binding_engine});"
                f" {gap} cycles above it ({self.cycles / bound:.2f}x)"
            )
        else:
            out.append("slot-count lower bound: 0 (no slots issued in this range)")
        return out


class Profile:
    """The executed pcs of a run, in order, with lazy prefix sums for range queries.

    Cycle numbers follow the trace convention: the bundle executed while the cycle counter
    read c is "cycle c". A range [from, to) covers the bundles that cost cycles from..to-1.
    """

    def __init__(self, table: SlotTable, pcs: Iterable[int] = ()) -> None:
        self.table = table
        self.pcs = array("i")
        self._cycle = array("q", [0])  # _cycle[k]: cycles spent by the first k steps
        self._slots = {e: array("q", [0]) for e in ENGINES}
        self._full = {e: array("q", [0]) for e in ENGINES}
        self.extend(pcs)

    @classmethod
    def static(cls, program: Sequence[dict], table: SlotTable | None = None) -> Profile:
        """Every bundle once, in program order: the static view, exact for straight-line kernels."""
        return cls(table or SlotTable(program), range(len(program)))

    @property
    def steps(self) -> int:
        return len(self.pcs)

    @property
    def cycles(self) -> int:
        self._sync()
        return self._cycle[-1]

    def extend(self, pcs: Iterable[int]) -> None:
        """Append executed pcs; a pc outside the program is refused and nothing is added."""
        new = array("i", pcs)
        if new and (min(new) < 0 or max(new) >= self.table.size):
            k = next(k for k, pc in enumerate(new) if not 0 <= pc < self.table.size)
            raise ValueError(
                f"step {len(self.pcs) + k}: pc {new[k]} is outside the program (0..{self.table.size - 1})"
            )
        self.pcs.extend(new)

    def truncate(self, steps: int) -> None:
        """Forget the steps from `steps` on (the run was rewound and will go another way)."""
        del self.pcs[steps:]
        for arr in (self._cycle, *self._slots.values(), *self._full.values()):
            del arr[steps + 1 :]

    def _sync(self) -> None:
        done = len(self._cycle) - 1
        if done == len(self.pcs):
            return
        new = self.pcs[done:]
        t = self.table
        _extend_prefix(self._cycle, map(t.costs.__getitem__, new))
        for e in ENGINES:
            _extend_prefix(self._slots[e], map(t.counts[e].__getitem__, new))
            _extend_prefix(self._full[e], map(t.full[e].__getitem__, new))

    def step_range(self, from_cycle: int, to_cycle: int) -> tuple[int, int]:
        """Steps [lo, hi) whose bundles ran while the cycle counter was in [from_cycle, to_cycle)."""
        self._sync()
        n = len(self.pcs)
        lo = bisect_left(self._cycle, from_cycle, 0, n)
        hi = bisect_left(self._cycle, to_cycle, lo, n)
        return lo, hi

    def report(self, from_cycle: int | None = None, to_cycle: int | None = None) -> OccupancyReport:
        """Occupancy over cycles [from_cycle, to_cycle); the defaults cover the whole run so far."""
        self._sync()
        total = self._cycle[-1]
        start = 0 if from_cycle is None else max(0, from_cycle)
        end = total if to_cycle is None else min(total, to_cycle)
        end = max(start, end)
        lo, hi = self.step_range(start, end)
        cycles = self._cycle[hi] - self._cycle[lo]
        uses = tuple(
            EngineUse(
                e,
                SLOT_LIMITS[e],
                self._slots[e][hi] - self._slots[e][lo],
                cycles,
                self._full[e][hi] - self._full[e][lo],
            )
            for e in ENGINES
        )
        return OccupancyReport(start, end, cycles, uses)

    def strip(self, from_cycle: int, to_cycle: int) -> list[tuple[int, ...]]:
        """Per cycle in [from_cycle, to_cycle) that the run has reached, the slots per engine
        (ENGINES order). Costs only the window's length, for the app's engines pane."""
        lo, hi = self.step_range(from_cycle, to_cycle)
        t = self.table
        return [t.bundle_counts(pc) for pc in self.pcs[lo:hi] if t.costs[pc]]


def _extend_prefix(prefix: array, values: Iterable[int]) -> None:
    sums = accumulate(values, initial=prefix[-1])
    next(sums)
    prefix.extend(sums)


_PROFILES: weakref.WeakKeyDictionary[Prepared, Profile] = weakref.WeakKeyDictionary()


def run_occupancy(
    session: Session, from_cycle: int | None = None, to_cycle: int | None = None
) -> OccupancyReport:
    """Slots used per engine over the run so far (cycles FROM..TO of it). The profile of a
    program grows with the history as the session moves on, and is kept for as long as the
    session's prepared program lives (a `load` makes another)."""
    profile = _PROFILES.get(session.prepared)
    if profile is None:
        profile = _PROFILES[session.prepared] = Profile(SlotTable(session.program))
    if profile.steps < session.step:
        profile.extend(session.timeline.executed_pcs(profile.steps, session.step))
    now = session.cycle
    to = now if to_cycle is None else min(to_cycle, now)
    return profile.report(from_cycle, to)
