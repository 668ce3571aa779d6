"""The command language's one table: every module's rows in the order `help` lists them,
the lookup of a line's command (groups, aliases, defaults, /FMT), and `help` itself."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from vliwdbg.commands import breakpoints, inspect, moves, program, source, why
from vliwdbg.commands.base import Args, Command, CommandError, Reply
from vliwdbg.commands.insight import INSIGHT_COMMANDS, InsightCommand, InsightError

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


def cmd_help(session: Session, args: Args) -> Reply:
    if not args.text:
        width = max(len(c.syntax) for c in COMMANDS)
        lines = [f"{c.syntax:<{width}}  {c.summary}" for c in COMMANDS]
        lines.append("# starts a comment. `help COMMAND` tells more, with the aliases.")
        return Reply(lines)
    words = args.text.split()
    group = GROUP_ALIASES.get(words[0], words[0])
    if len(words) == 1 and group in _GROUPS:
        family = [c for c in COMMANDS if c.name.startswith(group + " ")]
        width = max(len(c.syntax) for c in family)
        return Reply([f"{c.syntax:<{width}}  {c.summary}" for c in family])
    command, _rest, _fmt = lookup(args.text)
    lines = [command.syntax, f"  {command.summary}"]
    lines += [f"  {line}" for line in command.help.splitlines()]
    if command.aliases:
        lines.append("  aliases: " + ", ".join(command.aliases))
    return Reply(lines)


def _insight(row: InsightCommand) -> Command:
    """A row of vliwdbg.insight's commands (their answers live there), errors made CommandErrors."""

    def handler(session: Session, args: Args) -> Reply:
        try:
            return Reply(row.run(session, args))
        except InsightError as exc:
            raise CommandError(str(exc)) from None

    return Command(row.name, row.syntax, row.summary, row.help, handler, row.aliases, completes=row.completes)


COMMANDS: tuple[Command, ...] = (
    *moves.ROWS,
    *breakpoints.ROWS,
    *inspect.ROWS,
    *source.ROWS,
    *(_insight(row) for row in INSIGHT_COMMANDS),
    *why.ROWS,
    *program.ROWS,
    Command(
        "help",
        "help [COMMAND]",
        "list the commands, or tell more about one",
        "",
        cmd_help,
        ("h", "?"),
        completes="command",
    ),
)

#: Group words and their short forms: `b 57`, `i b`.
GROUP_ALIASES = {"b": "break", "br": "break", "i": "info", "g": "goto"}


#: A group word followed by something that is no subcommand: `break 57` is `break pc 57`.
GROUP_DEFAULTS = {"break": "break pc"}


def _index() -> dict[str, Command]:
    index: dict[str, Command] = {}
    for command in COMMANDS:
        for name in (command.name, *command.aliases):
            assert name not in index, f"command name {name!r} used twice"
            index[name] = command
    return index


_BY_NAME = _index()


_GROUPS = {c.name.split()[0] for c in COMMANDS if " " in c.name}


def lookup(text: str) -> tuple[Command, int, str | None]:
    """The command a line starts with, where its arguments start, and its /FMT if any."""
    m = re.match(r"\s*(\S+)", text)
    if m is None:
        raise CommandError("empty command")
    first, fmt = m.group(1), None
    if "/" in first and first != "/":
        first, fmt = first.split("/", 1)
    first = GROUP_ALIASES.get(first, first)
    end = m.end()
    if first in _GROUPS:
        m2 = re.match(r"\s+(\S+)", text[end:])
        sub = m2.group(1) if m2 else ""
        command = _BY_NAME.get(f"{first} {sub}")
        if command is not None:
            end += m2.end()  # type: ignore[union-attr]
        elif first in GROUP_DEFAULTS and sub[:1].isdigit():
            command = _BY_NAME[GROUP_DEFAULTS[first]]
        elif first == "break" and source.looks_like_place(sub):
            command = _BY_NAME["break line"]
        else:
            subs = sorted(c.name.split()[1] for c in COMMANDS if c.name.startswith(first + " "))
            what = f"{first} {sub}: unknown" if sub else f"{first}: expected"
            raise CommandError(f"{what} subcommand; one of {', '.join(subs)}")
    else:
        command = _BY_NAME.get(first)
        if command is None:
            close = difflib.get_close_matches(first, list(_BY_NAME), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else "; `help` lists the commands"
            raise CommandError(f"unknown command {first!r}{hint}")
    if fmt is not None and fmt not in command.formats:
        allowed = ", ".join("/" + f for f in command.formats) or "none"
        raise CommandError(f"{command.name}: unknown format /{fmt} (formats: {allowed})")
    return command, end, fmt
