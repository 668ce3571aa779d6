"""Every key, click and the command line, driven with Pilot on small sessions.

Each key must reach the session as a command (so --record captures it); the tests check the
session's position and its `recorded` list, not the screen's pixels (the snapshot tests
do that).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandList
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from machine.problem import ProblemSize
from tests.app.waits import settle, until
from tests.vliwdbg.core_fixtures import Driven
from vliwdbg.app.app import DebuggerApp
from vliwdbg.app.command_line import CommandLine
from vliwdbg.app.program import ProgramView
from vliwdbg.app.scratch import ScratchView
from vliwdbg.app.screens.help import HelpScreen
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

SIZE = (160, 48)


def small_session() -> Session:
    return Driven.open(None, RunOptions(ProblemSize(height=3, rounds=2, batch_size=5)))


def log_text(app: DebuggerApp) -> str:
    return "\n".join(app.log_pane.lines)


async def test_step_back_and_next_keys_run_commands():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s")
        await settle(app, pilot)
        assert session.step == 2
        await pilot.press("S")
        await settle(app, pilot)
        assert session.step == 1
        await pilot.press("n")
        await settle(app, pilot)
        assert session.cycle == 2
        assert app.command_console.recorded == ["step", "step", "back", "next"]
        assert app.program_pane.current == session.pc
        assert "(vliwdbg) back" in log_text(app)


async def test_continue_and_reverse_continue_keys():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(app, pilot)
        assert session.last_stop is not None and session.last_stop.kind == "pause"
        assert "pause 1 of 2" in str(app.query_one("#status-message").render())
        await pilot.press("C")
        await settle(app, pilot)
        assert session.step == 0
        assert app.command_console.recorded == ["continue", "rcontinue"]


async def test_b_toggles_a_breakpoint_on_the_selected_bundle_and_t_runs_to_it():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "down", "b")
        await settle(app, pilot)
        assert [(bp.kind, bp.pc) for bp in session.breakpoints] == [("pc", 3)]
        assert app.program_pane.breakpoints == {3: True}
        await pilot.press("b")
        await settle(app, pilot)
        assert session.breakpoints == []
        await pilot.press("down", "down", "t")
        await settle(app, pilot)
        assert session.pc == 5 and session.breakpoints == []
        assert app.command_console.recorded == ["break pc 3", "delete 1", "advance 5"]


async def test_clicks_select_a_bundle_and_toggle_its_breakpoint_in_the_gutter():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(ProgramView, offset=(20, 4))
        assert app.program_pane.selected == 3
        await pilot.click(ProgramView, offset=(1, 2))
        await settle(app, pilot)
        assert [bp.pc for bp in session.breakpoints] == [1]
        assert app.command_console.recorded == ["break pc 1"]


async def test_g_opens_goto_and_the_command_line_runs_it():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        assert app.focused is app.command_line and app.command_line.value == "goto cycle "
        await pilot.press("4", "enter")
        await settle(app, pilot)
        assert session.cycle == 4
        assert app.focused is app.program_pane
        assert app.command_console.recorded == ["goto cycle 4"]


async def test_x_switches_scratch_and_memory_to_hex():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await settle(app, pilot)
        scratch = app.query_one(ScratchView)
        assert scratch.hex_mode
        assert "0x00000000" in scratch.render_line(1).text
        assert session.word_format == "hex"
        await pilot.press("x")
        await settle(app, pilot)
        assert not scratch.hex_mode
        # Like every key, x runs a command: logged, and recorded so a replay shows the same.
        assert app.command_console.recorded == ["set format hex", "set format dec"]
        assert "(vliwdbg) set format dec" in log_text(app)


async def test_command_line_history_completion_and_errors():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        line = app.query_one(CommandLine)
        await pilot.press("colon")
        assert app.focused is line
        await pilot.press(*"print pc + 41", "enter")
        await settle(app, pilot)
        assert "41" in app.log_pane.lines[-1]
        await pilot.press("colon", *"frobnicate", "enter")
        await settle(app, pilot)
        assert "unknown command 'frobnicate'" in log_text(app)
        assert "error: unknown command" in str(app.query_one("#status-message").render())
        await pilot.press("colon", "up")
        assert line.value == "frobnicate"
        await pilot.press("up")
        assert line.value == "print pc + 41"
        await pilot.press("down", "down")
        assert line.value == ""
        await pilot.press(*"info sc", "tab")
        assert line.value == "info scratch "
        await pilot.press("escape")
        assert app.focused is app.program_pane and line.value == ""
        assert app.command_console.recorded == ["print pc + 41"]


async def test_keys_typed_in_one_burst_after_colon_land_on_the_command_line():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        for key, character in [("colon", ":"), ("s", "s"), ("t", "t"), ("e", "e"), ("p", "p")]:
            app.post_message(events.Key(key, character))
        await until(pilot, lambda: app.command_line.value == "step")
        assert app.command_console.recorded == [] and app.focused is app.command_line


async def test_the_narrow_footer_shows_every_key_in_100_columns():
    app = DebuggerApp(small_session())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        keys = list(app.query(FooterKey))
        assert {key.key_display for key in keys} >= {"s", "c", "?", "q"}
        assert max(key.region.right for key in keys) <= 100


async def test_help_screen_opens_and_closes():
    app = DebuggerApp(small_session())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("C", "run back to the last stop (rcontinue)") in app.screen.keys
        assert ("rcontinue", "run backward to the latest stop before here") in app.screen.commands
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_offers_every_command_and_runs_one():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        titles = [entry.title for entry in app.palette_entries()]
        assert "continue" in titles and "break pc N [if EXPR]" in titles
        await pilot.press("ctrl+p", *"rcontinue")
        hits = app.screen.query_one(CommandList)
        await until(
            pilot, lambda: hits.option_count and "rcontinue" in str(hits.get_option_at_index(0).prompt)
        )
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.command_console.recorded == ["rcontinue"]


async def test_j_jumps_the_memory_pane_to_an_address():
    app = DebuggerApp(small_session())
    async with app.run_test(size=SIZE) as pilot:
        memory = app.query_one("#memory")
        memory.focus()
        await pilot.press("j")
        assert app.screen.query_one(Input).outer_size.height == 1
        await pilot.press(*"values", "enter")
        await pilot.pause()
        assert memory.scroll_offset.y > 0


async def test_q_quits_and_the_record_replays(tmp_path: Path):
    record = tmp_path / "session.vdb"
    session = small_session()
    app = DebuggerApp(session, record=record)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c", "q")
        await settle(app, pilot)
    assert app.return_code == 0
    lines = [line for line in record.read_text().splitlines() if not line.startswith("#")]
    assert lines == ["step", "continue", "quit"]


RUNAWAY = textwrap.dedent(
    """
    class KernelBuilder:
        def __init__(self):
            self.instrs = []

        def build_kernel(self, forest_height, n_nodes, batch_size, rounds):
            self.instrs = [{"alu": [("+", 0, 0, 0)]}, {"flow": [("jump", 0)]}]
    """
)


@pytest.fixture(scope="module")
def runaway_kernel(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("kernels") / "runaway.py"
    path.write_text(RUNAWAY)
    return str(path)


async def test_escape_interrupts_a_long_continue_and_back_steps_from_there(runaway_kernel: str):
    session = Driven.open(runaway_kernel, RunOptions(ProblemSize(height=1, rounds=1, batch_size=1)))
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        # The status line says "running" once a run has taken a moment: wait for that.
        await until(pilot, lambda: app.busy and app.query_one("#status").has_class("-running"))
        await pilot.press("escape")
        await settle(app, pilot)
        assert session.last_stop is not None and session.last_stop.kind == "interrupted"
        assert not app.query_one("#status").has_class("-running")
        reached = session.step
        assert reached > 0
        await pilot.press("S")
        await settle(app, pilot)
        assert session.step == reached - 1


async def test_load_puts_the_new_program_in_every_pane():
    session = small_session()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s")
        await settle(app, pilot)
        app.submit("load baseline")
        await settle(app, pilot)
        assert session.kernel.name == "baseline" and session.step == 0
        assert app.program_pane.program is session.program and app.program_pane.current == 0
        assert app.query_one(ScratchView).scratch_map is session.kernel.scratch_map
        assert app.views.insight is not None and app.views.insight.table.size == len(session.program)
        assert str(app.query_one("#status-position").render()).startswith(" baseline ")
        await pilot.press("s")
        await settle(app, pilot)
        assert app.command_console.recorded == ["step", "step", "load baseline", "step"]
