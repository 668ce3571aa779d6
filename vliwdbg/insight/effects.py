"""What one slot did when it ran: for each word it wrote, the words that value came from.

The static view (access.py) cannot say which candidate a select took or which memory word
a load read; this one looks at the machine's state just before the bundle, so it is exact
for the bundle about to run. Origin/uses and the executed critical path are built on it.
A word is ("s", addr) for scratch or ("m", addr) for memory.
"""

from __future__ import annotations

from collections.abc import Sequence

from machine.isa import VLEN

Word = tuple[str, int]
Effects = tuple[dict[Word, tuple[Word, ...]], tuple[Word, ...]]

_NONE: Effects = ({}, ())
_LANES = range(VLEN)
_READS_ONLY = ("trace_write", "cond_jump", "cond_jump_rel", "jump_indirect")


def slot_effects(engine: str, slot: object, scratch: Sequence[int], mem: Sequence[int]) -> Effects:
    """({written word: the words its value came from}, words read that feed no write).

    The state is the one the bundle starts from (every slot reads it). A slot that is not a
    well-formed op, or would fault, has no effects here: the machine reports it when it runs.
    """
    try:
        return _effects(engine, slot, scratch, mem)
    except (IndexError, TypeError, ValueError):
        return _NONE


def slot_reads(engine: str, slot: object, scratch: Sequence[int], mem: Sequence[int]) -> set[Word]:
    """Every word the slot reads, whether or not it feeds a write."""
    deps, extra = slot_effects(engine, slot, scratch, mem)
    words = set(extra)
    for sources in deps.values():
        words.update(sources)
    return words


def _effects(engine: str, slot: object, s: Sequence[int], m: Sequence[int]) -> Effects:
    if not isinstance(slot, tuple | list) or not slot:
        return _NONE
    op, a = slot[0], slot[1:]
    if engine == "alu":
        return {("s", a[0]): (("s", a[1]), ("s", a[2]))}, ()
    if engine == "valu":
        if op == "vbroadcast":
            return {("s", a[0] + i): (("s", a[1]),) for i in _LANES}, ()
        return {("s", a[0] + i): tuple(("s", x + i) for x in a[1:]) for i in _LANES}, ()
    if engine == "load":
        if op == "load":
            return {("s", a[0]): (("s", a[1]), ("m", s[a[1]]))}, ()
        if op == "load_offset":
            o = a[2]
            return {("s", a[0] + o): (("s", a[1] + o), ("m", s[a[1] + o]))}, ()
        if op == "vload":
            base = s[a[1]]
            return {("s", a[0] + i): (("s", a[1]), ("m", base + i)) for i in _LANES}, ()
        if op == "const":
            return {("s", a[0]): ()}, ()
        return _NONE
    if engine == "store":
        if op == "store":
            return {("m", s[a[0]]): (("s", a[0]), ("s", a[1]))}, ()
        if op == "vstore":
            base = s[a[0]]
            return {("m", base + i): (("s", a[0]), ("s", a[1] + i)) for i in _LANES}, ()
        return _NONE
    if engine == "flow":
        return _flow(op, a, s)
    if engine == "debug":
        if op == "compare":
            return {}, (("s", a[0]),)
        if op == "vcompare":
            return {}, tuple(("s", a[0] + i) for i in _LANES)
    return _NONE


def _flow(op: str, a: Sequence, s: Sequence[int]) -> Effects:
    if op == "select":
        chosen = a[2] if s[a[1]] != 0 else a[3]
        return {("s", a[0]): (("s", a[1]), ("s", chosen))}, ()
    if op == "vselect":
        return {
            ("s", a[0] + i): (("s", a[1] + i), ("s", (a[2] if s[a[1] + i] != 0 else a[3]) + i))
            for i in _LANES
        }, ()
    if op == "add_imm":
        return {("s", a[0]): (("s", a[1]),)}, ()
    if op == "coreid":
        return {("s", a[0]): ()}, ()
    if op in _READS_ONLY:
        return {}, (("s", a[0]),)
    return _NONE
