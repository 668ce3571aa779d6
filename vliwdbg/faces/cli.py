"""The `vliwdbg` command: options, then one mode (the app by default, or --replay, ...).

Each mode is a row of MODES: the options it adds, whether the parsed arguments select it,
and the function that runs it. A new face of the debugger (lint, trace export) is one more
row and one function, and shares the kernel and problem options with the rest.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from vliwdbg.commands.console import Console
from vliwdbg.commands.recording import script_header, write_script
from vliwdbg.faces import modes as cli_modes
from vliwdbg.faces.options import add_common_arguments, open_session
from vliwdbg.faces.replay import EXIT_SCRIPT_ERROR, PROG, run_script


@dataclass(frozen=True)
class Mode:
    name: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    selected: Callable[[argparse.Namespace], bool]
    run: Callable[[argparse.Namespace], int]


# --- --replay ------------------------------------------------------------------------------


def _add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replay", metavar="SCRIPT", help="run the commands in SCRIPT (- for stdin) with no UI"
    )


def _run_replay(args: argparse.Namespace) -> int:
    name = args.replay
    if name == "-":
        lines = sys.stdin.read().splitlines()
        name = "<stdin>"
    else:
        try:
            with open(name, encoding="utf-8") as script:
                lines = script.read().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{PROG}: --replay {name}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return EXIT_SCRIPT_ERROR
    session = open_session(args)
    if session is None:
        return EXIT_SCRIPT_ERROR
    console = Console(session)
    status = run_script(console, lines, name, sys.stdout, sys.stderr)
    sys.stdout.flush()
    if args.record:
        _save_record(args, console)
    return status


def _save_record(args: argparse.Namespace, console: Console) -> None:
    try:
        write_script(args.record, console.recorded, script_header(console.session, args.record))
    except OSError as exc:
        print(f"{PROG}: --record {args.record}: {exc.strerror or exc}", file=sys.stderr)


# --- the app (the default mode) ------------------------------------------------------------


def _run_app(args: argparse.Namespace) -> int:
    try:
        from vliwdbg.app.app import run_app
    except ImportError as exc:
        print(
            f"{PROG}: the terminal app cannot start ({exc}); --replay SCRIPT works without it",
            file=sys.stderr,
        )
        return 2
    session = open_session(args)
    if session is None:
        return 2
    run_app(session, record=args.record)
    return 0


MODES: list[Mode] = [
    Mode("replay", _add_replay_arguments, lambda args: args.replay is not None, _run_replay),
    Mode("lint", cli_modes.add_lint_arguments, cli_modes.lint_selected, cli_modes.run_lint),
    Mode("trace", cli_modes.add_trace_arguments, cli_modes.trace_selected, cli_modes.run_trace),
]
APP = Mode("app", lambda parser: None, lambda args: True, _run_app)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A step debugger for the VLIW SIMD machine of the original performance take-home.",
    )
    add_common_arguments(parser)
    for mode in MODES:
        mode.add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    chosen = [mode for mode in MODES if mode.selected(args)]
    if len(chosen) > 1:
        parser.error(" and ".join(f"--{mode.name}" for mode in chosen) + " cannot be combined")
    return (chosen[0] if chosen else APP).run(args)


if __name__ == "__main__":
    sys.exit(main())
