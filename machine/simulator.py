"""`Machine`, the take-home's simulator class, on top of the fast engine.

Kernel files and the take-home's tests construct a `Machine` and call `run()` once per
yield of `reference_kernel2`; the submission check runs the same program object eight
times. So the common case (one core, no printing, no trace) hands the whole run to the
engine, whose prepared program is cached per program object; printing, tracing and more
than one core go bundle by bundle.

The public attributes (`cores`, `mem`, `cycle`, the two switches, `value_trace`) are the
machine's state between runs, as on the take-home: whatever a harness changes there before
`run()` is what runs, and after `run()` (or a fault) they show the engine's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from machine.engine import Core as EngineCore
from machine.engine import StopSpec, prepare
from machine.isa import OPERAND_ROLES, SCRATCH_SIZE, VLEN, CoreState
from machine.trace import TraceWriter, named_bundle


@dataclass
class DebugInfo:
    """What a kernel tells the debugger about its scratch: {addr: (name, length)}."""

    scratch_map: dict[int, tuple[str, int]]


@dataclass
class Core:
    """One core's state as the take-home shows it; `Machine` keeps it in step with the engine."""

    id: int
    scratch: list[int]
    trace_buf: list[int]
    pc: int = 0
    state: CoreState = CoreState.RUNNING


class Machine:
    """The take-home's `Machine`: same constructor, attributes and `run()`, bit-exact and faster."""

    def __init__(
        self,
        mem_dump: Sequence[int],
        program: list[dict],
        debug_info: Any,
        n_cores: int = 1,
        scratch_size: int = SCRATCH_SIZE,
        trace: bool = False,
        value_trace: dict | None = None,
    ) -> None:
        if n_cores < 1:
            raise ValueError(f"Machine needs at least one core, got n_cores={n_cores}")
        self.cores = [Core(id=i, scratch=[0] * scratch_size, trace_buf=[]) for i in range(n_cores)]
        self.mem = list(mem_dump)
        self.program = program
        self.debug_info = debug_info
        self.value_trace = {} if value_trace is None else value_trace
        self.prints = False
        self.cycle = 0
        self.enable_pause = True
        self.enable_debug = True
        self.scratch_size = scratch_size
        self.trace: TraceWriter | None = None
        self.trace_path: Path | None = None
        if trace:
            self.trace = TraceWriter(n_cores, self._names())
            self.trace_path = Path("trace.json").resolve()
            self.trace.write(self.trace_path)
        self._engines: list[EngineCore] | None = None
        self._writes_cache: dict[int, tuple[int, ...]] = {}

    def _names(self) -> dict[int, tuple[str, int]]:
        """The kernel's {addr: (name, length)}, empty when it gave no debug info.

        (Not called `scratch_map`: on the take-home that is a method with another meaning.)"""
        scratch_map = getattr(self.debug_info, "scratch_map", None)
        return dict(scratch_map) if scratch_map else {}

    def run(self) -> None:
        """Resume paused cores and run until no core is running.

        A fault or failed compare is raised with every core's state as it was before the
        faulting bundle; the attributes show that state.
        """
        for core in self.cores:
            if core.state == CoreState.PAUSED:
                core.state = CoreState.RUNNING
        engines = self._push()
        try:
            if len(engines) == 1 and not self.prints and self.trace is None:
                self._run_one(engines[0])
            else:
                self._run_rounds(engines)
        finally:
            self._pull(engines)
            if self.trace is not None and self.trace_path is not None:
                self.trace.write(self.trace_path)

    def _push(self) -> list[EngineCore]:
        """Hand the public state to the engine cores (made afresh whenever the program is new).

        The engine cores work on the very lists the attributes hold (memory shared by all
        cores), so nothing is copied; only the plain numbers and switches are handed over.
        """
        prepared = prepare(self.program, scratch_size=self.scratch_size)
        if self._engines is None or self._engines[0].prepared is not prepared:
            # First run, or the program was changed (in place or replaced) since the last.
            self._writes_cache.clear()
            self._engines = [
                EngineCore(prepared, self.mem, value_trace=self.value_trace, core_id=core.id)
                for core in self.cores
            ]
        for core, eng in zip(self.cores, self._engines, strict=True):
            eng.scratch = core.scratch
            eng.trace_buf = core.trace_buf
            eng.mem = self.mem
            eng.pc = core.pc
            eng.state = core.state
            eng.value_trace = self.value_trace
            eng.enable_pause = self.enable_pause
            eng.enable_debug = self.enable_debug
        if len(self._engines) == 1:
            self._engines[0].cycle = self.cycle
        return self._engines

    def _pull(self, engines: list[EngineCore]) -> None:
        for core, eng in zip(self.cores, engines, strict=True):
            core.scratch = eng.scratch
            core.trace_buf = eng.trace_buf
            core.pc = eng.pc
            core.state = eng.state
        self.mem = engines[0].mem
        if len(engines) == 1:
            self.cycle = engines[0].cycle

    def _run_one(self, eng: EngineCore) -> None:
        result = eng.run(StopSpec())
        if result.fault is not None:
            raise result.fault

    def _run_rounds(self, engines: list[EngineCore]) -> None:
        """Cores step in id order, each bundle landing before the next core's; a round costs a
        cycle when any core ran a bundle with a non-debug engine."""
        program = self.program
        several = len(engines) > 1
        while any(eng.state == CoreState.RUNNING for eng in engines):
            cycle = self.cycle
            costs_cycle = False
            for core_id, eng in enumerate(engines):
                if eng.state != CoreState.RUNNING:
                    continue
                pc, before = eng.pc, eng.cycle
                executes = 0 <= pc < len(program)
                if self.prints and executes:
                    self._print_step(eng, program[pc])
                eng.step()
                costs_cycle = costs_cycle or eng.cycle != before
                if self.trace is not None and executes:
                    self.trace.add_bundle(core_id, cycle, program[pc], self._writes_of(pc), eng.scratch)
            if several:
                if costs_cycle:
                    self.cycle += 1
            else:
                self.cycle = engines[0].cycle

    def _writes_of(self, pc: int) -> tuple[int, ...]:
        """The scratch words the bundle at pc writes, for the trace.

        Every scratch write address is a literal of its slot, so this is known from the
        bundle alone (and asked only of a bundle that executed, so it is well formed); the
        engine then runs at full speed instead of recording each bundle's writes.
        """
        cached = self._writes_cache.get(pc)
        if cached is None:
            words: dict[int, None] = {}
            for engine, slots in self.program[pc].items():
                if engine != "debug":
                    for slot in slots:
                        words.update(dict.fromkeys(slot_scratch_writes(engine, slot)))
            cached = self._writes_cache[pc] = tuple(words)
        return cached

    def _print_step(self, eng: EngineCore, bundle: dict) -> None:
        scratch_map = self._names()
        values = {name: eng.scratch[addr : addr + length] for addr, (name, length) in scratch_map.items()}
        print(values)
        print(eng.pc, bundle, named_bundle(bundle, scratch_map))


def slot_scratch_writes(engine: str, slot: Sequence[Any]) -> list[int]:
    """The scratch words a well-formed slot writes, from its literal operands."""
    roles = OPERAND_ROLES.get(engine, {}).get(slot[0], "")
    out: list[int] = []
    for role, operand in zip(roles, slot[1:], strict=False):
        if role == "w":
            out.append(operand + slot[3] if slot[0] == "load_offset" else operand)
        elif role == "W":
            out.extend(range(operand, operand + VLEN))
    return out
