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
from vliwdbg.app.lines import Cells, LinePane

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
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "program--current",
        "program--selected",
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

    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset({"program--current", "program--selected"})

    DEFAULT_CSS = """
    ProgramView {
        & > .program--current { background: $accent 35%; text-style: bold; }
        & > .program--selected { background: $primary 30%; }
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
        Only the rows whose marks moved are redrawn, unless the breakpoints changed."""
        touched = {self.current, self.selected, pc}
        self.current = pc
        if follow:
            self.selected = min(pc, max(0, len(self.program) - 1))
            touched.add(self.selected)
            self.scroll_row_into_view(self.selected)
        if breakpoints != self.breakpoints:
            self.breakpoints = breakpoints
            self.refresh()
        else:
            self.refresh_rows(touched)

    def row_count(self) -> int:
        return len(self.program)

    def bundle_body(self, pc: int) -> tuple[tuple[str, str], ...]:
        """The bundle's slots grouped by engine, as (engine, text) pairs; cached by pc."""
        body = self._bodies.get(pc)
        if body is None:
            bundle = self.program[pc]
            parts = []
            for engine, slots in bundle.items():
                count = len(slots) if isinstance(slots, list | tuple) else 0
                texts = [self._describe_slot(pc, engine, index) for index in range(count)]
                parts.append((engine, "; ".join(texts) if texts else "(no slots)"))
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

    def render_row(self, index: int, width: int) -> Cells:
        bundle = self.program[index]
        enabled = self.breakpoints.get(index)
        if enabled is None:
            mark: tuple[str, Style | None] = ("  ", None)
        elif enabled:
            mark = ("● ", self.style("program--breakpoint"))
        else:
            mark = ("○ ", self.style("program--disabled"))
        free = not costs_cycle(bundle)
        cells: Cells = [
            mark,
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
        line = _clip(cells, width)
        if index == self.current:
            return _overlay(line, self.style("program--current"), width)
        if index == self.selected and self.has_focus:
            return _overlay(line, self.style("program--selected"), width)
        return line

    def _select(self, pc: int) -> None:
        if not self.program:
            return
        previous = self.selected
        self.selected = max(0, min(pc, len(self.program) - 1))
        self.scroll_row_into_view(self.selected)
        self.refresh_rows((previous, self.selected))

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
        pc = offset.y + self.scroll_offset.y
        if not 0 <= pc < len(self.program):
            return
        if offset.x < GUTTER:
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


def _overlay(cells: Cells, style: Style, width: int) -> Cells:
    """Lay a highlight under every piece of a row and its padding, keeping each piece's colour."""
    used = sum(len(text) for text, _ in cells)
    out: Cells = [(text, style + own if own else style) for text, own in cells]
    if used < width:
        out.append((" " * (width - used), style))
    return out
