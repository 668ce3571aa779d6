"""The adapter: DAP requests mapped onto one Session and its Console.

Two threads. The reader takes messages off the stream; it answers `pause` at once (by
setting the flag a running move polls, as the app's escape key does) and hands every
other request, in order, to the worker, which owns the session. So a long `continue`
never blocks a `pause`, and no two requests ever touch the session at once.

Nothing here computes what the core answers: moves are the Console's commands or the
Session's moves, stops come with their facts (Stop.details), and the source-level notions
(the stack, a line step) are read from the session's source map.
"""

from __future__ import annotations

import queue
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from vliwdbg.commands.base import CommandError
from vliwdbg.commands.console import CommandResult, Console
from vliwdbg.commands.table import is_command_word
from vliwdbg.core.expr import ExprError
from vliwdbg.core.session import Session, SessionError
from vliwdbg.core.stops import Stop
from vliwdbg.faces.dap import frames, memory
from vliwdbg.faces.dap.breakpoints import Book
from vliwdbg.faces.dap.events import THREAD_ID, Events
from vliwdbg.faces.dap.launch import LaunchError, LaunchOptions, parse_launch
from vliwdbg.faces.dap.memory import MemoryRefused
from vliwdbg.faces.dap.protocol import Connection, ProtocolError
from vliwdbg.faces.dap.variables import Variables
from vliwdbg.loading.loader import KernelLoadError

CAPABILITIES = {
    "supportsConfigurationDoneRequest": True,
    "supportsStepBack": True,
    "supportsConditionalBreakpoints": True,
    "supportsInstructionBreakpoints": True,
    "supportsDataBreakpoints": True,
    "supportsDisassembleRequest": True,
    "supportsSteppingGranularity": True,
    "supportsEvaluateForHovers": True,
    "supportsReadMemoryRequest": True,
    "supportsRestartRequest": True,
    "supportsTerminateRequest": True,
    "supportsExceptionInfoRequest": True,
    "exceptionBreakpointFilters": [],
}


#: Requests that run the machine: each starts with the pause flag down.
MOVES = frozenset(
    {"continue", "reverseContinue", "next", "stepIn", "stepOut", "stepBack", "configurationDone", "restart"}
)


class RequestError(ValueError):
    """A request we refuse, with the one-line message the editor shows."""


class Adapter:
    def __init__(self, connection: Connection) -> None:
        self.conn = connection
        self.session: Session | None = None
        self.console: Console | None = None
        self.book: Book | None = None
        self.variables: Variables | None = None
        self.options = LaunchOptions()
        self.cancel = threading.Event()
        self._jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events = Events(connection)

    # --- the two threads ------------------------------------------------------------------

    def serve(self) -> int:
        """Read requests until `disconnect` or the end of the stream; 0 when done."""
        worker = threading.Thread(target=self._work, name="vliwdbg-dap", daemon=True)
        worker.start()
        while True:
            try:
                message = self.conn.read()
            except ProtocolError as exc:
                print(f"vliwdbg --dap: {exc}", file=sys.stderr)
                continue
            if message is None:
                self.cancel.set()
                break
            if message.get("type") != "request":
                continue
            command = message.get("command")
            if command == "pause":
                self.cancel.set()
                self.conn.respond(message)
                continue
            if command in ("disconnect", "terminate"):
                self.cancel.set()
            elif command in MOVES or (command == "evaluate" and _in_repl(message)):
                # Cleared here, in arrival order, so that a pause sent right after the
                # move's request is not lost to the worker starting the move late.
                self.cancel.clear()
            self._jobs.put(message)
            if command == "disconnect":
                break
        self._jobs.put(None)
        worker.join()
        return 0

    def _work(self) -> None:
        while True:
            request = self._jobs.get()
            if request is None:
                return
            self.handle(request)

    def handle(self, request: dict[str, Any]) -> None:
        """Answer one request; a bad one gets an error response, never an exception."""
        command = str(request.get("command", ""))
        handler = getattr(self, "on_" + command, None)
        if handler is None:
            self.conn.fail(request, f"vliwdbg does not support the {command!r} request")
            return
        arguments = request.get("arguments") or {}
        try:
            if not isinstance(arguments, dict):
                raise RequestError("the request's arguments are not an object")
            handler(request, arguments)
        except (
            RequestError,
            CommandError,
            SessionError,
            ExprError,
            LaunchError,
            KernelLoadError,
            MemoryRefused,
        ) as exc:
            self.conn.fail(request, str(exc))
        except Exception as exc:  # the adapter must outlive any bug of ours
            traceback.print_exc(file=sys.stderr)
            self.conn.fail(request, f"internal error: {type(exc).__name__}: {exc}")

    def _need(self) -> tuple[Session, Console, Book, Variables]:
        if self.session is None or self.console is None or self.book is None or self.variables is None:
            raise RequestError("no kernel yet: send launch first")
        return self.session, self.console, self.book, self.variables

    # --- the session's life ---------------------------------------------------------------

    def on_initialize(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        self.conn.respond(request, CAPABILITIES)

    def on_launch(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        if self.session is not None:
            raise RequestError("already launched; restart or disconnect first")
        options, notes = parse_launch(args)
        session = Session.open(options.kernel, options.run_options())
        self.options = options
        self.session = session
        self.console = Console(session)
        self.book = Book(self.console)
        self.variables = Variables(session)
        self.conn.respond(request)
        for note in [*notes, *session.kernel.notes]:
            self.events.output(note)
        self.events.output(f"{session.kernel.name}: {len(session.program)} bundles; {session.where()}")
        self.conn.event("initialized")

    def on_attach(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        raise RequestError("vliwdbg runs the kernel itself: use a launch configuration")

    def on_configurationDone(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        session, console, _book, _vars = self._need()
        self.conn.respond(request)
        if self.options.no_debug:
            self._run_to_end(console)
        elif self.options.stop_on_entry:
            self._report(session.last_stop or _entry(session), "entry", force="entry")
        else:
            self._move(lambda cancel: console.run("continue", cancel=cancel))

    def on_restart(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        """Build the kernel again (the editor's restart follows an edit), at step 0, with
        the breakpoints carried over as `reload` carries them."""
        session, console, _book, variables = self._need()
        line = "reload" if session.kernel.path is not None else "restart"
        result = console.run(line)
        if result.error is not None:
            raise RequestError(result.error)
        self.conn.respond(request)
        for note in result.output[:-1]:
            self.events.output(note)
        variables.reset()
        self._report(result.stop or _entry(session), "entry", force="entry")

    def on_terminate(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        self.conn.respond(request)
        self.events.end(None)

    def on_disconnect(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        self.conn.respond(request)

    # --- breakpoints ----------------------------------------------------------------------

    def on_setBreakpoints(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, _c, book, _v = self._need()
        path = (args.get("source") or {}).get("path")
        if not isinstance(path, str):
            raise RequestError("setBreakpoints needs a source with a path")
        wanted = args.get("breakpoints")
        if wanted is None:
            wanted = [{"line": n} for n in args.get("lines") or []]
        self.conn.respond(request, {"breakpoints": book.set_lines(path, list(wanted))})

    def on_setInstructionBreakpoints(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, _c, book, _v = self._need()
        self.conn.respond(
            request, {"breakpoints": book.set_instructions(list(args.get("breakpoints") or []))}
        )

    def on_dataBreakpointInfo(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, _c, book, _v = self._need()
        self.conn.respond(request, book.data_info(str(args.get("name", ""))))

    def on_setDataBreakpoints(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, _c, book, _v = self._need()
        self.conn.respond(request, {"breakpoints": book.set_data(list(args.get("breakpoints") or []))})

    def on_setExceptionBreakpoints(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        # Divergences and faults always stop; there is nothing to choose.
        self.conn.respond(request, {"breakpoints": []})

    # --- where we are ---------------------------------------------------------------------

    def on_threads(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        self.conn.respond(request, {"threads": [{"id": THREAD_ID, "name": "core 0"}]})

    def on_stackTrace(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        session, _c, book, _v = self._need()
        found = frames.stack_frames(session, session.last_stop, book.place)
        start = int(args.get("startFrame") or 0)
        levels = int(args.get("levels") or 0)
        shown = found[start : start + levels] if levels else found[start:]
        self.conn.respond(request, {"stackFrames": shown, "totalFrames": len(found)})

    def on_scopes(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, _c, _b, variables = self._need()
        self.conn.respond(request, {"scopes": variables.scopes()})

    def on_variables(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, _c, _b, variables = self._need()
        try:
            found = variables.variables(
                int(args.get("variablesReference", 0)),
                int(args.get("start") or 0),
                int(args.get("count") or 0),
            )
        except KeyError:
            raise RequestError("that variable belongs to an earlier stop") from None
        self.conn.respond(request, {"variables": found})

    def on_evaluate(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        """Watch and hover: an expression. The debug console (REPL): any command line of
        ours, its output as the result (a move reports its stop as any move does), and
        an expression when the line is no command."""
        session, console, _b, _v = self._need()
        text = str(args.get("expression", "")).strip()
        if args.get("context") == "repl" and text and _is_command(text):
            result = console.run(text, cancel=self.cancel.is_set)
            if result.error is not None:
                raise RequestError(result.error)
            self.conn.respond(request, {"result": "\n".join(result.output), "variablesReference": 0})
            self._after_command(result)
            return
        try:
            value = session.evaluate(session.parse(text))
        except ExprError as exc:
            raise RequestError(exc.message) from None
        shown = str(value) if isinstance(value, int) else "[" + ", ".join(map(str, value)) + "]"
        self.conn.respond(request, {"result": shown, "variablesReference": 0})

    def on_exceptionInfo(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        session, _c, _b, _v = self._need()
        stop = session.last_stop
        if stop is None or stop.kind not in ("divergence", "fault", "max-steps"):
            raise RequestError("the last stop was no divergence or fault")
        self.conn.respond(
            request, {"exceptionId": stop.kind, "description": stop.message, "breakMode": "always"}
        )

    def on_disassemble(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        session, _c, _b, _v = self._need()
        try:
            base = int(str(args.get("memoryReference", "0")), 0)
        except ValueError:
            raise RequestError("a memory reference for disassembly is a pc") from None
        first = base + int(args.get("offset") or 0) + int(args.get("instructionOffset") or 0)
        count = int(args.get("instructionCount") or 0)
        if not 0 <= count <= 100_000:
            raise RequestError(f"instructionCount {count}: at most 100000")
        self.conn.respond(request, {"instructions": frames.disassemble(session, first, count)})

    def on_readMemory(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        session, _c, _b, _v = self._need()
        body = memory.read(
            session,
            str(args.get("memoryReference", "")),
            int(args.get("offset") or 0),
            int(args.get("count") or 0),
        )
        self.conn.respond(request, body)

    # --- moves ----------------------------------------------------------------------------

    def on_continue(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, console, _b, _v = self._need()
        self.conn.respond(request, {"allThreadsContinued": True})
        self._move(lambda cancel: console.run("continue", cancel=cancel))

    def on_reverseContinue(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, console, _b, _v = self._need()
        self.conn.respond(request)
        self._move(lambda cancel: console.run("rcontinue", cancel=cancel))

    def on_stepIn(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, console, _b, _v = self._need()
        self.conn.respond(request)
        self._move(lambda cancel: console.run("step", cancel=cancel))

    def on_stepBack(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        _s, console, _b, _v = self._need()
        self.conn.respond(request)
        self._move(lambda cancel: console.run("back", cancel=cancel))

    def on_next(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        """One bundle at instruction granularity or without a source map; else on until
        the innermost source line of the next bundle changes."""
        session, console, _b, _v = self._need()
        self.conn.respond(request)
        if args.get("granularity") == "instruction" or frames.line_of(session, session.pc) is None:
            self._move(lambda cancel: console.run("step", cancel=cancel))
        else:
            until = frames.next_line(session)
            self._move(lambda cancel: session.forward_until(until, cancel=cancel))

    def on_stepOut(self, request: dict[str, Any], args: dict[str, Any]) -> None:
        """On until no slot of the next bundle comes from this call of the current function."""
        session, console, _b, _v = self._need()
        self.conn.respond(request)
        until = None if args.get("granularity") == "instruction" else frames.out_of_function(session)
        if until is None:
            self._move(lambda cancel: console.run("step", cancel=cancel))
        else:
            self._move(lambda cancel: session.forward_until(until, cancel=cancel))

    def _move(self, run: Callable[[Callable[[], bool]], CommandResult | Stop]) -> None:
        session, _c, _b, variables = self._need()
        outcome = run(self.cancel.is_set)
        variables.reset()
        if isinstance(outcome, CommandResult):
            if outcome.error is not None:
                self.events.output(outcome.error, "stderr")
                self._report(session.last_stop or _entry(session), "step", force="step")
                return
            outcome = outcome.stop or _entry(session)
        self._report(outcome, "step")

    def _after_command(self, result: CommandResult) -> None:
        """A console line typed in the REPL that moved, loaded or quit."""
        if result.quit:
            self.events.end(None)
        elif result.stop is not None:
            assert self.variables is not None
            self.variables.reset()
            self._report(result.stop, "step", echo=False)

    def _run_to_end(self, console: Console) -> None:
        """noDebug: run on through every stop to the end (or a fault that cannot be passed)."""
        while True:
            result = console.run("continue", cancel=self.cancel.is_set)
            stop = result.stop
            if stop is None or stop.kind in ("end", "fault", "max-steps", "interrupted"):
                break
        if stop is not None:
            self.events.output(stop.message)
        self.events.end(stop)

    def _report(self, stop: Stop, plain: str, *, force: str | None = None, echo: bool = True) -> None:
        assert self.book is not None
        self.events.stopped(stop, self.book.family, plain, force=force, echo=echo)


def _in_repl(request: dict[str, Any]) -> bool:
    """Whether an evaluate request comes from the debug console (where a line may move)."""
    arguments = request.get("arguments")
    return isinstance(arguments, dict) and arguments.get("context") == "repl"


def _is_command(text: str) -> bool:
    return is_command_word(text.split()[0])


def _entry(session: Session) -> Stop:
    return Stop("start", session.where(), session.step, session.cycle, session.pc)
