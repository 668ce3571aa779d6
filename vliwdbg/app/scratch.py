"""The scratch pane: the kernel's named registers first, then every scratch word.

A kernel's scratch map names its registers (`val_a`, `idx_a_cur`, ...); those are what an
author thinks in, so they come first, a vector as its 8 lanes. Below them the whole scratch
follows by address, so any word is a scroll or a jump away. Words the last move changed
are highlighted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import ClassVar

from vliwdbg.app.lines import Cells, LinePane, fitting_words_per_line, word_cells

MAX_LABEL = 20
ADDR_WIDTH = 8
#: Beyond this many touched words a pane is redrawn whole rather than row by row.
FULL_REDRAW = 64


@dataclass(frozen=True)
class Row:
    """One row: `count` words from `addr` under `label`; a section title when count is 0."""

    label: str
    addr: int = 0
    count: int = 0


def scratch_rows(
    scratch_map: Mapping[int, tuple[str, int]], scratch_size: int, per_line: int
) -> tuple[list[Row], int]:
    """The pane's rows, and the index of the first row of the by-address section."""
    rows: list[Row] = []
    if scratch_map:
        rows.append(Row(f"named registers ({len(scratch_map)})"))
        for addr in sorted(scratch_map):
            name, length = scratch_map[addr]
            length = max(1, length)
            for offset in range(0, length, per_line):
                label = name if offset == 0 else f"  +{offset}"
                rows.append(Row(label, addr + offset, min(per_line, length - offset)))
    rows.append(Row(f"scratch s[0:{scratch_size}]"))
    first = len(rows)
    for addr in range(0, scratch_size, per_line):
        rows.append(Row(f"s[{addr}]", addr, min(per_line, scratch_size - addr)))
    return rows, first


class ScratchView(LinePane):
    """Named registers and the whole scratch, from a snapshot the app hands it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "scratch--title",
        "scratch--label",
        "scratch--addr",
        "scratch--changed",
        "scratch--followed",
    }

    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset({"scratch--changed", "scratch--followed"})

    DEFAULT_CSS = """
    ScratchView {
        & > .scratch--title { color: $accent; text-style: bold; }
        & > .scratch--label { color: $text; }
        & > .scratch--addr { color: $text-muted; }
        & > .scratch--changed { background: $warning 40%; text-style: bold; }
        & > .scratch--followed { background: $error 30%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scratch_map: Mapping[int, tuple[str, int]] = {}
        self.values: Sequence[int] = ()
        self.changed: Set[int] = frozenset()
        self.hex_mode = False
        self._rows: list[Row] = []
        self._by_address = 0
        self._per_line = 1
        self._layout_key: tuple[int, int, int, int] | None = None
        self._label_width = MAX_LABEL
        self._named_rows: dict[int, list[int]] = {}
        #: The word a stop or a question was about: its rows are marked (None: none).
        self.followed: int | None = None

    def load(self, scratch_map: Mapping[int, tuple[str, int]]) -> None:
        """Take the kernel's names ({addr: (name, length)}, possibly empty)."""
        self.scratch_map = scratch_map
        self._layout()

    def show(self, values: Sequence[int], changed: Set[int], hex_mode: bool) -> None:
        """Show a snapshot of scratch, highlighting the addresses in `changed`. Only rows
        holding a word that changed now or was highlighted before are redrawn."""
        touched = set(self.changed) | set(changed)
        full = hex_mode != self.hex_mode or len(touched) > FULL_REDRAW or len(values) != len(self.values)
        self.values = values
        self.changed = changed
        self.hex_mode = hex_mode
        if self._layout():
            return
        if full:
            self.refresh()
        else:
            self.refresh_rows(row for addr in touched for row in self.rows_of_word(addr))

    def _layout(self) -> bool:
        """Rebuild the rows if the names, the width or the scratch size changed; whether it did."""
        label_width = min(MAX_LABEL, max((len(name) for name, _ in self.scratch_map.values()), default=4) + 2)
        width = self.scrollable_content_region.width or 60
        per_line = fitting_words_per_line(width - label_width - ADDR_WIDTH)
        key = (id(self.scratch_map), label_width, per_line, len(self.values))
        if key == self._layout_key:
            return False
        self._layout_key = key
        self._label_width = label_width
        self._per_line = per_line
        self._rows, self._by_address = scratch_rows(self.scratch_map, len(self.values), per_line)
        self._named_rows = {}
        for index, row in enumerate(self._rows[: self._by_address]):
            for addr in range(row.addr, row.addr + row.count):
                self._named_rows.setdefault(addr, []).append(index)
        self.update_rows()
        return True

    def rows_of_word(self, addr: int) -> list[int]:
        """Every row that shows scratch word `addr` (its register's row and its address row)."""
        return [*self._named_rows.get(addr, ()), self.row_of(addr)]

    def follow(self, addr: int | None) -> None:
        """Mark the rows of scratch word `addr` (None: no mark) and scroll to its register's
        row (or its address row, for an unnamed word)."""
        self.followed = addr
        if addr is not None and 0 <= addr < len(self.values):
            rows = self.rows_of_word(addr)
            self.scroll_row_into_view(rows[0], center=True)
        self.refresh()

    def on_resize(self) -> None:
        self._layout()

    def row_count(self) -> int:
        return len(self._rows)

    def row_of(self, addr: int) -> int:
        """The row of the by-address section that holds scratch word `addr`."""
        return self._by_address + addr // max(1, self._per_line)

    def row_of_name(self, name: str) -> int | None:
        """The first row of the named register `name`, or None."""
        for index, row in enumerate(self._rows[: self._by_address]):
            if row.count and row.label == name:
                return index
        return None

    def jump_to(self, target: str) -> str | None:
        """Scroll to a register name or an address; returns an error message or None."""
        target = target.strip()
        index = self.row_of_name(target)
        if index is None:
            try:
                addr = int(target.removeprefix("s[").removesuffix("]"), 0)
            except ValueError:
                return f"no register named {target!r} (give a name or an address)"
            if not 0 <= addr < len(self.values):
                return f"scratch address {addr} is outside 0..{len(self.values) - 1}"
            index = self.row_of(addr)
        self.scroll_row_into_view(index, center=True)
        return None

    def render_row(self, index: int, width: int) -> Cells:
        row = self._rows[index]
        if not row.count:
            return [(row.label, self.style("scratch--title"))]
        width_ = self._label_width
        label = row.label if len(row.label) <= width_ - 1 else row.label[: width_ - 2] + "…"
        cells: Cells = [
            (f"{label:<{width_}}", self.style("scratch--label")),
            (f"{f's[{row.addr}]':>{ADDR_WIDTH - 1}} ", self.style("scratch--addr")),
        ]
        cells += word_cells(
            self.values, row.addr, row.count, self.changed, self.hex_mode, self.style("scratch--changed")
        )
        followed = self.followed
        if followed is not None and row.addr <= followed < row.addr + row.count:
            mark = self.style("scratch--followed")
            at = 2 + followed - row.addr
            if at < len(cells):
                text, style = cells[at]
                cells[at] = (text, mark + style if style else mark)
        return cells
