"""The app's pictures: the states the snapshot tests check, and the script that saves them.

    .venv/bin/python -m vliwdbg.app.screenshots [OUTDIR]      (default: screenshots/)

Each `Shot` is a session (kernel, options, terminal size) and what the user did (keys, and
command lines as if typed). The snapshot tests under tests/app/snapshots drive the same
shots through pytest-textual-snapshot, so the README's pictures and the tested screens are
the same screens.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from textual.pilot import Pilot

from vliwdbg.app.app import DebuggerApp
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

ROOT = Path(__file__).resolve().parents[2]
#: A three-lane kernel that forgets to wrap the index (kept with the tests).
BROKEN_KERNEL = ROOT / "tests" / "fixtures" / "kernels" / "broken_three_lane.py"


@dataclass(frozen=True)
class Shot:
    name: str
    caption: str
    kernel: str | None = None
    debug: bool = True
    keys: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    size: tuple[int, int] = (160, 48)

    def open_app(self) -> DebuggerApp:
        session = Session.open(self.kernel, RunOptions(debug=self.debug))
        # A shot shows the source lines the map gives, whatever its speed on this machine.
        session.wait_for_source_map()
        return DebuggerApp(session)

    async def act(self, pilot: Pilot) -> None:
        """Bring the app to this shot's state, then wait until every pane shows it."""
        app = cast(DebuggerApp, pilot.app)
        app.command_line.cursor_blink = False
        await settle(app, pilot)
        await pilot.press(*self.keys)
        for line in self.commands:
            app.submit(line)
        await settle(app, pilot)


async def settle(app: DebuggerApp, pilot: Pilot, seconds: float = 60.0) -> None:
    """Wait for queued commands and the program-wide figures, then for the screen."""
    for _ in range(int(seconds / 0.01)):
        if not app.busy and app.views.insight is not None:
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise TimeoutError(f"the app was still busy after {seconds} s")


SHOTS: tuple[Shot, ...] = (
    Shot("start", "The three-lane kernel at the start"),
    Shot("ten-steps", "After ten steps (s pressed ten times)", keys=("s",) * 10),
    Shot(
        "breakpoint",
        "Stopped at a breakpoint in the hash of the first three elements",
        commands=("break pc 120", "continue", "continue"),
    ),
    Shot(
        "divergence",
        "A kernel that forgets the wrap, stopped at its first divergence from the reference",
        kernel=str(BROKEN_KERNEL),
        commands=("continue", "continue"),
    ),
    Shot(
        "fault",
        "The same kernel with compares off (--no-debug): it faults loading past the end of memory",
        kernel=str(BROKEN_KERNEL),
        debug=False,
        commands=("continue", "continue"),
    ),
    Shot("help", "The help screen (?)", keys=("question_mark",)),
    Shot("narrow", "The narrow layout at 100x30", commands=("step 40",), size=(100, 30)),
)


def shot(name: str) -> Shot:
    return next(s for s in SHOTS if s.name == name)


async def save(one: Shot, outdir: Path) -> Path:
    app = one.open_app()
    async with app.run_test(size=one.size) as pilot:
        await one.act(pilot)
        path = outdir / f"{one.name}.svg"
        path.write_text(keep_spaces(app.export_screenshot(title=f"vliwdbg: {one.caption}")))
    return path


def keep_spaces(svg: str) -> str:
    """Textual's SVG draws each styled piece of a line as its own <text>; librsvg (behind
    most image viewers and converters) drops the spaces that start or end a piece unless
    the document asks it to keep them, and the pieces of a line then run together."""
    return svg.replace("<svg ", '<svg xml:space="preserve" ', 1)


def main(argv: list[str]) -> int:
    outdir = Path(argv[0]) if argv else ROOT / "screenshots"
    outdir.mkdir(parents=True, exist_ok=True)
    for one in SHOTS:
        print(asyncio.run(save(one, outdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
