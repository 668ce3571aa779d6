"""Breakpoints, watchpoints and the reasons a run stops.

The table turns what the user set into the engine's `StopSpec` (so the engine's fast path
does the watching) and, when the engine reports a candidate stop, decides whether it is a
real one (a conditional breakpoint whose condition is false is not) and which entries it
belongs to. A stop is described in one line that always ends with where it happened, so a
status bar, a replay transcript and a test can all show it as is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from machine.engine import StopSpec, Write
from machine.faults import CompareFault, MachineFault
from vliwdbg.core.expr import Expr, ExprError, Location
from vliwdbg.core.store_check import ROUND_KEYS, BadStore

if TYPE_CHECKING:
    from vliwdbg.core.source import SourceMap

#: Every kind a Stop can have.
STOP_KINDS = (
    "breakpoint",
    "watchpoint",
    "divergence",
    "fault",
    "pause",
    "end",
    "start",
    "steps",
    "cycle",
    "interrupted",
    "max-steps",
)

#: Breakpoint kinds, as `info breakpoints` names them.
TYPE_NAMES = {
    "pc": "breakpoint",
    "cycle": "breakpoint",
    "op": "breakpoint",
    "line": "breakpoint",
    "watch": "watchpoint",
    "rwatch": "read watchpoint",
}

#: How many changed words a watchpoint message lists before it says "and N more".
MAX_LISTED_CHANGES = 4


@dataclass(frozen=True)
class Stop:
    """Why and where a move ended. `message` is one line and ends with the position."""

    kind: str
    message: str
    step: int
    cycle: int
    pc: int
    ids: tuple[int, ...] = ()
    #: The stop's facts as data, for faces that are not read by people (--json, DAP):
    #: `reasons` (every kind that stopped it, when more than one kind can), `changes`
    #: ({id, word, old, new} per watched word), `word`/`found`/`expected` (a divergence),
    #: `key` (a compare's), `slot` ([pc, engine, index] the stop is about), `fault`,
    #: `pause`, `differ`/`correct` (the values against the reference's).
    details: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_data(self) -> dict[str, Any]:
        """The stop as plain data (JSON's types): the reason, the position, the ids of the
        entries that stopped it, the one-line message, and the details."""
        return {
            "reason": self.kind,
            "step": self.step,
            "cycle": self.cycle,
            "pc": self.pc,
            "ids": list(self.ids),
            "message": self.message,
            **self.details,
        }


@dataclass
class Breakpoint:
    """One entry of the table: a breakpoint (pc, cycle or op) or a (read) watchpoint.

    `text` is what followed the command word (`pc 57 if x == 3`, `values[3]`), so that
    `info breakpoints` and a recorded script show it as the user wrote it.
    """

    id: int
    kind: str
    text: str
    enabled: bool = True
    hits: int = 0
    pc: int | None = None
    cycle: int | None = None
    op: str | None = None
    condition: Expr | None = None
    location: Location | None = None
    pcs: frozenset[int] = frozenset()

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.kind]

    @property
    def place(self) -> tuple[str, int] | None:
        """(FILE, LINE) of a line breakpoint (its text is `FILE:LINE [if EXPR]`); None for
        any other kind."""
        if self.kind != "line":
            return None
        file, _, line = self.text.split(" if ", 1)[0].strip().rpartition(":")
        return (file, int(line)) if file and line.isdigit() else None

    def label(self) -> str:
        return f"{self.type_name} {self.id}"

    def covers(self, space: str, addr: int) -> bool:
        loc = self.location
        return loc is not None and loc.space == space and loc.start <= addr < loc.start + loc.length


class StopTable:
    """The user's breakpoints and watchpoints, numbered from 1 in one sequence (as gdb does)."""

    def __init__(self, program: Sequence[dict]) -> None:
        self._program = program
        self._items: dict[int, Breakpoint] = {}
        self._next_id = 1
        self._op_pcs: dict[str, frozenset[int]] | None = None
        self._base: StopSpec | None = None
        self._cycles: list[int] = []
        self._checked: frozenset[int] = frozenset()
        self._every_store: frozenset[int] = frozenset()
        #: The base spec with a move's target pc added, for the last target asked.
        self._with_pc: tuple[int, StopSpec] | None = None

    # --- the entries -------------------------------------------------------------------

    @property
    def entries(self) -> list[Breakpoint]:
        return list(self._items.values())

    def get(self, bp_id: int) -> Breakpoint | None:
        return self._items.get(bp_id)

    def pcs_with_op(self, op: str) -> frozenset[int]:
        """The pcs of bundles holding a slot with this op, in any engine."""
        if self._op_pcs is None:
            found: dict[str, set[int]] = {}
            for pc, bundle in enumerate(self._program):
                for slots in bundle.values():
                    for slot in slots:
                        if isinstance(slot, tuple | list) and slot and isinstance(slot[0], str):
                            found.setdefault(slot[0], set()).add(pc)
            self._op_pcs = {name: frozenset(pcs) for name, pcs in found.items()}
        return self._op_pcs.get(op, frozenset())

    def add(
        self,
        kind: str,
        text: str,
        *,
        pc: int | None = None,
        cycle: int | None = None,
        op: str | None = None,
        condition: Expr | None = None,
        location: Location | None = None,
        pcs: frozenset[int] = frozenset(),
    ) -> Breakpoint:
        """A new enabled entry; the caller has validated every field. A line breakpoint
        (kind "line") stops before each of `pcs`: the bundles its source line made."""
        bp = Breakpoint(
            self._next_id, kind, text, pc=pc, cycle=cycle, op=op, condition=condition, location=location
        )
        if op is not None:
            bp.pcs = self.pcs_with_op(op)
        if kind == "line":
            bp.pcs = pcs
        self._items[bp.id] = bp
        self._next_id += 1
        self._changed()
        return bp

    def delete(self, ids: Iterable[int]) -> None:
        for bp_id in ids:
            del self._items[bp_id]
        self._changed()

    def set_enabled(self, ids: Iterable[int], enabled: bool) -> None:
        for bp_id in ids:
            self._items[bp_id].enabled = enabled
        self._changed()

    def rebind(
        self, program: Sequence[dict], locate: Callable[[str], Location], names: Collection[str]
    ) -> list[str]:
        """Carry every entry over to another program (the kernel loaded again, or another
        one), and say in one line each what may no longer mean what the user meant.

        Breakpoints all stay: a pc breakpoint past the end or before a bundle whose ops
        changed is reported, and so is a condition that reads a scratch name the kernel
        no longer has (it will stop with the error, as any condition that cannot be
        evaluated does). An op breakpoint finds its bundles anew. A watchpoint's location
        is resolved again from its text by `locate` (a register may have moved: it then
        watches the new place, and says so); one that no longer resolves is disabled.
        """
        old = self._program
        self._program = program
        self._op_pcs = None
        notes = []
        for bp in self._items.values():
            if bp.kind == "pc":
                notes += _moved_pc(bp, old, program)
            elif bp.kind == "op":
                assert bp.op is not None
                bp.pcs = self.pcs_with_op(bp.op)
                if not bp.pcs:
                    notes.append(f"{bp.label()} on op {bp.op}: no bundle of this program has it")
            elif bp.location is not None:
                notes += _relocated(bp, locate)
            missing = sorted(bp.condition.names.difference(names)) if bp.condition is not None else []
            if missing:
                reads = ", ".join(missing)
                notes.append(f"{bp.label()}: its condition reads {reads}, which this kernel does not name")
        self._changed()
        return notes

    def set_line_pcs(self, bp_id: int, pcs: frozenset[int]) -> None:
        """Re-point a line breakpoint at the bundles its line made in a new source map."""
        self._items[bp_id].pcs = pcs
        self._changed()

    def breakpoint_pcs(self) -> set[int]:
        """Pcs where an enabled pc, op or line breakpoint stops (the app marks them)."""
        pcs: set[int] = set()
        for bp in self._enabled("pc", "op", "line"):
            pcs |= {bp.pc} if bp.kind == "pc" else bp.pcs
        return pcs

    def _enabled(self, *kinds: str) -> list[Breakpoint]:
        return [bp for bp in self._items.values() if bp.enabled and bp.kind in kinds]

    def _changed(self) -> None:
        self._base = None
        self._with_pc = None

    def set_checked(self, words: frozenset[int], every_store: frozenset[int] = frozenset()) -> None:
        """Memory words whose every change the session judges (the store check): watched
        by the engine like a watchpoint's, though no entry of the table owns them; of
        those, `every_store` are reported even when a store leaves them as they were."""
        if words != self._checked or every_store != self._every_store:
            self._checked = words
            self._every_store = every_store
            self._changed()

    # --- what the engine watches --------------------------------------------------------

    def spec(self, cycle_now: int, move_cycle: int | None = None, move_pc: int | None = None) -> StopSpec:
        """The engine's stop conditions from the current cycle on.

        A cycle breakpoint fires when the count reaches its cycle, so only those above the
        current count matter; `move_cycle` is a move's own target (next, goto cycle), and
        `move_pc` one too (advance): the engine stops before it as before a breakpoint,
        though no entry of the table owns it.
        """
        if self._base is None:
            words: dict[tuple[str, str], set[int]] = {
                (kind, space): set() for kind in ("watch", "rwatch") for space in ("s", "m")
            }
            for bp in self._enabled("watch", "rwatch"):
                assert bp.location is not None
                words[bp.kind, bp.location.space].update(bp.location.addresses)
            self._base = StopSpec(
                pcs=frozenset(self.breakpoint_pcs()),
                watch_scratch=frozenset(words["watch", "s"]),
                watch_mem=frozenset(words["watch", "m"] | self._checked),
                store_mem=self._every_store,
                read_scratch=frozenset(words["rwatch", "s"]),
                read_mem=frozenset(words["rwatch", "m"]),
            )
            self._cycles = sorted({bp.cycle for bp in self._enabled("cycle") if bp.cycle is not None})
        base = self._base
        if move_pc is not None and move_pc not in base.pcs:
            if self._with_pc is None or self._with_pc[0] != move_pc:
                self._with_pc = (move_pc, replace(base, pcs=base.pcs | {move_pc}))
            base = self._with_pc[1]
        target = next((c for c in self._cycles if c > cycle_now), None)
        if move_cycle is not None and (target is None or move_cycle < target):
            target = move_cycle
        return base if target is None else replace(base, cycle=target)

    # --- which entries a candidate stop belongs to ---------------------------------------

    def pc_hits(self, pc: int, holds: Callable[[Expr], bool]) -> list[tuple[Breakpoint, str]]:
        """The enabled pc, op and line breakpoints that stop before the bundle at pc, each
        with a note. A condition that cannot be evaluated stops too (as gdb does), with the
        error as its note, so the user sees why."""
        hits = []
        for bp in self._enabled("pc", "op", "line"):
            if not (bp.pc == pc if bp.kind == "pc" else pc in bp.pcs):
                continue
            note = ""
            if bp.condition is not None:
                try:
                    if not holds(bp.condition):
                        continue
                except ExprError as exc:
                    note = f"condition error: {exc.message}"
            hits.append((bp, note))
        return hits

    def cycle_hits(self, cycle: int) -> list[Breakpoint]:
        return [bp for bp in self._enabled("cycle") if bp.cycle == cycle]

    def watch_hits(
        self, changes: Sequence[Write], holds: Callable[[Expr], bool] | None = None
    ) -> list[tuple[Breakpoint, list[Write]]]:
        """The enabled watchpoints a bundle's changes hit, each with its changed words. A
        watchpoint with a condition hits only when `holds` says it is true after the bundle
        (one that cannot be evaluated hits, so its error is seen: condition_note says it)."""
        hits = []
        for bp in self._enabled("watch"):
            mine = [w for w in changes if bp.covers(w.space, w.addr) and w.old != w.new]
            if mine and _condition_holds(bp, holds):
                hits.append((bp, mine))
        return hits

    def read_hits(
        self, scratch: set[int], mem: set[int], holds: Callable[[Expr], bool] | None = None
    ) -> list[Breakpoint]:
        """The enabled read watchpoints the next bundle's reads hit (a condition is judged
        before the bundle, as a pc breakpoint's)."""
        return [
            bp
            for bp in self._enabled("rwatch")
            if (any(bp.covers("s", a) for a in scratch) or any(bp.covers("m", a) for a in mem))
            and _condition_holds(bp, holds)
        ]

    def repoint_lines(self, found: SourceMap | None) -> list[str]:
        """After a load, point each line breakpoint at the bundles its line made in the new
        program's map (None: it has none), and say which lines made nothing now."""
        notes = []
        for bp in self.entries:
            if bp.place is None:
                continue
            file, line = bp.place
            pcs = found.pcs_at(file, line) if found is not None else []
            self.set_line_pcs(bp.id, frozenset(pcs))
            if not pcs:
                why = "this kernel has no source map" if found is None else "that line made no slot now"
                notes.append(f"{bp.label()} at {file}:{line}: {why}, so it stops nowhere")
        return notes


def _condition_holds(bp: Breakpoint, holds: Callable[[Expr], bool] | None) -> bool:
    """Whether the entry's condition holds; True without one, or when it cannot be
    evaluated (the stop then shows the error, as gdb does)."""
    if bp.condition is None or holds is None:
        return True
    try:
        return holds(bp.condition)
    except ExprError:
        return True


def condition_note(bp: Breakpoint, holds: Callable[[Expr], bool]) -> str:
    """ ", condition error: ..." when the entry's condition cannot be evaluated here."""
    if bp.condition is None:
        return ""
    try:
        holds(bp.condition)
    except ExprError as exc:
        return f", condition error: {exc.message}"
    return ""


def _moved_pc(bp: Breakpoint, old: Sequence[dict], program: Sequence[dict]) -> list[str]:
    """What a pc breakpoint carried over to `program` should tell the user, if anything."""
    pc = bp.pc
    assert pc is not None
    if pc >= len(program):
        return [f"{bp.label()} at pc {pc} is past the end of the program (pcs 0..{len(program) - 1})"]
    if pc < len(old) and _ops(old[pc]) != _ops(program[pc]):
        was, now = _ops_text(old[pc]), _ops_text(program[pc])
        return [f"{bp.label()} at pc {pc}: the bundle there changed its ops ({was} -> {now})"]
    return []


def _relocated(bp: Breakpoint, locate: Callable[[str], Location]) -> list[str]:
    """Resolve a watchpoint's location again from its text; what the user should know."""
    old = bp.location
    assert old is not None
    try:
        new = locate(old.text)
    except ExprError as exc:
        was_enabled, bp.enabled = bp.enabled, False
        return [f"{bp.label()} {bp.text}: {exc.detail}" + ("; disabled" if was_enabled else "")]
    bp.location = new
    if (new.space, new.start, new.length) == (old.space, old.start, old.length):
        return []
    return [f"{bp.label()} {bp.text}: now {location_words(new)} (was {location_words(old)})"]


def _ops(bundle: object) -> list[tuple[str, str]]:
    """The bundle's (engine, op) pairs, in a canonical order: what a pc breakpoint meant."""
    if not isinstance(bundle, dict):
        return []
    return sorted(
        (str(engine), slot[0])
        for engine, slots in bundle.items()
        if isinstance(slots, list | tuple)
        for slot in slots
        if isinstance(slot, tuple | list) and slot and isinstance(slot[0], str)
    )


def _ops_text(bundle: object) -> str:
    names = sorted({op for _engine, op in _ops(bundle)})
    return " ".join(names) if names else "no ops"


def location_words(loc: Location) -> str:
    """The words a location covers, as s[A] or m[A:B]."""
    return (
        f"{loc.space}[{loc.start}]"
        if loc.length == 1
        else f"{loc.space}[{loc.start}:{loc.start + loc.length}]"
    )


# --- one-line descriptions --------------------------------------------------------------


def where(step: int, cycle: int, pc: int) -> str:
    return f"step {step}, cycle {cycle}, pc {pc}"


def breakpoint_text(hits: Sequence[tuple[Breakpoint, str]]) -> str:
    parts = []
    for bp, note in hits:
        parts.append(f"{bp.label()}: {bp.kind} {bp.text}" + (f", {note}" if note else ""))
    return ", ".join(parts)


def cycle_breakpoint_text(bps: Sequence[Breakpoint]) -> str:
    return ", ".join(f"{bp.label()}: cycle {bp.text}" for bp in bps)


def watch_text(
    bp: Breakpoint, changes: Sequence[Write], name: Callable[[str, int], str], note: str = ""
) -> str:
    """`watchpoint 2 values[3]: 5 -> 7`; a watched range lists the words that changed; a
    condition's error follows as `note`."""
    assert bp.location is not None
    head = f"{bp.label()} {bp.location.text}{note}:"
    if bp.location.length == 1:
        w = changes[0]
        return f"{head} {w.old} -> {w.new}"
    listed = [f"{name(w.space, w.addr)} {w.old} -> {w.new}" for w in changes[:MAX_LISTED_CHANGES]]
    more = len(changes) - MAX_LISTED_CHANGES
    return f"{head} " + ", ".join(listed) + (f" and {more} more" if more > 0 else "")


def read_text(bps: Sequence[Breakpoint], notes: Sequence[str] = ()) -> str:
    notes = list(notes) or [""] * len(bps)
    return (
        ", ".join(
            f"{bp.label()} {bp.location.text}{note}"
            for bp, note in zip(bps, notes, strict=True)
            if bp.location
        )
        + " read by the next bundle"
    )


def divergence_text(fault: CompareFault) -> str:
    return f"divergence: {fault.key!r} found {fault.found}, reference {fault.expected} (s[{fault.loc}])"


def fault_text(fault: MachineFault) -> str:
    return f"fault: {fault}"


def values_verdict(now: Sequence[int], ref: Sequence[int]) -> tuple[int, str]:
    """How many words of the values region differ from the reference's, and the first one
    as text ("" when none)."""
    diffs = [i for i, (a, b) in enumerate(zip(now, ref, strict=True)) if a != b]
    if not diffs:
        return 0, ""
    i = diffs[0]
    return len(diffs), f"first values[{i}] = {now[i]}, reference {ref[i]}"


def pause_text(index: int, now: Sequence[int] | None, ref: Sequence[int] | None) -> str:
    """`pause 1 of 2 (before the first round): values match the reference's`.

    The reference offers memory at two points, so a third pause has nothing to compare with.
    Only the values region is judged, as the take-home's harness does at each pause.
    """
    point = {1: "before the first round", 2: "after the last round"}.get(index)
    if point is None or now is None or ref is None:
        return f"pause {index}: the reference has no memory for a pause past the second"
    count, first = values_verdict(now, ref)
    if count == 0:
        return f"pause {index} of 2 ({point}): values match the reference's"
    return f"pause {index} of 2 ({point}): {count} of {len(ref)} values differ from the reference's, {first}"


def end_text(now: Sequence[int], ref: Sequence[int], how: str) -> str:
    """`end of program: all 256 values correct` or how many differ and the first; `how` is
    "halt" when a halt ended it rather than running past the last bundle."""
    head = "end of program" + (" (halt)" if how == "halt" else "")
    count, first = values_verdict(now, ref)
    if count == 0:
        return f"{head}: all {len(ref)} values correct"
    return f"{head}: {count} of {len(ref)} values differ from the reference's, {first}"


# --- the same facts as data (Stop.details) ---------------------------------------------


def verdict_details(now: Sequence[int], ref: Sequence[int]) -> dict[str, Any]:
    count, _ = values_verdict(now, ref)
    return {"differ": count, "correct": count == 0}


def compare_details(fault: CompareFault) -> dict[str, Any]:
    key = list(fault.key) if isinstance(fault.key, tuple) else fault.key
    return {
        "key": key,
        "found": fault.found,
        "expected": fault.expected,
        "word": f"s[{fault.loc}]",
        "slot": [fault.pc, "debug", fault.slot_index],
    }


def fault_details(fault: MachineFault) -> dict[str, Any]:
    return {"fault": str(fault), "slot": [fault.pc, fault.engine, fault.slot_index]}


def store_details(bad: BadStore, origin: tuple[int, str, int] | None) -> dict[str, Any]:
    """A store divergence: the word, what was stored, and the reference's next word there
    (None when the reference has nothing after what the word held)."""
    details: dict[str, Any] = {
        "word": f"{bad.region}[{bad.element}]",
        "found": bad.new,
        "expected": bad.next_word[1] if bad.next_word is not None else None,
    }
    if bad.next_word is not None:
        details["key"] = [bad.next_word[0] - 1, bad.element, ROUND_KEYS[bad.region]]
    if origin is not None:
        details["slot"] = list(origin)
    return details
