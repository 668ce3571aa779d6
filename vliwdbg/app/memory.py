"""The memory pane: the problem's regions by name, with the reference beside the batch.

Memory is small and regular (header, forest, indices, values), and what an author asks of
it is "do my indices and values match the reference yet?". So each batch element gets one
row, its index and value next to the reference's, a difference marked; the header words are
named; the forest follows as plain words. Words the last move changed are highlighted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import ClassVar

from machine.problem import HEADER_NAMES
from vliwdbg.app.lines import WORD_WIDTH, Cells, LinePane, fitting_words_per_line, format_word, word_cells

LABEL_WIDTH = 16
MARK_WIDTH = 4
#: Beyond this many touched words the pane is redrawn whole rather than row by row.
FULL_REDRAW = 64
#: Width a batch row needs to show the reference beside both index and value.
WIDE_BATCH = 4 + 4 * (WORD_WIDTH + 1) + 2 + MARK_WIDTH


@dataclass(frozen=True)
class Row:
    """A row: kind "title", "header" (one named word), "element" (batch element `index`) or
    "words" (`count` words from `addr`)."""

    kind: str
    label: str = ""
    addr: int = 0
    count: int = 0
    index: int = 0


@dataclass(frozen=True)
class Reference:
    """The reference's indices and values to compare against, and what point they are from;
    `reached` says, per element, the last round whose result its value holds (None: no
    round's, a wrong value), as the session's reference report computes it."""

    indices: Sequence[int]
    values: Sequence[int]
    label: str
    reached: Mapping[int, int | None] = field(default_factory=dict)

    def value_mark(self, i: int, value: int) -> tuple[str, bool]:
        """The mark beside element i's value, and whether it is an error: nothing when it
        equals the reference here, `rK` when it holds round K's result, `≠` otherwise."""
        if value == self.values[i]:
            return "", False
        if i in self.reached and self.reached[i] is not None:
            return f"r{self.reached[i]}", False
        return "≠", True


def memory_rows(regions: Mapping[str, tuple[int, int]], mem_size: int, per_line: int) -> list[Row]:
    """Rows for the named regions, then any memory no region covers, as plain words."""
    rows: list[Row] = []
    covered: set[int] = set()
    if "header" in regions:
        start, length = regions["header"]
        rows.append(Row("title", f"header m[{start}:{start + length}]"))
        for k in range(length):
            name = HEADER_NAMES[k] if k < len(HEADER_NAMES) else f"m[{start + k}]"
            rows.append(Row("header", name, start + k, 1))
        covered.update(range(start, start + length))
    if "indices" in regions and "values" in regions:
        (ind_start, batch), (val_start, _) = regions["indices"], regions["values"]
        rows.append(
            Row(
                "title",
                f"indices m[{ind_start}:{ind_start + batch}] · values m[{val_start}:{val_start + batch}]",
            )
        )
        rows.append(Row("columns"))
        rows.extend(Row("element", addr=ind_start + i, index=i) for i in range(batch))
        covered.update(range(ind_start, ind_start + batch))
        covered.update(range(val_start, val_start + regions["values"][1]))
    for name, (start, length) in regions.items():
        if name in ("header", "indices", "values"):
            continue
        rows.append(Row("title", f"{name} m[{start}:{start + length}]"))
        rows.extend(_word_rows(start, start + length, per_line))
        covered.update(range(start, start + length))
    rest = [addr for addr in range(mem_size) if addr not in covered]
    if rest:
        rows.append(Row("title", "other memory"))
        for addr in rest:
            rows.append(Row("words", f"m[{addr}]", addr, 1))
    return rows


def _word_rows(start: int, end: int, per_line: int) -> list[Row]:
    return [
        Row("words", f"m[{addr}]", addr, min(per_line, end - addr)) for addr in range(start, end, per_line)
    ]


class MemoryView(LinePane):
    """The regions of memory from a snapshot, the reference beside the batch."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "memory--title",
        "memory--label",
        "memory--ref",
        "memory--differs",
        "memory--changed",
        "memory--followed",
    }

    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset({"memory--changed", "memory--followed"})

    DEFAULT_CSS = """
    MemoryView {
        & > .memory--title { color: $accent; text-style: bold; }
        & > .memory--label { color: $text-muted; }
        & > .memory--ref { color: $text-muted; }
        & > .memory--differs { color: $error; text-style: bold; }
        & > .memory--changed { background: $warning 40%; text-style: bold; }
        & > .memory--followed { background: $error 30%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.regions: Mapping[str, tuple[int, int]] = {}
        self.values: Sequence[int] = ()
        self.changed: Set[int] = frozenset()
        self.reference: Reference | None = None
        self.hex_mode = False
        self._rows: list[Row] = []
        self._per_line = 0
        self._mem_size = 0
        self._row_of_addr: dict[int, int] = {}
        #: The word a stop or a question was about: its row is marked (None: none).
        self.followed: int | None = None

    def load(self, regions: Mapping[str, tuple[int, int]], mem_size: int) -> None:
        """Take the problem's regions ({name: (start, length)}) and memory size."""
        self.regions = regions
        self._mem_size = mem_size
        self._per_line = 0
        self._layout()

    def show(
        self, values: Sequence[int], changed: Set[int], reference: Reference | None, hex_mode: bool
    ) -> None:
        """Show a snapshot of memory; `changed` holds the addresses the last move wrote.
        Only rows of words that changed now or were highlighted before are redrawn, unless
        the reference or the radix changed."""
        touched = set(self.changed) | set(changed)
        full = (
            hex_mode != self.hex_mode
            or not _same_reference(reference, self.reference)
            or len(touched) > FULL_REDRAW
            or len(values) != len(self.values)
        )
        self.values = values
        self.changed = changed
        self.reference = reference
        self.hex_mode = hex_mode
        subtitle = "" if reference is None else f"ref: the reference {reference.label}"
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        if full:
            self.refresh()
        else:
            self.refresh_rows(self._row_of_addr[addr] for addr in touched if addr in self._row_of_addr)

    def _layout(self) -> None:
        width = self.scrollable_content_region.width or 60
        per_line = fitting_words_per_line(width - LABEL_WIDTH)
        if per_line != self._per_line or not self._rows:
            self._per_line = per_line
            self._rows = memory_rows(self.regions, self._mem_size, per_line)
            values_start = self.regions.get("values", (-1, 0))[0]
            self._row_of_addr = {}
            for index, row in enumerate(self._rows):
                if row.kind in ("header", "words"):
                    for addr in range(row.addr, row.addr + row.count):
                        self._row_of_addr[addr] = index
                elif row.kind == "element":
                    self._row_of_addr[row.addr] = self._row_of_addr[values_start + row.index] = index
            self.update_rows()

    def on_resize(self) -> None:
        self._layout()

    def row_count(self) -> int:
        return len(self._rows)

    def row_of(self, addr: int) -> int | None:
        """The row that shows memory word `addr`, or None when it is outside memory."""
        return self._row_of_addr.get(addr)

    def follow(self, addr: int | None) -> None:
        """Mark the row of memory word `addr` (None: no mark) and scroll it into the middle."""
        previous, self.followed = self.followed, addr
        rows = [self._row_of_addr[a] for a in (previous, addr) if a is not None and a in self._row_of_addr]
        if addr is not None and addr in self._row_of_addr:
            self.scroll_row_into_view(self._row_of_addr[addr], center=True)
            self.refresh()
        else:
            self.refresh_rows(rows)

    def jump_to(self, target: str) -> str | None:
        """Scroll to an address (`123`, `0x7b`, `m[123]`), a region name or a region's
        element (`values[100]`); an error or None."""
        target = target.strip()
        name, _, rest = target.partition("[")
        if target in self.regions:
            addr = self.regions[target][0]
        elif name in self.regions and rest.endswith("]"):
            start, length = self.regions[name]
            try:
                element = int(rest[:-1], 0)
            except ValueError:
                return f"{target[:30]!r}: the element must be a number"
            if not 0 <= element < length:
                return f"{name} has elements 0..{length - 1}, not {element}"
            addr = start + element
        else:
            try:
                addr = int(target.removeprefix("m[").removesuffix("]"), 0)
            except ValueError:
                return f"no region named {target[:30]!r} (give a region, values[i] or an address)"
        index = self.row_of(addr)
        if index is None:
            return f"memory address {addr} is outside 0..{self._mem_size - 1}"
        self.scroll_row_into_view(index, center=True)
        return None

    def render_row(self, index: int, width: int) -> Cells:
        row = self._rows[index]
        if row.kind == "title":
            return [(row.label, self.style("memory--title"))]
        if row.kind == "columns":
            return self._column_titles(width)
        if row.kind == "element":
            cells = self._element(row, width)
        else:
            label = f"{row.label:<{LABEL_WIDTH - 1}} "
            words = word_cells(
                self.values, row.addr, row.count, self.changed, self.hex_mode, self.style("memory--changed")
            )
            cells = [(label, self.style("memory--label")), *words]
        followed = self.followed
        if followed is not None and self._row_of_addr.get(followed) == index:
            mark = self.style("memory--followed")
            cells = [(text, mark + style if style else mark) for text, style in cells]
            used = sum(len(text) for text, _ in cells)
            if used < width:
                cells.append((" " * (width - used), mark))
        return cells

    def _column_titles(self, width: int) -> Cells:
        w = WORD_WIDTH + 1
        reference = self.reference
        if reference is None:
            return [(f"{'elem':>4}{'index':>{w}}{'value':>{w}}", self.style("memory--label"))]
        if width < WIDE_BATCH:
            text = f"{'elem':>4}{'index':>{w}}{'value':>{w}}  vs ref"
        else:
            text = f"{'elem':>4}{'index':>{w}}{'ref':>{w}}  {'value':>{w}}{'ref':>{w}}"
        return [(text, self.style("memory--label"))]

    def _element(self, row: Row, width: int) -> Cells:
        i = row.index
        ind_addr = row.addr
        val_addr = self.regions["values"][0] + i
        if val_addr >= len(self.values):
            return []
        index, value = self.values[ind_addr], self.values[val_addr]
        changed = self.style("memory--changed")
        value_cell = (" " + format_word(value, self.hex_mode), changed if val_addr in self.changed else None)
        cells: Cells = [
            (f"{i:>4}", self.style("memory--label")),
            (" " + format_word(index, self.hex_mode), changed if ind_addr in self.changed else None),
        ]
        reference = self.reference
        if reference is None or i >= len(reference.indices) or i >= len(reference.values):
            return [*cells, value_cell]
        mark, wrong = reference.value_mark(i, value)
        # An index is judged only beside a value of this round: next to a value that holds
        # another round's result (a kernel that has not stored yet), it is bound to differ.
        index_differs = not mark and index != reference.indices[i]
        mark_style = self.style("memory--differs" if wrong else "memory--ref")
        if width < WIDE_BATCH:
            if index_differs:
                mark, mark_style = "≠", self.style("memory--differs")
            return [*cells, value_cell, (f" {mark}", mark_style)]
        ref = self.style("memory--ref")
        return [
            *cells,
            (" " + format_word(reference.indices[i], self.hex_mode), ref),
            (" ≠" if index_differs else "  ", self.style("memory--differs")),
            value_cell,
            (" " + format_word(reference.values[i], self.hex_mode), ref),
            (f" {mark}", mark_style),
        ]


def _same_reference(a: Reference | None, b: Reference | None) -> bool:
    """Whether two references are the very same figures (the views cache them, so a step
    that stays in one round hands over the same objects)."""
    if a is None or b is None:
        return a is b
    return a.indices is b.indices and a.values is b.values and a.reached is b.reached and a.label == b.label
