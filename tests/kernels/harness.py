"""Running a kernel module the way the take-home's harness does.

The harness runs to the first pause with an empty value trace (the reference has yielded
before its first round), checks memory, then fills the trace and runs to the end. Running
the same way here proves a kernel compares nothing before its first pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from machine import Machine
from machine.isa import CoreState
from machine.literal import LiteralMachine
from machine.problem import Problem, make_problem

_problems: dict[tuple[int, int, int, int], Problem] = {}


def problem(height: int, rounds: int, batch: int, seed: int) -> Problem:
    """make_problem, cached: the same few problems serve many tests."""
    key = (height, rounds, batch, seed)
    if key not in _problems:
        _problems[key] = make_problem(height, rounds, batch, seed)
    return _problems[key]


def build(kernel: ModuleType, p: Problem) -> tuple[list[dict], dict[int, tuple[str, int]]]:
    kb = kernel.KernelBuilder()
    kb.build_kernel(p.height, p.n_nodes, p.batch_size, p.rounds)
    return kb.instrs, kb.debug_info().scratch_map


@dataclass
class Run:
    cycles: int
    first_pause_cycle: int
    bundles_run: int
    mem: list[int]


class _Literal:
    """The oracle interpreter behind the drop-in Machine's surface, for the runs that must
    not depend on the fast engine."""

    def __init__(self, program: list[dict], mem: list[int], trace: dict, debug: bool) -> None:
        self.m = LiteralMachine(program, mem, value_trace=trace, enable_debug=debug)

    def run(self) -> None:
        self.m.run()

    cycle = property(lambda self: self.m.cycle)
    mem = property(lambda self: self.m.mem)
    pc = property(lambda self: self.m.pc)
    state = property(lambda self: self.m.state)


class _DropIn:
    def __init__(self, program: list[dict], mem: list[int], trace: dict, debug: bool) -> None:
        self.m = Machine(mem, program, None, value_trace=trace)
        self.m.enable_debug = debug

    def run(self) -> None:
        self.m.run()

    cycle = property(lambda self: self.m.cycle)
    mem = property(lambda self: self.m.mem)
    pc = property(lambda self: self.m.cores[0].pc)
    state = property(lambda self: self.m.cores[0].state)


def run_like_harness(program: list[dict], p: Problem, *, debug: bool = True, oracle: bool = False) -> Run:
    """Run with the harness's two pauses, on the drop-in Machine (or the oracle
    interpreter), and assert what the harness asserts at each."""
    trace: dict = {}
    m = (_Literal if oracle else _DropIn)(program, p.initial, trace, debug)
    m.run()
    assert m.state == CoreState.PAUSED, "the kernel ended without its first pause"
    first_pause = m.cycle
    values = slice(p.initial[6], p.initial[6] + p.batch_size)
    assert m.mem[values] == p.initial[values], "values changed before the first pause"
    trace.update(p.value_trace)
    m.run()
    assert m.state == CoreState.PAUSED, "the kernel ended without its final pause"
    assert m.mem[values] == p.final[values], "wrong final values"
    bundles_run = m.pc  # both kernels are straight-line: every bundle up to pc ran once
    m.run()
    assert m.state == CoreState.STOPPED and m.pc == len(program), "the final pause is not at the end"
    return Run(m.cycle, first_pause, bundles_run, m.mem)
