"""A list scheduler that packs a straight-line list of slots into bundles.

The vector kernel is written as one plain sequence of slots per batch group, in the order a
person would read it; this module finds where each slot can go. It tracks every scratch word
that a slot reads or writes, so the bundles it makes run exactly like the sequence:

- a read after a write goes at least one bundle later (writes land at the end of a bundle);
- a write after a read may share the reader's bundle (every slot reads the start state);
- a write after a write goes at least one bundle later.

Each cycle it fills every engine up to its slot limit with the ready slots of the highest
priority, where priority is the length of the longest dependent chain that still follows a
slot (so the slowest work starts first) plus a bias the caller may give. Lane-wise VALU ops can
also run as eight scalar ALU slots; when the six VALU slots of a cycle are taken, ready ones
overflow onto the ALU, whose twelve slots would otherwise sit idle, a few lanes at a time.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field

from machine import SLOT_LIMITS, VLEN

#: Engines in the order bundles list them.
ENGINE_ORDER = ("alu", "valu", "load", "store", "flow", "debug")


@dataclass(slots=True)
class Op:
    """One slot of the sequence, with the scratch words it reads and writes.

    `lanes`, when given, is the same work as `VLEN` scalar ALU slots (one per lane): the
    scheduler may run those instead of the VALU slot. `bias` is added to the priority.
    """

    engine: str
    slot: tuple
    reads: tuple[int, ...]
    writes: tuple[int, ...]
    lanes: tuple[tuple, ...] | None = None
    bias: int = 0
    succs: list[tuple[int, int]] = field(default_factory=list)


def vector_words(base: int) -> tuple[int, ...]:
    """The scratch words of the vector that starts at `base`."""
    return tuple(range(base, base + VLEN))


def _link(ops: Sequence[Op]) -> list[int]:
    """Fill each op's successor list (index, latency); return each op's predecessor count."""
    last_write: dict[int, int] = {}
    readers: dict[int, list[int]] = {}
    n_preds = [0] * len(ops)
    for i, op in enumerate(ops):
        preds: dict[int, int] = {}
        for w in op.reads:
            j = last_write.get(w)
            if j is not None:
                preds[j] = 1
            readers.setdefault(w, []).append(i)
        for w in op.writes:
            j = last_write.get(w)
            if j is not None:
                preds[j] = 1
            for r in readers.pop(w, ()):
                if r != i and r not in preds:
                    preds[r] = 0
            last_write[w] = i
        for j, latency in preds.items():
            ops[j].succs.append((i, latency))
        n_preds[i] = len(preds)
    return n_preds


def _priorities(ops: Sequence[Op]) -> list[int]:
    """Longest chain of dependent bundles from each op to the end, plus its bias."""
    height = [0] * len(ops)
    for i in range(len(ops) - 1, -1, -1):
        op = ops[i]
        if op.engine == "debug":
            continue
        h = 1
        for s, latency in op.succs:
            h = max(h, height[s] + latency)
        height[i] = h
    return [h + op.bias for h, op in zip(height, ops, strict=True)]


def schedule(ops: Sequence[Op]) -> list[dict[str, list[tuple]]]:
    """Pack `ops` into bundles that respect every dependency and every slot limit."""
    n_preds = _link(ops)
    prio = _priorities(ops)
    earliest = [0] * len(ops)
    finished: list[int | None] = [None] * len(ops)
    # Ready heaps, keyed by the engine an op asks for; lane-wise VALU ops get their own heap
    # so that they alone are offered to the ALU.
    ready: dict[str, list[tuple[int, int]]] = {
        k: [] for k in ("alu", "valu", "valu_lanes", "load", "store", "flow", "debug")
    }
    waiting: dict[int, list[int]] = {}

    def heap_of(i: int) -> list[tuple[int, int]]:
        op = ops[i]
        if op.engine == "valu" and op.lanes is not None:
            return ready["valu_lanes"]
        return ready[op.engine]

    for i, n in enumerate(n_preds):
        if n == 0:
            heapq.heappush(heap_of(i), (-prio[i], i))

    bundles: list[dict[str, list[tuple]]] = []
    in_progress: list[list] = []  # [op index, next lane] for ops split over the ALU
    remaining = len(ops)
    cycle = 0

    def finish(i: int) -> None:
        nonlocal remaining
        remaining -= 1
        finished[i] = cycle
        for s, latency in ops[i].succs:
            t = cycle + latency
            if t > earliest[s]:
                earliest[s] = t
            n_preds[s] -= 1
            if n_preds[s] == 0:
                if earliest[s] <= cycle:
                    heapq.heappush(heap_of(s), (-prio[s], s))
                else:
                    waiting.setdefault(earliest[s], []).append(s)

    while remaining:
        for i in waiting.pop(cycle, ()):
            heapq.heappush(heap_of(i), (-prio[i], i))
        bundle: dict[str, list[tuple]] = {e: [] for e in ENGINE_ORDER}

        debug = ready["debug"]
        while debug:
            i = heapq.heappop(debug)[1]
            bundle["debug"].append(ops[i].slot)
            finish(i)

        valu, lanes_heap = ready["valu"], ready["valu_lanes"]
        while len(bundle["valu"]) < SLOT_LIMITS["valu"] and (valu or lanes_heap):
            source = valu if not lanes_heap or (valu and valu[0] < lanes_heap[0]) else lanes_heap
            i = heapq.heappop(source)[1]
            bundle["valu"].append(ops[i].slot)
            finish(i)

        alu = bundle["alu"]
        alu_heap = ready["alu"]
        while alu_heap and len(alu) < SLOT_LIMITS["alu"]:
            i = heapq.heappop(alu_heap)[1]
            alu.append(ops[i].slot)
            finish(i)
        still_going = []
        for entry in in_progress:
            entry[1] = _place_lanes(ops[entry[0]], entry[1], alu)
            if entry[1] == VLEN:
                finish(entry[0])
            else:
                still_going.append(entry)
        in_progress = still_going
        while lanes_heap and len(alu) < SLOT_LIMITS["alu"]:
            i = heapq.heappop(lanes_heap)[1]
            done = _place_lanes(ops[i], 0, alu)
            if done == VLEN:
                finish(i)
            else:
                in_progress.append([i, done])

        for engine in ("load", "store", "flow"):
            heap = ready[engine]
            while heap and len(bundle[engine]) < SLOT_LIMITS[engine]:
                i = heapq.heappop(heap)[1]
                bundle[engine].append(ops[i].slot)
                finish(i)

        bundles.append({e: slots for e, slots in bundle.items() if slots})
        cycle += 1
    return bundles


def _place_lanes(op: Op, first: int, alu: list[tuple]) -> int:
    """Put lanes of `op` from `first` on into the free ALU slots; return the next lane."""
    assert op.lanes is not None
    lane = first
    while lane < VLEN and len(alu) < SLOT_LIMITS["alu"]:
        alu.append(op.lanes[lane])
        lane += 1
    return lane
