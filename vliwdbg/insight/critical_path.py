"""The longest chain of dependent slots in a straight-line stretch: is it latency or resources?

Every op on this machine takes one bundle: a word written in bundle k can be read from
bundle k+1. So a stretch can never run in fewer cycles than its longest read-after-write
chain (the latency bound), nor in fewer than its busiest engine's slots divided by that
engine's limit (the resource bound). Whichever is larger says what binds; the gap between it
and the stretch's real cycle count is what better packing could still win.

Only true dependencies count (read after write), as if every register could be renamed:
that is the bound a scheduler works against. Memory is followed through loads and stores
too. Statically its addresses are unknown, so a load depends on every earlier store in the
stretch (conservative); a caller that knows the addresses (a re-executed window of the run)
passes them and gets exact memory dependencies.

Stretches (basic blocks) end after a jump, conditional jump, halt or pause, and start at
every static jump target; `pause` ends one because kernels mark the harness's phases with
it. A jump_indirect's targets are data, so they start no block.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from machine.gc_pause import gc_paused
from machine.isa import SLOT_LIMITS, TRACE_ENGINES
from vliwdbg.cancel import Cancel, poll
from vliwdbg.insight.access import format_slot, iter_slots, slot_access
from vliwdbg.insight.effects import slot_effects
from vliwdbg.insight.sidecore import side_core_at_cycle

if TYPE_CHECKING:
    from machine.engine import Core
    from vliwdbg.core.session import Session

_ENDS_BLOCK = {"halt", "pause", "jump", "jump_indirect", "cond_jump", "cond_jump_rel"}


@dataclass(slots=True)
class SlotEvent:
    """One slot as the chain sees it. mem_reads / mem_writes are exact addresses, or None
    for "some memory, address unknown" (then ordering against every store is assumed).
    Not frozen: a long run makes one per slot it ran, and a frozen one costs several times
    as much to make; nothing changes one once made."""

    pc: int
    engine: str
    slot_index: int
    slot: object
    reads: tuple[int, ...]
    writes: tuple[int, ...]
    mem_reads: tuple[int, ...] | None = ()
    mem_writes: tuple[int, ...] | None = ()


@dataclass(frozen=True)
class ChainLink:
    """One slot on the critical chain; `depth` is its 1-based position in the chain."""

    pc: int
    engine: str
    slot_index: int
    slot: object
    depth: int
    step: int | None = None  # the step number, when the chain comes from an executed run


@dataclass
class CriticalPath:
    """The analysis of one stretch of bundles."""

    first: int  # first pc (static) or first step (executed) of the stretch
    last: int  # last one, inclusive
    cycles: int  # bundles in the stretch that cost a cycle
    slots: dict[str, int]
    length: int  # the latency bound: bundles on the longest dependent chain
    chain: list[ChainLink] = field(default_factory=list)
    unit: str = "pc"  # "pc" or "step": what first/last count
    span: str | None = None  # how the heading names the stretch, when not "pcs first..last"

    @property
    def resource_bound(self) -> int:
        return max((math.ceil(n / SLOT_LIMITS[e]) for e, n in self.slots.items()), default=0)

    @property
    def busiest_engine(self) -> str | None:
        bound = self.resource_bound
        if not bound:
            return None
        return next(e for e, n in self.slots.items() if math.ceil(n / SLOT_LIMITS[e]) == bound)

    @property
    def verdict(self) -> str:
        """'latency-bound' when the chain is longer than the slots need, else 'resource-bound'."""
        return "latency-bound" if self.length > self.resource_bound else "resource-bound"

    def lines(
        self, max_links: int = 12, name_slot: Callable[[int, str, int], str] | None = None
    ) -> list[str]:
        """The text `info critical` prints: bounds, verdict, and the chain (shortened in the
        middle). name_slot(pc, engine, index), when given, writes each slot with names."""
        bound = max(self.length, self.resource_bound)
        engine = self.busiest_engine
        out = [
            f"{self.span or f'{self.unit}s {self.first}..{self.last}'}: {self.cycles} cycles;"
            f" latency bound {self.length}, resource bound {self.resource_bound}"
            + (f" ({engine})" if engine else "")
            + f" -> {self.verdict}",
            f"  latency bound: the longest read-after-write chain (as if registers were renamed);"
            f" resource bound: {f'{engine} slots / {SLOT_LIMITS[engine]}' if engine else 'no slots'}",
        ]
        if bound:
            out.append(f"  {self.cycles - bound} cycles above the larger bound ({self.cycles / bound:.2f}x)")
        links = self.chain
        shown = (
            links if len(links) <= max_links else [*links[: max_links // 2], None, *links[-max_links // 2 :]]
        )
        if links:
            out.append(f"  longest chain ({len(links)} slots):")
        for link in shown:
            if link is None:
                out.append(f"    ... {len(links) - 2 * (max_links // 2)} more")
                continue
            at = f"step {link.step} pc {link.pc}" if link.step is not None else f"pc {link.pc}"
            text = (
                format_slot(link.slot)
                if name_slot is None
                else name_slot(link.pc, link.engine, link.slot_index)
            )
            out.append(f"    {link.depth:>4}  {at} {link.engine}[{link.slot_index}]: {text}")
        return out


def blocks(program: Sequence[dict]) -> list[tuple[int, int]]:
    """The straight-line stretches of a program as (first pc, last pc), inclusive, in order."""
    n = len(program)
    if not n:
        return []
    leaders = {0}
    for pc, bundle in enumerate(program):
        if not isinstance(bundle, dict):
            continue
        for slot in bundle.get("flow", ()) or ():
            if not isinstance(slot, tuple | list) or not slot:
                continue
            op = slot[0]
            if op in _ENDS_BLOCK:
                leaders.add(pc + 1)
            target = None
            if op == "jump" and len(slot) == 2:
                target = slot[1]
            elif op == "cond_jump" and len(slot) == 3:
                target = slot[2]
            elif op == "cond_jump_rel" and len(slot) == 3 and isinstance(slot[2], int):
                target = pc + 1 + slot[2]
            if isinstance(target, int) and 0 <= target < n:
                leaders.add(target)
    starts = sorted(p for p in leaders if p < n)
    return [(s, (starts[i + 1] if i + 1 < len(starts) else n) - 1) for i, s in enumerate(starts)]


def block_of(program: Sequence[dict], pc: int) -> tuple[int, int]:
    """The stretch holding pc."""
    for first, last in blocks(program):
        if first <= pc <= last:
            return first, last
    raise ValueError(f"pc {pc} is outside the program (0..{len(program) - 1})")


def static_events(
    program: Sequence[dict], first: int, last: int
) -> Iterable[tuple[int, bool, list[SlotEvent]]]:
    """(pc, costs a cycle, slot events) for bundles first..last, memory addresses unknown."""
    for pc in range(first, last + 1):
        bundle = program[pc]
        events = []
        for engine, index, slot in iter_slots(bundle):
            if engine == "debug":
                continue
            access = slot_access(engine, slot)
            if access is None:
                continue
            events.append(
                SlotEvent(
                    pc,
                    engine,
                    index,
                    slot,
                    access.reads,
                    access.writes,
                    None if access.mem_read else (),
                    None if access.mem_write else (),
                )
            )
        costs = isinstance(bundle, dict) and any(e != "debug" for e in bundle)
        yield pc, costs, events


def static_critical_path(program: Sequence[dict], first: int, last: int) -> CriticalPath:
    """The critical path of bundles first..last read as straight-line code (memory conservative)."""
    if not 0 <= first <= last < len(program):
        raise ValueError(f"pcs {first}..{last} are not a range inside the program (0..{len(program) - 1})")
    return analyse(static_events(program, first, last), first, last, unit="pc")


def analyse(
    bundles: Iterable[tuple[int, bool, list[SlotEvent]]],
    first: int,
    last: int,
    unit: str = "pc",
    span: str | None = None,
) -> CriticalPath:
    """The chain over bundles given in execution order. Each item is (position, costs a cycle,
    slot events); position is the pc or the step, reported in the chain when unit is "step"."""
    # avail[word] = (depth of the slot that last wrote it, that slot's id); ids index `nodes`.
    avail: dict[int, tuple[int, int]] = {}
    mem_avail: dict[int, tuple[int, int]] = {}
    any_store = (0, -1)  # the deepest store so far: loads of unknown address wait for it
    blind_store = (0, -1)  # the deepest store of unknown address: every load waits for it
    nodes: list[tuple[SlotEvent, int, int, int | None]] = []  # (event, depth, pred id, step)
    slots = {e: 0 for e in TRACE_ENGINES}
    cycles = 0
    best = (0, -1)
    for position, costs, events in bundles:
        cycles += costs
        pending: list[tuple[tuple[int, ...], tuple[int, ...] | None, tuple[int, int]]] = []
        for ev in events:
            if ev.engine in slots:
                slots[ev.engine] += 1
            dep = (0, -1)
            for w in ev.reads:
                got = avail.get(w)
                if got is not None and got[0] > dep[0]:
                    dep = got
            if ev.mem_reads is None:
                if any_store[0] > dep[0]:
                    dep = any_store
            elif ev.mem_reads:
                if blind_store[0] > dep[0]:
                    dep = blind_store
                for a in ev.mem_reads:
                    got = mem_avail.get(a)
                    if got is not None and got[0] > dep[0]:
                        dep = got
            depth = dep[0] + 1
            node_id = len(nodes)
            nodes.append((ev, depth, dep[1], position if unit == "step" else None))
            if depth > best[0]:
                best = (depth, node_id)
            pending.append((ev.writes, ev.mem_writes, (depth, node_id)))
        for writes, mem_writes, mark in pending:
            for w in writes:
                avail[w] = mark
            if mem_writes is None and mark[0] > blind_store[0]:
                blind_store = mark
            if (mem_writes is None or mem_writes) and mark[0] > any_store[0]:
                any_store = mark
            for a in mem_writes or ():
                mem_avail[a] = mark
    chain: list[ChainLink] = []
    node = best[1]
    while node >= 0:
        ev, depth, pred, step = nodes[node]
        chain.append(ChainLink(ev.pc, ev.engine, ev.slot_index, ev.slot, depth, step))
        node = pred
    chain.reverse()
    return CriticalPath(first, last, cycles, slots, best[0], chain, unit, span)


# --- the executed run ---------------------------------------------------------------------------

_MEMORY_OPS = {("load", op) for op in ("load", "load_offset", "vload")} | {
    ("store", op) for op in ("store", "vstore")
}

_executed_cache: weakref.WeakKeyDictionary[Session, dict[tuple, CriticalPath]] = weakref.WeakKeyDictionary()


def executed_critical_path(
    session: Session, from_cycle: int | None = None, to_cycle: int | None = None, cancel: Cancel | None = None
) -> CriticalPath:
    """The critical path of the run as executed over cycles [from_cycle, to_cycle) (default:
    from the start to the end of the program). An executed run is straight-line (its jumps
    are resolved) and its memory addresses are known, so memory dependencies are exact. It
    runs on a core of its own; the session does not move. Cached per session and range.
    Raises Cancelled when cancel() turns true."""
    key = (from_cycle, to_cycle)
    cache = _executed_cache.setdefault(session, {})
    if key not in cache:
        # A slot event per slot run: the collector would walk the whole heap over and over.
        with gc_paused():
            cache[key] = _executed(session, from_cycle or 0, to_cycle, cancel)
    return cache[key]


def _executed(session: Session, start: int, end: int | None, cancel: Cancel | None) -> CriticalPath:
    core = side_core_at_cycle(session, start)
    program = session.program
    plans: dict[int, tuple[bool, list]] = {}
    budget = core.steps + session.options.max_steps
    first = core.steps

    def bundles() -> Iterable[tuple[int, bool, list[SlotEvent]]]:
        # The walk runs each bundle when asked for the next pc; one that faults ends it.
        for pc in core.walk(max(0, budget - core.steps)):
            if end is not None and core.cycle >= end:
                return
            planned = plans.get(pc)
            if planned is None:
                planned = plans[pc] = _plan(pc, program[pc])
            costs, plan = planned
            events = [item if isinstance(item, SlotEvent) else _with_addresses(item, core) for item in plan]
            step = core.steps
            poll(cancel, step)
            yield step, costs, events

    path = analyse(bundles(), first, first, unit="step")
    path.last = core.steps - 1  # the last step that ran (first - 1 when none did)
    stop = "the end" if end is None or core.cycle < end else str(core.cycle)
    path.span = f"cycles {start}..{stop} (steps {first}..{path.last})"
    return path


def _plan(pc: int, bundle: dict) -> tuple[bool, list]:
    """Whether the bundle costs a cycle, and its slots as SlotEvents, except memory slots,
    left as (pc, engine, index, slot, access) to get their addresses each time they run."""
    if not isinstance(bundle, dict):
        return _plan_odd(pc, bundle)
    plan: list = []
    for engine, slots in bundle.items():
        if engine == "debug" or not isinstance(slots, list | tuple):
            continue
        for index, slot in enumerate(slots):
            access = slot_access(engine, slot)
            if access is None:
                continue
            if (engine, slot[0]) in _MEMORY_OPS:
                plan.append((pc, engine, index, slot, access))
            else:
                plan.append(SlotEvent(pc, engine, index, slot, access.reads, access.writes))
    return len(bundle) > ("debug" in bundle), plan


def _plan_odd(pc: int, bundle: object) -> tuple[bool, list]:
    """`_plan` of a bundle that is not a dict (it faults when it runs): the general way."""
    plan: list = []
    for engine, index, slot in iter_slots(bundle):
        if engine == "debug":
            continue
        access = slot_access(engine, slot)
        if access is None:
            continue
        if (engine, slot[0]) in _MEMORY_OPS:
            plan.append((pc, engine, index, slot, access))
        else:
            plan.append(SlotEvent(pc, engine, index, slot, access.reads, access.writes))
    return any(e != "debug" for e in bundle), plan


def _with_addresses(item: tuple, core: Core) -> SlotEvent:
    pc, engine, index, slot, access = item
    deps, _ = slot_effects(engine, slot, core.scratch, core.mem)
    mem_writes = tuple(a for space, a in deps if space == "m")
    mem_reads = tuple(a for sources in deps.values() for space, a in sources if space == "m")
    return SlotEvent(pc, engine, index, slot, access.reads, access.writes, mem_reads, mem_writes)
