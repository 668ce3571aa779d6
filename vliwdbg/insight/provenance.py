"""Who wrote a word, and who reads it next: `info origin LOC` and `info uses LOC`.

Both work from the run's history, never by re-running from the start:
- origin looks back from the current step. The step that last wrote a scratch word is found
  from the executed pcs alone, since which scratch words a bundle writes is fixed by its
  slots; a memory word's writer needs the stores' addresses, so the history is re-executed
  window by window backward (from a checkpoint, stopping only at bundles with stores). At
  the writer's step the state is rebuilt to see which slot wrote the word and which words it
  read then (the chosen select candidate, the memory word a load read), and the same
  question is asked of those, a few levels deep. Replays run on a core of the query's own,
  started from the timeline's checkpoints.
- uses runs forward from the current state on a core of its own (the session's core does
  not move), stopping only at bundles that could read or write the words, until each word is
  overwritten, the program ends, or a step budget runs out.
The session is left exactly where it was (origin borrows the timeline to read checkpoints
and seeks it back home in a finally block).
"""

from __future__ import annotations

import weakref
from bisect import bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from machine.engine import Core, Prepared, Snapshot
from machine.isa import CoreState
from vliwdbg.insight.access import ScratchNames, iter_slots, slot_access
from vliwdbg.insight.effects import Word, slot_effects
from vliwdbg.insight.sidecore import advance, side_core

if TYPE_CHECKING:
    from vliwdbg.core.expr import Location
    from vliwdbg.core.session import Session

#: Steps per backward window when looking for a writer.
WINDOW = 8192
#: The most words one LOC may name for origin/uses.
MAX_WORDS = 64
#: Steps between the snapshots an origin query keeps for itself.
FINE = 64
#: How far `uses` runs ahead looking for reads and the overwrite.
USES_BUDGET = 2_000_000


class ProvenanceError(ValueError):
    """A request origin/uses cannot answer, with a one-line reason."""


# --- static facts about the program, computed once per prepared program -----------------------


class _Index:
    def __init__(self, program: Sequence[dict]) -> None:
        self.scratch_writers: dict[int, set[int]] = {}
        self.scratch_readers: dict[int, set[int]] = {}
        store_pcs: set[int] = set()
        load_pcs: set[int] = set()
        for pc, bundle in enumerate(program):
            for engine, _, slot in iter_slots(bundle):
                access = slot_access(engine, slot)
                if access is None:
                    continue
                for w in access.writes:
                    self.scratch_writers.setdefault(w, set()).add(pc)
                for w in access.reads:
                    self.scratch_readers.setdefault(w, set()).add(pc)
                if access.mem_write:
                    store_pcs.add(pc)
                if access.mem_read:
                    load_pcs.add(pc)
        self.store_pcs = frozenset(store_pcs)
        self.load_pcs = frozenset(load_pcs)


_indexes: weakref.WeakKeyDictionary[Prepared, _Index] = weakref.WeakKeyDictionary()


def _index(prepared: Prepared) -> _Index:
    index = _indexes.get(prepared)
    if index is None:
        index = _indexes[prepared] = _Index(prepared.program)
    return index


# --- results -----------------------------------------------------------------------------------


@dataclass
class OriginNode:
    """Words (all in one space) whose current values one slot wrote at one step.

    step is None for words never written since the start (initial values)."""

    space: str
    words: tuple[int, ...]
    values: tuple[int, ...]
    step: int | None = None
    cycle: int | None = None
    pc: int | None = None
    engine: str | None = None
    slot_index: int | None = None
    children: list[OriginNode] = field(default_factory=list)
    repeated: bool = False  # the same write was already expanded elsewhere in the tree
    deeper: bool = False  # it read words, but the depth limit stopped the tree here
    hidden: int = 0  # input groups left out by the fan-out limit


@dataclass(frozen=True)
class Use:
    """One slot that reads some of the words. debug marks a compare (it reads, it does not use)."""

    step: int
    cycle: int
    pc: int
    engine: str
    slot_index: int
    words: tuple[int, ...]

    @property
    def debug(self) -> bool:
        return self.engine == "debug"


@dataclass(frozen=True)
class Overwrite:
    step: int
    cycle: int
    pc: int
    engine: str
    slot_index: int
    words: tuple[int, ...]


@dataclass
class UsesReport:
    space: str
    words: tuple[int, ...]
    values: tuple[int, ...]
    from_step: int
    uses: list[Use]
    more: bool  # reads beyond the listed ones exist
    overwrites: list[Overwrite]
    open_words: tuple[int, ...]  # words not overwritten when the scan ended
    ended: str  # why the scan ended: "overwritten", "end", "fault", "budget"


# --- origin ------------------------------------------------------------------------------------


def origin(session: Session, loc: Location, depth: int = 3, fanout: int = 6) -> list[OriginNode]:
    """The writers of LOC's current value, each with the tree of what it read, `depth` deep."""
    words = _words(loc)
    query = _Query(session)
    try:
        values = query.values(loc.space, words)
        roots = query.group(loc.space, words, values, session.step)
        seen: set[tuple] = set()
        for node in roots:
            query.expand(node, depth, fanout, seen)
        return roots
    finally:
        query.finish()


class _Query:
    """One origin question. It replays history on a core of its own: the session's timeline
    only hands over its checkpoints (a seek to a checkpoint step is a restore) and is put
    back where it was in finish(). Along the way it keeps its own snapshots every FINE
    steps, so the many visits a tree makes to nearby steps each cost a few bundles."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.timeline = session.timeline
        self.home = session.step
        self.index = _index(session.prepared)
        self.core = side_core(session)
        self._snaps: dict[int, Snapshot] = {}
        self._snap_steps: list[int] = []
        self._keep()
        self._pcs: dict[int, list[int]] = {}
        self._stores: dict[int, list[tuple[int, frozenset[int]]]] = {}

    def finish(self) -> None:
        if self.session.core.steps != self.home:
            self.timeline.seek(self.home)

    def _keep(self) -> None:
        step = self.core.steps
        if step not in self._snaps:
            self._snaps[step] = self.core.snapshot()
            insort(self._snap_steps, step)

    def at(self, step: int) -> None:
        """Put the query's core at `step` (at most the session's step)."""
        core = self.core
        if core.steps == step:
            return
        i = bisect_right(self._snap_steps, step) - 1
        base = self._snap_steps[i] if i >= 0 else -1
        checkpoint = step - step % self.timeline.interval
        if base < checkpoint:
            self.timeline.seek(checkpoint)
            core.restore(self.session.core.snapshot())
            self._keep()
        elif not base <= core.steps <= step:
            core.restore(self._snaps[base])
        while core.steps < step:
            target = min(step, (core.steps // FINE + 1) * FINE)
            if not advance(core, target, frozenset()) or core.steps != target:
                raise ProvenanceError(f"step {step} cannot be reached again")
            self._keep()

    def values(self, space: str, words: Sequence[int]) -> tuple[int, ...]:
        source = self.core.scratch if space == "s" else self.core.mem
        return tuple(source[w] for w in words)

    # ---- finding the last writer before a step

    def last_write(self, space: str, addr: int, before: int) -> int | None:
        hi = before
        while hi > 0:
            lo = max(0, (hi - 1) // WINDOW * WINDOW)
            found = self._last_scratch(addr, lo, hi) if space == "s" else self._last_mem(addr, lo, hi)
            if found is not None:
                return found
            hi = lo
        return None

    def _last_scratch(self, addr: int, lo: int, hi: int) -> int | None:
        writers = self.index.scratch_writers.get(addr)
        if not writers:
            return None
        pcs = self._window_pcs(lo)
        for k in range(min(hi, lo + len(pcs)) - 1, lo - 1, -1):
            if pcs[k - lo] in writers:
                return k
        return None

    def _window_pcs(self, lo: int) -> list[int]:
        pcs = self._pcs.get(lo)
        if pcs is None:
            hi = min(lo + WINDOW, self.home)
            pcs = self._pcs[lo] = self.timeline.executed_pcs(lo, hi)
        return pcs

    def _last_mem(self, addr: int, lo: int, hi: int) -> int | None:
        for step, addrs in reversed(self._window_stores(lo)):
            if step < hi and addr in addrs:
                return step
        return None

    def _window_stores(self, lo: int) -> list[tuple[int, frozenset[int]]]:
        """(step, memory words written) for every store bundle run in steps lo..lo+WINDOW-1."""
        cached = self._stores.get(lo)
        if cached is not None:
            return cached
        hi = min(lo + WINDOW, self.home)
        stores: list[tuple[int, frozenset[int]]] = []
        self.at(lo)
        core = self.core
        store_pcs = self.index.store_pcs
        while core.steps < hi:
            if core.pc in store_pcs:
                written = _written(core, core.pc, "m")
                if written:
                    stores.append((core.steps, frozenset(written)))
            kept = core.steps // FINE
            if not advance(core, hi, store_pcs):
                break
            if core.steps // FINE != kept:
                self._keep()
        self._stores[lo] = stores
        return stores

    # ---- building the tree

    def group(self, space: str, words: Sequence[int], values: Sequence[int], before: int) -> list[OriginNode]:
        """The words split by the (step, slot) that last wrote each before `before`."""
        by_step: dict[int | None, list[tuple[int, int]]] = {}
        for w, v in zip(words, values, strict=True):
            by_step.setdefault(self.last_write(space, w, before), []).append((w, v))
        nodes: list[OriginNode] = []
        for step, pairs in by_step.items():
            if step is None:
                nodes.append(OriginNode(space, tuple(w for w, _ in pairs), tuple(v for _, v in pairs)))
                continue
            self.at(step)
            writer = _writers(self.core, space)
            by_slot: dict[tuple[str, int], list[tuple[int, int]]] = {}
            for w, v in pairs:
                engine, index = writer[w]
                by_slot.setdefault((engine, index), []).append((w, v))
            for (engine, index), group in by_slot.items():
                nodes.append(
                    OriginNode(
                        space,
                        tuple(w for w, _ in group),
                        tuple(v for _, v in group),
                        step,
                        self.core.cycle,
                        self.core.pc,
                        engine,
                        index,
                    )
                )
        order = {w: i for i, w in enumerate(words)}
        nodes.sort(key=lambda n: order[n.words[0]])
        return nodes

    def expand(self, node: OriginNode, depth: int, fanout: int, seen: set[tuple]) -> None:
        if node.step is None:
            return
        key = (node.step, node.engine, node.slot_index, node.space, node.words)
        if key in seen:
            node.repeated = True
            return
        seen.add(key)
        self.at(node.step)
        core = self.core
        slot = core.program[node.pc][node.engine][node.slot_index]
        deps, _ = slot_effects(node.engine, slot, core.scratch, core.mem)
        sources: dict[Word, None] = {}
        for w in node.words:
            for source in deps.get((node.space, w), ()):
                sources.setdefault(source)
        if not sources:
            return
        if depth <= 0:
            node.deeper = True
            return
        groups: list[OriginNode] = []
        for space in ("s", "m"):
            words = [a for sp, a in sources if sp == space]
            if words:
                self.at(node.step)
                values = self.values(space, words)
                groups.extend(self.group(space, words, values, node.step))
        node.children = groups[:fanout]
        node.hidden = len(groups) - len(node.children)
        for child in node.children:
            self.expand(child, depth - 1, fanout, seen)


def _writers(core: Core, space: str) -> dict[int, tuple[str, int]]:
    """Word -> the slot of the bundle at the core's pc that writes it (the later one wins)."""
    out: dict[int, tuple[str, int]] = {}
    for engine, index, slot in iter_slots(core.program[core.pc]):
        deps, _ = slot_effects(engine, slot, core.scratch, core.mem)
        for sp, addr in deps:
            if sp == space:
                out[addr] = (engine, index)
    return out


def _written(core: Core, pc: int, space: str) -> set[int]:
    out: set[int] = set()
    for engine, _, slot in iter_slots(core.program[pc]):
        deps, _ = slot_effects(engine, slot, core.scratch, core.mem)
        out.update(a for sp, a in deps if sp == space)
    return out


# --- uses --------------------------------------------------------------------------------------


def uses(session: Session, loc: Location, limit: int = 20, budget: int = USES_BUDGET) -> UsesReport:
    """The steps after the current one that read LOC's current value, until it is overwritten."""
    words = _words(loc)
    space = loc.space
    index = _index(session.prepared)
    core = side_core(session)
    source = core.scratch if space == "s" else core.mem
    values = tuple(source[w] for w in words)
    start = core.steps
    open_words = set(words)
    if space == "s":
        writer_pcs = frozenset().union(*(index.scratch_writers.get(w, set()) for w in words))
        reader_pcs = frozenset().union(*(index.scratch_readers.get(w, set()) for w in words))
    else:
        writer_pcs, reader_pcs = index.store_pcs, index.load_pcs
    stop_pcs = writer_pcs | reader_pcs
    found: list[Use] = []
    more = False
    overwrites: list[Overwrite] = []
    ended = "budget"
    while True:
        if not open_words:
            ended = "overwritten"
            break
        if core.state == CoreState.STOPPED or not 0 <= core.pc < len(core.program):
            ended = "end"
            break
        if core.steps - start >= budget:
            break
        pc = core.pc
        if pc in stop_pcs:
            reads, writes = _touching(core, pc, space, open_words)
            for engine, slot_index, hit in reads:
                if len(found) < limit:
                    found.append(Use(core.steps, core.cycle, pc, engine, slot_index, hit))
                else:
                    more = True
            if more:
                stop_pcs = writer_pcs  # the list is full: only the overwrite is left to find
            for engine, slot_index, hit in writes:
                overwrites.append(Overwrite(core.steps, core.cycle, pc, engine, slot_index, hit))
                open_words.difference_update(hit)
            if not open_words:
                continue
        if not advance(core, start + budget, stop_pcs):
            ended = "end" if core.state == CoreState.STOPPED else "fault"
            break
    return UsesReport(space, words, values, start, found, more, overwrites, tuple(sorted(open_words)), ended)


def _touching(
    core: Core, pc: int, space: str, words: set[int]
) -> tuple[list[tuple[str, int, tuple[int, ...]]], list[tuple[str, int, tuple[int, ...]]]]:
    """The slots of the bundle at pc that read, and those that finally write, any of words."""
    reads = []
    last_writer: dict[int, tuple[str, int]] = {}
    for engine, index, slot in iter_slots(core.program[pc]):
        deps, extra = slot_effects(engine, slot, core.scratch, core.mem)
        read = {a for sources in deps.values() for sp, a in sources if sp == space and a in words}
        read.update(a for sp, a in extra if sp == space and a in words)
        if read:
            reads.append((engine, index, tuple(sorted(read))))
        for sp, a in deps:
            if sp == space and a in words:
                last_writer[a] = (engine, index)
    grouped: dict[tuple[str, int], list[int]] = {}
    for a, who in sorted(last_writer.items()):
        grouped.setdefault(who, []).append(a)
    writes = [(engine, index, tuple(addrs)) for (engine, index), addrs in grouped.items()]
    return reads, writes


def _words(loc: Location) -> tuple[int, ...]:
    if loc.length > MAX_WORDS:
        raise ProvenanceError(f"{loc.text} is {loc.length} words; origin and uses take at most {MAX_WORDS}")
    return tuple(range(loc.start, loc.start + loc.length))


# --- text ----------------------------------------------------------------------------------------


class Namer:
    """Names for words and slots in origin/uses output, from the session's maps."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.scratch = ScratchNames(session.kernel.scratch_map)

    def words(self, space: str, words: Iterable[int]) -> str:
        words = list(words)
        if space == "s":
            return self.scratch.words(words)
        runs: list[list[int]] = []
        for w in sorted(words):
            if runs and w == runs[-1][-1] + 1 and self._region(w) == self._region(runs[-1][0]):
                runs[-1].append(w)
            else:
                runs.append([w])
        parts = []
        for run in runs:
            first = self.session.word_name("m", run[0])
            if len(run) == 1:
                parts.append(first)
            elif first.startswith("m["):
                parts.append(f"m[{run[0]}:{run[-1] + 1}]")
            else:
                region, _, rest = first.partition("[")
                i = int(rest[:-1])
                parts.append(f"{region}[{i}:{i + len(run)}]")
        return ", ".join(parts)

    def _region(self, addr: int) -> str | None:
        for region, (start, length) in self.session.regions.items():
            if start <= addr < start + length:
                return region
        return None

    def slot(self, pc: int, engine: str, index: int) -> str:
        where = self.session.slot_where(pc, engine, index)
        return f"pc {pc} {engine}[{index}]: {self.session.named_slot(pc, engine, index)}{where}"


def _values_text(values: Sequence[int]) -> str:
    if len(values) == 1:
        return str(values[0])
    shown = ", ".join(str(v) for v in values[:8])
    return f"[{shown}{', ...' if len(values) > 8 else ''}]"


def origin_lines(session: Session, nodes: Sequence[OriginNode]) -> list[str]:
    """The tree as text, one node a line: what, value, which step and slot wrote it."""
    namer = Namer(session)
    lines: list[str] = []

    def describe(node: OriginNode) -> str:
        head = f"{namer.words(node.space, node.words)} = {_values_text(node.values)}"
        if node.step is None:
            if node.space == "s":
                return f"{head}: never written (scratch starts at 0)"
            return f"{head}: never stored to (the problem's memory image)"
        slot = namer.slot(node.pc, node.engine, node.slot_index)
        text = f"{head}: step {node.step} (cycle {node.cycle}), {slot}"
        if node.repeated:
            text += "  (traced above)"
        return text

    def walk(node: OriginNode, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└─ " if last else "├─ ")
        lines.append(prefix + branch + describe(node))
        inner = prefix if top else prefix + ("   " if last else "│  ")
        tail: list[str] = []
        if node.deeper:
            tail.append("... (deeper: ask `info origin` at that step)")
        if node.hidden:
            tail.append(f"... and {node.hidden} more inputs")
        kids = node.children
        for i, child in enumerate(kids):
            walk(child, inner, i == len(kids) - 1 and not tail, False)
        for i, text in enumerate(tail):
            lines.append(inner + ("└─ " if i == len(tail) - 1 else "├─ ") + text)

    for node in nodes:
        walk(node, "", True, True)
    return lines


def uses_lines(session: Session, report: UsesReport) -> list[str]:
    """The uses as text: the reads in order, then the overwrite (or why the scan ended)."""
    namer = Namer(session)
    what = namer.words(report.space, report.words)
    lines = [f"{what} = {_values_text(report.values)} at step {report.from_step}; read by:"]
    for use in report.uses:
        tag = "  (a debug compare)" if use.debug else ""
        only = "" if len(report.words) == 1 else f" [{namer.words(report.space, use.words)}]"
        slot = namer.slot(use.pc, use.engine, use.slot_index)
        lines.append(f"  step {use.step} (cycle {use.cycle}), {slot}{only}{tag}")
    if report.more:
        lines.append(f"  ... more reads follow (the first {len(report.uses)} are listed)")
    real = [u for u in report.uses if not u.debug]
    if not report.uses:
        lines.append("  none")
    elif not real:
        lines.append("  (only debug compares)")
    for w in report.overwrites:
        lines.append(
            f"overwritten at step {w.step} (cycle {w.cycle}) by {namer.slot(w.pc, w.engine, w.slot_index)}"
            + ("" if len(report.words) == 1 else f" [{namer.words(report.space, w.words)}]")
        )
    if report.open_words:
        left = namer.words(report.space, report.open_words)
        why = {
            "end": "the program ends",
            "fault": "the run faults",
            "budget": f"{USES_BUDGET:,} steps were searched",
        }.get(report.ended, report.ended)
        lines.append(f"{left}: not overwritten before {why}")
    if not real and report.overwrites and not report.open_words:
        lines.append("a dead value: no slot reads it before it is overwritten")
    return lines
