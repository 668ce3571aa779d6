"""The VLIW SIMD machine of the take-home, bit-exact and fast.

This package is a drop-in for the take-home's `problem` module: kernel files and the
take-home's own tests can import it under that name and run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from machine.faults import CompareFault, MachineFault
from machine.isa import (
    BASE_ADDR_TID,
    N_CORES,
    SCRATCH_SIZE,
    SLOT_LIMITS,
    VLEN,
    CoreState,
    cdiv,
)
from machine.problem import (
    HASH_STAGES,
    Input,
    Tree,
    build_mem_image,
    myhash,
    myhash_traced,
    reference_kernel,
    reference_kernel2,
)

Engine = Literal["alu", "valu", "load", "store", "flow", "debug"]
Instruction = dict[Engine, list[tuple]]


@dataclass
class DebugInfo:
    """What a kernel tells the debugger about its scratch: {addr: (name, length)}."""

    scratch_map: dict[int, tuple[str, int]]


@dataclass
class Core:
    id: int
    scratch: list[int]
    trace_buf: list[int]
    pc: int = 0
    state: CoreState = CoreState.RUNNING


__all__ = [
    "BASE_ADDR_TID",
    "HASH_STAGES",
    "N_CORES",
    "SCRATCH_SIZE",
    "SLOT_LIMITS",
    "VLEN",
    "CompareFault",
    "Core",
    "CoreState",
    "DebugInfo",
    "Engine",
    "Input",
    "Instruction",
    "MachineFault",
    "Tree",
    "build_mem_image",
    "cdiv",
    "myhash",
    "myhash_traced",
    "reference_kernel",
    "reference_kernel2",
]
