"""The session itself: load and reload a kernel, restart, quit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vliwdbg.commands.base import (
    Args,
    Command,
    CommandError,
    Reply,
    no_args,
)
from vliwdbg.loading.loader import KernelLoadError, kernel_spec

if TYPE_CHECKING:
    from vliwdbg.core.session import LoadReport, Session


def cmd_restart(session: Session, args: Args) -> Reply:
    no_args(args)
    stop = session.restart()
    return Reply([stop.message], stop=stop)


def cmd_load(session: Session, args: Args) -> Reply:
    if not args.text:
        raise CommandError("expected a kernel: three-lane, baseline, vector, or the path to a kernel file")
    reply = _loaded("loaded", lambda: session.load(args.text, cancel=args.cancel))
    reply.record = f"load {kernel_spec(session.kernel)}"
    return reply


def cmd_reload(session: Session, args: Args) -> Reply:
    no_args(args)
    return _loaded("reloaded", lambda: session.reload(cancel=args.cancel))


def _loaded(verb: str, load: Callable[[], LoadReport]) -> Reply:
    """A load's reply: the kernel, its notes, what the breakpoints carried over should
    tell, and the stop at step 0. The loader's one-line error is the command's."""
    try:
        report = load()
    except KernelLoadError as exc:
        raise CommandError(str(exc)) from None
    kernel = report.kernel
    lines = [f"{verb} {kernel.name}: {len(kernel.program)} bundles", *kernel.notes, *report.notes]
    return Reply([*lines, report.stop.message], stop=report.stop)


def cmd_quit(session: Session, args: Args) -> Reply:
    no_args(args)
    return Reply(quit=True)


ROWS: tuple[Command, ...] = (
    Command(
        "load",
        "load KERNEL",
        "open another kernel: three-lane, baseline, vector, or a file's path",
        "Built for the same problem and options; the session goes back to step 0 with a fresh\n"
        "history. Breakpoints stay (those past the end of the program or on a bundle whose ops\n"
        "changed are reported); a watchpoint whose location no longer resolves is disabled.\n"
        "A kernel that fails to load changes nothing.",
        cmd_load,
        ("file",),
    ),
    Command(
        "reload",
        "reload",
        "build the current kernel again, as its file says now",
        "After an edit: like load with the same kernel. In a --replay script, reload builds what\n"
        "the file says when the script runs.",
        cmd_reload,
    ),
    Command(
        "restart",
        "restart",
        "go back to step 0 (breakpoints stay)",
        "The history stays too: the run is the same run.",
        cmd_restart,
        ("run", "r"),
    ),
    Command("quit", "quit", "leave the debugger", "", cmd_quit, ("q", "exit")),
)
