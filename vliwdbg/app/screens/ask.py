"""A one-line question over the debugger (for view-only requests such as "jump to").

Only things that change nothing in the session are asked here; anything that does is a
command, typed on the command line.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class AskScreen(ModalScreen[str | None]):
    """Asks for one line; dismisses with the text, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    DEFAULT_CSS = """
    AskScreen {
        align: center middle;
        & > Vertical {
            width: 60;
            height: auto;
            border: round $accent;
            background: $surface;
            padding: 0 1;
        }
        & Input, & Input:focus { border: none; height: 1; padding: 0; background: $boost; }
    }
    """

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt)
            yield Input()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)
