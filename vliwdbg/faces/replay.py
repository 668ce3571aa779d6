"""The headless runner: a script of commands, run on a session, with a transcript.

Each command is echoed as `(vliwdbg) COMMAND` and followed by its output, so a transcript
reads like a session at the prompt. The exit status tells a CI job what happened: 0 when
every command ran and every `expect` held, 1 when an `expect` failed (the script goes on),
2 on a script error, reported as `SCRIPT:LINE: what`, after which the script stops.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from vliwdbg.commands.console import PROMPT, Console, strip_comment
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

EXIT_OK, EXIT_EXPECT_FAILED, EXIT_SCRIPT_ERROR = 0, 1, 2
PROG = "vliwdbg"


def run_script(console: Console, lines: Iterable[str], name: str, out: TextIO, err: TextIO) -> int:
    """Run the script's lines on the console's session; returns the exit status."""
    status = EXIT_OK
    for number, line in enumerate(lines, start=1):
        text = strip_comment(line)
        if not text:
            continue
        out.write(f"{PROMPT}{text}\n")
        result = console.run(text)
        for output in result.output:
            out.write(output + "\n")
        if result.error is not None:
            out.flush()
            err.write(f"{name}:{number}: {result.error}\n")
            return EXIT_SCRIPT_ERROR
        if result.failed:
            status = EXIT_EXPECT_FAILED
        if result.quit:
            break
    return status


def replay_command(session: Session, path: str | Path) -> str:
    """The command line that replays a script on this session's problem, from the kernel
    and the store check's setting it opened with (a `load` in the script does the rest)."""
    parts = [PROG, "--replay", str(path), session.opened_kernel]
    options, default = session.options, RunOptions()
    size, default_size = options.size, default.size
    for flag, value, usual in (
        ("--height", size.height, default_size.height),
        ("--rounds", size.rounds, default_size.rounds),
        ("--batch", size.batch_size, default_size.batch_size),
        ("--seed", size.seed, default_size.seed),
        ("--max-steps", options.max_steps, default.max_steps),
    ):
        if value != usual:
            parts += [flag, str(value)]
    parts += ["--no-pause"] * (not options.pause) + ["--no-debug"] * (not options.debug)
    parts += ["--no-check-stores"] * (not options.check_stores)
    return " ".join(shlex.quote(part) for part in parts)


def script_header(session: Session, path: str | Path) -> str:
    """A comment line that says how to replay the recording."""
    return f"# replay with: {replay_command(session, path)}\n"


def write_script(path: str | Path, commands: Iterable[str], header: str = "") -> None:
    """Write commands as a script that --replay runs back to the same state."""
    Path(path).write_text(header + "".join(f"{line}\n" for line in commands))
