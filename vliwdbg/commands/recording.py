"""Recording: what `--record` writes, a script of the commands given that `--replay` runs
back to the same state, headed by the command line that replays it."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from vliwdbg.core.options import RunOptions

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

PROG = "vliwdbg"


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
