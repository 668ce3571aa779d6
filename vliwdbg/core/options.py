"""How a session runs: the problem's size and seed, pauses, debug compares, the store check
and the runaway limit, as one value that the faces build from their options."""

from __future__ import annotations

from dataclasses import dataclass, field

from machine.problem import ProblemSize

DEFAULT_MAX_STEPS = 50_000_000


@dataclass(frozen=True)
class RunOptions:
    size: ProblemSize = field(default_factory=ProblemSize)
    #: Stop at the kernel's pauses (the submission check runs without them).
    pause: bool = True
    #: Check the kernel's debug compares (the submission check skips them).
    debug: bool = True
    #: Stop at stores to values or indices that the reference never makes there.
    check_stores: bool = True
    #: A move that runs this many bundles stops as a runaway.
    max_steps: int = DEFAULT_MAX_STEPS
