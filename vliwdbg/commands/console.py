"""Running command lines against a session: the one entry point every face uses (the app,
`--replay`, and any later face), and the record of what ran, for `--record`.

The session knows nothing of command lines; a Console holds one session and turns each
line into the session's calls, or into a one-line error that changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vliwdbg.cancel import Cancel
from vliwdbg.commands.base import Args, CommandError
from vliwdbg.commands.table import lookup
from vliwdbg.core.drive import SessionError
from vliwdbg.core.history import Progress
from vliwdbg.core.stops import Stop

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

PROMPT = "(vliwdbg) "


@dataclass
class CommandResult:
    """What one command line did. `error` is set (and nothing changed) for a bad command;
    `failed` marks an `expect` that did not hold."""

    command: str
    output: list[str]
    stop: Stop | None = None
    error: str | None = None
    quit: bool = False
    failed: bool = False


def strip_comment(line: str) -> str:
    """The command part of a line: `#` starts a comment (no expression uses it)."""
    return line.split("#", 1)[0].strip()


class Console:
    """A session driven by command lines. `recorded` holds every command that ran, in the
    form that replays to the same state (an interrupted move as the goto where it stopped)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.recorded: list[str] = []

    def run(
        self, line: str, *, cancel: Cancel | None = None, progress: Progress | None = None
    ) -> CommandResult:
        """Run one command line. Never raises for a user's mistake: the result's `error` is
        a one-line message and nothing was changed."""
        text = strip_comment(line)
        if not text:
            return CommandResult(text, [])
        try:
            command, start, fmt = lookup(text)
        except CommandError as exc:
            return CommandResult(text, [], error=str(exc))
        rest = text[start:]
        args = Args(rest.strip(), start + len(rest) - len(rest.lstrip()), fmt, cancel, progress)
        try:
            reply = command.handler(self.session, args)
        except (CommandError, SessionError) as exc:
            return CommandResult(text, [], error=f"{command.name}: {exc}")
        self.recorded.append(reply.record or text)
        return CommandResult(text, reply.output, reply.stop, None, reply.quit, reply.failed)
