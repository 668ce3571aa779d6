"""Time travel is exact: every position reached by any route equals a straight run's."""

from __future__ import annotations

import itertools
import random

import pytest

from machine.engine import Core, StopSpec, prepare
from machine.literal import LiteralMachine
from machine.problem import ProblemSize, make_problem
from tests.vliwdbg.core_fixtures import (
    PROBLEM,
    Driven,
    loop_program,
    oracle_states,
    session,
    state,
    straight_program,
)
from vliwdbg.core import history
from vliwdbg.core.session import Session
from vliwdbg.loading.loader import load_kernel


@pytest.mark.parametrize("program", [loop_program(40), straight_program(150)], ids=["loop", "straight"])
def test_every_route_to_a_step_gives_the_straight_runs_state(program: list[dict]) -> None:
    states = oracle_states(program)
    last = len(states) - 1
    s = session(program, interval=16)
    assert s.execute(f"goto step {last}").error is None
    assert state(s) == states[last]
    rng = random.Random(3)
    for _ in range(60):
        target = rng.randrange(last + 1)
        how = rng.choice(["goto", "back", "step"])
        if how == "goto" or (how == "back" and target > s.step) or (how == "step" and target < s.step):
            s.execute(f"goto step {target}")
        # A pause on the way ends a move early, as any stop does; the next move goes on.
        while how == "back" and target < s.step:
            s.execute(f"back {s.step - target}")
        while how == "step" and target > s.step:
            s.execute(f"step {target - s.step}")
        assert s.step == target
        assert state(s) == states[target], f"step {target} by {how}"


def test_back_then_forward_matches_word_for_word_on_a_real_kernel() -> None:
    problem = make_problem(3, 2, 8, 123)
    kernel = load_kernel("baseline", ProblemSize(height=3, batch_size=8, rounds=2))
    s = Driven(kernel, problem, checkpoint_interval=64)
    assert s.execute("continue").stop.kind == "pause"
    end = s.execute("continue").stop
    assert end.kind == "pause" and "values match" in end.message
    for target in (end.step - 5, end.step // 2, 65, 64, 63, 1, 0):
        assert s.execute(f"goto step {target}").error is None
        assert state(s) == _straight(s, target)
        s.execute("step 5")
        assert state(s) == _straight(s, target + 5)


def _straight(s: Session, target: int) -> tuple:
    """The state at `target` by one run from the start on a fresh core: no history."""
    core = Core(prepare(s.program), list(s.problem.initial), value_trace=s.problem.value_trace)
    while core.steps < target:
        reason = core.run(StopSpec(max_steps=target - core.steps)).reason
        assert reason in ("steps", "pause", "compare"), reason
        if reason == "compare":
            core.step(skip_debug=True)
    return state(core)


def test_checkpoints_fall_on_every_multiple_of_the_interval() -> None:
    program = straight_program(120)
    s = session(program, interval=16)
    s.execute("goto step 100")
    timeline = s.timeline
    assert timeline._steps == list(range(0, 101, 16))
    s.execute("goto step 3")
    s.execute("step 120")
    assert timeline._steps == list(range(0, timeline.frontier + 1, 16))


def test_a_runaway_history_thins_itself_within_its_budget() -> None:
    program = [{"alu": [("+", 0, 0, 1)], "load": [("const", 1, 1)]}, {"flow": [("jump", 0)]}]
    s = session(program, interval=4, max_steps=3000)
    s.timeline.max_checkpoints = 20
    stop = s.execute("continue").stop
    assert stop.kind == "max-steps" and stop.step == 3000
    assert s.timeline.checkpoint_count <= 20
    assert s.timeline.interval > 4
    states = oracle_states_loop(program, 3000)
    for target in (2999, 1234, 7, 0):
        s.execute(f"goto step {target}")
        assert state(s) == states[target]


def oracle_states_loop(program: list[dict], steps: int) -> list[tuple]:
    m = LiteralMachine(program, PROBLEM.initial, value_trace=PROBLEM.value_trace)
    out = [state(m)]
    for _ in range(steps):
        m.step()
        out.append(state(m))
    return out


def test_cutting_a_run_into_chunks_does_not_skip_a_breakpoint_on_a_chunk_boundary(monkeypatch) -> None:
    monkeypatch.setattr(history, "MAX_CHUNK", 8)
    monkeypatch.setattr(history, "MIN_CHUNK", 8)
    program = straight_program(100)
    s = session(program, interval=16)
    s.timeline._chunk = 8
    s.execute("break pc 32")
    s.execute("break pc 40")
    never = lambda: False  # noqa: E731 - a caller that can interrupt gets the small chunks
    assert s.execute("continue", cancel=never).stop.step == 32
    assert s.execute("continue", cancel=never).stop.step == 40
    s.execute("rwatch s[3]")
    s.execute("goto step 23")
    assert s.execute("continue", cancel=never).stop.step == 24


def test_cancel_interrupts_at_a_consistent_position() -> None:
    program = [{"load": [("const", 1, 1)]}, {"alu": [("+", 0, 0, 1)]}, {"flow": [("jump", 1)]}]
    s = session(program, interval=64)
    polls = []

    def cancel() -> bool:
        polls.append(s.step)
        return len(polls) >= 3

    result = s.execute("continue", cancel=cancel)
    assert result.stop.kind == "interrupted"
    assert result.stop.message.startswith("interrupted (step ")
    assert s.recorded == [f"goto step {s.step}"]
    assert s.step > 0 and s.scratch[0] == s.step // 2


def test_progress_is_reported_while_running(monkeypatch) -> None:
    monkeypatch.setattr(history, "PROGRESS_SECONDS", 0.0)
    program = [{"alu": [("+", 0, 0, 1)]}, {"flow": [("jump", 0)]}]
    s = session(program, interval=64, max_steps=20_000)
    seen: list[tuple[int, int]] = []
    s.execute("continue", progress=lambda step, cycle: seen.append((step, cycle)))
    assert seen and all(b[0] > a[0] for a, b in itertools.pairwise(seen))
    assert all(step == cycle for step, cycle in seen)


def test_interrupting_a_backward_search_leaves_the_position_unchanged() -> None:
    program = loop_program(200)
    s = session(program, interval=16)
    s.execute("goto step 500")
    s.execute("watch s[9]")
    before = state(s)
    result = s.execute("rcontinue", cancel=lambda: True)
    assert result.stop.kind == "interrupted"
    assert s.step == 500 and state(s) == before


def test_executed_pcs_follow_jumps() -> None:
    s = session(loop_program(3), interval=4)
    s.execute("continue")
    s.execute("continue")
    pcs = s.timeline.executed_pcs(0, s.step)
    assert pcs == [0, 1, 2, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6, 7, 8]
    assert s.step == 15


def test_states_after_each_step_match_the_oracle_when_walking_backward() -> None:
    program = loop_program(12)
    states = oracle_states(program)
    s = session(program, interval=8)
    s.execute(f"goto step {len(states) - 1}")
    for target in range(len(states) - 1, -1, -1):
        assert state(s) == states[target]
        s.execute("back")
