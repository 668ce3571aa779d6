"""What the app reads from the session, on a small real session (no screen)."""

from __future__ import annotations

import pytest

from machine.problem import ProblemSize
from tests.app.waits import settle
from tests.vliwdbg.core_fixtures import Driven
from vliwdbg.app import app as app_module
from vliwdbg.app.app import DebuggerApp
from vliwdbg.app.memory import Reference
from vliwdbg.app.status import RunTotal
from vliwdbg.app.views import SessionViews
from vliwdbg.core.options import RunOptions


@pytest.fixture
def views() -> SessionViews:
    views = SessionViews(Driven.open(None, RunOptions(ProblemSize(height=3, rounds=2, batch_size=5))))
    views.prepare_insight()
    return views


def test_snapshot_copies_the_position_and_the_last_changes(views: SessionViews):
    session = views.session
    session.execute("step 3")
    snapshot = views.snapshot()
    assert (snapshot.step, snapshot.cycle, snapshot.pc) == (3, session.cycle, session.pc)
    assert snapshot.scratch == list(session.scratch) and snapshot.scratch is not session.scratch
    assert snapshot.scratch_changed == {w.addr for w in session.last_changes if w.space == "s"}
    assert snapshot.run is not None and snapshot.run.cycles == session.cycle
    assert snapshot.bundle is not None and sum(snapshot.bundle.values()) > 0


def test_where_names_the_compare_a_bundle_serves_or_leads_to(views: SessionViews):
    session = views.session
    assert views.snapshot().where is None
    session.execute("step 10")
    assert views.snapshot().where == "toward round 0, element 0: idx, val"
    session.execute("step")
    assert views.snapshot().where == "round 0, element 0: idx, val"


FAULTY = """
class KernelBuilder:
    def __init__(self):
        self.instrs = []

    def build_kernel(self, forest_height, n_nodes, batch_size, rounds):
        self.instrs = [{"load": [("const", 0, 99999)]}, {"load": [("load", 1, 0)]}]
"""


def test_a_fault_shows_in_the_state_and_leaves_no_total(tmp_path):
    kernel = tmp_path / "faulty.py"
    kernel.write_text(FAULTY)
    views = SessionViews(Driven.open(str(kernel), RunOptions(ProblemSize(height=1, rounds=1, batch_size=1))))
    views.session.execute("continue")
    snapshot = views.snapshot()
    assert snapshot.state == "faulted" and snapshot.total == RunTotal(1, "fault")
    views.session.execute("back")
    assert views.snapshot().state == "running"


def test_reference_follows_the_round_and_is_final_at_the_end(views: SessionViews):
    session = views.session
    assert views.snapshot().reference.label == "before round 0"
    session.execute("continue")
    session.execute("continue")
    session.execute("continue")
    reference = views.snapshot().reference
    assert session.last_stop.kind == "end" and reference.label == "at the end"
    start, batch = session.problem.regions["values"]
    assert list(reference.values) == session.problem.final[start : start + batch]
    assert all(reference.value_mark(i, v) == ("", False) for i, v in enumerate(reference.values))


def test_value_marks_name_the_round_a_value_holds_or_flag_it():
    reference = Reference([0, 0], [10, 20], "before round 1", {0: 0, 1: None})
    assert reference.value_mark(0, 10) == ("", False)
    assert reference.value_mark(0, 7) == ("r0", False)
    assert reference.value_mark(1, 99) == ("≠", True)


def test_breakpoint_commands_toggle_and_marks_show_enabled_state(views: SessionViews):
    session = views.session
    assert views.toggle_breakpoint_command(4) == "break pc 4"
    session.execute("break pc 4")
    session.execute("break pc 6")
    session.execute("disable 2")
    assert views.breakpoint_marks() == {4: True, 6: False}
    assert views.toggle_breakpoint_command(4) == "delete 1"


def test_run_fraction_and_total_are_known_once_the_end_has_been_reached(views: SessionViews):
    assert views.run_fraction(10) is None and views.snapshot().total is None
    session = views.session
    for _ in range(3):
        session.execute("continue")
    assert views.run_fraction(session.cycle) == 1.0
    end = session.cycle
    strip = views.engine_figures(views.snapshot(), 40).strip
    assert strip.marker == len(strip.cells) - 1
    session.execute("goto cycle 5")
    assert views.snapshot().total == RunTotal(end, "end")


async def test_a_core_error_is_logged_and_the_app_goes_on(monkeypatch):
    session = Driven.open(None, RunOptions(ProblemSize(height=3, rounds=2, batch_size=5)))
    app = DebuggerApp(session)

    def broken(line, **_):
        raise RuntimeError("the core tripped")

    async with app.run_test(size=(160, 48)) as pilot:
        monkeypatch.setattr(app.command_console, "run", broken)
        await pilot.press("s")
        await settle(app, pilot)
        assert "internal error in 'step': RuntimeError: the core tripped" in app.log_pane.lines[-1]
        monkeypatch.undo()
        await pilot.press("s")
        await settle(app, pilot)
        assert session.step == 1 and app.is_running


def test_run_app_takes_the_open_session_out_of_collections_before_the_first_frame(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(app_module.gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(DebuggerApp, "run", lambda self: calls.append("run"))
    app_module.run_app(Driven.open(None, RunOptions(ProblemSize(height=1, rounds=1, batch_size=1))))
    assert calls == ["freeze", "run"]


async def test_the_session_warms_up_after_the_first_screen(monkeypatch):
    session = Driven.open(None, RunOptions(ProblemSize(height=3, rounds=2, batch_size=5)))
    warmed: list[int] = []
    monkeypatch.setattr(session, "warm_up", lambda: warmed.append(session.step))
    app = DebuggerApp(session)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert warmed == [0]
