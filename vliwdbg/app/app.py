"""The Textual app: a thin view over the core's Session.

Every key, click and palette choice becomes a command line handed to the session's `Console`, so
`--record` captures what the user did and `--replay` can redo it; the panes only read the
session, through snapshots taken after each command. Commands run one at a time, in a
thread worker (all but the one-bundle moves, which are quicker than a hand-over): a long
`continue` leaves the UI responsive, shows its progress by elapsed time, and stops at a
consistent position when escape sets the cancel flag the session polls. Nothing a user
types can crash or close the app; errors go to the log and the status line.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from vliwdbg.app.bundle import BundleView
from vliwdbg.app.command_line import CommandLine, CommandLog
from vliwdbg.app.engines import EnginesView
from vliwdbg.app.memory import MemoryView
from vliwdbg.app.palette import CommandsProvider, PaletteEntry, palette_entries
from vliwdbg.app.program import ProgramView
from vliwdbg.app.scratch import ScratchView
from vliwdbg.app.screens.ask import AskScreen
from vliwdbg.app.screens.build import BuildScreen
from vliwdbg.app.screens.help import HelpScreen
from vliwdbg.app.source import SourceView
from vliwdbg.app.status import StatusBar, StatusFigures
from vliwdbg.app.views import PaneState, SessionViews, kernel_title
from vliwdbg.commands.base import CommandError
from vliwdbg.commands.completion import complete
from vliwdbg.commands.console import CommandResult, Console, strip_comment
from vliwdbg.commands.recording import script_header, write_script
from vliwdbg.commands.table import COMMANDS, lookup
from vliwdbg.insight.effects import Word
from vliwdbg.loading.loader import KernelLoadError

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

#: A run shows its progress once it has taken this long (so quick commands never flash).
PROGRESS_AFTER = 0.15
PROGRESS_EVERY = 0.1

#: Moves of one bundle or one cycle (the s, S and n keys): they take well under a
#: millisecond, so they run on the UI thread and spare a step two thread hand-overs.
SINGLE_BUNDLE_MOVES = frozenset({"step", "back", "next"})

#: Below this many columns the screen takes its narrow layout (the reference size is 160x48;
#: 100x30 must stay usable).
NARROW_BELOW = 130

#: Stops that only say a move did what it was asked (no reason to draw the eye).
QUIET_STOPS = frozenset({"steps", "cycle"})

#: Commands that build a kernel: the build screen shows while they run.
BUILD_COMMANDS = frozenset({"load", "reload"})
#: Questions about a location: the scratch or memory pane follows the location asked about.
LOCATION_QUESTIONS = frozenset({"why", "info origin", "info uses", "watch", "rwatch"})

#: How often the app looks whether the source map is ready (it is made on a thread of the
#: session's; the source pane says "mapping sources…" meanwhile).
SOURCE_POLL_EVERY = 0.2

#: What opens the session in the background at launch: it polls the cancel callback.
Opener = Callable[[Callable[[], bool]], "Session"]


#: Shorter footer labels in the narrow layout, so that every key of the app fits in 100
#: columns (the help gives each key's whole description).
COMPACT_LABELS = {"key_command('next')": "Next", "toggle_source": "Src"}


class KeysFooter(Footer):
    """The footer. In the narrow layout it is compact and leaves out the palette's key
    (ctrl+p still opens it; help lists it), so that every key fits in 100 columns."""

    def compose(self) -> ComposeResult:
        """In the narrow layout the app's own keys come first and a pane's keys (the bundle
        pane's o and w) after them, so that what does not fit is a pane's key (the help
        lists it), never quit or help."""
        keys = list(super().compose())
        if not self.compact:
            yield from keys
            return
        app_actions = {b.action for b in self.app.BINDINGS if isinstance(b, Binding)}
        mine = [k for k in keys if not isinstance(k, FooterKey) or k.action in app_actions]
        for key in mine:
            if isinstance(key, FooterKey) and key.action in COMPACT_LABELS:
                key.description = COMPACT_LABELS[key.action]
        yield from mine
        yield from (k for k in keys if k not in mine)

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_BELOW
        if narrow != self.compact:
            self.compact = narrow
            self.show_command_palette = not narrow
            self.refresh(recompose=True)


@dataclass
class Done:
    """What a command line did, handed back to the UI thread: its result (or the exception
    a core bug raised), and the session's new position."""

    line: str
    result: CommandResult | BaseException
    snapshot: PaneState | None
    #: The words a question about a location asked about (the panes follow them).
    focus: tuple[Word, ...] = ()


class DebuggerApp(App[None]):
    """vliwdbg's screen: program, engines, scratch, memory, status, log and command line."""

    CSS_PATH = "app.tcss"
    TITLE = "vliwdbg"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (NARROW_BELOW, "-wide")]
    COMMANDS = App.COMMANDS | {CommandsProvider}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "key_command('step')", "Step", tooltip="step one bundle (step)"),
        Binding("S", "key_command('back')", "Back", tooltip="go back one bundle (back)"),
        Binding("n", "key_command('next')", "Next cycle", tooltip="run to the next cycle (next)"),
        Binding("c", "key_command('continue')", "Continue", tooltip="run to the next stop (continue)"),
        Binding("C", "key_command('rcontinue')", "Reverse", tooltip="run back to the last stop (rcontinue)"),
        Binding("b", "toggle_breakpoint", "Break", tooltip="toggle a breakpoint on the selected bundle"),
        Binding("t", "run_to_selected", "Run to", tooltip="run until the selected bundle is next (advance)"),
        Binding("g", "goto", "Go to", tooltip="go to a cycle or a step (goto cycle N, goto step N)"),
        Binding("x", "toggle_hex", "Hex", tooltip="show words in hex or decimal (set format toggle)"),
        Binding(
            "v",
            "toggle_source",
            "Source",
            tooltip="show the kernel's source beside the program (narrow screens: in its place), and back",
        ),
        Binding(
            "ctrl+o",
            "toggle_output",
            "Out",
            key_display="^o",
            priority=True,
            tooltip="enlarge the output to most of the screen, and back (works from anywhere)",
        ),
        Binding("colon", "command_line", "Command", key_display=":", show=False),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="this help"),
        Binding("q", "quit_debugger", "Quit", tooltip="leave the debugger (quit)"),
        Binding("j", "jump", "Jump to address", show=False),
        Binding("escape", "interrupt", "Interrupt", show=False),
    ]

    #: Keys the help screen lists besides the footer's.
    EXTRA_KEYS = (
        (":", "type a command (on the command line, under the log)"),
        ("up down pgup pgdn home end", "select a bundle in the program pane"),
        ("enter", "describe the selected bundle (info bundle)"),
        ("e", "in the program pane: wrap the next bundle over as many rows as it needs, and back"),
        ("click", "select a bundle; a click on its gutter toggles its breakpoint"),
        ("j", "in the scratch or memory pane: jump to an address, a name or values[i]"),
        ("up down enter", "in the bundle pane: select a slot; enter opens folded compares"),
        ("up down pgup pgdn", "in the source pane (v): select a line; its bundles are marked ◆"),
        ("b", "in the source pane: toggle a breakpoint on the line (break FILE:LINE / delete ID)"),
        ("enter", "in the source pane: the bundles the line made (info line FILE:LINE)"),
        ("f", "in the source pane: the next file the bundle was made through (a helper's callers)"),
        ("o / w", "in the bundle pane: info origin / why about what the selected slot writes"),
        ("up down pgup pgdn", "in the output pane (tab to it): scroll the output"),
        ("tab", "move between panes, in screen order; in the command line: complete"),
        ("up down", "in the command line: the history of commands"),
        ("escape", "interrupt a run; leave the command line"),
        ("ctrl+p", "the command palette: every command"),
    )

    def __init__(
        self,
        session: Session | None = None,
        record: str | Path | None = None,
        *,
        opener: Opener | None = None,
        kernel: str | None = None,
    ) -> None:
        """An app on an open `session`, or, with `opener`, one that opens its session in a
        worker behind the build screen (`kernel` names it there): escape then gives up and
        the app exits with status 2, `launch_error` saying why."""
        super().__init__()
        self.record = Path(record) if record is not None else None
        self._opener = opener
        self._opening = kernel or "three-lane"
        self.launch_error: str | None = None
        self._build_cancel = threading.Event()
        if session is not None:
            self._adopt_session(session)
        self._waiting_lines: deque[str] = deque()
        self._current_line: str | None = None
        self._cancel = threading.Event()
        self._progress: tuple[int, int] | None = None
        self._started = 0.0
        self._ticks = 0
        self._ticker: Timer | None = None
        self._last_error: str | None = None
        self._snapshot: PaneState | None = None
        #: The session's program_generation that the panes were loaded for (None: not yet).
        self._generation: int | None = None
        #: Called after the panes have been redrawn for a new position (benchmarks time
        #: steps with it, from the key to the end of the render).
        self.after_render: list[Callable[[], None]] = []
        #: The pc the last `t` asked for: it stays selected when the move stops early.
        self._run_to: int | None = None
        #: The words the panes were last sent to (a stop's, or a question's).
        self._followed: tuple[Word, ...] = ()
        #: Looks whether the source map is ready, until it is (or there is none).
        self._source_poll: Timer | None = None
        #: The bundle the source pane shows, and whether the map was ready then.
        self._source_shown: tuple[int, bool] | None = None
        #: The file the user went to with `f` in the source pane (None: the innermost).
        self._source_file: str | None = None

    def _adopt_session(self, session: Session) -> None:
        self.session = session
        # A screen never waits for the source map: commands that need it say it is coming.
        session.source_waits = False
        self.command_console = Console(session)
        self._record_header = "" if self.record is None else script_header(session, self.record)
        self.views = SessionViews(session)

    @property
    def hex_mode(self) -> bool:
        """Whether words show in hex: the session's `set format`, as of the last snapshot."""
        return self._snapshot is not None and self._snapshot.hex_mode

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield ProgramView(id="program")
                yield SourceView(id="source")
                yield BundleView(id="bundle")
            with Vertical(id="right"):
                yield EnginesView(id="engines")
                yield ScratchView(id="scratch")
                yield MemoryView(id="memory")
                yield CommandLog(id="log")
        yield CommandLine(id="command")
        yield KeysFooter()

    def on_mount(self) -> None:
        titles = {
            "program": "Program",
            "source": "Source",
            "bundle": "Bundle",
            "engines": "Engines",
            "scratch": "Scratch",
            "memory": "Memory",
            "log": "Output",
        }
        for pane_id, title in titles.items():
            pane = self.query_one(f"#{pane_id}")
            pane.border_title = title
            pane.add_class("pane")
        if self._opener is not None and not hasattr(self, "session"):
            self._open_in_background()
            return
        self._session_ready()

    def _session_ready(self) -> None:
        self.command_line.set_completer(partial(complete, self.session))
        self._show(self.views.snapshot())
        self.log_pane.note(self.views.welcome())
        self.program_pane.focus()

    def _open_in_background(self) -> None:
        """Open the session in a worker behind the build screen (never a blank screen)."""
        self.push_screen(BuildScreen(kernel_title(self._opening, os.path.abspath(self._opening))))
        self.run_worker(self._open_worker, thread=True, group="open", exit_on_error=False)

    def _open_worker(self) -> None:
        assert self._opener is not None
        try:
            session: Session | BaseException = self._opener(self._build_cancel.is_set)
        except BaseException as exc:  # a load error, or a bug: either way one line and leave
            session = exc
        self.call_from_thread(self._opened, session)

    def _opened(self, session: Session | BaseException) -> None:
        if self._build_cancel.is_set() and self.launch_error is not None:
            return
        if isinstance(session, BaseException):
            message = str(session) if isinstance(session, KernelLoadError) else repr(session)
            self.launch_error = message
            self.exit(return_code=2)
            return
        keep_out_of_collections()
        self._adopt_session(session)
        self.pop_screen()
        self._session_ready()

    def on_unmount(self) -> None:
        """Leaving: a build still under way in a worker is stopped (its thread ends)."""
        self._build_cancel.set()

    def on_build_screen_cancelled(self, _: BuildScreen.Cancelled) -> None:
        """Escape on the build screen: at launch, leave at once (the worker's build is
        stopped by the cancel flag the loader polls); on a load, interrupt it (the old
        kernel stays)."""
        if not hasattr(self, "session"):
            self._build_cancel.set()
            title = kernel_title(self._opening, os.path.abspath(self._opening))
            self.launch_error = f"{title}: the build was cancelled"
            self.exit(return_code=2)
        else:
            self._cancel.set()

    @property
    def program_pane(self) -> ProgramView:
        return self.query_one("#program", ProgramView)

    @property
    def source_pane(self) -> SourceView:
        return self.query_one("#source", SourceView)

    @property
    def log_pane(self) -> CommandLog:
        return self.query_one("#log", CommandLog)

    @property
    def bundle_pane(self) -> BundleView:
        return self.query_one("#bundle", BundleView)

    @property
    def command_line(self) -> CommandLine:
        return self.query_one("#command", CommandLine)

    @property
    def busy(self) -> bool:
        """Whether a command is running (or waiting) in the worker."""
        return self._current_line is not None

    def _load_program(self, generation: int) -> None:
        """Read what is fixed for the program (bundles, names, regions), at start and after
        a `load` or `reload` put another one into the session; then, in a thread so the
        screen does not wait, warm the session up and build the program-wide figures."""
        session = self.session
        self._generation = generation
        self.program_pane.load(session.program, session.named_slot)
        self.program_pane.border_subtitle = self.views.program_subtitle()
        self.query_one("#scratch", ScratchView).load(self.views.scratch_map)
        self.query_one("#memory", MemoryView).load(session.problem.regions, len(session.mem))
        self.program_pane.mark(frozenset())
        self._source_shown = None
        self._source_file = None
        self._watch_source_map()
        self.call_after_refresh(
            self.run_worker, self._prepare_insight, thread=True, group="insight", exit_on_error=False
        )

    def _prepare_insight(self) -> None:
        """In a worker, once the first screen is up: first what the session would otherwise
        build at the first move (its warm-up: a step must not wait for it), then the
        program-wide figures for the panes."""
        try:
            self.views.warm_up()
        except Exception as exc:  # the first move builds it again and reports what fails
            self.call_from_thread(self.log_pane.error, f"warm-up failed: {exc}")
        try:
            self.views.prepare_insight()
        except Exception as exc:  # the panes work without these figures; say why they are missing
            self.call_from_thread(self.log_pane.error, f"occupancy figures unavailable: {exc}")
            return
        self.call_from_thread(self._insight_ready)

    def _insight_ready(self) -> None:
        self.program_pane.border_subtitle = self.views.program_subtitle()
        insight = self.views.insight
        if insight is not None:
            # As tall as the densest bundle needs (the CSS caps it), so a sparse kernel's
            # program pane keeps the room; set once per program, not at every step.
            self.bundle_pane.styles.max_height = max(5, insight.densest + 2)
        if not self.busy:
            self._show(self.views.snapshot())

    def _show(self, snapshot: PaneState) -> None:
        """Draw a snapshot of the session in every pane."""
        if snapshot.generation != self._generation:
            self._load_program(snapshot.generation)
            self._snapshot = None
        previous, self._snapshot = self._snapshot, snapshot
        views = self.views
        moved = previous is None or (previous.step, previous.pc) != (snapshot.step, snapshot.pc)
        program = self.program_pane
        program.show(snapshot.pc, views.breakpoint_marks(), follow=moved)
        if moved and self._run_to is not None and self._run_to != snapshot.pc:
            program.select_pc(self._run_to)
        self._run_to = None
        self._show_bundle(program.selected)
        self._show_source(program.selected, follow=moved)
        scratch = self.query_one("#scratch", ScratchView)
        scratch.show(snapshot.scratch, snapshot.scratch_changed, self.hex_mode)
        self.query_one("#memory", MemoryView).show(
            snapshot.mem, snapshot.mem_changed, snapshot.reference, self.hex_mode
        )
        if moved and snapshot.focus:
            self._follow(snapshot.focus)
        engines = self.query_one("#engines", EnginesView)
        engines.show(
            views.engine_figures(snapshot, engines.strip_width(engines.scrollable_content_region.width))
        )
        self.query_one("#status", StatusBar).show(
            StatusFigures(
                kernel=views.kernel_name(),
                cycle=snapshot.cycle,
                step=snapshot.step,
                pc=snapshot.pc,
                state=snapshot.state,
                stop_kind=None if snapshot.stop_kind in QUIET_STOPS else snapshot.stop_kind,
                stop_message=None if snapshot.stop_kind in QUIET_STOPS else snapshot.stop_message,
                error=self._last_error,
                where=snapshot.where,
                total=snapshot.total,
            )
        )
        for hook in self.after_render:
            self.call_after_refresh(hook)

    def _show_bundle(self, pc: int) -> None:
        """The bundle pane on bundle `pc`: the next one with its values from the snapshot;
        another with its values now, read only while no command runs (the session is
        then the UI thread's alone)."""
        snapshot = self._snapshot
        if snapshot is None:
            return
        if pc == snapshot.pc:
            slots = snapshot.slots
        else:
            slots = tuple(self.views.slot_lines(pc, with_values=not self.busy))
        self.bundle_pane.show(pc, slots)

    def _watch_source_map(self) -> None:
        """Until the source map is ready (or known to be missing), look now and then: the
        pane fills in then, without a command."""
        if self._source_poll is not None:
            self._source_poll.stop()
            self._source_poll = None
        if self.views.source_pending():
            self._source_poll = self.set_interval(SOURCE_POLL_EVERY, self._poll_source_map)
        else:
            self._source_map_done()

    def _poll_source_map(self) -> None:
        if self.views.source_pending():
            return
        if self._source_poll is not None:
            self._source_poll.stop()
            self._source_poll = None
        self._source_map_done()

    def _source_map_done(self) -> None:
        """The map is made (or there is none): index its lines in a worker, then show it."""
        self.run_worker(self._prepare_source, thread=True, group="source", exit_on_error=False)

    def _prepare_source(self) -> None:
        try:
            self.views.prepare_source()
        except Exception as exc:  # the pane still shows the file; say why marks may be slow
            self.call_from_thread(self.log_pane.error, f"source index unavailable: {exc}")
        self.call_from_thread(self._source_ready)

    def _source_ready(self) -> None:
        self._source_shown = None
        self._show_source(self.program_pane.selected, follow=True)

    def _show_source(self, pc: int, *, follow: bool = True) -> None:
        """The source pane on bundle `pc`'s file, its lines marked; the cursor goes to its
        first slot's line when `follow` or when the pane moves to another bundle."""
        pane = self.source_pane
        note = self.views.source_status()
        if note is not None:
            pane.show_note(note)
            self.program_pane.mark(frozenset())
            self._source_shown = None
            return
        moved = self._source_shown != (pc, True)
        self._source_shown = (pc, True)
        page = self.views.source_page(pc, self._source_file, pane.file)
        marks = self.views.line_breakpoint_marks(page.file) if page is not None else {}
        pane.show(page, marks, follow=follow or moved)

    def action_toggle_source(self) -> None:
        """Show the source pane (beside the program, or in its place on a narrow screen),
        or hide it."""
        screen = self.screen
        if isinstance(screen, BuildScreen | HelpScreen | AskScreen):
            return
        shown = not screen.has_class("-source")
        screen.set_class(shown, "-source")
        if shown:
            pane = self.source_pane
            # Shown by the CSS only once styles are updated: focus it then.
            self.stylesheet.apply(pane)
            self._focus_now(pane)
            if pane.file is not None and pane.cursor:
                self.program_pane.mark(frozenset(self.views.source_pcs(pane.file, pane.cursor)))
        else:
            self.program_pane.mark(frozenset())
            if self.focused is self.source_pane:
                self._focus_now(self.program_pane)
        program = self.program_pane
        # The program pane changed height: its selected bundle back in view.
        self.call_after_refresh(program.scroll_row_into_view, program.row_of_pc(program.selected))

    def _follow(self, words: Iterable[Word]) -> None:
        """Scroll the memory and scratch panes to the first word of each space in `words`,
        and mark it."""
        words = tuple(words)
        self._followed = words
        memory = next((addr for space, addr in words if space == "m"), None)
        scratch = next((addr for space, addr in words if space == "s"), None)
        self.query_one("#memory", MemoryView).follow(memory)
        self.query_one("#scratch", ScratchView).follow(scratch)

    # --- running commands -----------------------------------------------------------------

    def submit(self, line: str) -> None:
        """Run a command line after any still waiting: the one way a key changes the session.
        Before the session has opened (the build screen), nothing runs: `quit` leaves."""
        line = line.strip()
        if not hasattr(self, "session"):
            if line == "quit":
                self.on_build_screen_cancelled(BuildScreen.Cancelled())
            return
        if line:
            self._waiting_lines.append(line)
            if self._current_line is None:
                self._start_next()

    def _start_next(self) -> None:
        line = self._waiting_lines.popleft()
        self._current_line = line
        self._cancel.clear()
        self._progress = None
        self._started = time.monotonic()
        self._ticks = 0
        self.log_pane.command(line)
        if self._command_name(line) in BUILD_COMMANDS:
            verb = "reloading" if self._command_name(line) == "reload" else "loading"
            screen = BuildScreen(self._build_target(line), verb)
            # Shown only if the build is still going by then: ours take a few tenths of a
            # second, and a screen that flashes up and away says nothing.
            self.set_timer(PROGRESS_AFTER, partial(self._show_build_screen, line, screen))
        if line in SINGLE_BUNDLE_MOVES and not self._waiting_lines:
            self._finished(self._run(line))
            return
        self._ticker = self.set_interval(PROGRESS_EVERY, self._show_progress)
        self.run_worker(partial(self._work, line), thread=True, group="command", exit_on_error=False)

    def _show_build_screen(self, line: str, screen: BuildScreen) -> None:
        if self._current_line == line and not self._cancel.is_set():
            self.push_screen(screen)

    def _work(self, line: str) -> None:
        """In the worker thread: run the line, then hand the result to the UI thread."""
        self.call_from_thread(self._finished, self._run(line))

    def _run(self, line: str) -> Done:
        """Run the line, then snapshot the session for the panes (and, for a question
        about a location, the words it names)."""
        try:
            result = self.command_console.run(line, cancel=self._poll_cancel, progress=self._note_progress)
            focus: tuple[Word, ...] = ()
            name = self._command_name(line)
            if name in LOCATION_QUESTIONS and not result.error:
                focus = self.views.location_focus(self._command_args(line))
            return Done(line, result, self.views.snapshot(), focus)
        except Exception as exc:  # a bug in the core must not take the user's session down
            return Done(line, exc, None)

    @staticmethod
    def _command_name(line: str) -> str | None:
        """The command a line runs (by its full name), or None for a bad line."""
        try:
            return lookup(strip_comment(line))[0].name
        except CommandError:
            return None

    @staticmethod
    def _command_args(line: str) -> str:
        text = strip_comment(line)
        try:
            return text[lookup(text)[1] :].strip()
        except CommandError:
            return ""

    def _build_target(self, line: str) -> str:
        """The kernel a load or reload builds, as the build screen names it."""
        spec = self._command_args(line) or self.session.kernel.path or self.session.kernel.name
        return kernel_title(spec, os.path.abspath(spec))

    def _poll_cancel(self) -> bool:
        """Polled by the session about every millisecond of a run. It also hands the
        interpreter lock to the UI thread for a moment: a thread of pure Python otherwise
        keeps it for whole switch intervals, and the UI, which gives it up at every wait
        for input, gets it back only after each of them, too slowly to see a key."""
        time.sleep(0)
        return self._cancel.is_set()

    def _note_progress(self, step: int, cycle: int) -> None:
        self._progress = (step, cycle)

    def _show_progress(self) -> None:
        line = self._current_line
        if line is None or time.monotonic() - self._started < PROGRESS_AFTER:
            return
        self._ticks += 1
        step, cycle = self._progress if self._progress else (None, None)
        fraction = self.views.run_fraction(cycle)
        self.query_one("#status", StatusBar).show_running(line, step, cycle, fraction, self._ticks)

    def _finished(self, done: Done) -> None:
        self._current_line = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.query_one("#status", StatusBar).show_idle()
        if isinstance(self.screen, BuildScreen):
            self.pop_screen()
        self._log_result(done.line, done.result)
        self._save_record()
        if self._cancel.is_set():
            self._waiting_lines.clear()
        self._show(done.snapshot or self.views.snapshot())
        if done.focus:
            self._follow(done.focus)
        if not isinstance(done.result, BaseException) and done.result.quit:
            self.exit()
        elif self._waiting_lines:
            self._start_next()

    def _log_result(self, line: str, result: CommandResult | BaseException) -> None:
        """The command, its output and its stop in the log; an error also on the status line."""
        log = self.log_pane
        log.begin_output()
        self._last_error = None
        if isinstance(result, BaseException):
            self._last_error = f"internal error in {line!r}: {type(result).__name__}: {result}"
            log.error(self._last_error)
            return
        stop = result.stop
        shown = False
        for out in result.output:
            if stop is not None and out == stop.message and stop.kind not in QUIET_STOPS:
                log.stop(stop.kind, out)
                shown = True
            else:
                log.output(out)
        if stop is not None and not shown and stop.kind not in QUIET_STOPS:
            log.stop(stop.kind, stop.message)
        if result.error:
            self._last_error = result.error
            log.error(result.error)
        log.end_output()

    def _save_record(self) -> None:
        """Write every command given so far, so --record survives a killed terminal too."""
        if self.record is None:
            return
        try:
            write_script(self.record, self.command_console.recorded, self._record_header)
        except OSError as exc:
            self.log_pane.error(f"--record {self.record}: {exc.strerror or exc}")
            self.record = None

    # --- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Before the session has opened, only leaving (and the help) works."""
        return hasattr(self, "session") or action in ("quit_debugger", "help", "interrupt")

    def action_key_command(self, line: str) -> None:
        self.submit(line)

    def action_toggle_breakpoint(self) -> None:
        self.submit(self.views.toggle_breakpoint_command(self.program_pane.selected))

    def action_run_to_selected(self) -> None:
        """Run until the selected bundle is next (the core's `advance`: other stops still
        stop it first, and it makes no breakpoint). When another stop comes first, the
        target stays selected, so `t` again goes on toward it."""
        target = self.program_pane.selected
        self._run_to = target
        self.submit(f"advance {target}")

    def action_goto(self) -> None:
        self._open_command_line("goto cycle ")

    def action_toggle_hex(self) -> None:
        self.submit(f"set format {'dec' if self.hex_mode else 'hex'}")

    def action_toggle_output(self) -> None:
        """Enlarge the output pane to most of the screen, or put it back."""
        screen = self.screen
        if isinstance(screen, BuildScreen | HelpScreen | AskScreen):
            return
        big = not screen.has_class("-output-big")
        screen.set_class(big, "-output-big")
        if big:
            self._focus_now(self.log_pane)
        elif self.focused is self.log_pane:
            self._focus_now(self.program_pane)

    def action_command_line(self) -> None:
        self._open_command_line("")

    def _open_command_line(self, text: str) -> None:
        line = self.command_line
        line.value = text
        line.cursor_position = len(text)
        self._focus_now(line)

    def _focus_now(self, widget: Widget) -> None:
        """Move the focus before the next key is handled: `Widget.focus` only queues the
        move, so the keys typed (or pasted) right after `:` would still reach the program
        pane's bindings, and the `s` and `c` of `info scratch` would step and continue."""
        self.screen.set_focus(widget)

    def action_help(self) -> None:
        keys = [(b.key_display or b.key, b.tooltip or b.description) for b in self._shown_bindings()]
        commands = [(c.syntax, c.summary) for c in COMMANDS]
        self.push_screen(HelpScreen([*keys, *self.EXTRA_KEYS], commands))

    def _shown_bindings(self) -> Iterable[Binding]:
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.show:
                yield binding

    def action_quit_debugger(self) -> None:
        if self.busy:
            self._cancel.set()
            self._waiting_lines.clear()
        self.submit("quit")

    def action_interrupt(self) -> None:
        if not hasattr(self, "session"):
            self.on_build_screen_cancelled(BuildScreen.Cancelled())
        elif self.busy:
            self._cancel.set()
            self._waiting_lines.clear()
            self.log_pane.note("interrupting…")
        elif self.screen.has_class("-output-big"):
            self.action_toggle_output()

    def action_jump(self) -> None:
        focused = self.focused
        if not isinstance(focused, ScratchView | MemoryView):
            return
        what = (
            "a register name or scratch address"
            if isinstance(focused, ScratchView)
            else "an address or region"
        )

        def jump(target: str | None) -> None:
            if target:
                error = focused.jump_to(target)
                if error:
                    self.log_pane.error(error)

        self.push_screen(AskScreen(f"Jump to {what}:"), jump)

    # --- messages from the panes ----------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Keys typed (or pasted) right after `:` were already on their way to the program
        pane when the command line took the focus; they reach the app unhandled, and belong
        on the command line rather than lost. (Run before the app's bindings, so the key
        that opens the command line is not typed into it.)"""
        line = self.command_line
        if self.focused is line and event.is_printable and event.character:
            event.prevent_default()
            event.stop()
            line.insert_text_at_cursor(event.character)

    def on_input_submitted(self, event: CommandLine.Submitted) -> None:
        if event.input is not self.command_line:
            return
        event.stop()
        line = event.value.strip()
        self.command_line.value = ""
        if line:
            self.command_line.remember(line)
            self.submit(line)
        self._focus_now(self.program_pane)

    def on_command_line_left(self, _: CommandLine.Left) -> None:
        self.command_line.value = ""
        self._focus_now(self.program_pane)

    def on_command_line_completions(self, event: CommandLine.Completions) -> None:
        self.log_pane.note("   ".join(event.words))

    def on_program_view_breakpoint_toggled(self, event: ProgramView.BreakpointToggled) -> None:
        self.submit(self.views.toggle_breakpoint_command(event.pc))

    def on_program_view_describe_bundle(self, event: ProgramView.DescribeBundle) -> None:
        self.submit(f"info bundle {event.pc}")

    def on_program_view_selected(self, event: ProgramView.Selected) -> None:
        self._show_bundle(event.pc)
        self._show_source(event.pc)

    def on_source_view_line_selected(self, event: SourceView.LineSelected) -> None:
        """Mark in the program pane the bundles the selected line made (while shown)."""
        if not self.screen.has_class("-source"):
            return
        pcs = frozenset(self.views.source_pcs(event.file, event.line))
        self.program_pane.mark(pcs, reveal=self.focused is self.source_pane)

    def on_source_view_breakpoint_toggled(self, event: SourceView.BreakpointToggled) -> None:
        self.submit(self.views.toggle_line_breakpoint_command(event.file, event.line))

    def on_source_view_next_file(self, _: SourceView.NextFile) -> None:
        """`f`: the next file the selected bundle's slots were made through, and back."""
        files = self.views.source_files(self.program_pane.selected)
        if not files:
            return
        shown = self.source_pane.file
        self._source_file = files[(files.index(shown) + 1) % len(files)] if shown in files else files[0]
        self._source_shown = None
        self._show_source(self.program_pane.selected)

    def on_source_view_describe_line(self, event: SourceView.DescribeLine) -> None:
        self.submit(f"info line {event.file}:{event.line}")

    def on_bundle_view_ask(self, event: BundleView.Ask) -> None:
        self.submit(event.line)

    # --- the palette ----------------------------------------------------------------------

    def palette_entries(self) -> list[PaletteEntry]:
        return palette_entries(COMMANDS)

    def palette_chosen(self, entry: PaletteEntry) -> None:
        if entry.needs_input:
            self._open_command_line(entry.line)
        else:
            self.submit(entry.line)


def keep_out_of_collections() -> None:
    """Take every object alive now out of the cyclic garbage collector's reach (gc.freeze).

    Called once the session is open: its program, compiled bundles and reference trace live
    as long as the app, and each full collection would walk them all again (0.04-0.05 s on
    the three-lane kernel, 0.17-0.19 s on the baseline's 400,000 objects), once during the
    first frame and then at a random step. Objects made later (history, snapshots) are
    collected as usual, and refcounting frees frozen ones as ever.
    """
    gc.freeze()


def run_app(
    session: Session | None = None,
    record: str | Path | None = None,
    *,
    opener: Opener | None = None,
    kernel: str | None = None,
) -> tuple[int, str | None]:
    """Run the debugger until the user quits, on an open session or on the one `opener`
    opens behind the build screen. `record` names a file that receives every command given
    (keys included), as a script that --replay runs to the same state; it is rewritten
    after each command. Returns the exit status and, when the session never opened, the
    one line that says why."""
    if session is not None:
        keep_out_of_collections()
    app = DebuggerApp(session, record=record, opener=opener, kernel=kernel)
    app.run()
    return (app.return_code or 0), app.launch_error
