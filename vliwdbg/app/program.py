"""The program pane: the bundle listing, one row per bundle, the current one followed.

Rows are built on demand from the program (plain data) and the session's operand naming,
and the body of each row is cached by pc: a bundle's text never changes, only its gutter
(breakpoint, current) and highlight do. So a step re-renders the visible rows from cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message

from machine.isa import costs_cycle
from vliwdbg.app.lines import Cells, LinePane, overlay, wrap_cells

#: Cells left of the pc that a click toggles the breakpoint in.
GUTTER = 2
COLOURED_ENGINES = ("alu", "valu", "load", "store", "flow", "debug")

#: (pc, engine, slot index) -> the slot with its operands named, e.g. "val_a = val_a ^ node_a".
SlotText = Callable[[int, str, int], str]


class ProgramView(LinePane):
    """The bundle listing. Posts messages for the app to turn into commands; never runs any."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "First bundle", show=False),
        Binding("end", "move_to(-1)", "Last bundle", show=False),
        Binding("enter", "describe", "Describe bundle", show=False),
        Binding("e", "toggle_wrap", "Wrap the next bundle", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "program--current",
        "program--selected",
        "program--marked",
        "program--mark",
        "program--breakpoint",
        "program--disabled",
        "program--pc",
        "program--free",
        "program--separator",
        "program--alu",
        "program--valu",
        "program--load",
        "program--store",
        "program--flow",
        "program--debug",
    }

    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset(
        {"program--current", "program--selected", "program--marked"}
    )

    DEFAULT_CSS = """
    ProgramView {
        & > .program--current { background: $accent 35%; text-style: bold; }
        & > .program--selected { background: $primary 30%; }
        & > .program--marked { background: $warning 15%; }
        & > .program--mark { color: $warning; text-style: bold; }
        & > .program--breakpoint { color: $error; text-style: bold; }
        & > .program--disabled { color: $text-muted; }
        & > .program--pc { color: $text-muted; }
        & > .program--free { color: $text-muted; text-style: italic; }
        & > .program--separator { color: $text-disabled; }
        & > .program--alu { color: $accent; text-style: bold; }
        & > .program--valu { color: $secondary; text-style: bold; }
        & > .program--load { color: $success; text-style: bold; }
        & > .program--store { color: $warning; text-style: bold; }
        & > .program--flow { color: $error; text-style: bold; }
        & > .program--debug { color: $text-muted; }
    }
    """

    class BreakpointToggled(Message):
        """The user clicked a bundle's gutter: toggle the breakpoint at `pc`."""

        def __init__(self, pc: int) -> None:
            super().__init__()
            self.pc = pc

    class Selected(Message):
        """The user selected bundle `pc` (the bundle pane shows it)."""

        def __init__(self, pc: int) -> None:
            super().__init__()
            self.pc = pc

    class DescribeBundle(Message):
        """The user asked for the whole text of the bundle at `pc`."""

        def __init__(self, pc: int) -> None:
            super().__init__()
            self.pc = pc

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.program: Sequence[Mapping[str, Sequence[object]]] = ()
        self._slot_text: SlotText = lambda pc, engine, index: ""
        self._bodies: LRUCache[int, tuple[tuple[str, str], ...]] = LRUCache(4096)
        self._pc_width = 1
        self.current = 0
        self.selected = 0
        self.breakpoints: Mapping[int, bool] = {}
        #: The bundles the source pane's selected line made (marked ◆).
        self.marked: frozenset[int] = frozenset()
        #: Whether the next bundle is wrapped over as many rows as its slots need (`e`).
        self.wrap = False
        #: The wrapped bundle's pc and its rows (None: every bundle on one row).
        self._wrapped: tuple[int, list[Cells]] | None = None

    def load(self, program: Sequence[Mapping[str, Sequence[object]]], slot_text: SlotText) -> None:
        """Show a new program; `slot_text` names a slot's operands (the session's naming)."""
        self.program = program
        self._slot_text = slot_text
        self._bodies.clear()
        self._pc_width = len(str(max(0, len(program) - 1)))
        self.current = self.selected = 0
        self.update_rows()

    def show(self, pc: int, breakpoints: Mapping[int, bool], *, follow: bool = True) -> None:
        """Mark bundle `pc` as current and the breakpoints (pc -> enabled); follow it if asked.
        Only the rows whose marks moved are redrawn, unless the breakpoints changed or the
        next bundle is wrapped (then the rows below it move)."""
        touched = {self.current, self.selected, pc}
        self.current = pc
        breakpoints_changed = breakpoints != self.breakpoints
        self.breakpoints = breakpoints
        rewrap = self.wrap and (self._wrapped is None or self._wrapped[0] != pc or breakpoints_changed)
        if rewrap:
            self._rewrap()
        if follow:
            self.selected = min(pc, max(0, len(self.program) - 1))
            touched.add(self.selected)
            self.scroll_row_into_view(self.row_of_pc(self.selected))
        if breakpoints_changed or rewrap:
            self.refresh()
        else:
            self.refresh_rows(self.row_of_pc(p) for p in touched)

    def mark(self, pcs: frozenset[int], *, reveal: bool = False) -> None:
        """Mark these bundles (the source pane's line made them); with `reveal`, scroll to
        the first at or after the selected bundle (else the first) unless one is in view."""
        if pcs == self.marked:
            return
        self.marked = pcs
        if self._wrapped is not None:
            self._rewrap()
        self.refresh()
        if not reveal or not pcs:
            return
        top = self.scroll_offset.y
        if any(top <= self.row_of_pc(pc) < top + self.rows_visible for pc in pcs):
            return
        after = [pc for pc in pcs if pc >= self.selected]
        self.scroll_row_into_view(self.row_of_pc(min(after or pcs)), center=True)

    def _rewrap(self) -> None:
        """Wrap the next bundle to the pane's width (or unwrap every bundle)."""
        width = self.scrollable_content_region.width
        pc = self.current
        if not self.wrap or not 0 <= pc < len(self.program) or width <= 0:
            self._wrapped = None
        else:
            self._wrapped = (pc, wrap_cells(self._row_cells(pc), width))
        self.update_rows()

    def _extra_rows(self) -> int:
        return 0 if self._wrapped is None else len(self._wrapped[1]) - 1

    def row_of_pc(self, pc: int) -> int:
        """The (first) row of bundle `pc`."""
        wrapped = self._wrapped
        return pc if wrapped is None or pc <= wrapped[0] else pc + self._extra_rows()

    def pc_of_row(self, row: int) -> tuple[int, int]:
        """The bundle on row `row`, and which of its rows it is."""
        wrapped = self._wrapped
        if wrapped is None or row <= wrapped[0]:
            return row, 0
        pc, rows = wrapped
        if row < pc + len(rows):
            return pc, row - pc
        return row - len(rows) + 1, 0

    def on_resize(self) -> None:
        if self.wrap:
            self._rewrap()

    def action_toggle_wrap(self) -> None:
        """Show the next bundle whole, wrapped over several rows, or on one row again."""
        self.wrap = not self.wrap
        self._rewrap()
        self.scroll_row_into_view(self.row_of_pc(self.selected))

    def row_count(self) -> int:
        return len(self.program) + self._extra_rows()

    def bundle_body(self, pc: int) -> tuple[tuple[str, str], ...]:
        """The bundle's slots grouped by engine, as (engine, text) pairs; cached by pc."""
        body = self._bodies.get(pc)
        if body is None:
            bundle = self.program[pc]
            parts = []
            for engine, slots in bundle.items():
                count = len(slots) if isinstance(slots, list | tuple) else 0
                texts = [self._describe_slot(pc, engine, index) for index in range(count)]
                if texts:  # an engine listed with no slots does nothing: not worth a column
                    parts.append((engine, "; ".join(texts)))
            body = tuple(parts)
            self._bodies[pc] = body
        return body

    def _describe_slot(self, pc: int, engine: str, index: int) -> str:
        """The session's naming of a slot; a slot too malformed to name shows as written.

        A user's program is input like any other: a slot the naming cannot read (it will
        fault when it runs) must not take the listing down with it.
        """
        try:
            return self._slot_text(pc, engine, index)
        except Exception:
            return repr(self.program[pc][engine][index])

    def render_row(self, row: int, width: int) -> Cells:
        index, part = self.pc_of_row(row)
        if self._wrapped is not None and index == self._wrapped[0]:
            return overlay(self._wrapped[1][part], self.style("program--current"), width)
        line = _clip(self._row_cells(index), width)
        if index == self.current:
            return overlay(line, self.style("program--current"), width)
        if index == self.selected and self.has_focus:
            return overlay(line, self.style("program--selected"), width)
        if index in self.marked:
            return overlay(line, self.style("program--marked"), width)
        return line

    def _row_cells(self, index: int) -> Cells:
        """Bundle `index`'s row whole (gutter, pc, every engine's slots), before any cut."""
        bundle = self.program[index]
        enabled = self.breakpoints.get(index)
        if enabled is None:
            mark: tuple[str, Style | None] = ("  ", None)
        elif enabled:
            mark = ("● ", self.style("program--breakpoint"))
        else:
            mark = ("○ ", self.style("program--disabled"))
        if index in self.marked:
            mark = (mark[0][0], mark[1])
        free = not costs_cycle(bundle)
        cells: Cells = [
            mark,
            *([("◆", self.style("program--mark"))] if index in self.marked else []),
            ("▶", self.style("program--current")) if index == self.current else (" ", None),
            (f"{index:>{self._pc_width}}", self.style("program--pc")),
            (" · " if free else "   ", self.style("program--free")),
        ]
        body = self.bundle_body(index)
        if not body:
            cells.append(("(empty bundle)", self.style("program--free")))
        separator = self.style("program--separator")
        text_style = self.style("program--free") if free else None
        for n, (engine, text) in enumerate(body):
            if n:
                cells.append(("  │ ", separator))
            cells.append(
                (engine + " ", self.style(f"program--{engine}") if engine in COLOURED_ENGINES else None)
            )
            cells.append((text, text_style))
        return cells

    def _select(self, pc: int) -> None:
        if not self.program:
            return
        previous = self.selected
        self.selected = max(0, min(pc, len(self.program) - 1))
        self.scroll_row_into_view(self.row_of_pc(self.selected))
        self.refresh_rows((self.row_of_pc(previous), self.row_of_pc(self.selected)))
        if self.selected != previous:
            self.post_message(self.Selected(self.selected))

    def action_move(self, delta: int) -> None:
        self._select(self.selected + delta)

    def action_page(self, direction: int) -> None:
        self._select(self.selected + direction * self.rows_visible)

    def action_move_to(self, pc: int) -> None:
        self._select(pc if pc >= 0 else len(self.program) - 1)

    def action_describe(self) -> None:
        if self.program:
            self.post_message(self.DescribeBundle(self.selected))

    def select_pc(self, pc: int) -> None:
        """Select bundle `pc` (clamped to the program) and scroll it into view."""
        self._select(pc)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.program:
            return
        row = offset.y + self.scroll_offset.y
        if not 0 <= row < self.row_count():
            return
        pc, part = self.pc_of_row(row)
        if offset.x < GUTTER and part == 0:
            self.post_message(self.BreakpointToggled(pc))
        self._select(pc)


def _clip(cells: Cells, width: int) -> Cells:
    """Cut the row to `width` cells, ending a cut row with an ellipsis."""
    out: Cells = []
    used = 0
    for text, style in cells:
        if used + len(text) > width:
            room = width - used - 1
            if room > 0:
                out.append((text[:room], style))
            out.append(("…", style))
            return out
        out.append((text, style))
        used += len(text)
    return out
