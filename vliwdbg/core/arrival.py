"""Why a move stopped: the judge of the engine's candidate stops and the maker of the Stop.

The engine reports a candidate whenever something the stop table asked for happens (a pc, a
cycle, a watched or read word, a pause, a fault, the end). Whether that candidate is a real
stop, and what its one line says, is decided here: breakpoint conditions, watchpoints, cycle
targets, the store check's divergences, pauses and the end against the reference, faults and
failed compares. A backward scan asks `is_stop` of every candidate, so it has no side
effects; `arrive` counts hits and builds the Stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from machine.access import touches
from machine.engine import RunResult, Write
from machine.faults import CompareFault, MachineFault
from vliwdbg.core import stops
from vliwdbg.core.expr import Expr
from vliwdbg.core.history import Outcome
from vliwdbg.core.stops import Breakpoint, Stop
from vliwdbg.core.store_check import BadStore, bad_store_text

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


class Judge:
    """Decides and words a session's stops. `compare_stop` is the last stop at a failed
    compare: a move starting there skips that compare."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.compare_stop: Stop | None = None

    def _holds(self, expr: Expr) -> bool:
        value = expr.evaluate(self.session)
        return bool(value) if isinstance(value, int) else any(value)

    def _reads_now(self) -> tuple[set[int], set[int]]:
        try:
            return self.session.core.reads()
        except MachineFault:
            return set(), set()

    def is_stop(self, result: RunResult, move_cycle: int | None, move_pc: int | None = None) -> bool:
        """Whether a candidate stop the engine reports is a real one (no side effects: a
        backward scan asks this of every candidate in a segment)."""
        reason = result.reason
        if reason == "pc":
            return self.session.pc == move_pc or bool(
                self.session.stops.pc_hits(self.session.pc, self._holds)
            )
        if reason == "cycle":
            return (move_cycle is not None and self.session.cycle >= move_cycle) or bool(
                self.session.stops.cycle_hits(self.session.cycle)
            )
        if reason == "watch":
            return bool(
                self.session.stops.watch_hits(result.changes)
                or self._bad_stores(result)
                or self._cycle_reached(move_cycle)
            )
        if reason == "read":
            return bool(self.session.stops.read_hits(*self._reads_now()))
        return True

    def _bad_stores(self, result: RunResult) -> list[BadStore]:
        if not self.session.check_stores or not result.changes:
            return []
        return self.session.store_check.judge(result.changes)

    def _cycle_reached(self, move_cycle: int | None) -> bool:
        """Whether the bundle just run reached a cycle target: the engine reports a watched
        change first, so a change the session passes must not hide the target. Only a bundle
        that costs a cycle writes a word, so a cycle breakpoint equal to the count now was
        reached by this very bundle."""
        return (move_cycle is not None and self.session.cycle >= move_cycle) or bool(
            self.session.stops.cycle_hits(self.session.cycle)
        )

    def _writer_where(self, changes: Sequence[Write]) -> str:
        """` at FILE:LINE` of the slot that wrote a watchpoint's first changed word, when
        the kernel has a source map (finding the slot costs a step back and forth)."""
        session = self.session
        if session.source_map is None and not (session.source_waits and session.wait_for_source_map()):
            return ""
        origin = self._store_origin(changes[0].addr, changes[0].space)
        return "" if origin is None else session.slot_where(*origin)

    def _fault_where(self, fault: MachineFault) -> str:
        """` at FILE:LINE` of the slot a fault names."""
        return self.session.slot_where(fault.pc, fault.engine, fault.slot_index)

    def _bad_store_text(self, bad: Sequence[BadStore]) -> str:
        origin = self._store_origin(bad[0].addr)
        if origin is None:
            return bad_store_text(bad, None)
        where = f"pc {origin[0]} {origin[1]} slot {origin[2]}{self.session.slot_where(*origin)}"
        return bad_store_text(bad, where)

    def _store_origin(self, addr: int, space: str = "m") -> tuple[int, str, int] | None:
        """(pc, engine, slot index) of the slot of the bundle just run that stored memory word
        `addr` (or wrote scratch word `addr`, for space "s"; the last such slot: it is the
        one that lands). The bundle is looked at on the state before it, one step back, and
        the timeline comes back here."""
        written = 3 if space == "m" else 2
        step = self.session.step
        if step == 0:
            return None
        self.session.timeline.seek(step - 1)
        try:
            core = self.session.core
            pc = core.pc
            bundle = self.session.program[pc] if 0 <= pc < len(self.session.program) else None
            found = None
            if isinstance(bundle, dict):
                for engine, slots in bundle.items():
                    for index, slot in enumerate(slots):
                        if addr in touches({engine: [slot]}, core.scratch, core.mem)[written]:
                            found = (pc, engine, index)
            return found
        finally:
            self.session.timeline.seek(step)

    def arrive(self, outcome: Outcome, plain_kind: str, move_pc: int | None = None) -> Stop:
        """The Stop for where a drive ended; counts the hits of the entries that stopped it.
        Reaching a move's own target pc is a plain arrival, unless a breakpoint there stops
        too (then it is that breakpoint's stop, and its hit)."""
        reason, result = outcome.reason, outcome.result
        if reason == "limit":
            if plain_kind == "max-steps":
                return self.stop(
                    "max-steps",
                    f"max-steps: stopped after {self.session.options.max_steps} steps (a runaway?)",
                )
            return self.plain(plain_kind)
        if reason == "interrupted":
            return self.stop("interrupted", "interrupted")
        assert result is not None
        if reason == "pc":
            hits = self.session.stops.pc_hits(self.session.pc, self._holds)
            if not hits and self.session.pc == move_pc:
                return self.plain("steps")
            return self._hit("breakpoint", stops.breakpoint_text(hits), [bp for bp, _ in hits])
        if reason == "cycle":
            bps = self.session.stops.cycle_hits(self.session.cycle)
            if bps:
                return self._hit("breakpoint", stops.cycle_breakpoint_text(bps), bps)
            return self.stop("cycle", "")
        if reason == "watch":
            return self._watch_arrival(result)
        if reason == "read":
            bps = self.session.stops.read_hits(*self._reads_now())
            return self._hit("watchpoint", stops.read_text(bps), bps)
        if reason == "pause":
            index = sum(1 for s in self.session.timeline.pauses if s <= self.session.step)
            ref = {1: self.session.problem.initial, 2: self.session.problem.final}.get(index)
            now, refv = (self.values(), self.region(ref, "values")) if ref is not None else (None, None)
            return self._with_stores(result, "pause", stops.pause_text(index, now, refv))
        if reason in ("halt", "end"):
            return self._with_stores(result, "end", stops.end_text(self.values(), self.ref_values(), reason))
        if reason == "compare" and isinstance(result.fault, CompareFault):
            text = stops.divergence_text(result.fault) + self._fault_where(result.fault)
            self.compare_stop = self.stop("divergence", text)
            return self.compare_stop
        if reason in ("fault", "compare") and result.fault is not None:
            return self.stop("fault", stops.fault_text(result.fault) + self._fault_where(result.fault))
        return self.stop(plain_kind, f"stopped ({reason})")

    def _with_stores(self, result: RunResult, kind: str, text: str) -> Stop:
        """A pause or the end, led by the store check's divergence when the bundle that
        paused or halted also stored a word the reference never has there."""
        bad = self._bad_stores(result)
        if bad:
            return self.stop("divergence", f"{self._bad_store_text(bad)}; {text}")
        return self.stop(kind, text)

    def _watch_arrival(self, result: RunResult) -> Stop:
        """After a bundle with watched changes: the store check's divergence, the user's
        watchpoints, the cycle breakpoints it reached, in that order, in one line."""
        watched = self.session.stops.watch_hits(result.changes)
        cycle_bps = self.session.stops.cycle_hits(self.session.cycle)
        bad = self._bad_stores(result)
        parts = [self._bad_store_text(bad)] if bad else []
        parts += [
            stops.watch_text(bp, ws, self.session.word_name) + self._writer_where(ws) for bp, ws in watched
        ]
        if cycle_bps:
            parts.append(stops.cycle_breakpoint_text(cycle_bps))
        hit = [bp for bp, _ in watched] + cycle_bps
        if bad:
            return self._hit("divergence", "; ".join(parts), hit)
        if watched:
            return self._hit("watchpoint", "; ".join(parts), hit)
        if cycle_bps:
            return self._hit("breakpoint", "; ".join(parts), hit)
        return self.stop("cycle", "")

    def plain(self, kind: str) -> Stop:
        """A move that ended where it was going: only the position, or the start."""
        if self.session.step == 0:
            return self.stop("start", "start of history")
        return self.stop(kind, "")

    def _hit(self, kind: str, text: str, bps: Sequence[Breakpoint]) -> Stop:
        for bp in bps:
            bp.hits += 1
        return self.stop(kind, text, tuple(bp.id for bp in bps))

    def stop(self, kind: str, text: str, ids: tuple[int, ...] = ()) -> Stop:
        pos = self.session.where()
        message = f"{text} ({pos})" if text else pos
        return Stop(kind, message, self.session.step, self.session.cycle, self.session.pc, ids)

    def region(self, mem: Sequence[int], name: str) -> list[int]:
        start, length = self.session.regions[name]
        return list(mem[start : start + length])

    def values(self) -> list[int]:
        return self.region(self.session.core.mem, "values")

    def ref_values(self) -> list[int]:
        return self.region(self.session.problem.final, "values")
