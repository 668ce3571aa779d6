"""Static operand checks shared by the compiled and the composed bundle forms.

A bundle becomes code only if it cannot fault on its static operands, so that no scratch
range check is left at run time. Any failure here raises `Unfit` and the bundle stays
interpreted (the interpreter and `machine.diagnose` deal with it exactly).
"""

from __future__ import annotations

from typing import Any

from machine.isa import VLEN


class Unfit(Exception):
    """The bundle is not made into code (a static fault or an unusual form)."""


def scalar(addr: Any, size: int) -> int:
    """A scratch address, in range."""
    if type(addr) is not int or not 0 <= addr < size:
        raise Unfit
    return addr


def vector(addr: Any, size: int) -> int:
    """The first address of a vector of VLEN words, all in range."""
    if type(addr) is not int or not 0 <= addr <= size - VLEN:
        raise Unfit
    return addr


def integer(value: Any) -> int:
    """A literal that must be an int (not a bool, not a float)."""
    if type(value) is not int:
        raise Unfit
    return value


def target_pc(target: int) -> int:
    """A jump target: a negative one faults when fetched, so it stays interpreted."""
    if target < 0:
        raise Unfit
    return target
