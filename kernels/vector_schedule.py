"""A list scheduler that packs a straight-line list of ops into bundles.

The vector kernel is written as one plain sequence of ops per batch group, in the order a
person would read it; this module finds the bundle where each slot goes. The bundles compute
exactly what the sequence computes, because for every two ops that touch the same scratch
block (8 words: a vector register; a scalar stands for its whole block):

- a read after a write goes at least one bundle later (writes land at the end of a bundle);
- a write after a read may share the reader's bundle (every slot reads the start state);
- a write after a write goes at least one bundle later.

Memory is not tracked: the caller must not load what an earlier op stores (the vector kernel
stores each group's values once, at the end, and never reads them back).

An op is one or more slots on one engine (a gather is eight `load_offset` slots), placed a few
at a time as slots free up; it is done when its last slot is placed. A lane-wise VALU op
(an ALU op on eight lanes) may also run as eight scalar ALU slots: when the six VALU slots of
a cycle are taken, ready ones overflow onto the ALU's twelve, which would otherwise sit idle.

Each cycle fills every engine with the ready ops of the highest priority. The first pass ranks
an op by the longest chain of dependent bundles that still follows it (so the slowest work
starts first) plus the bias its caller gave. Further passes alternate direction, backward
first, each ranking ops by where the pass before placed them (the "forward-backward
improvement" of project scheduling): a backward pass packs the end as tightly as a forward one
packs the start, where the forward pass leaves a ragged tail of latency-bound work. The
shortest of the passes wins.

Compares (debug slots) are free and take no part in the packing: each one goes, at the end,
into the bundle right after the writes it checks. A bundle where a write shares the bundle of
a read of the same block (legal, and often the tightest packing) gets the debug comment
`READS_OLD`, so that the debugger's lint knows it is deliberate.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from machine import SLOT_LIMITS, VLEN

#: Engines in the order bundles list them (compares, on "debug", are added last).
ENGINE_ORDER = ("alu", "valu", "load", "store", "flow")
#: A forward pass, then a backward one (a third, forward again, gains nothing on the
#: standard problem).
PASSES = 2
#: The mark that tells `vliwdbg --lint` a bundle reads, on purpose, a word it also writes.
READS_OLD = ("comment", "lint: reads-old")

Bundle = dict[str, list[tuple]]
Edges = list[list[tuple[int, int]]]  # per op: (other op, latency in bundles)


@dataclass(slots=True)
class Op:
    """Slots of one engine, with the scratch blocks (base addresses) they read and write."""

    engine: str
    slots: tuple[tuple, ...]
    reads: tuple[int, ...]
    writes: tuple[int, ...]
    lane_wise: bool = False
    bias: int = 0


def alu_lanes(slot: tuple) -> list[tuple]:
    """A lane-wise VALU slot `(op, dest, a, b)` as eight scalar ALU slots, one per lane."""
    op, dest, a, b = slot
    return [(op, dest + i, a + i, b + i) for i in range(VLEN)]


def block(addr: int) -> int:
    """The base address of the 8-word scratch block holding `addr`."""
    return addr - addr % VLEN


def schedule(ops: Sequence[Op], passes: int = PASSES) -> list[Bundle]:
    """Pack `ops` into bundles that respect every dependency and every slot limit."""
    work, succs, preds, checks = _link(ops)
    height = [1] * len(work)
    for i in range(len(work) - 1, -1, -1):
        for s, latency in succs[i]:
            if height[s] + latency > height[i]:
                height[i] = height[s] + latency
    priority = [h + op.bias for h, op in zip(height, work, strict=True)]
    best = bundles, first, last = _list_schedule(work, succs, preds, priority)
    for n in range(1, passes):
        if n % 2:  # backward: the op that ends last is placed first
            bundles, rev_first, rev_last = _list_schedule(work, preds, succs, last)
            bundles.reverse()
            end = len(bundles) - 1
            first, last = [end - t for t in rev_last], [end - t for t in rev_first]
        else:  # forward: the op that starts first is placed first
            bundles, first, last = _list_schedule(work, succs, preds, [-t for t in first])
        if len(bundles) < len(best[0]):
            best = bundles, first, last
    bundles, first, last = best
    for i, before in enumerate(preds):
        if any(latency == 0 and last[j] == first[i] for j, latency in before):
            bundles[first[i]].setdefault("debug", [READS_OLD])
    for compare, writers, overwriters in checks:
        at = max([last[j] + 1 for j in writers], default=0)
        deadline = min([first[j] for j in overwriters], default=len(bundles))
        while at < deadline and len(bundles[at].get("debug", ())) >= SLOT_LIMITS["debug"]:
            at += 1
        if at == len(bundles):
            bundles.append({})
        bundles[at].setdefault("debug", []).extend(compare.slots)
    return bundles


def _link(ops: Sequence[Op]) -> tuple[list[Op], Edges, Edges, list[tuple[Op, list[int], list[int]]]]:
    """Split off the compares and link the rest: each op's successors and predecessors.

    Compares are free, so they take no part in the packing: each goes afterwards into the
    bundle right after the writes it checks (where a debugger user wants a divergence
    reported), which never holds up the next write of those blocks: that one follows the
    same writes. Returns the other ops, their links, and each compare with the ops whose
    writes it reads and the ops that next overwrite them (it must not come after those).
    """
    work: list[Op] = []
    succs: Edges = []
    preds: Edges = []
    checks: list[tuple[Op, list[int], list[int]]] = []
    last_write: dict[int, int] = {}
    readers: dict[int, list[int]] = {}
    awaiting_overwrite: dict[int, list[list[int]]] = {}  # block -> overwriter lists of its compares
    for op in ops:
        if op.engine == "debug":
            overwriters: list[int] = []
            checks.append((op, [last_write[b] for b in op.reads if b in last_write], overwriters))
            for b in op.reads:
                awaiting_overwrite.setdefault(b, []).append(overwriters)
            continue
        i = len(work)
        work.append(op)
        succs.append([])
        before: dict[int, int] = {}
        for b in op.reads:
            j = last_write.get(b)
            if j is not None:
                before[j] = 1
            readers.setdefault(b, []).append(i)
        for b in op.writes:
            for overwriters in awaiting_overwrite.pop(b, ()):
                overwriters.append(i)
            j = last_write.get(b)
            if j is not None:
                before[j] = 1
            for r in readers.pop(b, ()):
                if r != i:
                    before.setdefault(r, 0)
            last_write[b] = i
        for j, latency in before.items():
            succs[j].append((i, latency))
        preds.append(list(before.items()))
    return work, succs, preds, checks


def _list_schedule(
    ops: Sequence[Op], succs: Edges, preds: Edges, priority: list[int]
) -> tuple[list[Bundle], list[int], list[int]]:
    """One greedy pass in the direction `succs` points.

    Returns the bundles and the cycles of each op's first and last slot.
    """
    n_unplaced_preds = [len(p) for p in preds]
    earliest = [0] * len(ops)
    first = [-1] * len(ops)
    last = [0] * len(ops)
    # Ready ops, one heap per engine; lane-wise VALU ops get their own heap so that they
    # alone are offered to the ALU.
    ready: dict[str, list[tuple[int, int]]] = {e: [] for e in (*ENGINE_ORDER, "valu_lanes")}
    becomes_ready: dict[int, list[int]] = {}  # cycle -> ops whose last predecessor is placed
    started: dict[str, list[list]] = {e: [] for e in ENGINE_ORDER}  # [op, slots placed, slots]
    bundles: list[Bundle] = []
    cycle = 0
    remaining = len(ops)

    def make_ready(i: int) -> None:
        heap = ready["valu_lanes" if ops[i].lane_wise else ops[i].engine]
        heapq.heappush(heap, (-priority[i], i))

    def finish(i: int) -> None:
        nonlocal remaining
        remaining -= 1
        last[i] = cycle
        if first[i] < 0:
            first[i] = cycle
        for s, latency in succs[i]:
            if cycle + latency > earliest[s]:
                earliest[s] = cycle + latency
            n_unplaced_preds[s] -= 1
            if n_unplaced_preds[s] == 0:
                if earliest[s] <= cycle:
                    make_ready(s)
                else:
                    becomes_ready.setdefault(earliest[s], []).append(s)

    def place(engine: str, bundle: Bundle, entry: list) -> None:
        """Put as many of an op's remaining slots as fit; finish the op when none remain."""
        i, done, slots = entry
        if done == 0:
            first[i] = cycle
        take = slots[done : done + SLOT_LIMITS[engine] - len(bundle[engine])]
        bundle[engine].extend(take)
        entry[1] = done + len(take)
        if entry[1] == len(slots):
            finish(i)
        else:
            started[engine].append(entry)

    def fill(engine: str, bundle: Bundle, heap: list[tuple[int, int]], as_lanes: bool = False) -> None:
        while heap and len(bundle[engine]) < SLOT_LIMITS[engine]:
            i = heapq.heappop(heap)[1]
            place(engine, bundle, [i, 0, alu_lanes(ops[i].slots[0]) if as_lanes else ops[i].slots])

    for i, n in enumerate(n_unplaced_preds):
        if n == 0:
            make_ready(i)
    while remaining:
        for i in becomes_ready.pop(cycle, ()):
            make_ready(i)
        bundle: Bundle = {e: [] for e in ENGINE_ORDER}
        valu, valu_lanes = ready["valu"], ready["valu_lanes"]
        while len(bundle["valu"]) < SLOT_LIMITS["valu"] and (valu or valu_lanes):
            heap = valu if not valu_lanes or (valu and valu[0] < valu_lanes[0]) else valu_lanes
            i = heapq.heappop(heap)[1]
            bundle["valu"].extend(ops[i].slots)
            finish(i)
        for engine in ("alu", "load", "store", "flow"):
            going, started[engine] = started[engine], []
            for entry in going:
                place(engine, bundle, entry)
            fill(engine, bundle, ready[engine])
            if engine == "alu":
                fill("alu", bundle, valu_lanes, as_lanes=True)
        bundles.append({e: slots for e, slots in bundle.items() if slots})
        cycle += 1
    return bundles, first, last
