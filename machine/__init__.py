"""The VLIW SIMD machine of the take-home, bit-exact and fast.

This package is a drop-in for the take-home's `problem` module: kernel files and the
take-home's own tests can import it under that name and run unchanged.
"""

from __future__ import annotations

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
from machine.simulator import Core, DebugInfo, Machine

Engine = Literal["alu", "valu", "load", "store", "flow", "debug"]
Instruction = dict[Engine, list[tuple]]


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
    "Machine",
    "MachineFault",
    "Tree",
    "build_mem_image",
    "cdiv",
    "myhash",
    "myhash_traced",
    "reference_kernel",
    "reference_kernel2",
]
