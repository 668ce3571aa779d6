"""The screen shown while a kernel builds: at launch and during `load` or `reload`.

A user's kernel file can take many seconds to build (or hang until the loader's time
limit). The screen names the kernel, counts the seconds, and says that escape gives up:
the app decides what giving up means (at launch: leave; on a load: keep the old kernel).
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label

#: Seconds between two updates of the elapsed time.
TICK = 0.25


class BuildScreen(ModalScreen[None]):
    """`building NAME… 3 s · escape cancels`, until the app dismisses it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel the build")]

    DEFAULT_CSS = """
    BuildScreen {
        align: center middle;
        & > Vertical {
            width: auto;
            min-width: 50;
            max-width: 90%;
            height: auto;
            border: round $accent;
            background: $surface;
            padding: 1 2;
        }
        & #build-title { text-style: bold; }
        & #build-hint { color: $text-muted; }
    }
    """

    class Cancelled(Message):
        """The user asked to stop the build."""

    def __init__(self, kernel: str, what: str = "building") -> None:
        super().__init__()
        self.kernel = kernel
        self.what = what
        #: Where the elapsed time comes from (the screenshots hold it still).
        self.clock = time.monotonic
        self.started = self.clock()
        self.cancelled = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.what} {self.kernel}…", id="build-title")
            yield Label(self._elapsed(), id="build-elapsed")
            yield Label("escape cancels", id="build-hint")

    def on_mount(self) -> None:
        self.set_interval(TICK, self._tick)

    def _elapsed(self) -> str:
        return f"{self.clock() - self.started:.0f} s"

    def refresh_elapsed(self) -> None:
        self.query_one("#build-elapsed", Label).update(self._elapsed())

    def _tick(self) -> None:
        self.refresh_elapsed()

    def action_cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self.query_one("#build-hint", Label).update("cancelling…")
            self.app.post_message(self.Cancelled())
