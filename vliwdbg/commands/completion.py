"""Completion of a command line: command names, subcommands, and the names an argument
can hold (scratch names, regions, the built-in names of expressions)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vliwdbg.commands.base import CommandError
from vliwdbg.commands.table import _BY_NAME, COMMANDS, GROUP_ALIASES, lookup
from vliwdbg.core.expr import REF_NAME, REGION_NAMES, SPACE_NAMES, STATE_NAMES

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


def complete(session: Session, text: str) -> list[str]:
    """Whole-line completions of `text`: command names first, then, inside arguments made
    of expressions or locations, scratch names and the built-in names."""
    if not text.strip() or " " not in text.lstrip():
        word = text.strip()
        names = sorted({c.name.split()[0] for c in COMMANDS} | set(_BY_NAME))
        return [n + " " for n in names if n.startswith(word) and " " not in n]
    try:
        command, _start, _fmt = lookup(text)
    except CommandError:
        head, _, word = text.rpartition(" ")
        group = GROUP_ALIASES.get(head.strip(), head.strip())
        subs = [c.name.split()[1] for c in COMMANDS if c.name.startswith(group + " ")]
        return [f"{head} {s} " for s in subs if s.startswith(word)]
    prefix = re.search(r"[A-Za-z_0-9]*$", text).group(0)
    if prefix[:1].isdigit():
        return []
    if command.completes == "command":
        candidates = sorted({c.name.split()[0] for c in COMMANDS})
    elif command.completes in ("expr", "location", "scratch"):
        candidates = sorted(session.scratch_names)
        if command.completes != "scratch":
            candidates += [*REGION_NAMES, *SPACE_NAMES]
        if command.completes == "expr":
            candidates += [*STATE_NAMES, REF_NAME]
    else:
        return []
    base = text[: len(text) - len(prefix)]
    return [base + c for c in candidates if c.startswith(prefix)]
