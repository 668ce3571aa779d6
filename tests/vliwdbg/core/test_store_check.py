"""The store check: stops after a store the reference never makes, with no compares needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from machine.engine import Write
from machine.problem import ProblemSize, make_problem
from tests.vliwdbg.core_fixtures import PROBLEM, VALUES_P, Driven, session
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.core.store_check import BadStore, StoreCheck, bad_store_text
from vliwdbg.loading.loader import LoadedKernel, load_kernel

WRONG_KERNEL = Path(__file__).resolve().parents[2] / "fixtures" / "kernels" / "wrong_store.py"

#: Three rounds on a tree of height 2: every index wraps to 0 after round 3.
PROBLEM3 = make_problem(height=2, rounds=3, batch_size=8, seed=5)
TRACE3 = PROBLEM3.value_trace
V3, I3 = PROBLEM3.regions["values"][0], PROBLEM3.regions["indices"][0]


def value_stages(i: int, problem=PROBLEM3) -> list[int]:
    start = problem.regions["values"][0]
    return [problem.initial[start + i]] + [
        problem.value_trace[(r, i, "hashed_val")] for r in range(problem.rounds)
    ]


def index_stages(i: int, problem=PROBLEM3) -> list[int]:
    return [0] + [problem.value_trace[(r, i, "wrapped_idx")] for r in range(problem.rounds)]


# --- the rule ---------------------------------------------------------------------------------


def test_forward_moves_are_accepted_others_and_steps_back_are_not() -> None:
    check = StoreCheck(PROBLEM3)
    w = value_stages(2)
    addr = V3 + 2

    def judge(old: int, new: int) -> list[BadStore]:
        return check.judge([Write("m", addr, old, new)])

    assert judge(w[0], w[1]) == [] and judge(w[1], w[2]) == [] and judge(w[0], w[3]) == []
    (back,) = judge(w[3], w[1])
    assert (back.region, back.element, back.old_stage, back.new_stage) == ("values", 2, 3, 1)
    (junk,) = judge(w[1], 12345)
    assert (junk.old_stage, junk.new_stage, junk.next_word) == (1, None, (2, w[2]))
    assert judge(w[3], 12345)[0].next_word is None
    # An old word that is no stage: any stage's value is accepted, anything else is not.
    assert judge(777, w[1]) == []
    (lost,) = judge(777, 778)
    assert (lost.old_stage, lost.new_stage, lost.next_word) == (None, None, None)


def test_only_changed_words_of_the_two_regions_are_judged() -> None:
    check = StoreCheck(PROBLEM3)
    forest = PROBLEM3.regions["forest"][0]
    assert check.words == frozenset(range(I3, I3 + 8)) | frozenset(range(V3, V3 + 8))
    assert check.judge([Write("s", V3, 0, 1), Write("m", forest, 0, 1), Write("m", 0, 3, 4)]) == []
    assert check.judge([Write("m", V3, 5, 5)]) == []
    bad = check.judge([Write("m", V3 + 7, 1, 2), Write("m", I3 + 1, 0, 99)])
    assert [(b.region, b.element, b.addr) for b in bad] == [("indices", 1, I3 + 1), ("values", 7, V3 + 7)]


def test_indices_repeat_zero_and_any_forward_move_through_it_is_accepted() -> None:
    check = StoreCheck(PROBLEM3)
    i = 5
    w = index_stages(i)
    assert w[0] == w[3] == 0 and 0 not in w[1:3]
    addr = I3 + i
    assert check.judge([Write("m", addr, 0, w[1])]) == []
    assert check.judge([Write("m", addr, w[2], 0)]) == []
    assert check.judge([Write("m", addr, w[1], 0)]) == []
    (back,) = check.judge([Write("m", addr, w[2], w[1])])
    assert (back.old_stage, back.new_stage) == (2, 1)
    # idx + 1, as some kernels keep it in scratch, is not what the region holds.
    assert check.judge([Write("m", addr, 0, w[1] + 1)])[0].next_word == (1, w[1])


def test_the_last_stage_of_a_value_answers_info_reference() -> None:
    check = StoreCheck(PROBLEM3)
    w = value_stages(0)
    assert [check.last_stage("values", 0, x) for x in w] == [0, 1, 2, 3]
    assert check.last_stage("values", 0, 5) is None


def test_the_one_line_reasons() -> None:
    junk = BadStore("values", 17, 0, 5, 123456, 2, None, (3, 987654))
    assert bad_store_text([junk], "pc 812 store slot 1") == (
        "divergence: store to values[17] wrote 123456, no round of the reference gives that"
        ' (after round 3 it is 987654 = ref(2, 17, "hashed_val"); stored by pc 812 store slot 1)'
    )
    last = BadStore("indices", 4, 0, 9, 3, 16, None, None)
    assert bad_store_text([last, last], None) == (
        "divergence: store to indices[4] wrote 3, no round of the reference gives that"
        " (it held the value after round 16, the reference's last; 1 more words of this bundle diverge)"
    )
    lost = BadStore("values", 0, 0, 777, 778, None, None, None)
    assert bad_store_text([lost], "pc 3 store slot 0").endswith(
        "(it held 777, no round's value either; stored by pc 3 store slot 0)"
    )
    back = BadStore("values", 1, 0, 9, 8, 5, 0, (6, 1))
    assert bad_store_text([back], "pc 3 store slot 0") == (
        "divergence: store to values[1] wrote 8, the initial value of the reference"
        " (it held the value after round 5 and the reference never goes back; stored by pc 3 store slot 0)"
    )


# --- our kernels never trip it ------------------------------------------------------------------


def stop_kinds(s: Session, command: str, last: str) -> list[str]:
    kinds = []
    for _ in range(20):
        kinds.append(s.execute(command).stop.kind)
        if kinds[-1] == last:
            return kinds
    raise AssertionError(f"no {last}: {kinds}")


@pytest.mark.parametrize("kernel", ["baseline", "three-lane", "vector"])
@pytest.mark.parametrize(("height", "rounds", "batch"), [(3, 2, 8), (2, 5, 16), (1, 3, 24)])
def test_our_kernels_run_to_the_end_both_ways_without_a_store_divergence(
    kernel, height, rounds, batch
) -> None:
    s = Driven.open(kernel, RunOptions(ProblemSize(height=height, rounds=rounds, batch_size=batch)))
    assert s.check_stores
    assert stop_kinds(s, "continue", "end") == ["pause", "pause", "end"]
    assert "values correct" in s.last_stop.message
    assert stop_kinds(s, "rcontinue", "start") == ["pause", "start"]


@pytest.mark.parametrize("kernel", ["three-lane", "vector"])
def test_our_kernels_at_the_standard_size_never_trip_it(kernel) -> None:
    """(The baseline at the standard size is run by benchmarks/store_check_bench.py.)"""
    s = Driven.open(kernel)
    assert stop_kinds(s, "continue", "end") == ["pause", "pause", "end"]


@pytest.mark.parametrize("batch", [5, 13])
def test_kernels_that_stop_short_of_a_vector_never_trip_it(batch) -> None:
    for kernel in ("baseline", "three-lane"):
        s = Driven.open(kernel, RunOptions(ProblemSize(height=2, rounds=3, batch_size=batch)))
        assert stop_kinds(s, "continue", "end") == ["pause", "pause", "end"]


# --- a kernel with a wrong store and no compares ------------------------------------------------


@pytest.fixture(scope="module")
def wrong_kernel() -> LoadedKernel:
    return load_kernel(str(WRONG_KERNEL), ProblemSize(height=2, batch_size=8, rounds=3))


def wrong_session(kernel: LoadedKernel) -> Session:
    return Driven(kernel, PROBLEM3)


def test_the_wrong_store_stops_right_after_it(wrong_kernel) -> None:
    s = wrong_session(wrong_kernel)
    assert not any(engine == "debug" for bundle in s.program for engine in bundle)
    assert s.execute("continue").stop.kind == "pause"
    stop = s.execute("continue").stop
    wrong = TRACE3[(1, 3, "hash_stage", 4)]
    pc = stop.step - 1
    assert s.program[pc] == {
        "store": [("store", s.scratch_names["v_addr"][0], s.scratch_names["before_last"][0])]
    }
    assert stop.kind == "divergence" and stop.ids == ()
    source = (Path(__file__).parents[2] / "fixtures" / "kernels" / "wrong_store.py").read_text().splitlines()
    line = next(n for n, text in enumerate(source, 1) if '("store", v_addr, stored)' in text)
    assert stop.message == (
        f"divergence: store to values[3] wrote {wrong}, no round of the reference gives that"
        f' (after round 2 it is {TRACE3[(1, 3, "hashed_val")]} = ref(1, 3, "hashed_val");'
        f" stored by pc {pc} store slot 0 at wrong_store.py:{line})"
        f" (step {pc + 1}, cycle {pc + 1}, pc {pc + 1})"
    )
    assert s.mem[V3 + 3] == wrong
    s.execute("back")
    assert s.mem[V3 + 3] == TRACE3[(0, 3, "hashed_val")]


def test_moves_go_on_past_it_and_rcontinue_finds_the_same_stops(wrong_kernel) -> None:
    s = wrong_session(wrong_kernel)
    forward = []
    while (stop := s.execute("continue").stop).kind != "end":
        forward.append(stop)
    kinds = [stop.kind for stop in forward]
    assert kinds == ["pause", "divergence", "divergence", "pause"]
    # Round 3 stores a value made from the wrong one: no stage before or after it.
    assert "store to values[3]" in forward[2].message and "no round's value either" in forward[2].message
    backward = [s.execute("rcontinue").stop for _ in range(3)]
    assert [b.message for b in backward] == [f.message for f in reversed(forward[:3])]
    assert s.execute("rcontinue").stop.kind == "start"
    s.execute(f"goto step {forward[1].step}")
    assert s.execute("step").stop.kind == "steps"


def test_switched_off_the_run_goes_to_the_end_with_the_wrong_value(wrong_kernel) -> None:
    s = wrong_session(wrong_kernel)
    assert s.execute("set check-stores off").output == [
        "store check: off (`set check-stores on` to stop at stores the reference never makes)"
    ]
    assert stop_kinds(s, "continue", "end") == ["pause", "pause", "end"]
    assert "1 of 8 values differ" in s.last_stop.message and "values[3]" in s.last_stop.message
    s.execute("set check-stores on")
    stop = s.execute("rcontinue").stop
    assert stop.kind == "divergence" and "no round's value either" in stop.message
    assert s.recorded == [
        "set check-stores off",
        "continue",
        "continue",
        "continue",
        "set check-stores on",
        "rcontinue",
    ]


# --- consistent with the other stops -------------------------------------------------------------


def store_words(problem, writes: list[tuple[int, int]], extra: dict | None = None) -> list[dict]:
    """Per (address, word): a bundle that loads both, then one that stores the word."""
    program: list[dict] = []
    for addr, word in writes:
        program.append({"load": [("const", 0, addr), ("const", 1, word)]})
        program.append({"store": [("store", 0, 1)], **(extra or {})})
    return program


W1 = value_stages(0, PROBLEM)[1]


def test_a_compare_right_after_a_store_divergence_still_stops() -> None:
    key = (0, 1, "val")
    program = [*store_words(PROBLEM, [(VALUES_P, 42)]), {"debug": [("compare", 1, key)]}]
    s = session(program, check_stores=True)
    first = s.execute("continue").stop
    assert (first.kind, first.step) == ("divergence", 2) and first.message.startswith("divergence: store")
    second = s.execute("continue").stop
    assert (second.kind, second.step) == ("divergence", 2) and second.message.startswith("divergence: (0, 1")
    assert s.execute("continue").stop.kind == "end"


def test_breakpoints_and_cycle_targets_right_after_a_passed_store_are_not_missed() -> None:
    program = [*store_words(PROBLEM, [(VALUES_P, W1)]), {"alu": [("+", 2, 1, 1)]}, {"alu": [("+", 2, 2, 1)]}]
    s = session(program, check_stores=True)
    s.execute("break pc 2")
    stop = s.execute("continue").stop
    assert (stop.kind, stop.step) == ("breakpoint", 2)
    s.execute("continue")
    assert s.execute("rcontinue").stop.step == 2
    s.execute("delete")
    s.execute("restart")
    s.execute("step")
    assert s.execute("next").stop.step == 2
    s.execute("restart")
    s.execute("break cycle 2")
    stop = s.execute("continue").stop
    assert (stop.kind, stop.step, stop.ids) == ("breakpoint", 2, (2,))
    assert s.execute("continue").stop.kind == "end"
    assert s.execute("rcontinue").stop.step == 2


def test_a_watchpoint_and_a_store_divergence_in_one_bundle_make_one_stop() -> None:
    s = session(store_words(PROBLEM, [(VALUES_P + 1, 42)]), check_stores=True)
    s.execute("watch values[1]")
    stop = s.execute("continue").stop
    old = PROBLEM.initial[VALUES_P + 1]
    assert stop.kind == "divergence" and stop.ids == (1,) and s.breakpoints[0].hits == 1
    assert stop.message.startswith("divergence: store to values[1] wrote 42")
    assert f"; watchpoint 1 values[1]: {old} -> 42 (step 2," in stop.message


def test_a_vector_store_names_its_slot_and_counts_the_other_bad_words() -> None:
    program = [
        {"load": [("const", 0, VALUES_P), ("const", 1, 7)]},
        {"valu": [("vbroadcast", 8, 1)]},
        {"store": [("store", 1, 1), ("vstore", 0, 8)]},
    ]
    s = session(program, check_stores=True)
    stop = s.execute("continue").stop
    assert stop.message.startswith("divergence: store to values[0] wrote 7, no round of the reference gives")
    assert "stored by pc 2 store slot 1; 7 more words of this bundle diverge)" in stop.message


def test_a_bad_store_in_a_bundle_that_pauses_leads_the_pause() -> None:
    program = [
        *store_words(PROBLEM, [(VALUES_P, 9)], extra={"flow": [("pause",)]}),
        {"alu": [("+", 2, 1, 1)]},
    ]
    s = session(program, check_stores=True)
    stop = s.execute("continue").stop
    assert stop.kind == "divergence"
    assert "; pause 1 of 2 (before the first round): 1 of 8 values differ" in stop.message
    assert s.execute("continue").stop.kind == "end"
    assert s.execute("rcontinue").stop.message == stop.message


def test_a_step_back_is_a_divergence() -> None:
    w = value_stages(0)
    program = store_words(PROBLEM3, [(V3, w[1]), (V3, w[3]), (V3, w[2])])
    s = Driven(LoadedKernel("steps", None, program, {}), PROBLEM3)
    stop = s.execute("continue").stop
    assert stop.step == 6
    assert stop.message.startswith(
        f"divergence: store to values[0] wrote {w[2]}, the value after round 2 of the reference"
        " (it held the value after round 3 and the reference never goes back; stored by pc 5 store slot 0)"
    )


def test_stores_outside_the_two_regions_are_not_judged() -> None:
    forest = PROBLEM.regions["forest"][0]
    s = session(store_words(PROBLEM, [(forest, 1), (0, 5)]), check_stores=True)
    assert s.execute("continue").stop.kind == "end"


def test_info_program_shows_the_setting_and_bad_arguments_change_nothing() -> None:
    s = session(store_words(PROBLEM, [(VALUES_P, 9)]), check_stores=True)
    assert s.execute("info program").output[-1].startswith("store check: on")
    for bad, error in (
        ("set check-stores", "set check-stores: expected on or off"),
        ("set check-stores yes", "set check-stores: expected on or off, got 'yes'"),
        ("set check-store on", "set check-store: unknown subcommand; one of check-stores"),
    ):
        assert s.execute(bad).error == error
    assert s.check_stores and s.recorded == ["info program"]
    assert s.execute("help set").output[0].startswith("set check-stores on|off")
    s.execute("set check-stores off")
    assert s.execute("info program").output[-1].startswith("store check: off")
    assert s.execute("continue").stop.kind == "end"
