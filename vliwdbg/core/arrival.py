"""Why a move stopped: the judge of the engine's candidate stops and the maker of the Stop.

The engine reports a candidate whenever something the stop table asked for happens (a pc, a
cycle, a watched or read word, a pause, a fault, the end). Whether that candidate is a real
stop, and what its one line says, is decided here: breakpoint conditions, watchpoints, cycle
targets, the store check's divergences, pauses and the end against the reference, faults and
failed compares. A backward scan asks `is_stop` of every candidate, so it has no side
effects; `arrive` counts hits and builds the Stop.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from machine.access import touches
from machine.engine import RunResult, Write
from machine.faults import CompareFault, MachineFault
from vliwdbg.core import stops
from vliwdbg.core.expr import Expr
from vliwdbg.core.history import Outcome
from vliwdbg.core.stops import Breakpoint, Stop
from vliwdbg.core.store_check import BadStore, StoreHabits, bad_store_text, store_habits

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


class Judge:
    """Decides and words a session's stops. `compare_stop` is the last stop at a failed
    compare: a move starting there skips that compare."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.compare_stop: Stop | None = None
        self._habits: tuple[object, StoreHabits] | None = None
        #: Session.warm_up may learn the habits on a worker thread while a move needs them.
        self._habits_lock = threading.Lock()
        #: (step, the bad words) of the last stop the store check made: `why` starts there.
        self.bad_stores: tuple[int, list[BadStore]] | None = None

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
            return self.session.pc == move_pc or self._before_hits()
        if reason == "cycle":
            return self._cycle_reached(move_cycle) or self._before_hits()
        if reason == "watch":
            return bool(
                self.session.stops.watch_hits(result.changes, self._holds)
                or self._bad_stores(result)
                or self._cycle_reached(move_cycle)
            )
        if reason == "read":
            return self._before_hits()
        return True

    def _before_hits(self) -> bool:
        """Whether a pc breakpoint or a read watchpoint stops before the next bundle: the
        engine reports one reason per candidate, and passing it on runs that bundle."""
        stops_ = self.session.stops
        return bool(
            stops_.pc_hits(self.session.pc, self._holds) or stops_.read_hits(*self._reads_now(), self._holds)
        )

    def _bad_stores(self, result: RunResult) -> list[BadStore]:
        if not self.session.check_stores or not result.changes:
            return []
        session = self.session
        return session.store_check.judge(result.changes, session.core.mem, self.store_habits())

    def store_habits(self) -> StoreHabits:
        """How the kernel stores its output words, learnt once per program (a run of its
        own, up to a word of each region stored twice, or the end)."""
        prepared = self.session.prepared
        with self._habits_lock:
            if self._habits is None or self._habits[0] is not prepared:
                session = self.session
                check, limit = session.store_check, session.options.max_steps
                habits = store_habits(prepared, session.problem, check, limit, session.compares)
                self._habits = (prepared, habits)
            return self._habits[1]

    def _cycle_reached(self, move_cycle: int | None) -> bool:
        """Whether the bundle just run reached a cycle target: the engine reports a watched
        change first, so a change the session passes must not hide the target. Only a bundle
        that costs a cycle writes a word, so a cycle breakpoint equal to the count now was
        reached by this very bundle."""
        return (move_cycle is not None and self.session.cycle >= move_cycle) or bool(
            self.session.stops.cycle_hits(self.session.cycle)
        )

    def _writer_where(self, changes: Sequence[Write]) -> str:
        """` at FILE:LINE` of the slot that wrote a watchpoint's first changed word."""
        origin = self._writer(changes)
        return "" if origin is None else self.session.slot_where(*origin)

    def _writer(self, changes: Sequence[Write]) -> tuple[int, str, int] | None:
        """The slot that wrote a watchpoint's first changed word, when the kernel has a
        source map (finding the slot costs a step back and forth, worth it only when the
        slot can be shown in the kernel's own lines)."""
        session = self.session
        if session.source_map is None and not (session.source_waits and session.wait_for_source_map()):
            return None
        return self._store_origin(changes[0].addr, changes[0].space)

    def _fault_where(self, fault: MachineFault) -> str:
        """` at FILE:LINE` of the slot a fault names."""
        return self.session.slot_where(fault.pc, fault.engine, fault.slot_index)

    def _bad_store_text(self, bad: Sequence[BadStore]) -> str:
        self.bad_stores = (self.session.step, list(bad))
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
        if reason in ("pc", "cycle", "read"):
            return self._position_arrival(reason)
        if reason == "predicate":
            return self.plain("steps")
        if reason == "watch":
            return self._watch_arrival(result)
        if reason == "pause":
            index = sum(1 for s in self.session.timeline.pauses if s <= self.session.step)
            ref = {1: self.session.problem.initial, 2: self.session.problem.final}.get(index)
            now, refv = (self.values(), self.region(ref, "values")) if ref is not None else (None, None)
            details = {"pause": index, **(stops.verdict_details(now, refv) if now and refv else {})}
            return self._with_stores(result, "pause", stops.pause_text(index, now, refv), details)
        if reason in ("halt", "end"):
            now, ref = self.values(), self.ref_values()
            text = stops.end_text(now, ref, reason)
            return self._with_stores(result, "end", text, stops.verdict_details(now, ref))
        if reason == "compare" and isinstance(result.fault, CompareFault):
            fault = result.fault
            text = stops.divergence_text(fault) + self._fault_where(fault)
            self.compare_stop = self.stop("divergence", text, details=stops.compare_details(fault))
            return self.compare_stop
        if reason in ("fault", "compare") and result.fault is not None:
            fault = result.fault
            text = stops.fault_text(fault) + self._fault_where(fault)
            return self.stop("fault", text, details=stops.fault_details(fault))
        return self.stop(plain_kind, f"stopped ({reason})")

    def at_end(self, how: str) -> Stop:
        """A move asked for where the run has already ended."""
        now, ref = self.values(), self.ref_values()
        return self.stop("end", stops.end_text(now, ref, how), details=stops.verdict_details(now, ref))

    def _with_stores(self, result: RunResult, kind: str, text: str, details: dict[str, Any]) -> Stop:
        """A pause or the end, led by what else the bundle that paused or halted did: a
        store the reference never makes there (a divergence) and changes to watched words
        (a watchpoint), so that no reason is lost to the pause."""
        bad = self._bad_stores(result)
        watched = self.session.stops.watch_hits(result.changes)
        parts = [self._bad_store_text(bad)] if bad else []
        parts += [
            stops.watch_text(bp, ws, self.session.word_name) + self._writer_where(ws) for bp, ws in watched
        ]
        lead = "divergence" if bad else "watchpoint" if watched else kind
        reasons = ["divergence"] * bool(bad) + ["watchpoint"] * bool(watched) + [kind]
        details = {**self._change_details(bad, watched), **details, "reasons": reasons}
        return self._hit(lead, "; ".join([*parts, text]), [bp for bp, _ in watched], details)

    def _watch_arrival(self, result: RunResult) -> Stop:
        """After a bundle with watched changes: the store check's divergence, the user's
        watchpoints, the cycle breakpoints it reached, in that order, in one line."""
        watched = self.session.stops.watch_hits(result.changes, self._holds)
        cycle_bps = self.session.stops.cycle_hits(self.session.cycle)
        bad = self._bad_stores(result)
        parts = [self._bad_store_text(bad)] if bad else []
        name = self.session.word_name
        parts += [
            stops.watch_text(bp, ws, name, stops.condition_note(bp, self._holds)) + self._writer_where(ws)
            for bp, ws in watched
        ]
        if cycle_bps:
            parts.append(stops.cycle_breakpoint_text(cycle_bps))
        hit = [bp for bp, _ in watched] + cycle_bps
        reasons = ["divergence"] * bool(bad) + ["watchpoint"] * bool(watched)
        reasons += ["breakpoint"] * bool(cycle_bps)
        details = {**self._change_details(bad, watched), "reasons": reasons}
        if reasons:
            return self._hit(reasons[0], "; ".join(parts), hit, details)
        return self.stop("cycle", "")

    def _change_details(
        self, bad: Sequence[BadStore], watched: Sequence[tuple[Breakpoint, list[Write]]]
    ) -> dict[str, Any]:
        """The structured side of a bundle's bad stores and watched changes (Stop.details)."""
        details: dict[str, Any] = {}
        if watched:
            name = self.session.word_name
            details["changes"] = [
                {"id": bp.id, "word": name(w.space, w.addr), "old": w.old, "new": w.new}
                for bp, ws in watched
                for w in ws
            ]
        if bad:
            details.update(stops.store_details(bad[0], self._store_origin(bad[0].addr)))
        elif watched:
            writer = self._writer(watched[0][1])
            if writer is not None:
                details["slot"] = list(writer)
        return details

    def _position_arrival(self, reason: str) -> Stop:
        """A stop before the next bundle: every cycle breakpoint reached, pc breakpoint and
        read watchpoint there, in one line, whichever of them the engine reported. With
        none, the move reached its own target (a pc or a cycle)."""
        session = self.session
        cycle_bps = session.stops.cycle_hits(session.cycle) if reason == "cycle" else []
        pc_hits = session.stops.pc_hits(session.pc, self._holds)
        reads = session.stops.read_hits(*self._reads_now(), self._holds)
        parts = [stops.cycle_breakpoint_text(cycle_bps)] if cycle_bps else []
        parts += [stops.breakpoint_text(pc_hits)] if pc_hits else []
        if reads:
            parts.append(stops.read_text(reads, [stops.condition_note(bp, self._holds) for bp in reads]))
        hit = cycle_bps + [bp for bp, _ in pc_hits] + reads
        if not hit:
            return self.plain("steps") if reason == "pc" else self.stop("cycle", "")
        kind = "breakpoint" if cycle_bps or pc_hits else "watchpoint"
        reasons = ["breakpoint"] * bool(cycle_bps or pc_hits) + ["watchpoint"] * bool(reads)
        return self._hit(kind, "; ".join(parts), hit, {"reasons": reasons})

    def plain(self, kind: str) -> Stop:
        """A move that ended where it was going: only the position, or the start."""
        if self.session.step == 0:
            return self.stop("start", "start of history")
        return self.stop(kind, "")

    def _hit(
        self, kind: str, text: str, bps: Sequence[Breakpoint], details: dict[str, Any] | None = None
    ) -> Stop:
        for bp in bps:
            bp.hits += 1
        return self.stop(kind, text, tuple(bp.id for bp in bps), details)

    def stop(
        self, kind: str, text: str, ids: tuple[int, ...] = (), details: dict[str, Any] | None = None
    ) -> Stop:
        session = self.session
        pos = session.where()
        message = f"{text} ({pos})" if text else pos
        return Stop(kind, message, session.step, session.cycle, session.pc, ids, details or {})

    def region(self, mem: Sequence[int], name: str) -> list[int]:
        start, length = self.session.regions[name]
        return list(mem[start : start + length])

    def values(self) -> list[int]:
        return self.region(self.session.core.mem, "values")

    def ref_values(self) -> list[int]:
        return self.region(self.session.problem.final, "values")
