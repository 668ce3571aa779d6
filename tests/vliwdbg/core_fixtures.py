"""Small hand-built programs and sessions for the debugger core's tests, and the oracle
(a straight run on the literal interpreter) that time travel is compared against."""

from __future__ import annotations

from machine.isa import CoreState
from machine.literal import LiteralMachine
from machine.problem import Problem, make_problem
from vliwdbg.commands.console import CommandResult, Console
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.loading.loader import LoadedKernel

#: A small problem: height 2 (7 nodes), one round, a batch of 8.
PROBLEM = make_problem(height=2, rounds=1, batch_size=8, seed=5)
VALUES_P = PROBLEM.initial[6]

# Scratch layout of the loop program.
COUNTER, ONE, LIMIT, FLAG, VALUES = 0, 1, 2, 3, 4
LOOP_NAMES = {
    COUNTER: ("i", 1),
    ONE: ("one", 1),
    LIMIT: ("limit", 1),
    FLAG: ("flag", 1),
    VALUES: ("values_p", 1),
}


def loop_program(n: int) -> list[dict]:
    """Count i from 1 to n, storing each i to values[0]: 3 bundles per pass, a pause before
    the loop and after it, then halt. Steps: 4 + 3n + 2, every bundle a cycle, bar one
    debug-only bundle."""
    return [
        {"load": [("const", ONE, 1), ("const", LIMIT, n)]},  # 0
        {"load": [("const", VALUES, 6)]},  # 1
        {"load": [("load", VALUES, VALUES)]},  # 2
        {"flow": [("pause",)]},  # 3
        {"alu": [("+", COUNTER, COUNTER, ONE)]},  # 4: loop body
        {"alu": [("<", FLAG, COUNTER, LIMIT)], "store": [("store", VALUES, COUNTER)]},  # 5
        {"flow": [("cond_jump", FLAG, 4)]},  # 6
        {"debug": [("comment", "loop done")]},  # 7: no cycle
        {"flow": [("pause",)]},  # 8
        {"flow": [("halt",)]},  # 9
    ]


def straight_program(k: int) -> list[dict]:
    """k bundles with no jumps, then a halt: scratch words change every bundle, memory every
    4th, a debug-only bundle every 5th and a trace_write every 7th."""
    program: list[dict] = [{"load": [("const", 1, 1), ("const", 2, VALUES_P)]}]
    for j in range(1, k):
        if j % 5 == 0:
            program.append({"debug": [("comment", f"bundle {j}")]})
        elif j % 7 == 0:
            program.append({"flow": [("trace_write", 3)]})
        elif j % 4 == 0:
            program.append({"store": [("store", 2, 3)], "load": [("const", 2, VALUES_P + (j // 4) % 8)]})
        else:
            program.append({"alu": [("*", 3, 3, 3), ("+", 3, 3, 1), ("^", 4 + j % 8, 3, 2)]})
    program.append({"flow": [("halt",)]})
    return program


def kernel(program: list[dict], names: dict | None = None, name: str = "test") -> LoadedKernel:
    return LoadedKernel(name, None, program, dict(names or {}), [], 0.0)


class Driven(Session):
    """A session with a Console of its own, so that core tests can say what they do as the
    user would type it (`s.execute("continue")`) and read what was recorded."""

    _console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = Console(self)
        return self._console

    def execute(self, line: str, **options) -> CommandResult:
        return self.console.run(line, **options)

    @property
    def recorded(self) -> list[str]:
        return self.console.recorded


def session(
    program: list[dict],
    names: dict | None = None,
    *,
    problem: Problem = PROBLEM,
    interval: int = 16,
    check_stores: bool = False,
    **options,
) -> Driven:
    """A session on a hand-built program. These programs store counters and junk into the
    values region on purpose, so the store check (on by default for real kernels) is off
    unless a test asks for it."""
    return Driven(
        kernel(program, names),
        problem,
        RunOptions(problem.size, check_stores=check_stores, **options),
        checkpoint_interval=interval,
    )


def state(machine) -> tuple:
    """Everything that makes up a position, from a session or an oracle."""
    return (
        list(machine.scratch),
        list(machine.mem),
        machine.pc,
        machine.cycle,
        CoreState(machine.state),
        list(machine.trace_buf),
    )


def oracle_states(program: list[dict], problem: Problem = PROBLEM, *, pause: bool = True) -> list[tuple]:
    """The state after each step of a straight run on the literal interpreter, from step 0
    until the machine stops (compares off: they change nothing, and the sessions under
    test step over divergences)."""
    m = LiteralMachine(
        program, problem.initial, value_trace=problem.value_trace, enable_pause=pause, enable_debug=False
    )
    states = [state(m)]
    while m.pc < len(program) and m.state != CoreState.STOPPED:
        if m.state == CoreState.PAUSED:
            m.state = CoreState.RUNNING
        m.step()
        states.append(state(m))
    return states
