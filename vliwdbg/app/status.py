"""The status bar: where the session stands, why it last stopped, and how fast the kernel is.

The second line measures the cycle count against the take-home's landmarks (the starting
kernel's count and the thresholds people aim for), so an author sees at every moment which
of them the run so far still beats. During a long run it gives way to a progress bar with
the cycle count moving.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

#: The take-home's landmarks in cycles: its starting kernel, then the thresholds.
LANDMARKS = (147_734, 18_532, 2_164, 1_790, 1_579, 1_548, 1_487, 1_363)

#: Styles of the stop kinds the core reports (Stop.kind); others show plain.
STOP_STYLES = {
    "breakpoint": "bold yellow",
    "watchpoint": "bold yellow",
    "divergence": "bold red",
    "fault": "bold red",
    "pause": "bold cyan",
    "end": "bold green",
    "interrupted": "bold yellow",
    "max-steps": "bold red",
}


@dataclass(frozen=True)
class StatusFigures:
    """One snapshot of the session for the status bar."""

    kernel: str
    cycle: int
    step: int
    pc: int
    state: str
    stop_kind: str | None = None
    stop_message: str | None = None
    error: str | None = None


def status_text(figures: StatusFigures) -> Text:
    """The first line: kernel, cycle, step, pc, state, then the error or the last stop."""
    text = Text.assemble(
        (f" {figures.kernel} ", "bold reverse"),
        "  cycle ",
        (f"{figures.cycle:,}", "bold"),
        "  step ",
        (f"{figures.step:,}", "bold"),
        "  pc ",
        (f"{figures.pc}", "bold"),
        "  ",
        (figures.state, "italic"),
        "  ",
    )
    if figures.error:
        text.append(f"error: {figures.error}", "bold red")
    elif figures.stop_message:
        style = STOP_STYLES.get(figures.stop_kind or "", "bold")
        text.append(f"{figures.stop_kind}: " if figures.stop_kind else "", style)
        text.append(figures.stop_message)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def landmark_text(cycle: int) -> Text:
    """The cycle count against each landmark: ✓ while the count is at or under it."""
    text = Text(" landmarks ", style="dim", no_wrap=True, overflow="ellipsis")
    for landmark in LANDMARKS:
        within = cycle <= landmark
        text.append(f" {landmark:,}", "bold green" if within else "dim")
        text.append(" ✓" if within else " ✗", "green" if within else "dim red")
    return text


class StatusBar(Vertical):
    """Two lines at the top: the position and stop, then landmarks or a run's progress."""

    DEFAULT_CSS = """
    StatusBar {
        height: 2;
        background: $panel;
        & > #status-line { height: 1; }
        & > #status-second { height: 1; }
        & #landmarks { width: 1fr; }
        & #run-progress { display: none; width: auto; }
        & #run-label { width: 1fr; }
        &.-running #landmarks { display: none; }
        &.-running #run-progress { display: block; }
        & ProgressBar Bar { width: 30; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="status-line")
        with Horizontal(id="status-second"):
            yield Static(id="landmarks")
            with Horizontal(id="run-progress"):
                yield ProgressBar(total=None, show_eta=False, show_percentage=False)
                yield Static(id="run-label")

    def show(self, figures: StatusFigures) -> None:
        self.query_one("#status-line", Static).update(status_text(figures), layout=False)
        self.query_one("#landmarks", Static).update(landmark_text(figures.cycle), layout=False)

    def show_running(self, command: str, step: int | None, cycle: int | None) -> None:
        """Switch the second line to the progress of a long run (or keep it current)."""
        self.add_class("-running")
        moved = "" if cycle is None else f"  cycle {cycle:,}  step {step:,}"
        label = Text.assemble(("  running ", "bold"), command, moved, ("   escape interrupts", "dim"))
        self.query_one("#run-label", Static).update(label, layout=False)

    def show_idle(self) -> None:
        self.remove_class("-running")
