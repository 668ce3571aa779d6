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
from vliwdbg.core.quoting import clip_path, os_reason
from vliwdbg.core.session import Session
from vliwdbg.faces import modes as cli_modes
from vliwdbg.faces.options import add_common_arguments, open_session, run_options
from vliwdbg.faces.replay import EXIT_SCRIPT_ERROR, PROG, ScriptError, decode_script, run_script


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
    parser.add_argument(
        "--json",
        action="store_true",
        help="with --replay: one JSON object per command (its output, stop and position after)",
    )


def _run_replay(args: argparse.Namespace) -> int:
    name = args.replay
    try:
        if name == "-":
            name = "<stdin>"
            stdin = sys.stdin
            data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        else:
            with open(name, "rb") as script:
                data = script.read()
        lines = decode_script(data, name)
    except ScriptError as exc:
        print(exc, file=sys.stderr)
        return EXIT_SCRIPT_ERROR
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        print(f"{PROG}: --replay {clip_path(name)}: {os_reason(exc)}", file=sys.stderr)
        return EXIT_SCRIPT_ERROR
    session = open_session(args)
    if session is None:
        return EXIT_SCRIPT_ERROR
    console = Console(session)
    status = run_script(console, lines, name, sys.stdout, sys.stderr, as_json=args.json)
    sys.stdout.flush()
    if args.record:
        _save_record(args, console)
    return status


def _save_record(args: argparse.Namespace, console: Console) -> None:
    try:
        write_script(args.record, console.recorded, script_header(console.session, args.record))
    except (OSError, ValueError) as exc:
        print(f"{PROG}: --record {clip_path(args.record)}: {os_reason(exc)}", file=sys.stderr)


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

    def opener(cancel: Callable[[], bool]) -> Session:
        return Session.open(args.kernel, run_options(args), cancel=cancel)

    status, error = run_app(record=args.record, opener=opener, kernel=args.kernel)
    if error is not None:
        print(f"{PROG}: {error}", file=sys.stderr)
    return status


# --- --dap ---------------------------------------------------------------------------------


def _add_dap_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dap",
        action="store_true",
        help="speak the Debug Adapter Protocol on stdin/stdout (for VS Code, Neovim, Emacs);"
        " the kernel and problem come from the editor's launch request",
    )


def _run_dap(args: argparse.Namespace) -> int:
    from vliwdbg.faces.dap import run_adapter

    return run_adapter()


MODES: list[Mode] = [
    Mode("replay", _add_replay_arguments, lambda args: args.replay is not None, _run_replay),
    Mode("dap", _add_dap_arguments, lambda args: args.dap, _run_dap),
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
    if args.json and args.replay is None:
        parser.error("--json goes with --replay SCRIPT")
    if len(chosen) > 1:
        parser.error(" and ".join(f"--{mode.name}" for mode in chosen) + " cannot be combined")
    return (chosen[0] if chosen else APP).run(args)


if __name__ == "__main__":
    sys.exit(main())
