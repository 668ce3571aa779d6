"""`watch LOC if EXPR` (and rwatch), and `set compares on|off` mid-session."""

from __future__ import annotations

from pathlib import Path

from machine.problem import ProblemSize
from vliwdbg.commands.console import Console
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

FIXTURES = Path(__file__).parents[2] / "fixtures" / "kernels"
LOOP = FIXTURES / "dense" / "correct_loop.py"
BROKEN = FIXTURES / "broken_three_lane.py"
SIZE = ProblemSize(height=4, rounds=6, batch_size=24)
SMALL = ProblemSize(height=2, rounds=3, batch_size=8)


def _open(path: Path, size: ProblemSize, **options) -> tuple[Session, Console]:
    session = Session.open(str(path), RunOptions(size, **options))
    return session, Console(session)


def _changes_of(path: Path, loc: str) -> list[tuple[int, int]]:
    """(step, new value) of every change of LOC, from unconditional watch stops."""
    session, console = _open(path, SIZE, check_stores=False)
    console.run(f"watch {loc}")
    seen = []
    while True:
        stop = session.resume()
        if stop.kind == "end":
            return seen
        if stop.kind == "watchpoint":
            seen.append((stop.step, console.run(f"print {loc}").output[0]))


def test_watch_if_stops_only_at_changes_after_which_the_condition_holds() -> None:
    changes = _changes_of(LOOP, "idx[1]")
    expected = [step for step, value in changes if int(value) > 20]
    assert expected and len(expected) < len(changes)
    session, console = _open(LOOP, SIZE, check_stores=False)
    assert console.run("watch idx[1] if idx[1] > 20").output == [
        "watchpoint 1: idx[1] (s[13]) if idx[1] > 20"
    ]
    stops = []
    while (stop := session.resume()).kind != "end":
        if stop.kind == "watchpoint":
            stops.append(stop.step)
            assert stop.message.startswith("watchpoint 1 idx[1]: ")
    assert stops == expected
    # rcontinue finds the same ones, latest first.
    back = []
    while (stop := session.reverse()).kind != "start":
        if stop.kind == "watchpoint":
            back.append(stop.step)
    assert back == expected[::-1]
    assert (
        console.run("info breakpoints").output[1].endswith(f"{len(expected) * 2:>6}  idx[1] if idx[1] > 20")
    )


def test_a_watch_condition_is_parsed_and_refused_like_a_breakpoints() -> None:
    session, console = _open(LOOP, SIZE)
    result = console.run("watch values[0] if nosuch == 1")
    assert result.error is not None and "unknown name 'nosuch'" in result.error
    result = console.run("watch idx if idx[0:3]")
    assert result.error is not None and "a condition must be a number, not a list" in result.error
    assert session.breakpoints == []
    console.run("rwatch val[0] if step > 100")
    stop = session.resume()
    while stop.kind == "pause":
        stop = session.resume()
    assert stop.kind == "watchpoint" and stop.step > 100
    assert console.run("info breakpoints").output[1].endswith("val[0] if step > 100")


def test_set_compares_off_runs_past_a_stale_compare_and_history_stays_exact() -> None:
    session, console = _open(BROKEN, SMALL, check_stores=False)
    oracle, _ = _open(BROKEN, SMALL, check_stores=False, debug=False)
    stop = session.resume()
    while stop.kind == "pause":
        stop = session.resume()
    assert stop.kind == "divergence" and "found" in stop.message
    compare_step = stop.step
    assert console.run("info program").output[-2].startswith("compares: on")
    assert console.run("set compares off").output == [
        "compares: off (debug compares are not checked; `set compares on` to check them)"
    ]
    assert console.run("info program").output[-2].startswith("compares: off")
    while (stop := session.resume()).kind != "end":
        assert stop.kind != "divergence"
    while oracle.resume().kind != "end":
        pass
    assert (session.step, session.cycle, list(session.mem)) == (oracle.step, oracle.cycle, list(oracle.mem))
    # Back through history: every state is the one a run without compares has there.
    for step in (compare_step + 3, compare_step, compare_step - 1, 5):
        console.run(f"goto step {step}")
        oracle.goto_step(step)
        assert (session.cycle, list(session.scratch), list(session.mem)) == (
            oracle.cycle,
            list(oracle.scratch),
            list(oracle.mem),
        )
    # rcontinue does not stop at the compare while they are off, and does once they are on.
    console.run("goto step " + str(session.timeline.end.step))
    while (stop := session.reverse()).kind != "start":
        assert stop.kind != "divergence"
    console.run("set compares on")
    console.run(f"goto step {compare_step + 10}")
    stop = session.reverse()
    while stop.kind == "pause":
        stop = session.reverse()
    assert stop.kind == "divergence" and stop.step <= compare_step


def test_set_compares_refuses_anything_but_on_or_off() -> None:
    session, console = _open(LOOP, SIZE)
    assert console.run("set compares maybe").error is not None
    assert session.compares
