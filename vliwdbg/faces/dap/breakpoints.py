"""The editor's breakpoints on the session's stop table: lines of the kernel's files
(through the source map), instructions (pcs) and data (our watchpoints, on scratch and
memory words).

DAP sets each family as a whole (every line breakpoint of one file, every instruction
breakpoint, every data breakpoint): the entries of the family made last time are deleted
and the new ones made, through the same command lines a user would type, so a condition
is checked as `break ... if` checks it and a bad one is refused with its message. The
entries keep our ids, which are the ids the editor sees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vliwdbg.core.expr import ExprError
from vliwdbg.faces.dap.frames import map_file, source_map

if TYPE_CHECKING:
    from vliwdbg.commands.console import Console
    from vliwdbg.core.session import Session


class Book:
    """Which of the stop table's entries the editor made, by family, and for line
    breakpoints the place each stands for."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._lines: dict[str, list[int]] = {}
        self._places: dict[int, tuple[str, int]] = {}
        self._instructions: list[int] = []
        self._data: list[int] = []

    def place(self, bp_id: int) -> tuple[str, int] | None:
        return self._places.get(bp_id)

    def family(self, bp_id: int) -> str | None:
        """ "line", "instruction" or "data" for an entry the editor made, else None."""
        if bp_id in self._places:
            return "line"
        if bp_id in self._instructions:
            return "instruction"
        if bp_id in self._data:
            return "data"
        return None

    def _delete(self, ids: list[int]) -> None:
        alive = [i for i in ids if self.console.session.stops.get(i) is not None]
        if alive:
            self.console.run("delete " + " ".join(map(str, alive)))

    def _make(self, line: str) -> tuple[int | None, str]:
        """Run one `break`/`watch` line: (the new entry's id, "") or (None, the error)."""
        session = self.console.session
        before = {bp.id for bp in session.breakpoints}
        result = self.console.run(line)
        if result.error is not None:
            return None, result.error
        made = [bp.id for bp in session.breakpoints if bp.id not in before]
        return (made[0] if made else None), ""

    # --- lines ----------------------------------------------------------------------------

    def set_lines(self, path: str, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Line breakpoints of one file. A line that made no slot moves to the next line
        that did (as gdb moves it), and says so; without such a line it is unverified."""
        for bp_id in self._lines.pop(path, []):
            self._places.pop(bp_id, None)
            self._delete([bp_id])
        session = self.console.session
        found = source_map(session)
        file = map_file(session, path) if found is not None else None
        out = []
        made = []
        for want in wanted:
            line = want.get("line")
            if not isinstance(line, int):
                out.append({"verified": False, "message": "a breakpoint needs a line number"})
                continue
            if found is None or file is None:
                why = _no_map_reason(session) if found is None else "this file made no slot of the kernel"
                out.append({"verified": False, "line": line, "message": why})
                continue
            target = line
            if not found.pcs_at(file, line):
                later = [n for n in found.lines_made(file) if n > line]
                if not later:
                    out.append(
                        {
                            "verified": False,
                            "line": line,
                            "message": f"{file}:{line} made no slot of this program",
                        }
                    )
                    continue
                target = later[0]
            condition = want.get("condition")
            text = f"break {file}:{target}" + (f" if {condition}" if condition else "")
            bp_id, error = self._make(text)
            if bp_id is None:
                out.append({"verified": False, "line": line, "message": error})
                continue
            made.append(bp_id)
            self._places[bp_id] = (file, target)
            item: dict[str, Any] = {"id": bp_id, "verified": True, "line": target}
            if target != line:
                item["message"] = f"line {line} made no slot; moved to line {target}"
            out.append(item)
        self._lines[path] = made
        return out

    # --- instructions ---------------------------------------------------------------------

    def set_instructions(self, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Instruction breakpoints: `break pc N [if COND]`, N the reference plus the offset."""
        self._delete(self._instructions)
        self._instructions = []
        out = []
        for want in wanted:
            try:
                pc = int(str(want.get("instructionReference", "")), 0) + int(want.get("offset", 0) or 0)
            except ValueError:
                out.append({"verified": False, "message": "an instruction reference is a pc"})
                continue
            condition = want.get("condition")
            bp_id, error = self._make(f"break pc {pc}" + (f" if {condition}" if condition else ""))
            if bp_id is None:
                out.append({"verified": False, "message": error})
                continue
            self._instructions.append(bp_id)
            out.append({"id": bp_id, "verified": True, "instructionReference": str(pc)})
        return out

    # --- data -----------------------------------------------------------------------------

    def data_info(self, name: str) -> dict[str, Any]:
        """dataBreakpointInfo: a location our watch takes (a register, a lane, a memory or
        region word) has its own text as dataId; anything else has none, with the reason."""
        try:
            loc = self.console.session.locate(name)
        except ExprError as exc:
            return {"dataId": None, "description": exc.message}
        return {
            "dataId": loc.text,
            "description": f"{loc.text} ({loc.length} word{'s' if loc.length != 1 else ''})",
            "accessTypes": ["write", "read"],
            "canPersist": True,
        }

    def set_data(self, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Data breakpoints: `watch LOC` for writes, `rwatch LOC` for reads."""
        self._delete(self._data)
        self._data = []
        out = []
        for want in wanted:
            data_id = str(want.get("dataId", ""))
            access = want.get("accessType", "write")
            command = {"write": "watch", "read": "rwatch"}.get(access)
            if command is None:
                out.append(
                    {"verified": False, "message": f"access type {access!r}: watch writes or reads, one each"}
                )
                continue
            bp_id, error = self._make(f"{command} {data_id}")
            if bp_id is None:
                out.append({"verified": False, "message": error})
                continue
            self._data.append(bp_id)
            item: dict[str, Any] = {"id": bp_id, "verified": True}
            if want.get("condition"):
                item["message"] = "a data breakpoint takes no condition here; it stops at every change"
            out.append(item)
        return out


def _no_map_reason(session: Session) -> str:
    status = session.source_status
    return status if status.startswith("no source map") else f"no source map ({status})"
