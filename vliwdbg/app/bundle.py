"""The bundle pane: every slot of one bundle on a line of its own, with its values.

A dense bundle holds twenty slots; the program pane can show only the first few on its one
line. Here each slot is written as `info bundle` writes it, followed by what it writes
(before -> after, for the bundle about to run) and the words its value comes from. A
bundle with many debug compares folds them into one line that enter opens. The pane only
shows lines the views made; its keys ask the app for commands about the selected slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from vliwdbg.app.lines import Cells, LinePane
from vliwdbg.app.program import COLOURED_ENGINES
from vliwdbg.app.views import FOLD_DEBUG_OVER, SlotLine

#: The slot text gets at most this share of the pane's width; the values take the rest.
TEXT_SHARE = 0.55


class BundleView(LinePane):
    """The slots of the selected bundle. Posts `Ask` with a command line for the app."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("home", "move_to(0)", "First slot", show=False),
        Binding("end", "move_to(-1)", "Last slot", show=False),
        Binding("enter", "open_fold", "Open compares", show=False),
        Binding("o", "ask('info origin')", "Origin", tooltip="where the selected slot's word got its value"),
        Binding("w", "ask('why')", "Why", tooltip="why the selected slot's word has its value"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bundle--selected",
        "bundle--values",
        "bundle--where",
        "bundle--fold",
        *(f"bundle--{engine}" for engine in COLOURED_ENGINES),
    }

    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset({"bundle--selected"})

    DEFAULT_CSS = """
    BundleView {
        & > .bundle--selected { background: $primary 30%; }
        & > .bundle--values { color: $text-muted; }
        & > .bundle--where { color: $text-disabled; }
        & > .bundle--fold { color: $text-muted; text-style: italic; }
        & > .bundle--alu { color: $accent; text-style: bold; }
        & > .bundle--valu { color: $secondary; text-style: bold; }
        & > .bundle--load { color: $success; text-style: bold; }
        & > .bundle--store { color: $warning; text-style: bold; }
        & > .bundle--flow { color: $error; text-style: bold; }
        & > .bundle--debug { color: $text-muted; }
    }
    """

    class Ask(Message):
        """Run this command line (a question about the selected slot)."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.slots: Sequence[SlotLine] = ()
        self.pc = -1
        self.selected = 0
        self.unfolded = False
        #: The rows: a slot, or None for the folded compares' line.
        self._rows: list[SlotLine | None] = []
        self._text_width = 0

    def show(self, pc: int, slots: Sequence[SlotLine]) -> None:
        """Show bundle `pc`'s slots; the selection stays on the same slot while the bundle
        stays the same."""
        if pc != self.pc:
            self.selected = 0
            self.unfolded = False
            self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self.pc = pc
        self.slots = slots
        debug = [s for s in slots if s.engine == "debug"]
        if len(debug) > FOLD_DEBUG_OVER and not self.unfolded:
            self._rows = [s for s in slots if s.engine != "debug"] + [None]
        else:
            self._rows = list(slots)
        self.selected = min(self.selected, max(0, len(self._rows) - 1))
        self._text_width = max((len(s.text) + len(s.where) for s in slots), default=0)
        subtitle = f"pc {pc}" if slots else ""
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        self._set_rows(len(self._rows))

    def _set_rows(self, rows: int) -> None:
        """Tell Textual the row count. Only when the scrollbar comes or goes does the screen
        need a new layout (which costs more than the step itself); otherwise the new count
        is set quietly and only this pane is redrawn."""
        visible = self.rows_visible
        before = self.virtual_size.height
        if (before > visible) != (rows > visible) or not self.size.height:
            self.update_rows()
            return
        if before != rows:
            self.set_reactive(Widget.virtual_size, Size(0, rows))
            self.vertical_scrollbar.window_virtual_size = rows
        self.refresh()

    def row_count(self) -> int:
        return len(self._rows)

    @property
    def selected_slot(self) -> SlotLine | None:
        if 0 <= self.selected < len(self._rows):
            return self._rows[self.selected]
        return None

    def render_row(self, index: int, width: int) -> Cells:
        slot = self._rows[index]
        if slot is None:
            folded = sum(1 for s in self.slots if s.engine == "debug")
            cells: Cells = [(f"debug: {folded} compares (enter opens them)", self.style("bundle--fold"))]
        else:
            room = max(12, min(self._text_width + 2, int(width * TEXT_SHARE)))
            text = slot.text if len(slot.text) < room else slot.text[: room - 2] + "…"
            engine, rest = text.split(" ", 1) if " " in text else (text, "")
            style = self.style(f"bundle--{slot.engine}") if slot.engine in COLOURED_ENGINES else None
            cells = [(engine, style), (" " + rest, None)]
            # The source line goes in the text's column when it fits there, else after the values.
            where = slot.where if len(text) + len(slot.where) < room else ""
            if where:
                cells.append((where, self.style("bundle--where")))
            pad = room - len(text) - len(where)
            if slot.values:
                cells.append((" " * pad + " " + slot.values, self.style("bundle--values")))
            if slot.where and not where:
                cells.append((slot.where, self.style("bundle--where")))
        if index == self.selected and self.has_focus:
            selected = self.style("bundle--selected")
            used = sum(len(t) for t, _ in cells)
            cells = [(t, selected + s if s else selected) for t, s in cells]
            if used < width:
                cells.append((" " * (width - used), selected))
        return cells

    def _select(self, row: int) -> None:
        if not self._rows:
            return
        previous = self.selected
        self.selected = max(0, min(row, len(self._rows) - 1))
        self.scroll_row_into_view(self.selected)
        self.refresh_rows((previous, self.selected))

    def action_move(self, delta: int) -> None:
        self._select(self.selected + delta)

    def action_move_to(self, row: int) -> None:
        self._select(row if row >= 0 else len(self._rows) - 1)

    def action_open_fold(self) -> None:
        if self.selected_slot is None and self._rows:
            self.unfolded = True
            self.show(self.pc, self.slots)

    def action_ask(self, command: str) -> None:
        slot = self.selected_slot
        if slot is not None and slot.target:
            self.post_message(self.Ask(f"{command} {slot.target}"))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
