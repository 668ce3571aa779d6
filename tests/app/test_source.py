"""The source pane (`v`), driven with Pilot on a kernel shaped like a user's: helper emitters
in a local module called from many lines, a list scheduler in a local package.

Expected lines are found by searching the fixture's text, and expected bundles from the
program itself (every bundle holding an alu slot was made by the one line of the alu
emitter), never taken from the pane.
"""

from __future__ import annotations

import threading
from pathlib import Path

from machine.problem import ProblemSize
from tests.app.test_dense import DENSEST_PC, slot_texts
from tests.app.waits import settle, until
from tests.vliwdbg.core_fixtures import Driven
from vliwdbg.app.app import DebuggerApp
from vliwdbg.app.source import SourceView
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.core.source import SourceJob

SIZE = (160, 48)
FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "kernels" / "srcmap"
SMALL = RunOptions(ProblemSize(height=2, rounds=2, batch_size=8))


def line_of(file: str, statement: str) -> int:
    found = [n for n, text in enumerate((FOLDER / file).read_text().splitlines(), 1) if statement in text]
    assert len(found) == 1, (file, statement, found)
    return found[0]


ALU_LINE = line_of("emitters.py", 'ops.append(("alu", (op, dest, a, b)))')
LOAD_LINE = line_of("emitters.py", 'ops.append(("load", ("load", dest, addr)))')
CONST_LINE = line_of("emitters.py", 'ops.append(("load", ("const", dest, value)))')


def mapped() -> Session:
    session = Session.open(str(FOLDER / "kernel.py"), SMALL)
    assert session.wait_for_source_map() is not None, session.source_status
    return session


def pcs_with(session: Session, engine: str, op: str | None = None) -> set[int]:
    return {
        pc
        for pc, bundle in enumerate(session.program)
        if any(op is None or slot[0] == op for slot in bundle.get(engine, ()))
    }


def row_text(pane, line: int) -> str:
    """The pane's text of source line `line` (scrolled into view first)."""
    pane.scroll_row_into_view(line - 1)
    return pane.render_line(line - 1 - pane.scroll_offset.y).text


async def test_v_shows_the_file_of_the_selected_bundle_with_its_lines_marked():
    session = mapped()
    loads = sorted(pcs_with(session, "load", "load") & pcs_with(session, "load", "const"))
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.source_pane.display
        await pilot.press("v")
        await settle(app, pilot)
        pane = app.source_pane
        assert pane.display and app.program_pane.display and app.focused is pane
        # Bundle 0 holds one const: the emitter's const line, the cursor on it.
        assert pane.file == "emitters.py" and pane.cursor == CONST_LINE
        assert pane.page is not None and pane.page.inner == {CONST_LINE}
        assert "def const(ops, dest, value):" in row_text(pane, CONST_LINE - 1)
        # A bundle with a load and a const marks both lines.
        app.program_pane.select_pc(loads[0])
        await pilot.pause()
        assert pane.page.inner == {LOAD_LINE, CONST_LINE}
        await pilot.press("v")
        assert not pane.display and app.focused is app.program_pane


async def test_selecting_a_source_line_marks_the_bundles_it_made_in_the_program_pane():
    session = mapped()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        pane, program = app.source_pane, app.program_pane
        await pilot.press(*["up"] * (CONST_LINE - ALU_LINE))
        assert pane.cursor == ALU_LINE
        alus = pcs_with(session, "alu")
        assert alus and program.marked == alus
        # The program pane scrolled to the first of them and marks it in its gutter.
        first = min(alus)
        top = program.scroll_offset.y
        assert top <= first < top + program.rows_visible
        assert program.render_line(first - top).text[1] == "◆"
        # A blank line made nothing: nothing is marked.
        await pilot.press("down")
        assert program.marked == frozenset()
        assert app.command_console.recorded == []


async def test_b_in_the_source_pane_toggles_a_line_breakpoint_and_continue_stops_there():
    session = mapped()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        pane = app.source_pane
        await pilot.press(*["up"] * (CONST_LINE - ALU_LINE), "b")
        await settle(app, pilot)
        assert [(bp.kind, bp.place) for bp in session.breakpoints] == [("line", ("emitters.py", ALU_LINE))]
        assert pane.breakpoints == {ALU_LINE: True}
        assert row_text(pane, ALU_LINE).startswith("● ")
        await pilot.press("c")
        await settle(app, pilot)
        assert session.pc == min(pcs_with(session, "alu"))
        await pilot.press("b")
        await settle(app, pilot)
        assert session.breakpoints == [] and pane.breakpoints == {}
        assert row_text(pane, ALU_LINE).startswith("  ")
        assert app.command_console.recorded == [f"break emitters.py:{ALU_LINE}", "continue", "delete 1"]


async def test_the_pane_says_mapping_sources_until_the_map_is_ready_then_fills_in():
    session = Session.open(str(FOLDER / "kernel.py"), SMALL)
    session.wait_for_source_map()
    # A job of our own, started when the test says, so the pane is seen before the map.
    job = SourceJob(session.kernel.source_request, session.program, start=False)
    session._source_job = job
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        pane = app.source_pane
        assert pane.page is None and pane.render_line(0).text.strip() == "mapping sources…"
        await pilot.press("s")  # the app goes on meanwhile
        await settle(app, pilot)
        assert session.step == 1 and pane.page is None
        worker = threading.Thread(target=job._run)
        worker.start()
        await until(pilot, lambda: pane.page is not None)
        worker.join()
        assert pane.file == "emitters.py" and pane.cursor in {CONST_LINE, LOAD_LINE}


async def test_without_a_map_the_pane_says_why():
    session = Driven.open(None, RunOptions(ProblemSize(height=3, rounds=2, batch_size=5)))
    session._source_job = SourceJob(None, session.program)
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v", "b")
        await settle(app, pilot)
        text = app.source_pane.render_line(0).text.strip()
        assert text == "no source map: the kernel was given as a program, not built from a file"
        assert app.command_console.recorded == []


async def test_at_100x30_the_source_takes_the_program_panes_place():
    session = mapped()
    app = DebuggerApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        assert app.source_pane.display and not app.program_pane.display
        assert app.source_pane.scrollable_content_region.height >= 10
        await pilot.press("v")
        assert app.program_pane.display and not app.source_pane.display


async def test_the_densest_bundle_stays_whole_beside_the_program_and_the_source():
    session = Driven.open("vector")
    session.wait_for_source_map()
    session.execute(f"goto step {DENSEST_PC}")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        bundle = app.bundle_pane
        assert len(slot_texts(bundle)) == 29
        assert bundle.scrollable_content_region.height >= 29
        assert app.program_pane.scrollable_content_region.height >= 3
        assert app.source_pane.scrollable_content_region.height >= 3
        smap = session.source_map
        assert smap is not None
        first = next(chain[0] for _engine, _index, chain in smap.slot_chains(DENSEST_PC) if chain)
        assert app.source_pane.file == first.file and app.source_pane.cursor == first.line


async def test_f_goes_out_to_the_kernel_file_that_called_the_emitter_and_keeps_to_it():
    session = mapped()
    header_const = line_of("kernel.py", "const(ops, tmp, i)")
    header_load = line_of("kernel.py", "load(ops, reg[name], tmp)")
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        pane = app.source_pane
        assert pane.file == "emitters.py"
        await pilot.press("f")
        # Bundle 0's const was emitted by the header loop of build_kernel: a caller's line.
        assert pane.file == "kernel.py" and pane.cursor == header_const
        assert pane.page is not None and header_const in pane.page.outer and not pane.page.inner
        # Stepping on, the pane stays in kernel.py: bundle 1 holds a header load and a const.
        await pilot.press("s")
        await settle(app, pilot)
        assert pane.file == "kernel.py" and {header_const, header_load} <= pane.page.outer
        await pilot.press("f")
        assert pane.file == "emitters.py"


async def test_a_click_on_the_source_gutter_toggles_that_lines_breakpoint():
    session = mapped()
    app = DebuggerApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        pane = app.source_pane
        pane.scroll_row_into_view(LOAD_LINE - 1)
        await pilot.pause()
        row = LOAD_LINE - 1 - pane.scroll_offset.y
        await pilot.click(SourceView, offset=(1, row + 1))  # +1: the pane's top border
        await settle(app, pilot)
        assert pane.cursor == LOAD_LINE
        assert [bp.place for bp in session.breakpoints] == [("emitters.py", LOAD_LINE)]
        assert app.command_console.recorded == [f"break emitters.py:{LOAD_LINE}"]
