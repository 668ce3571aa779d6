"""A debugging session: one kernel, one problem, one run, and where we are in it.

The session is the one object every face of the debugger looks at: the Textual app, the
headless --replay runner and the tests all call `execute` with command lines, and read the
position, the last stop and the breakpoints from here. It owns the run (through the
timeline, which makes every position reachable again exactly) and decides where moves
stop; it formats nothing for a screen beyond the one-line stop messages and the command
output lines that commands.py builds from its answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from machine.engine import Core, Prepared, Write, prepare
from machine.gc_pause import gc_paused
from machine.isa import SCRATCH_SIZE, CoreState
from machine.problem import Problem
from vliwdbg.cancel import Cancel
from vliwdbg.core import stops
from vliwdbg.core.arrival import Judge
from vliwdbg.core.drive import Drive, SessionError
from vliwdbg.core.expr import Expr, ExprError, Location, parse_expr, parse_location
from vliwdbg.core.history import Progress, Timeline
from vliwdbg.core.options import RunOptions
from vliwdbg.core.render import ScratchNamer, names_by_scratch_name, slot_text
from vliwdbg.core.source import SourceJob, SourceMap, place_suffix
from vliwdbg.core.stops import Breakpoint, Stop, StopTable
from vliwdbg.core.store_check import StoreCheck
from vliwdbg.loading.loader import OUR_KERNELS, LoadedKernel, kernel_spec, load_kernel


@dataclass(frozen=True)
class LoadReport:
    """What a load did: the kernel now in the session, what the breakpoints and watchpoints
    carried over to it should tell the user (one line each), and the stop at step 0."""

    kernel: LoadedKernel
    notes: list[str]
    stop: Stop


class Session:
    """A kernel's program running on a problem, with exact time travel and stops.

    One Session lives as long as the app: `load` and `reload` put another program into it.
    `program_generation` tells views when that happened: 0 as opened, one more after each
    successful load (even of an unchanged file), unchanged by anything else; a failed load
    changes nothing at all. A view keeps the generation it drew from and, when the
    session's differs, reads again everything derived from the program: `kernel`,
    `program`, `prepared`, `core`, `timeline`, `scratch_names`, named slots, and the
    breakpoints' pcs and locations (the entries are the same objects, re-pointed). The
    session then stands at step 0 with a fresh history and a "start" `last_stop`. What
    stays the same objects: `problem`, `regions`, `store_check`, `stops`, `recorded`
    and the options.
    """

    def __init__(
        self,
        kernel: LoadedKernel,
        problem: Problem,
        options: RunOptions | None = None,
        *,
        checkpoint_interval: int | None = None,
    ) -> None:
        self.problem = problem
        #: The options the session opened with (the store check's setting may change since:
        #: `check_stores`); a recording's replay line repeats them.
        self.options = options = options or RunOptions()
        self._timeline_options = {} if checkpoint_interval is None else {"interval": checkpoint_interval}
        self.regions: Mapping[str, tuple[int, int]] = problem.regions
        self.store_check = StoreCheck(problem)
        self._index_lock = threading.Lock()
        #: Kernels loaded into this session since it opened (see the class docstring).
        self.program_generation = 0
        #: The kernel the session opened with and the store check's setting then: what a
        #: recording's replay starts from (its `load` commands then do what they did).
        self.opened_kernel = kernel_spec(kernel)
        self.stops = StopTable(kernel.program)
        self.judge = Judge(self)
        self.drive = Drive(self)
        self._compares = options.debug
        self._adopt(kernel, *self._fresh_run(kernel.program))
        self._check_stores = False
        self.set_check_stores(options.check_stores)
        #: How views write words: "dec" or "hex" (`set format`; a load keeps it).
        self.word_format = "dec"

    def _fresh_run(self, program: list[dict]) -> tuple[Prepared, Core, Timeline]:
        """The engine's program, a core at step 0 on the problem, and its empty history."""
        prepared = prepare(program, scratch_size=SCRATCH_SIZE)
        core = Core(
            prepared,
            list(self.problem.initial),
            value_trace=self.problem.value_trace,
            enable_pause=self.options.pause,
            enable_debug=self._compares,
        )
        return prepared, core, Timeline(core, **self._timeline_options)

    def _adopt(self, kernel: LoadedKernel, prepared: Prepared, core: Core, timeline: Timeline) -> None:
        """Make `kernel` the session's, standing at step 0 of a fresh run."""
        self.kernel = kernel
        self.program: list[dict] = kernel.program
        self.prepared = prepared
        self.core = core
        self.timeline = timeline
        self.scratch_names: Mapping[str, tuple[int, int]] = names_by_scratch_name(kernel.scratch_map)
        self._namer = ScratchNamer(kernel.scratch_map)
        self.last_stop: Stop | None = None
        #: The words as they were before the last move, and its changes once asked for.
        self._before: tuple[list[int], list[int]] | None = None
        self._changes: list[Write] | None = []
        #: The last stop at a failed compare: a move starting there skips that compare.
        self._start_source_map(kernel)

    @classmethod
    def open(
        cls, kernel: str | None = None, options: RunOptions | None = None, *, cancel: Cancel | None = None
    ) -> Session:
        """Build the kernel for the problem's size, generate the problem as the take-home's
        harness does (the reference runs now, once), and stand at step 0. `cancel` is polled
        while a kernel file builds (a face that opens in the background lets the user give
        up on a slow build). Raises KernelLoadError."""
        # Opening makes hundreds of thousands of long-lived containers (program, value trace,
        # prepared bundles); the cyclic collector would scan them again and again for cycles
        # they do not have, about a third of the time.
        options = options or RunOptions()
        with gc_paused():
            loaded = load_kernel(kernel, options.size, cancel=cancel)
            return cls(loaded, options.size.generate(), options)

    # --- the position (EvalContext for expressions) --------------------------------------

    @property
    def step(self) -> int:
        return self.core.steps

    @property
    def cycle(self) -> int:
        return self.core.cycle

    @property
    def pc(self) -> int:
        return self.core.pc

    @property
    def state(self) -> CoreState:
        return self.core.state

    @property
    def scratch(self) -> Sequence[int]:
        return self.core.scratch

    @property
    def mem(self) -> Sequence[int]:
        return self.core.mem

    @property
    def state_word(self) -> str:
        """The state as the user reads it: "ready" (the core's RUNNING: nothing runs until a
        move), "paused", "stopped", or "faulted" where the next bundle is known to fault
        (the core itself stays as it was, ready to try it again)."""
        fault = self.timeline.fault
        if fault is not None and fault.step == self.step:
            return "faulted"
        return _STATE_WORDS[self.state]

    @property
    def trace_buf(self) -> Sequence[int]:
        return self.core.trace_buf

    @property
    def breakpoints(self) -> list[Breakpoint]:
        return self.stops.entries

    def breakpoint_pcs(self) -> set[int]:
        return self.stops.breakpoint_pcs()

    @property
    def check_stores(self) -> bool:
        """Whether a store to the values or indices region that the reference never makes
        there stops a move (see vliwdbg.core.store_check)."""
        return self._check_stores

    @property
    def compares(self) -> bool:
        """Whether the kernel's debug compares are checked: a failing one stops a move."""
        return self._compares

    def set_compares(self, on: bool) -> None:
        """Check the debug compares or not from here on. A compare only reads, so no state
        depends on the setting: checkpoints stay valid and re-execution reaches the same
        states either way; only where moves (both ways) and replays stop changes."""
        self._compares = on
        self.core.enable_debug = on

    def set_check_stores(self, on: bool) -> None:
        self._check_stores = on
        check = self.store_check
        self.stops.set_checked(check.words if on else frozenset(), check.index_words if on else frozenset())

    def warm_up(self) -> None:
        """Build now what the first move that watches words would otherwise stop to build:
        the engine's access index, which finds the bundles that may write a watched word
        (0.2-0.45 s on the big kernels). The store check, on by default, watches memory, so
        without this the first step pays it. Opening a session leaves it out so that a
        launch does not wait for it; a view calls this from a worker thread once its first
        screen is up. A move that needs the index meanwhile waits for this build rather
        than making a second one; calling it again costs nothing. With the store check on,
        the kernel's store habits are learnt here too (see Judge.store_habits)."""
        with self._index_lock:
            self.prepared.access_index()
        if self.check_stores:
            self.judge.store_habits()

    def _ready_to_watch(self) -> None:
        """Before a drive: the access index, if the drive watches words (see warm_up)."""
        spec = self.stops.spec(self.cycle)
        if spec.watch_scratch or spec.watch_mem or spec.read_scratch or spec.read_mem:
            self.warm_up()

    # --- loading another kernel ---------------------------------------------------------------

    def load(self, spec: str | None, *, cancel: Cancel | None = None) -> LoadReport:
        """`load KERNEL`: build `spec` (as Session.open takes it; ours are imported afresh)
        for the same problem and make it the session's, at step 0 with a fresh history.
        Breakpoints and watchpoints are carried over (StopTable.rebind says what no longer
        fits); the options, the store check's setting and the recording go on. Raises
        KernelLoadError, after which everything is exactly as it was; `cancel` stops a
        file's build."""
        problem = self.problem
        kernel = load_kernel(spec, problem.size, fresh=True, cancel=cancel)
        prepared, core, timeline = self._fresh_run(kernel.program)
        names = names_by_scratch_name(kernel.scratch_map)

        def locate(text: str) -> Location:
            return parse_location(
                text, names, self.regions, scratch_size=len(core.scratch), mem_size=len(core.mem)
            )

        notes = self.stops.rebind(kernel.program, locate, names)
        self._adopt(kernel, prepared, core, timeline)
        if any(bp.kind == "line" for bp in self.stops.entries):
            notes += self.stops.repoint_lines(self.wait_for_source_map(cancel))
        self.program_generation += 1
        self.last_stop = self.judge.plain("start")
        return LoadReport(kernel, notes, self.last_stop)

    def reload(self, *, cancel: Cancel | None = None) -> LoadReport:
        """`reload`: `load` the session's kernel again, as its file says now. Raises
        SessionError for a kernel that came as a program rather than from a file."""
        kernel = self.kernel
        if kernel.path is None and kernel.name not in OUR_KERNELS:
            raise SessionError(
                f"{kernel.name} was given as a program, not loaded from a file: nothing to reload"
            )
        return self.load(kernel_spec(kernel), cancel=cancel)

    def scratch_word(self, addr: int) -> int:
        if not 0 <= addr < len(self.core.scratch):
            raise ExprError(f"s[{addr}] is outside scratch (0..{len(self.core.scratch) - 1})")
        return self.core.scratch[addr]

    def mem_word(self, addr: int) -> int:
        if not 0 <= addr < len(self.core.mem):
            raise ExprError(f"m[{addr}] is outside memory (0..{len(self.core.mem) - 1})")
        return self.core.mem[addr]

    def ref(self, key: tuple) -> int:
        try:
            return self.problem.value_trace[key]
        except KeyError:
            raise ExprError(f"the reference trace has no key {key!r}") from None

    def where(self) -> str:
        return stops.where(self.step, self.cycle, self.pc)

    def position(self) -> dict[str, Any]:
        """Where the session stands, as plain data: step, cycle, pc and the core's state."""
        return {"step": self.step, "cycle": self.cycle, "pc": self.pc, "state": self.state_word}

    # --- naming ---------------------------------------------------------------------------

    def word_name(self, space: str, addr: int) -> str:
        """`name[i]` for a named scratch word, `values[3]` for a region's word, else s[A]/m[A]."""
        if space == "s":
            return self._namer(addr)
        for region, (start, length) in self.regions.items():
            if start <= addr < start + length:
                return f"{region}[{addr - start}]"
        return f"m[{addr}]"

    def named_slot(self, pc: int, engine: str, index: int) -> str:
        """The slot as pseudo-code with its scratch operands named: `val = val ^ node`."""
        return slot_text(engine, self.program[pc][engine][index], self._namer)

    def parse(self, text: str) -> Expr:
        """An expression, with its scratch names checked against this kernel's map."""
        return parse_expr(text, self.scratch_names)

    def evaluate(self, expr: Expr) -> int | list[int]:
        return expr.evaluate(self)

    def locate(self, text: str) -> Location:
        """A location (LOC) resolved against this kernel's scratch names and the problem's regions."""
        return parse_location(
            text, self.scratch_names, self.regions, scratch_size=len(self.scratch), mem_size=len(self.mem)
        )

    # --- moves ----------------------------------------------------------------------------

    def forward(self, n: int = 1, *, cancel: Cancel | None = None, progress: Progress | None = None) -> Stop:
        """`step N`: N bundles forward, or less when something stops the way."""
        return self._move(lambda: self.drive.forward(cancel, progress, steps=n))

    def next_cycles(
        self, n: int = 1, *, cancel: Cancel | None = None, progress: Progress | None = None
    ) -> Stop:
        """`next N`: forward until the cycle count has grown by N."""
        target = self.cycle + n
        return self._move(lambda: self.drive.forward(cancel, progress, move_cycle=target))

    def resume(self, *, cancel: Cancel | None = None, progress: Progress | None = None) -> Stop:
        """`continue`: forward to the next stop."""
        return self._move(lambda: self.drive.forward(cancel, progress))

    def forward_until(
        self, until: Callable[[int], bool], *, cancel: Cancel | None = None, progress: Progress | None = None
    ) -> Stop:
        """Forward until `until(pc)` holds for the next bundle (asked before every bundle
        but the first), or an earlier stop: a face's own kind of step (to the next source
        line, out of a function) without a run loop of its own. Every bundle is looked at,
        so this is for short moves."""
        return self._move(lambda: self.drive.forward(cancel, progress, move_until=until))

    def advance(self, pc: int, *, cancel: Cancel | None = None, progress: Progress | None = None) -> Stop:
        """`advance N`: forward until the bundle at pc N is next, or an earlier stop, as gdb's
        `advance` does: no breakpoint is made for it. Standing at N, that bundle runs first
        and the move goes on to the next time N comes. Raises SessionError for a pc outside
        the program."""
        if not 0 <= pc < len(self.program):
            raise SessionError(f"pc {pc} is outside the program (pcs 0..{len(self.program) - 1})")
        return self._move(lambda: self.drive.forward(cancel, progress, move_pc=pc))

    def backward(self, n: int = 1, *, cancel: Cancel | None = None, progress: Progress | None = None) -> Stop:
        """`back N`: N bundles backward, or less when a stop lies on the way."""
        return self._move(lambda: self.drive.backward(max(0, self.step - n), cancel, progress))

    def reverse(self, *, cancel: Cancel | None = None, progress: Progress | None = None) -> Stop:
        """`rcontinue`: backward to the latest stop before here, else the start."""
        return self._move(lambda: self.drive.backward(0, cancel, progress))

    def goto_step(self, step: int, *, cancel: Cancel | None = None, progress: Progress | None = None) -> Stop:
        """Go to a step, ignoring breakpoints. Raises SessionError past the end of the run."""
        if step < 0:
            raise SessionError(f"step {step}: steps count from 0")
        self.drive.refuse_past_end(step, None)
        return self._move(lambda: self.drive.goto_step(step, cancel, progress))

    def goto_cycle(
        self, cycle: int, *, cancel: Cancel | None = None, progress: Progress | None = None
    ) -> Stop:
        """Go to the first step with this cycle count. Raises SessionError past the end."""
        if cycle < 0:
            raise SessionError(f"cycle {cycle}: cycles count from 0")
        self.drive.refuse_past_end(None, cycle)
        return self._move(lambda: self.drive.goto_cycle(cycle, cancel, progress))

    def restart(self) -> Stop:
        """Back to step 0. The history stays: the run is the same run."""

        def body() -> Stop:
            self.timeline.seek(0)
            return self.judge.plain("start")

        return self._move(body)

    def _move(self, body: Callable[[], Stop]) -> Stop:
        scratch, mem = list(self.core.scratch), list(self.core.mem)
        stop = body()
        self.last_stop = stop
        self._before = (scratch, mem)
        self._changes = None
        return stop

    @property
    def last_changes(self) -> list[Write]:
        """The words the last move changed, old -> new (for highlighting). Worked out when
        first asked for, since a replay never asks and a long move changes many words."""
        if self._changes is None and self._before is not None:
            scratch, mem = self._before
            self._changes = _diff("s", scratch, self.core.scratch) + _diff("m", mem, self.core.mem)
            self._before = None
        return self._changes or []

    # --- the source map (vliwdbg.core.source) ---------------------------------------------

    #: Whether a face without a screen runs here: commands and messages that need the map
    #: then wait for it (a replay's output must not depend on how fast it was made). The
    #: app sets this False and says the map is still being made instead.
    source_waits = True

    def _start_source_map(self, kernel: LoadedKernel) -> None:
        """Make the map of `kernel`'s program on a thread (a load drops the last one's)."""
        job = getattr(self, "_source_job", None)
        if job is not None:
            job.cancel()
        self._source_job = SourceJob(kernel.source_request, kernel.program)

    @property
    def source_map(self) -> SourceMap | None:
        """The map, or None while it is being made or when there is none."""
        return self._source_job.map

    @property
    def source_status(self) -> str:
        """`mapping sources`, `ready`, or `no source map: WHY`."""
        return self._source_job.status

    def wait_for_source_map(self, cancel: Cancel | None = None) -> SourceMap | None:
        """Block until mapping ends; the map, or None when there is none (or `cancel`)."""
        return self._source_job.wait(cancel)

    def slot_where(self, pc: int, engine: str | None, index: int | None) -> str:
        """` at FILE:LINE`: the innermost place that made the slot; "" when unknown."""
        job = self._source_job
        found = job.wait() if self.source_waits else job.map
        return "" if found is None else place_suffix(found, pc, engine, index)


_STATE_WORDS = {CoreState.RUNNING: "ready", CoreState.PAUSED: "paused", CoreState.STOPPED: "stopped"}


def _diff(space: str, before: Sequence[int], after: Sequence[int]) -> list[Write]:
    if before == after:
        return []
    return [Write(space, i, a, b) for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
