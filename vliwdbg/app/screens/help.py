"""The help screen (`?`): every key, every command of the core's table, and the marks.

The command list is the core's own table (the one the parser, completion and the palette
use), so help can never describe a command the core does not have.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

MARKS = (
    ("●  ○", "an enabled / a disabled breakpoint (click the gutter to toggle)"),
    ("▶", "the current bundle: the next one to execute"),
    ("·", "a bundle that costs no cycle (debug slots only)"),
    ("◆", "a bundle the source pane's selected line made (v shows the source)"),
    ("highlight", "a scratch or memory word that the last move changed"),
    ("≠", "an index or value that differs from the reference"),
    ("rK", "a value that holds round K's result, not yet this round's"),
    ("A → B", "status line: the bundle lies between the compares of A and of B"),
    (
        "✓  =  ✗",
        "the whole run's cycle count is under / on / over a landmark of the take-home"
        " (once a move has reached the end of the run)",
    ),
)


def help_table(title: str, rows: Iterable[tuple[str, str]], left_width: int) -> Table:
    """Two columns under a title; the left one `left_width` wide, so the tables line up."""
    table = Table(
        title=title, title_justify="left", title_style="bold", show_header=False, box=None, expand=True
    )
    table.add_column(style="bold cyan", no_wrap=True, width=left_width)
    table.add_column(ratio=1)
    for left, right in rows:
        table.add_row(Text(left), Text(right))
    return table


class HelpScreen(ModalScreen[None]):
    """Keys, commands and marks, over the debugger; any of escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 90%;
            max-width: 120;
            height: 90%;
            border: round $accent;
            border-title-color: $accent;
            background: $surface;
            padding: 0 1;
        }
        & Static { margin-bottom: 1; }
    }
    """

    def __init__(self, keys: Iterable[tuple[str, str]], commands: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = list(keys)
        self.commands = list(commands)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "vliwdbg help"
            scroll.border_subtitle = "escape closes"
            width = max(len(left) for left, _ in [*self.keys, *self.commands, *MARKS])
            yield Static(help_table("Keys", self.keys, width))
            yield Static(help_table("Commands (type : then a command; tab completes)", self.commands, width))
            yield Static(help_table("Marks", MARKS, width))
            yield Static(
                Text("Every key runs a command of the list above, so --record captures it.", style="dim")
            )
