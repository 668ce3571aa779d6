"""The status bar: where the session stands, why it last stopped, and how fast the kernel is.

The first line is the position (and where the current bundle is in the algorithm, as the
kernel's compares tell), the second the last stop or error. The third measures the whole
run's cycle count against the take-home's landmarks (the starting kernel's count and the
thresholds people aim for) once a move has reached the end, so an author sees which of them
the kernel beats and how far the next one is. During a long run it gives way to a progress
bar with the cycle count moving.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

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
    #: Where the current bundle is in the algorithm, from the kernel's compares.
    where: str | None = None
    #: The whole run's cycle count, once known.
    total: RunTotal | None = None


#: Between the status line's fields: a visible mark, so fields never read as one word
#: even where a renderer drops the spaces around styled pieces.
SEPARATOR = (" · ", "dim")


def position_text(figures: StatusFigures) -> Text:
    """The first line: `three-lane  cycle 10 · step 10 · pc 10 · paused · round 0, ...`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {figures.kernel} ", "bold reverse")
    text.append(" ")
    fields = (("cycle", f"{figures.cycle:,}"), ("step", f"{figures.step:,}"), ("pc", f"{figures.pc}"))
    for n, (label, value) in enumerate(fields):
        if n:
            text.append(*SEPARATOR)
        text.append(f"{label} ")
        text.append(value, "bold")
    text.append(*SEPARATOR)
    text.append(figures.state, "italic")
    if figures.where:
        text.append(*SEPARATOR)
        text.append(figures.where)
    return text


def message_text(figures: StatusFigures) -> Text:
    """The second line: the last command's error, else why the session last stopped."""
    text = Text(" ", no_wrap=True, overflow="ellipsis")
    if figures.error:
        text.append(f"error: {figures.error}", "bold red")
    elif figures.stop_message:
        text.append("■ ", STOP_STYLES.get(figures.stop_kind or "", "bold"))
        text.append(figures.stop_message, "bold")
    return text


@dataclass(frozen=True)
class RunTotal:
    """How the run ends, once the session's history has been there: its cycle count, and
    `how` it stops ("end" or "halt": the program's end; "fault": a fault before it)."""

    cycles: int
    how: str


def landmark_text(total: RunTotal | None) -> Text:
    """The whole run's cycle count against each landmark (✓ under it, = on it, ✗ over it),
    and how far the next one is. The count at the current position says nothing about the
    kernel's speed, so until a move has reached the end the line only lists the landmarks."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if total is None:
        text.append(" landmarks  ", "dim")
        text.append("  ".join(f"{landmark:,}" for landmark in LANDMARKS))
        text.append("  · run to the end to compare", "dim italic")
        return text
    if total.how == "fault":
        text.append(f" the run faults at cycle {total.cycles:,}, before its end:", "bold red")
        text.append(" no total to compare with the landmarks", "dim")
        return text
    text.append(" whole run ", "dim")
    text.append(f"{total.cycles:,} cycles", "bold")
    ahead = [landmark for landmark in LANDMARKS if total.cycles >= landmark]
    if ahead:
        cut = total.cycles - ahead[0] + 1
        text.append(f" ({cut:,} to cut to beat {ahead[0]:,}):", "dim")
    else:
        text.append(" (under every landmark):", "dim")
    for landmark in LANDMARKS:
        if total.cycles < landmark:
            text.append(f" {landmark:,} ✓", "green")
        elif total.cycles == landmark:
            text.append(f" {landmark:,} =", "bold")
        else:
            text.append(f" {landmark:,} ✗", "dim")
    return text


BAR_WIDTH = 24


def progress_bar(fraction: float | None, tick: int) -> str:
    """A text bar: filled to `fraction`, or, when the end is not known yet, a block that
    moves one cell a tick. Drawn as text ten times a second, it costs a line of the status
    bar; an animated widget would redraw sixty times a second and take the CPU the run
    needs."""
    if fraction is None:
        cells = [" "] * BAR_WIDTH
        at = tick % (2 * BAR_WIDTH - 2)
        at = at if at < BAR_WIDTH else 2 * BAR_WIDTH - 2 - at
        cells[at] = "█"
        return "".join(cells)
    filled = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


class StatusBar(Vertical):
    """Three lines at the top: the position, the last stop or error, then the landmarks or
    a long run's progress."""

    DEFAULT_CSS = """
    StatusBar {
        height: 3;
        background: $panel;
        & > Static { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
        &.-running #status-third { background: $warning 25%; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="status-position")
        yield Static(id="status-message")
        yield Static(id="status-third")

    def show(self, figures: StatusFigures) -> None:
        self.query_one("#status-position", Static).update(position_text(figures), layout=False)
        message = message_text(figures)
        if message.plain != self._message:
            self._message = message.plain
            self.query_one("#status-message", Static).update(message, layout=False)
        if figures.total != self._total:
            self._total = figures.total
            self._landmarks_shown = False
        if not self.has_class("-running"):
            self._show_landmarks()

    def _show_landmarks(self) -> None:
        """Draw the landmarks line, unless it already shows this total (a step leaves it)."""
        if not self._landmarks_shown:
            self._landmarks_shown = True
            self.query_one("#status-third", Static).update(landmark_text(self._total), layout=False)

    def show_running(
        self, command: str, step: int | None, cycle: int | None, fraction: float | None, tick: int
    ) -> None:
        """Show a long run's progress on the third line (called about ten times a second)."""
        self.add_class("-running")
        text = Text.assemble(
            (" running ", "bold"),
            (command, "bold"),
            "  ",
            (progress_bar(fraction, tick), "yellow"),
            "" if cycle is None else f"  cycle {cycle:,}  step {step:,}",
            ("   escape interrupts", "dim"),
        )
        self.query_one("#status-third", Static).update(text, layout=False)

    def show_idle(self) -> None:
        """Back to the landmarks once a run has ended."""
        if self.has_class("-running"):
            self.remove_class("-running")
            self._landmarks_shown = False
            self._show_landmarks()

    _total: RunTotal | None = None
    _landmarks_shown = False
    _message = ""
