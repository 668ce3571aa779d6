"""Moving through the run: step, back, next, continue, advance, rcontinue and goto."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vliwdbg.commands.base import (
    Args,
    Command,
    Reply,
    count_arg,
    moved,
    no_args,
    one_number,
)

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


def cmd_step(session: Session, args: Args) -> Reply:
    n = count_arg(args)
    return moved(session.forward(n, cancel=args.cancel, progress=args.progress))


def cmd_back(session: Session, args: Args) -> Reply:
    n = count_arg(args)
    return moved(session.backward(n, cancel=args.cancel, progress=args.progress))


def cmd_next(session: Session, args: Args) -> Reply:
    n = count_arg(args, "a cycle count")
    return moved(session.next_cycles(n, cancel=args.cancel, progress=args.progress))


def cmd_continue(session: Session, args: Args) -> Reply:
    no_args(args)
    return moved(session.resume(cancel=args.cancel, progress=args.progress))


def cmd_advance(session: Session, args: Args) -> Reply:
    pc = one_number(args, "a pc")
    return moved(session.advance(pc, cancel=args.cancel, progress=args.progress))


def cmd_rcontinue(session: Session, args: Args) -> Reply:
    no_args(args)
    return moved(session.reverse(cancel=args.cancel, progress=args.progress))


def cmd_goto_cycle(session: Session, args: Args) -> Reply:
    n = one_number(args, "a cycle number")
    return moved(session.goto_cycle(n, cancel=args.cancel, progress=args.progress))


def cmd_goto_step(session: Session, args: Args) -> Reply:
    n = one_number(args, "a step number")
    return moved(session.goto_step(n, cancel=args.cancel, progress=args.progress))


ROWS: tuple[Command, ...] = (
    Command(
        "step",
        "step [N]",
        "run N bundles (default 1)",
        "Stops early at a breakpoint, watchpoint, divergence, fault, pause or the end.\n"
        "Starting on a breakpoint or a divergence, that bundle runs first (its compares skipped).",
        cmd_step,
        ("s", "si", "stepi"),
    ),
    Command(
        "back",
        "back [N]",
        "go back N bundles (default 1)",
        "The state is exactly what it was. Stops early at a breakpoint or watchpoint on the way\n"
        "(the positions where a forward run would stop), or at the start of history.",
        cmd_back,
        ("bs", "rs", "rsi", "reverse-step", "reverse-stepi"),
    ),
    Command(
        "next",
        "next [N]",
        "run until the cycle count has grown by N (default 1)",
        "Debug-only bundles cost no cycle, so they are run through. Stops early like step.",
        cmd_next,
        ("n", "ni", "nexti"),
    ),
    Command(
        "continue",
        "continue",
        "run to the next stop",
        "A breakpoint, watchpoint, divergence, fault, pause or the end. A program that runs\n"
        "away stops after --max-steps bundles (default 50,000,000).",
        cmd_continue,
        ("c", "cont"),
    ),
    Command(
        "advance",
        "advance N",
        "run until the bundle at pc N is next",
        "Stops earlier at a breakpoint, watchpoint, divergence, fault, pause or the end, like\n"
        "continue; makes no breakpoint. At pc N already, that bundle runs first and the move goes\n"
        "on to the next time pc N comes (a loop's next pass), as gdb's advance does.",
        cmd_advance,
        ("until", "u"),
    ),
    Command(
        "rcontinue",
        "rcontinue",
        "run backward to the latest stop before here",
        "Stops where a forward run would have stopped (breakpoints, watchpoints, divergences,\n"
        "pauses), else at the start of history.",
        cmd_rcontinue,
        ("rc", "reverse-continue"),
    ),
    Command(
        "goto cycle",
        "goto cycle N",
        "go to the first step with cycle count N",
        "Forward or back, ignoring breakpoints. Past the end of the program is an error.",
        cmd_goto_cycle,
    ),
    Command(
        "goto step",
        "goto step N",
        "go to step N (bundles executed since the start)",
        "Forward or back, ignoring breakpoints. Past the end of the program is an error.",
        cmd_goto_step,
    ),
)
