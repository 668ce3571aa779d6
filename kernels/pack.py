"""A small dependency-aware packer: straight-line slots in, bundles out.

A kernel is easiest to write, read and check as a plain sequence of slots, each seeing the
effects of all the slots before it (what a program of one slot per bundle does). The
machine runs faster when independent slots share a bundle. `Packer` bridges the two: the
kernel adds its slots in program order, and each one is placed at once in the earliest
bundle that keeps the sequence's meaning and has a free slot on its engine.

Placing slot S at bundle t keeps the meaning when, for every slot P added before S:
- S reads what P writes (scratch words, or a memory region): S sits after P's bundle, since
  a bundle reads the state from before it;
- S writes what P reads: S sits in P's bundle or later (the same bundle still reads the
  old value);
- S writes what P writes: S sits after P's bundle, so the later write is also the last.
Slots are never reordered against these, only moved earlier past unrelated work, so the
packed program computes exactly what the sequence computes. Placement is greedy (no
look-ahead): when slots compete for an engine, the one added first wins, so add the
slots of a critical chain before the work that can wait.

Memory is tracked by region names the caller gives (`mem=`), because the addresses a load
or store touches are only known when it runs. Loads and stores with the same region keep
their order; the default region is the whole memory, which is always safe.

A slot that overwrites a word read by an earlier slot may share that slot's bundle (the
read still sees the old value, as the sequence means it to). vliwdbg's lint reports such a
bundle in a note unless it says the stale read is deliberate, so the packer adds the free
comment `READS_OLD` ("lint: reads-old") to each bundle where it does this.

Debug compares read their scratch words like any slot and cost nothing, so a compare lands
right after the slot that made its value and the next writer waits for it. Control flow
(`pause`, `halt`, jumps) goes through `barrier`, which keeps everything before it before
it and everything after it after it.

Typical use:

    pk = Packer()
    pk.add("load", ("const", one, 1))
    pk.add("alu", ("+", x, x, one))
    pk.add("debug", ("compare", x, key))
    pk.barrier("flow", ("pause",))
    instrs = pk.bundles()
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import NamedTuple

from machine.isa import ALU_OPS, CONTROL_OPS, MEMORY_ACCESS, OPERAND_ROLES, SCRATCH_SIZE, SLOT_LIMITS, VLEN

#: The region a load or store is taken to touch when `add` is given none: all of memory.
ALL_MEMORY = "memory"

#: The comment put in a bundle where a slot overwrites a word that another slot of the
#: same bundle reads (and so sees the old value, as the sequence meant it to).
READS_OLD = ("comment", "lint: reads-old")

#: Flow ops that change pc or state; only `barrier` places them.

_ENGINE_ORDER = (*SLOT_LIMITS, "debug")
_ALU_OPS = frozenset(ALU_OPS)
_ALU_LIMIT = SLOT_LIMITS["alu"]
_TRACE = ("trace buffer",)


class _Plan(NamedTuple):
    """What one op touches. Its scalar operands read and written sit together in every op,
    so two slices of the slot give them; vector operands are listed by position."""

    length: int
    reads: slice
    writes: slice
    scalars: slice
    vector_reads: tuple[int, ...]
    vector_writes: tuple[int, ...]
    memory: str | None
    simple: bool


def _plan(engine: str, op: str, roles: str) -> _Plan:
    def span(kinds: str) -> slice:
        at = [i + 1 for i, role in enumerate(roles) if role in kinds]
        if not at:
            return slice(0, 0)
        assert at == list(range(at[0], at[-1] + 1)), (engine, op, roles)
        return slice(at[0], at[-1] + 1)

    def where(kind: str) -> tuple[int, ...]:
        return tuple(i + 1 for i, role in enumerate(roles) if role == kind)

    memory = "write" if op == "trace_write" else MEMORY_ACCESS.get((engine, op))
    vectors, shifted = where("R") + where("W"), op == "load_offset"
    return _Plan(
        1 + len(roles),
        span("r"),
        span("w"),
        span("rw"),
        where("R"),
        where("W"),
        memory,
        not (vectors or shifted),
    )


_PLANS = {
    (engine, op): _plan(engine, op, roles)
    for engine, ops in OPERAND_ROLES.items()
    for op, roles in ops.items()
    if not (engine == "flow" and op in CONTROL_OPS)
}
_CONTROL_PLANS = {op: _plan("flow", op, OPERAND_ROLES["flow"][op]) for op in CONTROL_OPS}


class PackError(ValueError):
    """A slot the packer cannot place; the text names the slot and why."""


class Packer:
    """Places slots, in the order added, into the earliest bundles that keep their meaning."""

    def __init__(self, scratch_size: int = SCRATCH_SIZE) -> None:
        self._scratch = frozenset(range(scratch_size))
        self._scratch_size = scratch_size
        # Per scratch word: the first bundle a reader may use (the one after its last
        # write), and the last bundle that read it (a writer may share that bundle).
        self._read_from = [0] * scratch_size
        self._last_read = [-1] * scratch_size
        # Bundles where a slot overwrites a word another slot of the bundle reads.
        self._reads_old: set[int] = set()
        # The same per memory region (and the trace buffer), and over all regions together.
        self._regions: dict[Hashable, list[int]] = {ALL_MEMORY: [0, 0]}
        self._any_region = [0, 0]
        # Per engine and bundle: the slots placed there. The lists run ahead of the last
        # bundle used, so the search for a free slot never needs a bounds check.
        self._placed: dict[str, list[list[tuple] | None]] = {e: [] for e in _ENGINE_ORDER}
        self._capacity = 0
        self._length = 0
        self._floor = 0
        self._reserve(0)

    def __len__(self) -> int:
        """How many bundles the packed program has so far."""
        return self._length

    def add(self, engine: str, slot: tuple, *, mem: Hashable = ALL_MEMORY) -> int:
        """Place one slot and return the index of the bundle it went to.

        `mem` names the memory region a load or store touches; it is ignored for other
        slots. Debug slots other than compares touch nothing and go into the last bundle
        used so far. Raises PackError for an unknown op, a wrong operand count, an operand
        that is not a scratch address in range, or a control-flow op (those go through
        `barrier`).
        """
        if engine == "alu" and len(slot) == 4 and slot[0] in _ALU_OPS:
            return self._add_alu(slot)
        if engine == "debug" and len(slot) == 3 and slot[0] == "compare" and slot[1] in self._scratch:
            # The common case, kept short: a compare needs its word written, and delays
            # nothing, since the word's next writer already comes after that write.
            at = self._read_from[slot[1]]
            if at < self._floor:
                at = self._floor
            return self._put_debug(slot, at)
        try:
            plan = _PLANS[engine, slot[0]]
        except (KeyError, IndexError, TypeError):
            return self._add_untracked(engine, slot)
        if len(slot) != plan.length:
            raise PackError(
                f"cannot place {engine} slot {slot!r}: {slot[0]} takes {plan.length - 1} operands"
            )
        if plan.simple:
            if not self._scratch.issuperset(slot[plan.scalars]):
                self._touched(engine, slot, plan)
            reads, writes = slot[plan.reads], slot[plan.writes]
        else:
            reads, writes = self._touched(engine, slot, plan)

        at = self._floor
        read_from, last_read = self._read_from, self._last_read
        for a in reads:
            if read_from[a] > at:
                at = read_from[a]
        for a in writes:
            if read_from[a] > at:
                at = read_from[a]
            if last_read[a] > at:
                at = last_read[a]
        access = plan.memory
        if access is not None:
            if slot[0] == "trace_write":
                mem = _TRACE
            bound = self._region_bound(mem, 0 if access == "read" else 1)
            if bound > at:
                at = bound

        placed = self._placed[engine]
        if engine != "debug":
            limit = SLOT_LIMITS[engine]
            while placed[at] is not None and len(placed[at]) >= limit:
                at += 1
        if placed[at] is None:
            placed[at] = [slot]
        else:
            placed[at].append(slot)
        if at >= self._length:
            self._length = at + 1
            if at + 2 >= self._capacity:
                self._reserve(at)

        for a in writes:
            if last_read[a] == at:
                self._mark_reads_old(at)
            read_from[a] = at + 1
        for a in reads:
            if last_read[a] < at:
                last_read[a] = at
        if access is not None:
            self._region_placed(mem, access, at)
        return at

    def _add_alu(self, slot: tuple) -> int:
        """`add` for an ALU slot, the most common kind by far: the same rules, written out
        for its one write and two reads."""
        _, dest, x, y = slot
        scratch = self._scratch
        if not (dest in scratch and x in scratch and y in scratch):
            self._touched("alu", slot, _PLANS["alu", slot[0]])
        read_from, last_read = self._read_from, self._last_read
        at = self._floor
        if read_from[x] > at:
            at = read_from[x]
        if read_from[y] > at:
            at = read_from[y]
        if read_from[dest] > at:
            at = read_from[dest]
        if last_read[dest] > at:
            at = last_read[dest]
        placed = self._placed["alu"]
        while placed[at] is not None and len(placed[at]) >= _ALU_LIMIT:
            at += 1
        if placed[at] is None:
            placed[at] = [slot]
        else:
            placed[at].append(slot)
        if at >= self._length:
            self._length = at + 1
            self._reserve(at)
        if last_read[dest] == at:
            self._mark_reads_old(at)
        read_from[dest] = at + 1
        if last_read[x] < at:
            last_read[x] = at
        if last_read[y] < at:
            last_read[y] = at
        return at

    def fence(self) -> None:
        """Make every slot added from now on land after every bundle used so far."""
        self._floor = self._length

    def barrier(self, engine: str, slot: tuple) -> int:
        """Place a control-flow slot after everything added so far, with nothing after it
        in its bundle, and return its bundle index.

        It may share the last bundle used so far, because the rest of a bundle still runs
        when a flow op stops or redirects the machine.
        """
        plan = _CONTROL_PLANS.get(slot[0]) if engine == "flow" and slot else None
        if plan is None:
            raise PackError(f"barrier() places control flow (one of {sorted(CONTROL_OPS)}), not {slot!r}")
        if len(slot) != plan.length:
            raise PackError(f"cannot place {slot!r}: {slot[0]} takes {plan.length - 1} operands")
        reads, _ = self._touched(engine, slot, plan)
        at = max(self._floor, self._length - 1, *(self._read_from[a] for a in reads))
        flow = self._placed["flow"]
        while flow[at]:
            at += 1
        flow[at] = [slot]
        for a in reads:
            self._last_read[a] = max(self._last_read[a], at)
        self._length = max(self._length, at + 1)
        self._reserve(at)
        self._floor = at + 1
        return at

    def bundles(self) -> list[dict[str, list[tuple]]]:
        """The packed program: one dict per bundle, engines in a fixed order.

        The slot lists are the packer's own, handed over rather than copied (a kernel has
        hundreds of thousands of slots): add nothing after taking the program.
        """
        program: list[dict[str, list[tuple]]] = [{} for _ in range(self._length)]
        for engine in _ENGINE_ORDER:
            for bundle, slots in zip(program, self._placed[engine], strict=False):
                if slots:
                    bundle[engine] = slots
        return program

    def _add_untracked(self, engine: str, slot: tuple) -> int:
        """A debug slot that is not a compare (a comment), or an error."""
        if engine == "flow" and slot and slot[0] in CONTROL_OPS:
            raise PackError(f"cannot place {slot!r} with add(): control flow goes through barrier()")
        if engine != "debug" or not slot or not isinstance(slot[0], str):
            raise PackError(f"cannot place {engine} slot {slot!r}: unknown engine or op")
        return self._put_debug(slot, max(self._floor, self._length - 1))

    def _mark_reads_old(self, at: int) -> None:
        """Say in bundle `at` that its stale reads are deliberate, in the comment vliwdbg's
        lint knows: a packer overlaps a read with the next write on purpose."""
        if at not in self._reads_old:
            self._reads_old.add(at)
            self._put_debug(READS_OLD, at)

    def _put_debug(self, slot: tuple, at: int) -> int:
        placed = self._placed["debug"]
        if placed[at] is None:
            placed[at] = [slot]
        else:
            placed[at].append(slot)
        if at >= self._length:
            self._length = at + 1
            self._reserve(at)
        return at

    def _touched(self, engine: str, slot: tuple, plan: _Plan) -> tuple[list[int], list[int]]:
        """The scratch words a slot reads and writes, each checked to be in range."""
        if slot[0] == "load_offset":
            # It moves word addr+offset to dest+offset; those are the words it touches.
            if not all(isinstance(x, int) for x in slot[1:]):
                raise PackError(f"cannot place {engine} slot {slot!r}: operands must be integers")
            reads, writes = [slot[2] + slot[3]], [slot[1] + slot[3]]
        else:
            reads, writes = list(slot[plan.reads]), list(slot[plan.writes])
        for a in (*reads, *writes):
            if a not in self._scratch:
                raise PackError(f"cannot place {engine} slot {slot!r}: {a!r} is not a scratch address")
        for positions, out in ((plan.vector_reads, reads), (plan.vector_writes, writes)):
            for i in positions:
                base = slot[i]
                if base not in self._scratch or base + VLEN > self._scratch_size:
                    raise PackError(
                        f"cannot place {engine} slot {slot!r}: {base!r} is not a vector in scratch"
                    )
                out.extend(range(base, base + VLEN))
        return reads, writes

    def _region_bound(self, mem: Hashable, kind: int) -> int:
        """The first bundle a load (kind 0) or store (kind 1) of region `mem` may use.

        A named region is ordered against itself and the whole memory; the whole memory
        against every region.
        """
        if mem == ALL_MEMORY:
            return self._any_region[kind]
        own = self._regions.get(mem)
        if mem == _TRACE:
            return 0 if own is None else own[kind]
        whole = self._regions[ALL_MEMORY][kind]
        return whole if own is None else max(own[kind], whole)

    def _region_placed(self, mem: Hashable, access: str, at: int) -> None:
        bounds = self._regions.setdefault(mem, [0, 0])
        if access == "read":
            bounds[1] = max(bounds[1], at)
        else:
            # Stores share one engine, whose slots run in the order added: a later store to
            # the same word may share the bundle and still be the one that lands.
            bounds[0], bounds[1] = at + 1, at
        if mem == _TRACE:
            return
        for kind in (0, 1):
            self._any_region[kind] = max(self._any_region[kind], bounds[kind])

    def _reserve(self, at: int) -> None:
        """Keep the per-bundle lists well past bundle `at`, the last one used."""
        if at + 2 < self._capacity:
            return
        grow = max(1024, self._capacity)
        for placed in self._placed.values():
            placed.extend([None] * grow)
        self._capacity += grow
