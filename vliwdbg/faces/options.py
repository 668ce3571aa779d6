"""The options every mode of the `vliwdbg` command shares (the kernel, the problem's size
and seed, how the session runs), made into the core's values, and the session they open."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from machine.problem import ProblemSize
from vliwdbg.core.options import DEFAULT_MAX_STEPS, RunOptions
from vliwdbg.core.session import Session
from vliwdbg.loading.loader import KernelLoadError

PROG = "vliwdbg"
_DEFAULTS = ProblemSize()


def _at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kernel",
        nargs="?",
        metavar="KERNEL",
        help="three-lane (the default), baseline, vector, or the path to a take-home-style kernel file",
    )
    parser.add_argument(
        "--height",
        type=_at_least(0),
        default=_DEFAULTS.height,
        help=f"tree height (default {_DEFAULTS.height})",
    )
    parser.add_argument(
        "--rounds", type=_at_least(0), default=_DEFAULTS.rounds, help=f"rounds (default {_DEFAULTS.rounds})"
    )
    parser.add_argument(
        "--batch",
        type=_at_least(1),
        default=_DEFAULTS.batch_size,
        help=f"batch size (default {_DEFAULTS.batch_size})",
    )
    parser.add_argument(
        "--seed", type=int, default=_DEFAULTS.seed, help=f"random seed (default {_DEFAULTS.seed})"
    )
    parser.add_argument("--no-pause", action="store_true", help="ignore pauses, as the submission check does")
    parser.add_argument(
        "--no-debug", action="store_true", help="skip debug compares, as the submission check does"
    )
    parser.add_argument(
        "--max-steps",
        type=_at_least(1),
        default=DEFAULT_MAX_STEPS,
        help=f"a move that runs this many bundles stops as a runaway (default {DEFAULT_MAX_STEPS:,})",
    )
    parser.add_argument(
        "--no-check-stores",
        action="store_true",
        help="do not stop at stores to values or indices that the reference never makes"
        " (the store check, on by default; `set check-stores on|off` changes it later)",
    )
    parser.add_argument(
        "--record", metavar="FILE", help="write every command given to FILE, as a script --replay runs"
    )


def problem_size(args: argparse.Namespace) -> ProblemSize:
    return ProblemSize(args.height, args.rounds, args.batch, args.seed)


def run_options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        problem_size(args),
        pause=not args.no_pause,
        debug=not args.no_debug,
        check_stores=not args.no_check_stores,
        max_steps=args.max_steps,
    )


def open_session(args: argparse.Namespace) -> Session | None:
    """The session the options ask for, or None after a one-line error on stderr."""
    try:
        session = Session.open(args.kernel, run_options(args))
    except KernelLoadError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return None
    for note in session.kernel.notes:
        print(f"{PROG}: {note}", file=sys.stderr)
    return session
