"""Which words a stop (or a question about a location) is about, so views can show them.

A divergence in the values region is about one element; a watchpoint about the words it
watches; a failed compare about the scratch word it read and the batch element its key
names. The stop's message says so in words; this says it as addresses, from the session's
own records, so no view has to read a message back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vliwdbg.core.expr import ExprError
from vliwdbg.insight.effects import Word

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


def stop_words(session: Session) -> tuple[Word, ...]:
    """The words the session's last stop is about, most telling first: for a store the
    reference never makes, the stored word; for a watchpoint, the watched words that
    changed (or the first watched word); for a failed compare, the word it read and the
    element its key names. Empty for stops about no word."""
    stop = session.last_stop
    if stop is None or stop.step != session.step:
        return ()
    words: list[Word] = []
    if stop.kind == "divergence":
        for bad in session.store_check.judge(session.last_changes) if session.check_stores else ():
            words.append(("m", bad.addr))
        words.extend(_failed_compare(session))
    if stop.kind in ("watchpoint", "divergence"):
        changed = {(w.space, w.addr) for w in session.last_changes}
        for bp in session.breakpoints:
            if bp.id in stop.ids and bp.location is not None:
                loc = bp.location
                mine = [(loc.space, a) for a in loc.addresses if (loc.space, a) in changed]
                words.extend(mine or [(loc.space, loc.start)])
    return tuple(dict.fromkeys(words))


def _failed_compare(session: Session) -> list[Word]:
    """The scratch word and the element (its values or indices word) of the first compare
    of the next bundle that disagrees with the reference (the session stands before it)."""
    pc = session.pc
    program = session.program
    if not 0 <= pc < len(program):
        return []
    trace = session.problem.value_trace
    scratch = session.scratch
    for slot in program[pc].get("debug", ()):
        if not isinstance(slot, tuple | list) or len(slot) < 3 or slot[0] not in ("compare", "vcompare"):
            continue
        keys = [slot[2]] if slot[0] == "compare" else list(slot[2])
        for lane, key in enumerate(keys):
            addr = slot[1] + lane
            try:
                expected = trace[tuple(key)]
            except (KeyError, TypeError):
                continue
            if 0 <= addr < len(scratch) and scratch[addr] != expected:
                return [("s", addr), *_element_word(session, key)]
    return []


def _element_word(session: Session, key: object) -> list[Word]:
    """The memory word of the batch element a reference key (round, i, name) is about."""
    if not isinstance(key, tuple | list) or len(key) < 3 or not isinstance(key[1], int):
        return []
    region = "indices" if key[2] in ("idx", "next_idx", "wrapped_idx") else "values"
    start, length = session.regions.get(region, (0, 0))
    return [("m", start + key[1])] if 0 <= key[1] < length else []


def location_words(session: Session, text: str) -> tuple[Word, ...]:
    """The words a location (as `watch` takes it) names, or () when it names none."""
    try:
        loc = session.locate(text)
    except (ExprError, ValueError):
        return ()
    return tuple((loc.space, a) for a in loc.addresses)
