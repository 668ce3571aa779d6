"""The headless runner: a script of commands, run on a session, with a transcript.

Each command is echoed as `(vliwdbg) COMMAND` and followed by its output, so a transcript
reads like a session at the prompt. The exit status tells a CI job what happened: 0 when
every command ran and every `expect` held, 1 when an `expect` failed (the script goes on),
2 on a script error, reported as `SCRIPT:LINE: what`, after which the script stops.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from vliwdbg.commands.console import PROMPT, CommandResult, Console, strip_comment

EXIT_OK, EXIT_EXPECT_FAILED, EXIT_SCRIPT_ERROR = 0, 1, 2
PROG = "vliwdbg"


class ScriptError(ValueError):
    """A script that cannot be read as text; the message starts with `SCRIPT:LINE:`."""


def decode_script(data: bytes, name: str) -> list[str]:
    """The script's lines. A byte that is not UTF-8 is refused with the line and column it
    is on, before any command runs."""
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScriptError(
                f"{name}:{number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
            ) from None
    return data.decode("utf-8").splitlines()


def run_script(
    console: Console, lines: Iterable[str], name: str, out: TextIO, err: TextIO, *, as_json: bool = False
) -> int:
    """Run the script's lines on the console's session; returns the exit status. With
    `as_json`, each command is one JSON object on a line of its own (json_record) instead
    of the transcript."""
    status = EXIT_OK
    for number, line in enumerate(lines, start=1):
        text = strip_comment(line)
        if not text:
            continue
        result = console.run(text)
        if as_json:
            out.write(json.dumps(json_record(console, result, number)) + "\n")
        else:
            out.write(f"{PROMPT}{text}\n")
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


def json_record(console: Console, result: CommandResult, line: int) -> dict[str, Any]:
    """One command of a --json replay: the command and its script line, whether it
    succeeded (an error or a failed `expect` did not), its output lines, the error, the
    stop it made (Stop.as_data) and the position after it."""
    return {
        "line": line,
        "command": result.command,
        "ok": result.error is None and not result.failed,
        "output": result.output,
        "error": result.error,
        "stop": None if result.stop is None else result.stop.as_data(),
        "position": console.session.position(),
    }
