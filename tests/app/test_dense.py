"""The app on dense kernels: the bundle pane, the output pane, panes that follow a stop, the
build screen, and the defects found trying it as a new user would."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._footer import FooterKey

from machine.problem import ProblemSize
from tests.app.test_keys import RUNAWAY
from tests.app.waits import settle, until
from tests.vliwdbg.core_fixtures import Driven
from vliwdbg.app.app import DebuggerApp
from vliwdbg.app.bundle import BundleView
from vliwdbg.app.memory import MemoryView
from vliwdbg.app.scratch import ScratchView
from vliwdbg.app.screens.build import BuildScreen
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

SIZE = (160, 48)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kernels"
DENSE = FIXTURES / "dense_fork"
HANGING = FIXTURES / "hanging" / "perf_takehome.py"
#: The vector kernel's densest bundle: 23 engine slots (12 alu, 6 valu, 2 load, 2 store,
#: 1 flow) and 6 compares.
DENSEST_PC = 1095


def dense(name: str = "perf_takehome.py") -> Driven:
    return Driven.open(str(DENSE / name), RunOptions(ProblemSize(3, 3, 32)))


def slot_texts(pane: BundleView) -> list[str]:
    return [slot.text for slot in pane._rows if slot is not None]


async def test_the_bundle_pane_shows_every_slot_of_the_densest_bundle_with_the_program_pane():
    session = Driven.open("vector")
    session.wait_for_source_map()
    session.execute(f"goto step {DENSEST_PC}")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pane = app.bundle_pane
        # Written as `info bundle` writes each slot (its lines after the header, unindented),
        # whose source line the pane shows in a column of its own.
        info = session.execute(f"info bundle {DENSEST_PC}").output[1:]
        expected = [line.strip().rsplit(" at ", 1)[0] for line in info]
        assert slot_texts(pane) == expected and len(expected) == 29
        assert all(" at vector" in line for line in info)
        assert pane.scrollable_content_region.height >= len(expected)  # no scrolling needed
        assert app.program_pane.scrollable_content_region.height >= 3
        # The values: the next bundle's first slot writes what a step then leaves there.
        first = pane._rows[0]
        assert first is not None and first.target is not None
        before_after = first.values.split(" · ")[0]
        before, after = (int(x) for x in before_after.split(" -> "))
        addr = session.locate(first.target).start
        assert session.scratch[addr] == before
        session.forward(1)
        assert session.scratch[addr] == after


async def test_many_compares_fold_into_a_line_that_enter_opens():
    session = Driven.open("vector")
    pc = next(pc for pc, b in enumerate(session.program) if len(b.get("debug", ())) > 8)
    session.execute(f"goto step {pc}")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pane = app.bundle_pane
        compares = len(session.program[pc]["debug"])
        assert pane.row_count() == len(session.execute(f"info bundle {pc}").output) - 1 - compares + 1
        assert "compares" in pane.render_line(pane.row_count() - 1).text
        pane.focus()
        await pilot.press("end", "enter")
        assert pane.row_count() == len(session.execute(f"info bundle {pc}").output) - 1


async def test_selecting_a_slot_asks_origin_about_what_it_writes():
    session = dense()
    session.execute("step 40")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.bundle_pane.focus()
        await pilot.press("down", "o")
        await settle(app, pilot)
        slot = app.bundle_pane._rows[1]
        assert slot is not None and slot.target
        assert app.command_console.recorded[-1] == f"info origin {slot.target}"
        # Another bundle selected in the program pane: the bundle pane shows it.
        app.program_pane.focus()
        await pilot.press("down", "down")
        await pilot.pause()
        assert app.bundle_pane.pc == session.pc + 2


async def test_a_divergence_scrolls_memory_to_the_element_and_marks_it():
    session = dense("wrong_mul/perf_takehome.py")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.submit("continue")
        app.submit("continue")
        await settle(app, pilot)
        assert session.last_stop is not None and "indices[0]" in session.last_stop.message
        memory = app.query_one(MemoryView)
        addr = session.regions["indices"][0]
        assert memory.followed == addr
        row = memory.row_of(addr)
        top = memory.scroll_offset.y
        assert row is not None and top <= row < top + memory.rows_visible


async def test_the_narrow_layout_keeps_rows_of_memory():
    app = DebuggerApp(dense())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.query_one(MemoryView).rows_visible >= 6


async def test_the_output_pane_scrolls_by_keys_and_enlarges_from_anywhere():
    session = Driven.open("vector")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        small = app.log_pane.size.height
        app.submit(f"info bundle {DENSEST_PC}")
        await settle(app, pilot)
        log = app.log_pane
        # A long output is shown from its command down.
        top = log.scroll_offset.y
        assert log.render_line(0).text.strip() == f"(vliwdbg) info bundle {DENSEST_PC}"
        await pilot.press("colon")
        assert app.focused is app.command_line
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.log_pane.size.height > 35 > small and app.focused is log
        await pilot.press("down", "down")
        assert log.scroll_offset.y == min(top + 2, log.max_scroll_y)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.log_pane.size.height == small


async def test_tab_follows_the_panes_in_screen_order():
    app = DebuggerApp(dense())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        order = []
        for _ in range(6):
            order.append(app.focused.id if app.focused else None)
            await pilot.press("tab")
        assert order == ["program", "bundle", "engines", "scratch", "memory", "log"]


async def test_a_fork_is_named_by_its_folder():
    app = DebuggerApp(dense())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert str(app.query_one("#status-position").render()).startswith(" dense_fork/perf_takehome.py ")


async def test_t_keeps_its_target_after_an_early_stop():
    session = dense()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        target = 60
        app.submit("break pc 20")
        await settle(app, pilot)
        app.program_pane.select_pc(target)
        await pilot.press("t")
        await settle(app, pilot)
        assert session.pc == 20
        assert app.program_pane.selected == target
        await pilot.press("t")
        await settle(app, pilot)
        assert session.pc == target
        assert app.command_console.recorded[-2:] == [f"advance {target}", f"advance {target}"]


async def test_interrupting_is_logged_after_the_command(tmp_path):
    kernel = tmp_path / "runaway.py"
    kernel.write_text(RUNAWAY)
    session = Driven.open(str(kernel), RunOptions(ProblemSize(1, 1, 1)))
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: app.busy and app.query_one("#status").has_class("-running"))
        await pilot.press("escape")
        await settle(app, pilot)
        lines = app.log_pane.lines
        assert lines.index("(vliwdbg) continue") < lines.index("interrupting…")


async def test_memory_jump_takes_a_region_element():
    session = dense()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        memory = app.query_one(MemoryView)
        memory.focus()
        await pilot.press("j")
        await pilot.press(*"values[20]", "enter")
        await pilot.pause()
        row = memory.row_of(session.regions["values"][0] + 20)
        assert (
            row is not None and memory.scroll_offset.y <= row < memory.scroll_offset.y + memory.rows_visible
        )
        assert memory.jump_to("values[100]") == "values has elements 0..31, not 100"


async def test_a_hanging_build_shows_the_build_screen_and_escape_exits_with_status_2():
    def opener(cancel):
        return Session.open(str(HANGING), RunOptions(ProblemSize(1, 1, 8)), cancel=cancel)

    app = DebuggerApp(opener=opener, kernel=str(HANGING))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BuildScreen))
        screen = app.screen
        assert "hanging/perf_takehome.py" in str(screen.query_one("#build-title").render())
        # The elapsed seconds tick while the build goes on.
        await until(pilot, lambda: str(screen.query_one("#build-elapsed").render()) == "1 s")
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 2
    assert app.launch_error == "hanging/perf_takehome.py: the build was cancelled"


async def test_a_load_that_is_cancelled_keeps_the_old_kernel():
    session = dense()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.submit(f"load {HANGING}")
        await until(pilot, lambda: isinstance(app.screen, BuildScreen))
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, BuildScreen)
        assert session.kernel.name == "perf_takehome.py" and session.program_generation == 0
        assert "interrupted" in (app._last_error or "")


async def test_a_launch_opens_behind_the_build_screen():
    app = DebuggerApp(opener=lambda cancel: dense(), kernel=str(DENSE / "perf_takehome.py"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: hasattr(app, "session"))
        await settle(app, pilot)
        assert not isinstance(app.screen, BuildScreen)
        assert app.program_pane.program is app.session.program


async def test_e_wraps_the_next_bundle_over_several_rows():
    session = Driven.open("vector")
    session.execute(f"goto step {DENSEST_PC}")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pane = app.program_pane
        bundles = pane.row_count()
        await pilot.press("e")
        await pilot.pause()
        extra = pane.row_count() - bundles
        assert extra > 5
        first = pane.row_of_pc(DENSEST_PC)
        rows = ["".join(text for text, _ in pane.render_row(first + k, 80)) for k in range(extra + 1)]
        joined = " ".join(" ".join(rows).split())
        for line in session.execute(f"info bundle {DENSEST_PC}").output[1:24]:
            slot = line.split(": ", 1)[1].rsplit(" at ", 1)[0]  # the pane shows no source line
            assert " ".join(slot.split()) in joined
        # The bundle after it starts on the row after its last.
        assert pane.pc_of_row(first + extra + 1) == (DENSEST_PC + 1, 0)
        await pilot.press("s")
        await settle(app, pilot)
        assert pane.pc_of_row(pane.row_of_pc(DENSEST_PC + 1))[0] == DENSEST_PC + 1
        await pilot.press("e")
        await pilot.pause()
        assert pane.row_count() == bundles


async def test_w_asks_why_about_the_selected_slot_and_scratch_follows():
    session = dense("wrong_mul/perf_takehome.py")
    session.execute("step 40")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.bundle_pane.focus()
        await pilot.press("down", "w")
        await settle(app, pilot)
        slot = app.bundle_pane._rows[1]
        assert slot is not None and slot.text == "valu 1: val_2 = val_2 * mul5 + c5"
        assert slot.target == "val_2[0]"
        assert app.command_console.recorded[-1] == "why val_2[0]"
        assert any("first wrong value" in line for line in app.log_pane.lines)
        scratch = app.query_one(ScratchView)
        assert scratch.followed == session.locate("val_2[0]").start


async def test_the_narrow_footer_keeps_quit_and_help_with_the_bundle_pane_focused():
    app = DebuggerApp(dense())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.bundle_pane.focus()
        await pilot.pause()
        keys = {key.key_display: key.region for key in app.query(FooterKey)}
        assert {"o", "w"} <= set(keys)
        assert keys["q"].right <= 100 and keys["?"].right <= 100
