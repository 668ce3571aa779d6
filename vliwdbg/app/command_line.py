"""The command line (the core's language, with history and completion) and the log under it.

The command line only edits text: a submitted line goes to the app, which hands it to the
session like any key. Completion is the core's (its command table and the kernel's register
names), so it never offers what the core would refuse.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input

from vliwdbg.app.lines import Cells, LinePane, wrap_cells

#: The log's wrapping (the tests name it so).
_wrap = wrap_cells

#: Styles of stop lines in the log, by the core's Stop.kind.
STOP_LOG_STYLES = {
    "divergence": "bold red",
    "fault": "bold red",
    "max-steps": "bold red",
    "end": "bold green",
}


#: Whole-line completions of a line (the core's `commands.complete`, bound to a session).
Completer = Callable[[str], list[str]]


class _GhostCompletion(Suggester):
    """Shows the first completion as ghost text after the cursor."""

    def __init__(self, line: CommandLine) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.line = line

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip():
            return None
        found = self.line.completions(value)
        return found[0] if found else None


class CommandLine(Input):
    """A one-line input with history (up/down) and completion (tab)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "History", key_display="↑↓"),
        Binding("down", "history(1)", "Next command", show=False),
        Binding("tab", "complete", "Complete", priority=True),
        Binding("enter", "submit", "Run"),
        Binding("escape", "leave", "Leave"),
    ]

    class Left(Message):
        """The user left the command line without running anything."""

    class Completions(Message):
        """Several words complete the current one; the app lists them in the log."""

        def __init__(self, words: list[str]) -> None:
            super().__init__()
            self.words = words

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="command (: to focus, tab completes, ? for help)", id=id, select_on_focus=False
        )
        self.suggester = _GhostCompletion(self)
        self._complete: Completer = lambda text: []
        self.history: list[str] = []
        self._history_at = 0
        self._draft = ""

    def set_completer(self, complete: Completer) -> None:
        """Where completions come from: the core's, which knows the commands and names."""
        self._complete = complete

    def completions(self, text: str) -> list[str]:
        """Completions of the whole line, never failing the editing on a completer's error."""
        try:
            return [c for c in self._complete(text) if c != text]
        except Exception:
            return []

    def remember(self, line: str) -> None:
        """Add a line the user ran to the history (a repeat of the last one is kept once)."""
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._history_at = len(self.history)
        self._draft = ""

    def action_history(self, delta: int) -> None:
        if not self.history:
            return
        if self._history_at == len(self.history):
            self._draft = self.value
        self._history_at = max(0, min(len(self.history), self._history_at + delta))
        self.value = self._draft if self._history_at == len(self.history) else self.history[self._history_at]
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        found = self.completions(self.value)
        if not found:
            return
        common = _common_prefix(found)
        if len(common) <= len(self.value):
            self.post_message(self.Completions(found))
            return
        self.value = common
        self.cursor_position = len(self.value)

    def action_leave(self) -> None:
        self.post_message(self.Left())


class CommandLog(LinePane):
    """The output pane: commands, their outputs, stops and errors, newest at the bottom.

    It can take the focus (then the arrow and page keys scroll it), and an output longer
    than the pane is shown from its command line down, so its beginning is not scrolled
    away; the rest is a scroll (or the enlarged pane) away.

    A log grows with every command, and a widget whose virtual size changes normally makes
    Textual lay out the whole screen again, which would cost more than the step itself. So
    the log always shows its scrollbar and grows its row count quietly: only the log is
    redrawn. Long lines are wrapped to the pane's width (again when it changes).
    """

    MAX_LINES = 2000

    DEFAULT_CSS = """
    CommandLog {
        overflow-y: scroll;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: deque[Cells] = deque(maxlen=self.MAX_LINES)
        self._rows: list[Cells] = []
        self._wrapped_at = 0
        #: The row where the output being written began (None: not inside one).
        self._output_from: int | None = None

    @property
    def lines(self) -> list[str]:
        """The log's text, one string an entry (for tests and screenshots)."""
        return ["".join(text for text, _ in cells) for cells in self._entries]

    def row_count(self) -> int:
        return len(self._rows)

    def render_row(self, index: int, width: int) -> Cells:
        return self._rows[index]

    def on_resize(self) -> None:
        """Wrap every entry again to the new width (entries are kept as written)."""
        width = self.scrollable_content_region.width
        if width and width != self._wrapped_at:
            self._wrapped_at = width
            self._rows = [row for cells in self._entries for row in _wrap(cells, width)]
            self.update_rows()
            self.scroll_end(animate=False, immediate=True)

    def write(self, *pieces: tuple[str, str | None]) -> None:
        """Add one entry made of (text, style) pieces; it is wrapped to the pane's width."""
        cells: Cells = [(text, Style.parse(style) if style else None) for text, style in pieces if text]
        if len(self._entries) == self._entries.maxlen:
            dropped = len(_wrap(self._entries[0], self._wrapped_at)) if self._wrapped_at else 1
            del self._rows[:dropped]
        self._entries.append(cells)
        if not self._wrapped_at:
            return
        self._rows.extend(_wrap(cells, self._wrapped_at))
        rows = len(self._rows)
        self.set_reactive(Widget.virtual_size, Size(0, rows))
        self.vertical_scrollbar.window_virtual_size = rows
        self.scroll_to(y=max(0, rows - self.rows_visible), animate=False, immediate=True, force=True)
        self.refresh()

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_by(-1)", "Up", show=False),
        Binding("down", "scroll_by(1)", "Down", show=False),
        Binding("pageup", "scroll_page(-1)", "Page up", show=False),
        Binding("pagedown", "scroll_page(1)", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    def action_scroll_by(self, rows: int) -> None:
        self.scroll_to(y=self.scroll_offset.y + rows, animate=False, immediate=True, force=True)

    def action_scroll_page(self, direction: int) -> None:
        self.action_scroll_by(direction * max(1, self.rows_visible - 1))

    def begin_output(self) -> None:
        """A command's output follows its command line (written when it started)."""
        if self._output_from is None:
            self._output_from = max(0, len(self._rows) - 1)

    def end_output(self) -> None:
        """After a command's output: when it does not fit, show it from its command down."""
        start, self._output_from = self._output_from, None
        if start is not None and len(self._rows) - start > self.rows_visible:
            self.scroll_to(y=start, animate=False, immediate=True, force=True)

    def command(self, line: str) -> None:
        self._output_from = len(self._rows)
        self.write(("(vliwdbg) ", "dim"), (line, "bold"))

    def output(self, line: str) -> None:
        self.write((line, None))

    def stop(self, kind: str, message: str) -> None:
        """A stop's one-line message (it names its own kind), marked in the kind's colour."""
        self.write(("■ ", STOP_LOG_STYLES.get(kind, "bold yellow")), (message, "bold"))

    def error(self, message: str) -> None:
        self.write((f"error: {message}", "bold red"))

    def note(self, message: str) -> None:
        for line in message.splitlines():
            self.write((line, "dim italic"))


def _common_prefix(lines: list[str]) -> str:
    """The longest text every completion starts with."""
    first, last = min(lines), max(lines)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]
