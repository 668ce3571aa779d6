"""The store check judges an element's two words together: the round its value word shows
and the round its index word shows must agree, in the order the kernel stores them. Run on
the dense fixtures (tests/fixtures/kernels/dense), whose loop kernels store each round
(index, then value) and whose wide kernels store once at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from machine.engine import Write
from machine.problem import ProblemSize, make_problem
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.core.store_check import INDEX_FIRST, VALUE_FIRST, StoreCheck, StoreHabits

FIXTURES = Path(__file__).parents[2] / "fixtures" / "kernels"
DENSE = FIXTURES / "dense"
SIZE = ProblemSize(height=4, rounds=6, batch_size=24)  # n_nodes 31: a bound of 24 is wrong


def _open(path: Path | str, size: ProblemSize = SIZE) -> Session:
    return Session.open(str(path), RunOptions(size))


def _all_stops(session: Session) -> tuple[list, list]:
    """Every stop of `continue` up to the end, then of `rcontinue` back to the start."""
    forward = []
    while (stop := session.resume()).kind != "end":
        forward.append(stop)
    backward = []
    while (stop := session.reverse()).kind != "start":
        backward.append(stop)
    return forward, backward


def _store_slots(session: Session, register: str) -> list[int]:
    """Pcs of the vstores of `register`, in program order (one per group in the loop)."""
    addr = session.scratch_names[register][0]
    return [
        pc
        for pc, bundle in enumerate(session.program)
        for slot in bundle.get("store", ())
        if slot[0] == "vstore" and slot[2] == addr
    ]


def _pass_steps(session: Session) -> int:
    jump = next(
        pc for pc, b in enumerate(session.program) if any(s[0] == "cond_jump" for s in b.get("flow", ()))
    )
    return jump + 1 - session.program[jump]["flow"][0][2]


def test_a_wrong_wrap_bound_stops_at_its_first_wrong_index_store_naming_its_round() -> None:
    session = _open(DENSE / "bug_wrap_bound.py")
    trace, n_nodes = session.problem.value_trace, session.problem.n_nodes
    wrong = [
        (r, i)
        for r in range(session.problem.rounds)
        for i in range(24)
        if 24 <= trace[(r, i, "next_idx")] < n_nodes  # kept by the reference, wrapped by the slip
    ]
    r = min(r for r, _ in wrong)
    group = min(i // 8 for rr, i in wrong if rr == r)
    element = min(i for rr, i in wrong if rr == r and i // 8 == group)
    pc = _store_slots(session, "idx")[group]
    stop = session.resume()
    while stop.kind == "pause":
        stop = session.resume()
    assert stop.kind == "divergence"
    assert stop.step == pc + r * _pass_steps(session) + 1
    assert stop.message.startswith(f"divergence: store to indices[{element}] wrote 0, ")
    expected = trace[(r, element, "wrapped_idx")]
    assert f'after round {r + 1} the index is {expected} = ref({r}, {element}, "wrapped_idx")' in stop.message


def test_swapped_select_operands_stop_at_the_first_wrong_index_store() -> None:
    """The swapped select stores 0, a legal index, over 0 in the first pass: no word
    changes, yet the kernel stores index then value each round, so the index stored before
    round 1's value must be round 1's."""
    session = _open(DENSE / "bug_select_swap.py")
    index_pc = _store_slots(session, "idx")[0]
    stop = session.resume()
    while stop.kind == "pause":
        stop = session.resume()
    assert stop.kind == "divergence" and stop.step == index_pc + 1
    expected = session.problem.value_trace[(0, 0, "wrapped_idx")]
    assert stop.message.startswith("divergence: store to indices[0] wrote 0, ")
    assert "values[0] holds the initial value" in stop.message
    assert f'after round 1 the index is {expected} = ref(0, 0, "wrapped_idx")' in stop.message


@pytest.mark.parametrize("name", ["bug_wrap_bound", "bug_select_swap", "bug_mask"])
def test_rcontinue_stops_where_continue_stopped(name: str) -> None:
    forward, backward = _all_stops(_open(DENSE / f"{name}.py"))
    assert "divergence" in {s.kind for s in forward}
    divergences = [(s.step, s.message) for s in forward if s.kind == "divergence"]
    assert [(s.step, s.message) for s in reversed(backward) if s.kind == "divergence"] == divergences


@pytest.mark.parametrize(
    ("kernel", "size"),
    [
        (DENSE / "correct_loop.py", SIZE),
        (DENSE / "correct_loop.py", ProblemSize(height=2, rounds=7, batch_size=16)),
        (DENSE / "correct_loop_mixed.py", SIZE),  # odd groups store value first: orders per element
        (DENSE / "correct_wide.py", SIZE),
        (DENSE / "correct_plus1.py", ProblemSize(height=3, rounds=9, batch_size=16)),
        (FIXTURES / "own_problem" / "wide_kernel.py", ProblemSize(height=3, rounds=5, batch_size=16)),
        (FIXTURES / "messy" / "slow_no_names.py", ProblemSize(height=3, rounds=5, batch_size=16)),
        ("baseline", ProblemSize(height=3, rounds=9, batch_size=16)),
        ("three-lane", ProblemSize(height=3, rounds=9, batch_size=16)),
        ("vector", ProblemSize(height=3, rounds=9, batch_size=16)),
    ],
)
def test_correct_kernels_never_stop_either_way(kernel, size) -> None:
    forward, backward = _all_stops(_open(kernel, size))
    assert "divergence" not in {s.kind for s in forward + backward}


# --- the rule on its own ------------------------------------------------------------------------

PROBLEM = make_problem(height=2, rounds=3, batch_size=8, seed=5)


def _words(i: int) -> tuple[list[int], list[int]]:
    v0 = PROBLEM.regions["values"][0]
    trace = PROBLEM.value_trace
    values = [PROBLEM.initial[v0 + i]] + [trace[(r, i, "hashed_val")] for r in range(3)]
    indices = [0] + [trace[(r, i, "wrapped_idx")] for r in range(3)]
    return values, indices


def _judge(habits: StoreHabits, region: str, old: int, new: int, value: int, index: int, i: int = 2):
    check = StoreCheck(PROBLEM)
    mem = list(PROBLEM.initial)
    v0, i0 = PROBLEM.regions["values"][0], PROBLEM.regions["indices"][0]
    mem[v0 + i], mem[i0 + i] = value, index
    addr = (v0 if region == "values" else i0) + i
    return check.judge([Write("m", addr, old, new)], mem, habits)


def test_the_order_decides_which_lag_is_allowed() -> None:
    values, indices = _words(2)
    each_round = frozenset({"values", "indices"})
    index_first, value_first = StoreHabits(INDEX_FIRST, each_round), StoreHabits(VALUE_FIRST, each_round)
    # Index first: the index store of round 2 comes while the value shows round 1.
    assert _judge(index_first, "indices", indices[1], indices[2], values[1], indices[2]) == []
    # ... and an index store that repeats round 1's index then is wrong.
    (bad,) = _judge(index_first, "indices", indices[1], indices[1], values[1], indices[1])
    assert bad.next_word == (2, indices[2]) and bad.other == ("values", 1)
    # Value first: the index store comes after the value store of its round.
    assert _judge(value_first, "indices", indices[1], indices[2], values[2], indices[2]) == []
    # A value store whose index lags a round is fine value first, not index first.
    assert _judge(value_first, "values", values[1], values[2], values[2], indices[1]) == []
    (lag,) = _judge(index_first, "values", values[1], values[2], values[2], indices[1])
    assert lag.other == ("indices", 1) and lag.next_word == (2, indices[2])


def test_a_kernel_that_stores_once_must_store_the_last_round() -> None:
    values, _ = _words(4)
    once = StoreHabits(VALUE_FIRST)
    assert _judge(once, "values", values[0], values[3], values[3], 0, i=4) == []
    (stale,) = _judge(once, "values", values[0], values[2], values[2], 0, i=4)
    assert stale.new_stage == 2 and stale.next_word == (3, values[3]) and stale.last_only
