"""The machine's fault types: a bundle that cannot execute, and a failed debug compare."""

from __future__ import annotations

from typing import Any


class MachineFault(Exception):
    """A bundle that cannot execute. The machine's state is left as it was before it.

    The attributes say where (pc, engine, slot index, the slot) and what was wrong (value),
    so that a debugger can point at the exact slot.
    """

    def __init__(
        self,
        reason: str,
        *,
        pc: int,
        engine: str | None = None,
        slot_index: int | None = None,
        slot: Any = None,
        value: Any = None,
    ) -> None:
        self.reason = reason
        self.pc = pc
        self.engine = engine
        self.slot_index = slot_index
        self.slot = slot
        self.value = value
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"pc {self.pc}"
        if self.engine is not None:
            where += f", {self.engine}"
            if self.slot_index is not None:
                where += f" slot {self.slot_index}"
        if self.slot is not None:
            where += f" {self.slot!r}"
        return f"{where}: {self.reason}"


class CompareFault(MachineFault, AssertionError):
    """A debug compare that failed: the kernel has diverged from the reference.

    It is an AssertionError too, because that is what the take-home raises.
    """

    def __init__(
        self,
        *,
        pc: int,
        slot_index: int,
        slot: Any,
        key: Any,
        found: int,
        expected: int,
        loc: int,
    ) -> None:
        self.key = key
        self.found = found
        self.expected = expected
        self.loc = loc
        MachineFault.__init__(
            self,
            f"{found} != {expected} for {key} (s[{loc}]) at pc={pc}",
            pc=pc,
            engine="debug",
            slot_index=slot_index,
            slot=slot,
            value=found,
        )

    def _text(self) -> str:
        return self.reason
