"""The source pane: a file of the kernel, with the lines that made the selected bundle.

It shows the file of the selected bundle's first mapped slot (the source map's text, as the
kernel was built), scrolled to that slot's line: the innermost line of each of the bundle's
slots strongly highlighted, the lines that called them lightly. Its cursor selects a line;
the app then marks in the program pane the bundles that line made, and `b` toggles a line
breakpoint there through the command line. Until the map is ready it shows one line saying
why (it is still being made, or there is none). `f` goes out to the next file the bundle's
slots were made through (the kernel file that calls a helper module's emitters), and the
pane keeps to that file while the bundles it follows pass through it. Like every pane it
only keeps what the app hands it (from views.py) and posts messages; it never reads the
session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from vliwdbg.app.lines import Cells, LinePane, overlay
from vliwdbg.app.views import SourcePage

#: Cells left of the line number that a click toggles the line breakpoint in.
GUTTER = 2
#: Columns a tab stands for in the kernel's text.
TAB_SIZE = 4


class SourceView(LinePane):
    """A kernel file with the selected bundle's lines marked, and a line cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(1)", "First line", show=False),
        Binding("end", "move_to(-1)", "Last line", show=False),
        Binding("b", "toggle_line_breakpoint", "Break", tooltip="toggle a breakpoint on the selected line"),
        Binding("enter", "describe", "Line's bundles", show=False),
        Binding("f", "next_file", "Next file", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "source--inner",
        "source--outer",
        "source--cursor",
        "source--number",
        "source--breakpoint",
        "source--disabled",
        "source--note",
    }

    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset(
        {"source--inner", "source--outer", "source--cursor"}
    )

    DEFAULT_CSS = """
    SourceView {
        & > .source--inner { background: $accent 35%; text-style: bold; }
        & > .source--outer { background: $accent 12%; }
        & > .source--cursor { background: $primary 30%; }
        & > .source--number { color: $text-muted; }
        & > .source--breakpoint { color: $error; text-style: bold; }
        & > .source--disabled { color: $text-muted; }
        & > .source--note { color: $text-muted; text-style: italic; }
    }
    """

    class LineSelected(Message):
        """The cursor is on FILE:LINE (the app marks the bundles it made)."""

        def __init__(self, file: str, line: int) -> None:
            super().__init__()
            self.file = file
            self.line = line

    class BreakpointToggled(Message):
        """Toggle the line breakpoint at FILE:LINE."""

        def __init__(self, file: str, line: int) -> None:
            super().__init__()
            self.file = file
            self.line = line

    class NextFile(Message):
        """Show the next file the bundle's slots were made through (a helper's callers)."""

    class DescribeLine(Message):
        """The user asked which bundles FILE:LINE made (`info line`)."""

        def __init__(self, file: str, line: int) -> None:
            super().__init__()
            self.file = file
            self.line = line

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.page: SourcePage | None = None
        #: What the pane says instead of a file (the map is being made, or there is none).
        self.note = "mapping sources…"
        #: The selected line, numbered from 1 (0: none).
        self.cursor = 0
        self.breakpoints: Mapping[int, bool] = {}
        self._texts: tuple[str, ...] = ()
        self._expanded: list[str] = []
        self._number_width = 1

    @property
    def file(self) -> str | None:
        return None if self.page is None else self.page.file

    def show_note(self, note: str) -> None:
        """No file to show: say why in the pane's one row."""
        self.page = None
        self.note = note
        self.cursor = 0
        self.border_subtitle = ""
        self.update_rows()

    def show(self, page: SourcePage | None, breakpoints: Mapping[int, bool], *, follow: bool) -> None:
        """Show `page` (None: the bundle has no source line; the file shown stays, unmarked)
        with the line breakpoints of its file; when `follow`, put the cursor on the page's
        line and scroll to it."""
        if page is None:
            if self.page is None:
                self.show_note("no slot of this bundle has a source line")
                return
            page = SourcePage(self.page.file, self.page.lines, 0, frozenset(), frozenset())
            follow = False
        if self.page is None or page.lines is not self._texts or page.file != self.page.file:
            self._texts = page.lines
            self._number_width = len(str(max(1, len(page.lines))))
            self._expanded = [text.expandtabs(TAB_SIZE) for text in page.lines]
        self.page = page
        self.breakpoints = breakpoints
        self.update_rows()
        if follow and page.line:
            self._select(page.line, center=True)
        elif not 1 <= self.cursor <= len(page.lines):
            self._select(1)
        self._subtitle()

    def _subtitle(self) -> None:
        page = self.page
        self.border_subtitle = "" if page is None or not self.cursor else f"{page.file}:{self.cursor}"

    def row_count(self) -> int:
        return 1 if self.page is None else len(self.page.lines)

    def render_row(self, index: int, width: int) -> Cells:
        page = self.page
        if page is None:
            return [(self.note, self.style("source--note"))]
        line = index + 1
        enabled = self.breakpoints.get(line)
        if enabled is None:
            mark: tuple[str, Style | None] = ("  ", None)
        elif enabled:
            mark = ("● ", self.style("source--breakpoint"))
        else:
            mark = ("○ ", self.style("source--disabled"))
        cells: Cells = [
            mark,
            (f"{line:>{self._number_width}}  ", self.style("source--number")),
            (self._expanded[index], None),
        ]
        if line == self.cursor and self.has_focus:
            cursor = self.style("source--cursor")
            return overlay(cells, cursor + Style(bold=True) if line in page.inner else cursor, width)
        if line in page.inner:
            return overlay(cells, self.style("source--inner"), width)
        if line in page.outer:
            return overlay(cells, self.style("source--outer"), width)
        return cells

    def _select(self, line: int, *, center: bool = False) -> None:
        page = self.page
        if page is None or not page.lines:
            return
        previous = self.cursor
        self.cursor = max(1, min(line, len(page.lines)))
        self.scroll_row_into_view(self.cursor - 1, center=center)
        self.refresh_rows((previous - 1, self.cursor - 1))
        self._subtitle()
        self.post_message(self.LineSelected(page.file, self.cursor))

    def select_line(self, line: int) -> None:
        """Put the cursor on `line` (clamped to the file) and scroll it into view."""
        self._select(line)

    def action_move(self, delta: int) -> None:
        self._select(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._select(self.cursor + direction * self.rows_visible)

    def action_move_to(self, line: int) -> None:
        self._select(line if line > 0 else len(self._texts))

    def action_toggle_line_breakpoint(self) -> None:
        if self.page is not None and self.cursor:
            self.post_message(self.BreakpointToggled(self.page.file, self.cursor))

    def action_next_file(self) -> None:
        self.post_message(self.NextFile())

    def action_describe(self) -> None:
        if self.page is not None and self.cursor:
            self.post_message(self.DescribeLine(self.page.file, self.cursor))

    def on_resize(self) -> None:
        """Shown again (or resized): the cursor's line back in view, a third of the way down."""
        if self.page is not None and self.cursor:
            self.scroll_row_into_view(self.cursor - 1, center=True)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.page is None:
            return
        line = offset.y + self.scroll_offset.y + 1
        if not 1 <= line <= len(self.page.lines):
            return
        self._select(line)
        if offset.x < GUTTER:
            self.post_message(self.BreakpointToggled(self.page.file, line))
