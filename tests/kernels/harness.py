"""Running a kernel module the way the take-home's harness does, on the oracle interpreter.

The harness runs to the first pause with an empty value trace (the reference has yielded
before its first round), checks memory, then fills the trace and runs to the end. Running
the same way here proves a kernel compares nothing before its first pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

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


def run_like_harness(program: list[dict], p: Problem, *, debug: bool = True) -> Run:
    """Run with the harness's two pauses; assert what it asserts at each."""
    trace: dict = {}
    m = LiteralMachine(program, p.initial, value_trace=trace, enable_debug=debug)
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
