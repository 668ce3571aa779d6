"""What each slot of a bundle reads and writes, with the values, at the current position.

A view of a dense bundle (twenty slots) needs, per slot, the words it reads with their
values now and the words it writes with their value before and after: the question a user
asks of the bundle about to run. `slot_effects` already knows which words each slot reads
and writes on the state the bundle starts from; the values after come from running the
bundle once on a side core, so the session never moves. For a bundle other than the next
one there is no "after" at this position, only the values now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from machine.faults import CompareFault, MachineFault
from vliwdbg.insight.effects import Word, slot_effects
from vliwdbg.insight.sidecore import side_core

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


@dataclass(frozen=True)
class Written:
    """A word a slot writes: its value now and, for the next bundle, the value it gets
    (None when unknown: another bundle, or this one faults)."""

    word: Word
    before: int
    after: int | None
    #: The words its value comes from (the select's chosen candidate, the load's address).
    sources: tuple[Word, ...] = ()


@dataclass(frozen=True)
class SlotValues:
    """One slot of a bundle: what it reads (word, value now) and what it writes."""

    engine: str
    index: int
    reads: tuple[tuple[Word, int], ...]
    writes: tuple[Written, ...]


def _value(word: Word, scratch: Sequence[int], mem: Sequence[int]) -> int | None:
    space, addr = word
    values = scratch if space == "s" else mem
    return values[addr] if 0 <= addr < len(values) else None


def bundle_values(session: Session, pc: int) -> list[SlotValues]:
    """Every slot of bundle `pc` in program order (engine by engine), with its reads and
    writes valued on the session's current state. When `pc` is the next bundle, each
    write also carries the value the bundle leaves there."""
    program = session.program
    if not 0 <= pc < len(program):
        return []
    scratch, mem = session.scratch, session.mem
    after: tuple[Sequence[int], Sequence[int]] | None = None
    if pc == session.pc:
        after = _after_next(session)
    out = []
    for engine, slots in program[pc].items():
        for index, slot in enumerate(slots if isinstance(slots, list | tuple) else ()):
            deps, extra = slot_effects(engine, slot, scratch, mem)
            read_words = sorted({*extra, *(w for sources in deps.values() for w in sources)})
            reads = tuple((w, v) for w in read_words if (v := _value(w, scratch, mem)) is not None)
            writes = []
            for word in sorted(deps):
                before = _value(word, scratch, mem)
                if before is None:
                    continue
                now = None if after is None else _value(word, *after)
                writes.append(Written(word, before, now, deps[word]))
            out.append(SlotValues(engine, index, reads, tuple(writes)))
    return out


def _after_next(session: Session) -> tuple[Sequence[int], Sequence[int]] | None:
    """Scratch and memory after the next bundle runs, on a side core; None when it faults
    (or the core cannot run on)."""
    core = side_core(session)
    try:
        try:
            core.step()
        except CompareFault:  # a compare writes nothing: the rest of the bundle still runs
            core.step(skip_debug=True)
    except MachineFault:
        return None
    return core.scratch, core.mem
