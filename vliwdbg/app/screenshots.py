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
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

from textual.pilot import Pilot

from machine.problem import ProblemSize
from vliwdbg.app.app import DebuggerApp
from vliwdbg.app.screens.build import BuildScreen
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "kernels"
#: A three-lane kernel that forgets to wrap the index (kept with the tests).
BROKEN_KERNEL = FIXTURES / "broken_three_lane.py"
#: A fork's dense kernel with no compares whose first fused hash stage multiplies by 4096.
WRONG_MUL_KERNEL = FIXTURES / "dense_fork" / "wrong_mul" / "perf_takehome.py"
#: A scalar kernel in a user's shape: helper emitters in a local module, a list scheduler.
EMITTERS_KERNEL = FIXTURES / "srcmap" / "kernel.py"
#: A kernel file whose build never ends.
HANGING_KERNEL = FIXTURES / "hanging" / "perf_takehome.py"
#: The seconds the build screen's shot shows (it is taken at a fixed elapsed time).
BUILD_SHOT_SECONDS = 3


@dataclass(frozen=True)
class Shot:
    name: str
    caption: str
    kernel: str | None = None
    debug: bool = True
    keys: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    size: tuple[int, int] = (160, 48)
    #: A small problem (height, rounds, batch) instead of the default one.
    problem: tuple[int, int, int] | None = None
    #: Keys pressed after the commands ran.
    keys_after: tuple[str, ...] = ()
    #: The kernel never finishes building: the shot is the build screen.
    building: bool = False

    def _open(self, cancel: Callable[[], bool] | None = None) -> Session:
        size = ProblemSize() if self.problem is None else ProblemSize(*self.problem)
        session = Session.open(self.kernel, RunOptions(size, debug=self.debug), cancel=cancel)
        # A shot shows the source lines the map gives, whatever its speed on this machine.
        session.wait_for_source_map()
        return session

    def open_app(self) -> DebuggerApp:
        if self.building:
            return DebuggerApp(opener=self._open, kernel=self.kernel)
        return DebuggerApp(self._open())

    async def act(self, pilot: Pilot) -> None:
        """Bring the app to this shot's state, then wait until every pane shows it."""
        app = cast(DebuggerApp, pilot.app)
        app.command_line.cursor_blink = False
        if self.building:
            await at_build_screen(app, pilot)
            return
        await settle(app, pilot)
        await pilot.press(*self.keys)
        for line in self.commands:
            app.submit(line)
        await settle(app, pilot)
        if self.keys_after:
            await pilot.press(*self.keys_after)
            await settle(app, pilot)


async def settle(app: DebuggerApp, pilot: Pilot, seconds: float = 60.0) -> None:
    """Wait for queued commands and the program-wide figures, then for the screen."""
    for _ in range(int(seconds / 0.01)):
        if not app.busy and app.views.insight is not None:
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise TimeoutError(f"the app was still busy after {seconds} s")


async def at_build_screen(app: DebuggerApp, pilot: Pilot, seconds: float = 20.0) -> None:
    """Wait for the build screen, then show it as at BUILD_SHOT_SECONDS into the build."""
    for _ in range(int(seconds / 0.01)):
        screen = app.screen
        if isinstance(screen, BuildScreen):
            screen.clock = partial(float, screen.started + BUILD_SHOT_SECONDS)
            screen.refresh_elapsed()
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise TimeoutError(f"no build screen after {seconds} s")


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
    Shot(
        "dense-bundle",
        "The vector kernel at its densest bundle: 23 slots and 6 compares, each with its values",
        kernel="vector",
        commands=("goto step 1095",),
    ),
    Shot(
        "output-enlarged",
        "A long output enlarged to most of the screen (ctrl+o)",
        kernel="vector",
        commands=("info bundle 1095",),
        keys_after=("ctrl+o",),
    ),
    Shot(
        "memory-follows",
        "A fork's kernel with a wrong hash multiplier: the memory pane follows the divergence to indices[0]",
        kernel=str(WRONG_MUL_KERNEL),
        problem=(3, 3, 32),
        commands=("continue", "continue"),
    ),
    Shot(
        "source",
        "The source pane (v) on a kernel with helper emitters: the next bundle's lines marked,"
        " the bundles the selected line made marked ◆, a line breakpoint on the load emitter",
        kernel=str(EMITTERS_KERNEL),
        problem=(2, 2, 8),
        commands=("break emitters.py:9", "goto step 30"),
        keys_after=("v",),
    ),
    Shot(
        "source-narrow",
        "The source pane at 100x30, in the program pane's place",
        kernel=str(EMITTERS_KERNEL),
        problem=(2, 2, 8),
        commands=("break emitters.py:9", "goto step 30"),
        keys_after=("v",),
        size=(100, 30),
    ),
    Shot(
        "build",
        "The build screen while a kernel file builds (escape cancels)",
        kernel=str(HANGING_KERNEL),
        building=True,
        size=(100, 30),
    ),
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
