"""The headless runner: a script of commands, run on a session, with a transcript.

Each command is echoed as `(vliwdbg) COMMAND` and followed by its output, so a transcript
reads like a session at the prompt. The exit status tells a CI job what happened: 0 when
every command ran and every `expect` held, 1 when an `expect` failed (the script goes on),
2 on a script error, reported as `SCRIPT:LINE: what`, after which the script stops.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from vliwdbg.commands.console import PROMPT, Console, strip_comment

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
