"""The insight commands' answers, called as the command table calls them."""

import json
from types import SimpleNamespace

import pytest

from machine.problem import make_problem
from vliwdbg.commands.insight import INSIGHT_COMMANDS, InsightError, parse_elem
from vliwdbg.core.session import Session
from vliwdbg.loading.loader import LoadedKernel

PROBLEM = make_problem(height=1, rounds=2, batch_size=2, seed=3)
VALUES_P = PROBLEM.initial[6]
NAMES = {0: ("ptr", 1), 1: ("val", 1), 2: ("one", 1)}

# Load each element's value, add one, compare nothing but the loaded value: a tiny kernel
# with a source map (round 0, elements 0 and 1).
PROGRAM = [
    {"load": [("const", 0, VALUES_P), ("const", 2, 1)]},  # 0
    {"flow": [("pause",)]},  # 1
    {"load": [("load", 1, 0)]},  # 2
    {"debug": [("compare", 1, (0, 0, "val"))]},  # 3
    {"alu": [("+", 0, 0, 2)]},  # 4
    {"load": [("load", 1, 0)]},  # 5
    {"debug": [("compare", 1, (0, 1, "val"))]},  # 6
    {"alu": [("+", 1, 1, 2)]},  # 7
    {"flow": [("pause",)]},  # 8
]


def session() -> Session:
    return Session(LoadedKernel("tiny", None, PROGRAM, dict(NAMES), [], 0.0), PROBLEM, checkpoint_interval=4)


def run(s: Session, name: str, text: str = "") -> list[str]:
    command = next(c for c in INSIGHT_COMMANDS if c.name == name)
    return command.run(s, SimpleNamespace(text=text, offset=len(name) + 1, cancel=None))


def test_where_follows_the_position():
    s = session()
    assert run(s, "info where") == ["pc 0: outside the source map (no compare in this phase of the program)"]
    s.goto_step(4)
    assert run(s, "info where") == ["pc 4: between round 0, element 0, val and round 0, element 1, val"]
    s.goto_step(3)
    assert run(s, "info where") == ["pc 3: round 0, element 0, val"]


def test_break_elem_sets_a_pc_breakpoint_where_the_element_starts():
    s = session()
    assert run(s, "break elem", "1 round 0 val") == [
        "breakpoint 1 at pc 4: the first bundle serving element 1 in round 0 at val"
    ]
    assert s.breakpoint_pcs() == {4}
    assert s.stops.get(1).text == "4 (element 1 in round 0 at val)"
    stop = s.resume()
    while stop.kind == "pause":
        stop = s.resume()
    assert (stop.kind, s.pc) == ("breakpoint", 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected an element number"),
        ("x", "expected an element number, got 'x'"),
        ("1 round", "expected a round number after 'round'"),
        ("1 round 0 bogus", "unknown step 'bogus'"),
    ],
)
def test_break_elem_argument_errors(text, message):
    with pytest.raises(InsightError, match=message):
        parse_elem(text)


def test_break_elem_for_an_element_no_compare_names():
    s = session()
    with pytest.raises(InsightError, match="no compare names element 5"):
        run(s, "break elem", "5")
    assert s.breakpoints == []


def test_origin_and_uses_answer_in_lines():
    s = session()
    s.goto_step(8)
    lines = run(s, "info origin", "val")
    assert lines[0].startswith("val = ")
    assert "pc 7 alu[0]" in lines[0]
    uses = run(s, "info uses", "ptr")
    assert uses[0].startswith("ptr = ")
    assert uses[-1] == "ptr: not overwritten before the program ends"


def test_a_bad_location_points_at_its_column():
    with pytest.raises(InsightError, match="column"):
        run(session(), "info origin", "nosuch[")


def test_lint_critical_and_trace(tmp_path):
    s = session()
    assert run(s, "info lint")[-1] == "0 errors, 0 notes"
    critical = run(s, "info critical")
    assert critical[0].startswith("cycles 0..the end (steps 0..8): 7 cycles; latency bound")
    with pytest.raises(InsightError, match="empty"):
        run(s, "info critical", "5 2")
    path = tmp_path / "t.json"
    assert run(s, "trace", f"{path} 0 3")[0].startswith(f"wrote {path}: cycles 0..3")
    assert any(e.get("name") == "load" for e in json.loads(path.read_text()))
    with pytest.raises(InsightError, match="expected FILE"):
        run(s, "trace", "a b")
