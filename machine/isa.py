"""The machine's fixed sizes and op tables, exactly as ISA.md states them.

Everything that needs to know what an op reads or writes (the engines, the static
checker, the linter, operand naming) looks it up here, so the ISA is written down once.
"""

from __future__ import annotations

from enum import IntEnum

SCRATCH_SIZE = 1536
VLEN = 8
N_CORES = 1
BASE_ADDR_TID = 100000
WORD = 2**32
MASK = WORD - 1

SLOT_LIMITS: dict[str, int] = {
    "alu": 12,
    "valu": 6,
    "load": 2,
    "store": 2,
    "flow": 1,
    "debug": 64,
}

#: The engine whose slots cost nothing: a bundle of only debug slots takes no cycle.
FREE_ENGINE = "debug"

#: Engines in the order the trace writer numbers their threads (debug makes no events).
TRACE_ENGINES: tuple[str, ...] = ("alu", "valu", "load", "store", "flow")

ALU_OPS: tuple[str, ...] = ("+", "-", "*", "//", "cdiv", "^", "&", "|", "<<", ">>", "%", "<", "==")


#: Flow ops that may send the pc anywhere but the next bundle.
JUMP_OPS: frozenset[str] = frozenset({"jump", "cond_jump", "cond_jump_rel", "jump_indirect"})
#: Flow ops that end straight-line order: the jumps, and halt and pause (kernels mark the
#: harness's phases with pauses).
CONTROL_OPS: frozenset[str] = JUMP_OPS | {"halt", "pause"}


def costs_cycle(bundle: dict) -> bool:
    """Whether running this bundle advances the cycle count: it has a slot of any engine
    but debug (an empty bundle costs nothing either)."""
    return any(engine != FREE_ENGINE for engine in bundle)


class CoreState(IntEnum):
    RUNNING = 1
    PAUSED = 2
    STOPPED = 3


# Operand roles, one letter per operand after the op name:
#   w  scalar scratch write      W  vector scratch write (VLEN words)
#   r  scalar scratch read       R  vector scratch read (VLEN words)
#   i  literal number            t  literal jump target
#   k  reference-trace key (or a list of VLEN keys for vcompare)
_ALU_ROLES = {op: "wrr" for op in ALU_OPS}

OPERAND_ROLES: dict[str, dict[str, str]] = {
    "alu": dict(_ALU_ROLES),
    "valu": {"vbroadcast": "Wr", "multiply_add": "WRRR", **{op: "WRR" for op in ALU_OPS}},
    "load": {"load": "wr", "load_offset": "wri", "vload": "Wr", "const": "wi"},
    "store": {"store": "rr", "vstore": "rR"},
    "flow": {
        "select": "wrrr",
        "vselect": "WRRR",
        "add_imm": "wri",
        "halt": "",
        "pause": "",
        "trace_write": "r",
        "cond_jump": "rt",
        "cond_jump_rel": "ri",
        "jump": "t",
        "jump_indirect": "r",
        "coreid": "w",
    },
    "debug": {"compare": "rk", "vcompare": "Rk"},
}

#: Ops that read or write memory, and how: (engine, op) -> "read" | "write".
MEMORY_ACCESS: dict[tuple[str, str], str] = {
    ("load", "load"): "read",
    ("load", "load_offset"): "read",
    ("load", "vload"): "read",
    ("store", "store"): "write",
    ("store", "vstore"): "write",
}


def slot_arity(engine: str, op: str) -> int | None:
    """The exact length a slot of this op must have, or None when the op is unknown.

    Debug ops other than compare/vcompare do nothing and take any operands, so they have
    no fixed length; they report -1.
    """
    roles = OPERAND_ROLES.get(engine)
    if roles is None:
        return None
    if op in roles:
        return 1 + len(roles[op])
    if engine == "debug":
        return -1
    return None


def alu(op: str, x: int, y: int) -> int:
    """One ALU op on two words, reduced mod 2**32. Raises ZeroDivisionError as Python does."""
    if op == "+":
        return (x + y) & MASK
    if op == "-":
        return (x - y) & MASK
    if op == "*":
        return (x * y) & MASK
    if op == "//":
        return x // y
    if op == "cdiv":
        if y == 0:
            raise ZeroDivisionError("cdiv by zero")
        return (x + y - 1) // y
    if op == "^":
        return x ^ y
    if op == "&":
        return x & y
    if op == "|":
        return x | y
    if op == "<<":
        return (x << y) & MASK if y < 32 else 0
    if op == ">>":
        return x >> y
    if op == "%":
        return x % y
    if op == "<":
        return int(x < y)
    if op == "==":
        return int(x == y)
    raise KeyError(op)


def cdiv(a: int, b: int) -> int:
    """Ceiling division, as the take-home's `cdiv` helper."""
    return (a + b - 1) // b
