"""The ALU ops as Python expressions over two words `x` and `y` (`M` is 2**32 - 1).

The interpreter and the bundle compiler both build their code from this one table, so an
op's arithmetic is written once for the fast engine. A division by zero raises
ZeroDivisionError, which the engine turns into a fault. A left shift by 32 or more gives 0
without building a huge integer.
"""

from __future__ import annotations

import re

ALU_EXPR: dict[str, str] = {
    "+": "(x + y) & M",
    "-": "(x - y) & M",
    "*": "(x * y) & M",
    "//": "x // y",
    "cdiv": "(x + y - 1) // y",
    "^": "x ^ y",
    "&": "x & y",
    "|": "x | y",
    "<<": "((x << y) & M if y < 32 else 0)",
    ">>": "x >> y",
    "%": "x % y",
    "<": "(1 if x < y else 0)",
    "==": "(1 if x == y else 0)",
}

#: A function name for each op, for generated code.
OP_NAMES: dict[str, str] = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "//": "floordiv",
    "cdiv": "cdiv",
    "^": "xor",
    "&": "and",
    "|": "or",
    "<<": "shl",
    ">>": "shr",
    "%": "mod",
    "<": "lt",
    "==": "eq",
}


def lane_expr(op: str, x: str, y: str, mask: str = "M") -> str:
    """The expression for `op` with the operands (and the mask) renamed, for generated code."""
    names = {"x": x, "y": y, "M": mask}
    return re.sub(r"\b[xyM]\b", lambda found: names[found.group(0)], ALU_EXPR[op])
