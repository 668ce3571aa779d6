"""The fast engine: programs prepared once, a run loop that pays only for what is asked.

Each prepared program keeps a dispatch table per debug setting: one callable per pc,
`f(pc, scratch, mem, core) -> next pc`. A bundle starts out interpreted
(`machine.interp`); a loop's is compiled the second time it runs (`machine.compile`:
straight-line code shared by the bundles of a light shape, or for a dense bundle, a runner
over shared slot functions from `machine.compose`), and a program run again has its bigger
bundles compiled a share at a time over its next runs (see `_Table`), so no run pays for
all of it at once. Any exception from a bundle means it faults: `machine.diagnose` then
names the exact fault against the unchanged state, which no bundle touches before it is
sure to complete.
"""

from __future__ import annotations

import gc
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from machine import compose, interp
from machine.access import AccessIndex, touches
from machine.check import Finding, check_program
from machine.compile import WAIT, BundleCompiler, code_globals, content_key, forget_code, heavy
from machine.diagnose import find_fault
from machine.faults import CompareFault, MachineFault
from machine.gc_pause import gc_paused
from machine.isa import MASK, SCRATCH_SIZE, CoreState

__all__ = [
    "Core",
    "Finding",
    "Prepared",
    "RunResult",
    "Snapshot",
    "StopSpec",
    "Write",
    "forget_shared_code",
    "prepare",
]

_RUNNING = CoreState.RUNNING
_PAUSED = CoreState.PAUSED
_STOPPED = CoreState.STOPPED


@dataclass(frozen=True)
class Write:
    """One word a bundle wrote: space "s" (scratch) or "m" (memory), old and new values."""

    space: str
    addr: int
    old: int
    new: int


@dataclass(frozen=True)
class StopSpec:
    """When `Core.run` stops (besides pause, halt, end and faults). See engine_api.md."""

    pcs: frozenset[int] = frozenset()
    cycle: int | None = None
    max_steps: int | None = None
    watch_scratch: frozenset[int] = frozenset()
    watch_mem: frozenset[int] = frozenset()
    #: Words of watch_mem whose stores are reported even when they leave the word as it was.
    store_mem: frozenset[int] = frozenset()
    read_scratch: frozenset[int] = frozenset()
    read_mem: frozenset[int] = frozenset()
    predicate: Callable[[Core], bool] | None = None
    skip_first_debug: bool = False


@dataclass
class RunResult:
    """Why a run stopped, how many bundles it executed, and the fault or watched changes."""

    reason: str
    steps: int
    fault: MachineFault | None = None
    changes: list[Write] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    """The whole state of a core. The lists are private copies; restore copies them back."""

    scratch: list[int]
    mem: list[int]
    pc: int
    cycle: int
    state: CoreState
    trace: tuple[int, ...]
    steps: int


class Stopped(Exception):
    """Raised by a bundle after its writes landed, when the run loop must look at it.

    kind is "halt", "pause" or "negative" (a jump to a negative pc, which faults when
    fetched).
    """

    def __init__(self, pc: int, kind: str) -> None:
        self.pc = pc
        self.kind = kind


# --------------------------------------------------------------------------- preparing


class Prepared:
    """A program made ready to run: dispatch tables, compiled lazily, and static findings."""

    def __init__(self, program: list[dict], scratch_size: int = SCRATCH_SIZE) -> None:
        self.program = program
        self.scratch_size = scratch_size
        self.length = len(program)
        self._findings: list[Finding] | None = None
        self._tables: dict[bool, _Table] = {}
        self._frozen: list | None = None
        self._access: AccessIndex | None = None
        self._stop_pcs: tuple[tuple, tuple[frozenset[int], frozenset[int], frozenset[int]]] | None = None
        self._lock = threading.Lock()

    @property
    def findings(self) -> list[Finding]:
        """The static faults of the program (computed on first use: a pass over every slot)."""
        if self._findings is None:
            self._findings = check_program(self.program, self.scratch_size)
        return self._findings

    def table(self, debug: bool) -> _Table:
        table = self._tables.get(debug)
        if table is None:
            with self._lock:
                table = self._tables.get(debug)
                if table is None:
                    table = self._tables[debug] = _Table(self, debug)
        return table

    def compile_all(self, debug: bool = True) -> None:
        """Compile every bundle that can be, now: a program about to be run many times (a
        debugger's, a benchmark's) skips its interpreted first run."""
        with gc_paused():
            self.table(debug).compile_all()

    def access_index(self) -> AccessIndex:
        """Which bundles may touch which words (made on first use, for watchpoints)."""
        if self._access is None:
            with gc_paused():
                self._access = AccessIndex(self.program)
        return self._access

    def stop_pcs(self, spec: StopSpec) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
        """(every pc a burst stops before, the writers of watched words, the readers of
        read-watched words) for a spec. The last answer is kept: a debugger runs the same
        spec many times in a row (once per watched change it passes), and each answer costs
        a pass over every load or store of the program. The key compares the spec's own
        sets, by identity first, so a hit costs next to nothing."""
        key = (spec.pcs, spec.watch_scratch, bool(spec.watch_mem), spec.read_scratch, bool(spec.read_mem))
        cached = self._stop_pcs
        if cached is not None and cached[0] == key:
            return cached[1]
        watching = bool(spec.watch_scratch or spec.watch_mem)
        reading = bool(spec.read_scratch or spec.read_mem)
        index = self.access_index() if watching or reading else None
        writers = (
            index.writers(spec.watch_scratch, bool(spec.watch_mem)) if index and watching else frozenset()
        )
        readers = index.readers(spec.read_scratch, bool(spec.read_mem)) if index and reading else frozenset()
        answer = (spec.pcs | writers | readers, writers, readers)
        self._stop_pcs = (key, answer)
        return answer

    def keep(self, pc: int, copy: dict) -> None:
        """Keep `copy`, equal to the bundle at pc when it was compiled, to notice changes."""
        if self._frozen is None:
            self._frozen = list(self.program)
        self._frozen[pc] = copy

    def keep_debug_only(self, pc: int, bundle: dict) -> None:
        """Note that the bundle at pc runs as free, being debug-only, with compares off.

        Its slots do not matter then, so the copy kept shares its slot list: the check
        compares the dict's keys and the list's identity, and making the copy touches no
        slot. A stricter copy kept for compiled compares (compares on) stays."""
        if self._frozen is None:
            self._frozen = list(self.program)
        if self._frozen[pc] is bundle:
            self._frozen[pc] = {"debug": bundle["debug"]}

    def unchanged(self) -> bool:
        """Whether the program still equals what the compiled code was made from.

        `_frozen` holds a private copy of every compiled bundle and the program's own bundle
        elsewhere: bundles that are only interpreted are read afresh each time, so their
        changes need no notice. Only tuple slots are compiled, so a change inside a list slot
        cannot make compiled code stale. The comparison runs in C, 15 to 40 ms for the
        baseline kernel's 196,887 bundles (most of it fetching them from memory).
        """
        if len(self.program) != self.length:
            return False
        return self._frozen is None or self.program == self._frozen

    def forget_derived(self) -> None:
        """Drop what is cheap to derive again (findings, the access index), so that a
        program changed since is seen as it is now."""
        self._findings = None
        self._access = None
        self._stop_pcs = None


_CACHE: dict[tuple[int, int], Prepared] = {}
_CACHE_LIMIT = 8
_CACHE_LOCK = threading.Lock()


def prepare(program: list[dict], scratch_size: int = SCRATCH_SIZE) -> Prepared:
    """The prepared form of `program`, shared by every run of the same, unchanged program object.

    A program that was changed in place since something was derived from it is prepared
    afresh. The cache holds the last few programs (by identity, and keeps them alive so an
    id is never reused while cached).
    """
    key = (id(program), scratch_size)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached.program is program and cached.unchanged():
        cached.forget_derived()
        return cached
    prepared = Prepared(program, scratch_size)
    with _CACHE_LOCK:
        _CACHE.pop(key, None)
        _CACHE[key] = prepared
        while len(_CACHE) > _CACHE_LIMIT:
            del _CACHE[next(iter(_CACHE))]
    return prepared


def forget_shared_code() -> None:
    """Forget every prepared program and the code shared between programs (by shape, by
    slot op, by runner signature), as in a new process: benchmarks call it so that each
    round pays what a fresh process pays."""
    with _CACHE_LOCK:
        _CACHE.clear()
    forget_code()


class _Table:
    """The dispatch table of one prepared program for one debug setting.

    Every entry starts as `first`, which interprets the bundle, notes which run (a `Core`)
    saw it and leaves `again` in its place. What happens when the bundle comes again
    depends on what earned it:

    - again in the same run, a loop, or a one-slot bundle in any run: it is compiled
      (`machine.compile`). A loop body runs many times; and a one-slot bundle first looks
      for a function made for an equal one, which a scalar kernel nearly always finds (the
      baseline kernel runs 147,734 such bundles with 541 distinct slots), so that costs
      little more than interpreting it.
    - a bigger bundle again in a later run, a program run again: composed from slot code
      shared by equal slots (`machine.compose`; no code of its own shape, which a loop's
      light bundle gets), but not all at once. A run composes at most a `_SPREAD`th of the
      program's bundles this way (a light bundle counts twice: it costs about two
      interpretations to compose, a heavy one about one) and generates at most
      `_NEW_CODE` units of code (runners, slot functions, weighed by their compile time)
      for them, and interprets the rest once more (a bundle whose code must wait is
      tried again in the next run), so no run pays for all of that work.
    - a bundle that cannot be compiled (a static fault, an unusual form) stays interpreted.

    With compares off, a debug-only bundle is free whatever its slots: `first` passes it at
    once, and a loop's gives it the one shared `free` function (see
    `Prepared.keep_debug_only`): a kernel's compares all differ, and compiling each, with a
    full copy kept against changes, would cost more than it saves.
    """

    def __init__(self, prepared: Prepared, debug: bool) -> None:
        self.prepared = prepared
        self.debug = debug
        program = prepared.program
        self.code: list[Callable] = []
        code = self.code
        buffer = interp.buffer
        handlers = interp.HANDLERS
        compare = interp.compare
        self.compiler = BundleCompiler(prepared.scratch_size, debug, _CODE_GLOBALS)
        keep_debug_only = prepared.keep_debug_only
        keep = prepared.keep
        by_content = self.compiler.by_content
        generated = compose.generated
        #: The run (`Core.run_id`) that last interpreted each bundle; 0 for none yet.
        seen = [0] * len(program)
        #: How many bundles of earlier runs one run may compile.
        share = len(program) // _SPREAD + 1

        def interpreted(pc: int, s: list[int], m: list[int], k: Core) -> int:
            sw, mw, action, cost = buffer(program[pc], s, m, k.value_trace if debug else None, k.core_id)
            for a, v in sw:
                s[a] = v
            for a, v in mw:
                m[a] = v
            if not cost:
                k.free_steps += 1
            if action is None:
                return pc + 1
            return _control(action, pc, k)

        def first(pc: int, s: list[int], m: list[int], k: Core) -> int:
            bundle = program[pc]
            seen[pc] = k.run_id
            code[pc] = again
            if len(bundle) != 1:
                return interpreted(pc, s, m, k)
            ((engine, slots),) = bundle.items()
            if engine == "debug" and not debug:
                k.free_steps += 1
                return pc + 1
            if len(slots) != 1:
                return interpreted(pc, s, m, k)
            slot = slots[0]
            if engine == "debug":
                if debug:
                    compare(slots, s, k.value_trace)
                k.free_steps += 1
                return pc + 1
            index, value = handlers[engine][slot[0]](s, m, slot, k.core_id)
            if engine == "store":
                m[index] = value
            elif index is not None:
                s[index] = value
            elif value is not None:
                return _control(value, pc, k)
            return pc + 1

        def again(pc: int, s: list[int], m: list[int], k: Core) -> int:
            bundle = program[pc]
            if len(bundle) == 1 or seen[pc] == k.run_id or type(bundle) is not dict:
                return loop(pc, s, m, k)
            if k.promoted < share:
                made = generated[0]
                f = self.promote(pc, k.new_code < _NEW_CODE, composed=True)
                k.new_code += generated[0] - made
                if f is not None:
                    # A light bundle costs about twice its interpretation to compose, a
                    # heavy one about once: light programs spread it over more runs.
                    k.promoted += 1 if heavy(bundle, debug) else 2
                    return f(pc, s, m, k)
                if k.new_code >= _NEW_CODE:
                    k.promoted = share  # out of new code: the rest waits for the next run
            seen[pc] = k.run_id
            return interpreted(pc, s, m, k)

        def loop(pc: int, s: list[int], m: list[int], k: Core) -> int:
            bundle = program[pc]
            if type(bundle) is dict and len(bundle) == 1:
                ((engine, slots),) = bundle.items()
                if engine == "debug" and not debug:
                    keep_debug_only(pc, bundle)
                    code[pc] = free
                    k.free_steps += 1
                    return pc + 1
                if type(slots) is list and len(slots) == 1:
                    slot = slots[0]
                    try:
                        known = by_content.get((engine, slot))
                    except TypeError:  # an unhashable operand: the bundle is never shared
                        known = None
                    # Only exact slots are shared (see `content_key`): an equal slot found
                    # must be exact too, checked inline for the usual 4-operand slot.
                    if known is not None and (
                        type(slot[1]) is int and type(slot[2]) is int and type(slot[3]) is int
                        if len(slot) == 4 and engine != "debug"
                        else content_key(engine, slot) is not None
                    ):
                        f, copy = known
                        keep(pc, copy)
                        code[pc] = f
                        return f(pc, s, m, k)
            return self.promote(pc)(pc, s, m, k)

        def free(pc: int, s: list[int], m: list[int], k: Core) -> int:
            k.free_steps += 1
            return pc + 1

        self.interpreted = interpreted
        self.fresh = (first, again)
        self.code.extend([first] * len(program))

    def promote(self, pc: int, new_code: bool = True, composed: bool = False) -> Callable | None:
        """Compile the bundle at pc (or settle on interpreting it) and install the result;
        None, and nothing installed, when that needs new code and new_code is false. With
        composed, the bundle is composed even if light (no code of its own shape)."""
        bundle = self.prepared.program[pc]
        if composed:
            compiled = self.compiler.compose(bundle, pc, new_code)
        else:
            compiled = self.compiler.compile(bundle, pc, new_code)
        if compiled is WAIT:
            return None if not new_code else self.interpreted
        if compiled is None:
            f = self.interpreted
        else:
            f, copy = compiled
            self.prepared.keep(pc, copy)
        self.code[pc] = f
        return f

    def compile_all(self) -> None:
        code, fresh = self.code, self.fresh
        for pc in range(len(code)):
            if code[pc] in fresh:
                self.promote(pc)


_CODE_GLOBALS = code_globals(Stopped, interp.Reject)


def _control(action: tuple, pc: int, k: Core) -> int:
    """Apply an interpreted flow op's action (after the bundle's writes) and give the next pc."""
    kind, value = action
    if kind == "jump":
        npc = value
    elif kind == "rel":
        npc = pc + 1 + value
    elif kind == "trace":
        k.trace_buf.append(value)
        return pc + 1
    elif kind == "halt":
        k.state = _STOPPED
        raise Stopped(pc + 1, "halt")
    else:
        if not k.enable_pause:
            return pc + 1
        k.state = _PAUSED
        raise Stopped(pc + 1, "pause")
    if npc < 0:
        raise Stopped(npc, "negative")
    return npc


# --------------------------------------------------------------------------- the core


class Core:
    """One core running a prepared program over its own memory. All state is public and plain."""

    def __init__(
        self,
        prepared: Prepared,
        mem: list[int],
        value_trace: dict | None = None,
        enable_pause: bool = True,
        enable_debug: bool = True,
        core_id: int = 0,
    ) -> None:
        _check_words(mem)
        self.prepared = prepared
        self.program = prepared.program
        self.scratch: list[int] = [0] * prepared.scratch_size
        self.mem: list[int] = list(mem)
        self.value_trace: dict = {} if value_trace is None else value_trace
        self.enable_pause = enable_pause
        self.enable_debug = enable_debug
        #: What `coreid` gives: 0 on the one-core machine; the drop-in numbers extra cores.
        self.core_id = core_id
        self.pc = 0
        self.cycle = 0
        self.state = _RUNNING
        self.trace_buf: list[int] = []
        self.steps = 0
        #: Bundles executed that cost no cycle (debug-only or empty); the run loop counts
        #: cycles as steps minus these, so the common bundle does no cycle bookkeeping.
        self.free_steps = 0
        #: Tells this core's visits from another's: a bundle seen again by the same core is
        #: a loop's, by another core the program's next run (see `_Table`).
        self.run_id = next(_RUN_IDS)
        #: Bundles of earlier runs this run compiled, and the code objects it generated for
        #: them (see `_Table`).
        self.promoted = 0
        self.new_code = 0

    # ---- one bundle

    def step(self, record: bool = False, skip_debug: bool = False) -> list[Write] | None:
        """Execute one bundle; with record, return its writes. Faults leave the state untouched."""
        if self.state == _STOPPED:
            return [] if record else None
        pc = self.pc
        if pc >= len(self.program):
            self.state = _STOPPED
            return [] if record else None
        if pc < 0:
            raise MachineFault("negative pc", pc=pc, value=pc)
        state = self.state
        self.state = _RUNNING
        try:
            if record or skip_debug:
                writes = self._step_interpreted(pc, record, skip_debug)
            else:
                writes = None
                self._step_table(pc)
        except MachineFault:
            self.state = state
            raise
        return writes

    def _step_table(self, pc: int) -> None:
        free = self.free_steps
        try:
            npc = self.prepared.table(self.enable_debug).code[pc](pc, self.scratch, self.mem, self)
        except Stopped as stop:
            npc = stop.pc
        except Exception:
            raise self._fault(pc, self.enable_debug) from None
        self.pc = npc
        self.steps += 1
        self.cycle += 1 - (self.free_steps - free)

    def walk(self, limit: int) -> Iterator[int]:
        """Run bundle by bundle, with compares off, for an analysis that looks at every one:
        yields each pc before its bundle runs, and runs it when asked for the next. Stops
        before the end, after a halt, at a fault (the faulting bundle does not run, and the
        state stays as before it) or after `limit` bundles; a pause is run through, as
        `step` does.

        What `step` does per bundle, without what an analysis does not need there: the
        recording and compare options, and naming a fault (it only ends the walk). Compares
        never change the state, so a walk goes where a run with them skipped goes."""
        code = self.prepared.table(False).code
        s, m = self.scratch, self.mem
        n = len(self.program)
        for _ in range(limit):
            pc = self.pc
            if self.state == _STOPPED or not 0 <= pc < n:
                return
            yield pc
            state = self.state
            self.state = _RUNNING
            free = self.free_steps
            try:
                npc = code[pc](pc, s, m, self)
            except Stopped as stop:
                npc = stop.pc
            except Exception:
                self.state = state
                return
            self.pc = npc
            self.steps += 1
            self.cycle += 1 - (self.free_steps - free)

    def _step_interpreted(self, pc: int, record: bool, skip_debug: bool) -> list[Write] | None:
        s, m = self.scratch, self.mem
        debug = self.enable_debug and not skip_debug
        try:
            vt = self.value_trace if debug else None
            sw, mw, action, cost = interp.buffer(self.program[pc], s, m, vt, self.core_id)
        except Exception:
            raise self._fault(pc, debug) from None
        writes = _recorded(sw, mw, s, m) if record else None
        for a, v in sw:
            s[a] = v
        for a, v in mw:
            m[a] = v
        npc = pc + 1
        if action is not None:
            try:
                npc = _control(action, pc, self)
            except Stopped as stop:
                npc = stop.pc
        self.pc = npc
        self.steps += 1
        self.cycle += 1 if cost else 0
        return writes

    def _fault(self, pc: int, debug: bool) -> MachineFault:
        fault = find_fault(self.program[pc], pc, self.scratch, self.mem, self.value_trace, debug)
        if fault is None:
            raise RuntimeError(f"engine error: the bundle at pc {pc} was rejected but has no fault")
        return fault

    # ---- running

    def run(self, spec: StopSpec | None = None) -> RunResult:
        """Run until a stop condition, pause, halt, the end, or a fault (returned, not raised)."""
        spec = spec or StopSpec()
        if self.state == _STOPPED:
            return RunResult("end" if self.pc >= len(self.program) else "halt", 0)
        self.state = _RUNNING
        steps = 0
        try:
            reason, steps, changes = self._run(spec)
        except _RunFault as stopped:
            fault = stopped.fault
            kind = "compare" if isinstance(fault, CompareFault) else "fault"
            return RunResult(kind, stopped.steps, fault)
        return RunResult(reason, steps, None, changes)

    def _run(self, spec: StopSpec) -> tuple[str, int, list[Write]]:
        """The run loop. Bundles run in bursts through the dispatch table, which stop before
        any pc that needs a closer look: a breakpoint, a bundle that may write a watched word
        (run alone, recording its writes) or read one (checked on the state before it)."""
        limit = spec.max_steps if spec.max_steps is not None else _FOREVER
        n_bundles = len(self.program)
        pcs = spec.pcs
        stops, writers, readers = self.prepared.stop_pcs(spec)
        stepwise = spec.predicate is not None
        steps = 0
        first = True
        while True:
            if steps >= limit:
                return "steps", steps, []
            pc = self.pc
            if pc >= n_bundles:
                self.state = _STOPPED
                return "end", steps, []
            if not first:
                if pc in pcs:
                    return "pc", steps, []
                if pc in readers and self._reads_watched(spec):
                    return "read", steps, []
                if spec.predicate is not None and spec.predicate(self):
                    return "predicate", steps, []
            if pc < 0:
                raise _RunFault(MachineFault("negative pc", pc=pc, value=pc), steps)
            if stepwise or pc in writers or (first and spec.skip_first_debug):
                record = pc in writers
                try:
                    writes = self.step(record=record, skip_debug=first and spec.skip_first_debug)
                except MachineFault as fault:
                    raise _RunFault(fault, steps) from None
                steps += 1
                changes = _watched_changes(writes, spec) if record else []
                if self.state == _STOPPED:
                    return "halt", steps, changes
                if self.state == _PAUSED:
                    return "pause", steps, changes
                if changes:
                    return "watch", steps, changes
            else:
                budget = limit - steps
                if spec.cycle is not None:
                    budget = min(budget, max(1, spec.cycle - self.cycle))
                done, kind, fault = self._burst(budget, stops)
                steps += done
                if fault is not None:
                    raise _RunFault(fault, steps)
                if kind is not None:
                    return kind, steps, []
            first = False
            if spec.cycle is not None and self.cycle >= spec.cycle:
                return "cycle", steps, []

    def _burst(self, limit: int, stops: frozenset[int]) -> tuple[int, str | None, MachineFault | None]:
        """Run up to `limit` bundles through the dispatch table, stopping before any pc in
        `stops` (the first bundle always runs). Returns (bundles done, "halt" | "pause" |
        None, the fault if one stopped it).

        The cycle collector is paused meanwhile: bundles made into code on the way are
        long-lived objects, and each full collection they would trigger walks the whole
        program (half the cost of a second run of the baseline kernel). A run makes no
        garbage cycles."""
        code = self.prepared.table(self.enable_debug).code
        s, m, k = self.scratch, self.mem, self
        pc = self.pc
        free = self.free_steps
        done = 0
        kind = None
        fault = None
        collecting = gc.isenabled()
        gc.disable()
        try:
            if stops:
                while done < limit:
                    pc = code[pc](pc, s, m, k)
                    done += 1
                    if pc in stops:
                        break
            else:
                for done in range(limit):  # noqa: B007 - `done` counts after the loop too
                    pc = code[pc](pc, s, m, k)
                else:
                    done = limit
        except Stopped as stop:
            done += 1
            pc = stop.pc
            kind = stop.kind if stop.kind != "negative" else None
        except Exception:
            if 0 <= pc < len(code):
                fault = self._fault(pc, self.enable_debug)
        finally:
            self.pc = pc
            self.steps += done
            self.cycle += done - (self.free_steps - free)
            if collecting:
                gc.enable()
        return done, kind, fault

    def _reads_watched(self, spec: StopSpec) -> bool:
        try:
            rs, rm = self.reads()
        except MachineFault:
            return False
        return bool(rs & spec.read_scratch or rm & spec.read_mem)

    # ---- state

    def snapshot(self) -> Snapshot:
        return Snapshot(
            list(self.scratch),
            list(self.mem),
            self.pc,
            self.cycle,
            self.state,
            tuple(self.trace_buf),
            self.steps,
        )

    def restore(self, snap: Snapshot) -> None:
        """Make the core exactly as at snapshot time (lists are updated in place)."""
        self.scratch[:] = snap.scratch
        self.mem[:] = snap.mem
        self.pc = snap.pc
        self.cycle = snap.cycle
        self.state = snap.state
        self.trace_buf[:] = snap.trace
        self.steps = snap.steps

    # ---- what a bundle touches

    def reads(self, pc: int | None = None) -> tuple[set[int], set[int]]:
        """Scratch and memory addresses the bundle at pc (default: the next) would read from
        the current state. Debug compares are not counted: they observe the kernel, they
        are not part of it. Addresses out of range (the bundle would fault) are left out."""
        rs, rm, _, _ = self._touches(pc)
        return rs, rm

    def bundle_writes(self, pc: int | None = None) -> tuple[set[int], set[int]]:
        """Scratch and memory addresses the bundle at pc would write from the current state."""
        _, _, ws, wm = self._touches(pc)
        return ws, wm

    def _touches(self, pc: int | None) -> tuple[set[int], set[int], set[int], set[int]]:
        pc = self.pc if pc is None else pc
        bundle = self.program[pc] if 0 <= pc < len(self.program) else None
        return touches(bundle, self.scratch, self.mem)


_FOREVER = 1 << 62
_RUN_IDS = itertools.count(1)
#: A run composes at most this fraction (1/_SPREAD) of the program's bundles of earlier runs
#: (see `_Table`).
_SPREAD = 4
#: How much code (in `compose.generated` units, about one slot function's compile time
#: each) a run may generate for bundles of earlier runs: Python's compiler is the slowest
#: part of making code.
_NEW_CODE = 40


class _RunFault(Exception):
    def __init__(self, fault: MachineFault, steps: int) -> None:
        self.fault = fault
        self.steps = steps


def _check_words(mem: list[int]) -> None:
    """Every memory word must be an int in [0, 2**32); a core is made for every run, so the
    common case is checked in C and only a bad image is walked to name its first bad word."""
    if not mem or (set(map(type, mem)) == {int} and min(mem) >= 0 and max(mem) <= MASK):
        return
    for addr, word in enumerate(mem):
        if not isinstance(word, int) or not 0 <= word <= MASK:
            raise ValueError(f"memory word at address {addr} is {word!r}, not a 32-bit word")


def _recorded(sw: list, mw: list, s: list[int], m: list[int]) -> list[Write]:
    """The effective writes of buffered (index, value) pairs: one per address, last writer wins."""
    out: list[Write] = []
    for space, buf, words in (("s", sw, s), ("m", mw, m)):
        final: dict[int, int] = {}
        for index, value in buf:
            if isinstance(index, slice):
                for i, v in enumerate(value):
                    final[index.start + i] = v
            else:
                final[index] = value
        out.extend(Write(space, addr, words[addr], new) for addr, new in final.items())
    return out


def _watched_changes(writes: list[Write] | None, spec: StopSpec) -> list[Write]:
    return [
        w
        for w in writes or ()
        if (w.addr in spec.watch_scratch if w.space == "s" else w.addr in spec.watch_mem)
        and (w.old != w.new or (w.space == "m" and w.addr in spec.store_mem))
    ]
