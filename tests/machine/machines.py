"""One face for the two interpreters, so each op and fault test runs on both.

`LITERAL` is the oracle (machine.literal); `ENGINE` is the fast engine (machine.engine).
Both give a runner with the machine's plain state (scratch, mem, pc, cycle, state,
trace_buf), `step()` (one bundle, faults raised) and `run()` (until the core is no longer
running, faults raised).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from machine.engine import Core, StopSpec, prepare
from machine.isa import SCRATCH_SIZE, CoreState
from machine.literal import LiteralMachine


class Runner(Protocol):
    scratch: list[int]
    mem: list[int]
    pc: int
    cycle: int
    state: CoreState
    trace_buf: list[int]

    def step(self) -> None: ...

    def run(self) -> None: ...


class EngineRunner:
    """The fast engine's Core behind the literal interpreter's step/run surface."""

    def __init__(self, program: list[dict], mem: list[int], **kwargs: Any) -> None:
        scratch_size = kwargs.pop("scratch_size", SCRATCH_SIZE)
        self.core = Core(prepare(program, scratch_size=scratch_size), mem, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.core, name)

    def step(self) -> None:
        self.core.step()

    def run(self) -> None:
        result = self.core.run(StopSpec())
        if result.fault is not None:
            raise result.fault


def literal(program: list[dict], mem: list[int], **kwargs: Any) -> Runner:
    return LiteralMachine(program, mem, **kwargs)


def engine(program: list[dict], mem: list[int], **kwargs: Any) -> Runner:
    return EngineRunner(program, mem, **kwargs)


MAKERS: dict[str, Callable[..., Runner]] = {"literal": literal, "engine": engine}


def snapshot(m: Runner) -> tuple:
    """Everything a fault must leave untouched."""
    return (list(m.scratch), list(m.mem), m.pc, m.cycle, m.state, list(m.trace_buf))
