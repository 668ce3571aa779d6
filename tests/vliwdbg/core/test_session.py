"""The Session: opening a kernel, what views read from it, and naming operands."""

from __future__ import annotations

import threading
import time

import pytest

from machine import engine
from machine.access import AccessIndex
from machine.isa import CoreState
from machine.problem import ProblemSize
from tests.vliwdbg.core_fixtures import LOOP_NAMES, PROBLEM, VALUES_P, Driven, loop_program, session
from vliwdbg.core.expr import ExprError
from vliwdbg.core.options import RunOptions
from vliwdbg.core.render import ScratchNamer, slot_text
from vliwdbg.loading.loader import KernelLoadError


def test_open_builds_the_kernel_and_the_problem_and_stands_at_step_0() -> None:
    s = Driven.open(None, RunOptions(ProblemSize(height=3, rounds=2, batch_size=8, seed=9)))
    assert s.kernel.name == "three-lane"
    assert (s.problem.height, s.problem.rounds, s.problem.batch_size, s.problem.seed) == (3, 2, 8, 9)
    assert (s.step, s.cycle, s.pc, s.state) == (0, 0, 0, CoreState.RUNNING)
    assert list(s.mem) == s.problem.initial and not any(s.scratch)
    assert s.last_stop is None and s.recorded == [] and s.breakpoints == []
    assert s.regions == s.problem.regions
    addr, (name, length) = next(iter(s.kernel.scratch_map.items()))
    assert s.scratch_names[name] == (addr, length)


def test_the_three_lane_kernel_runs_to_a_correct_end() -> None:
    s = Driven.open("three-lane", RunOptions(ProblemSize(height=3, rounds=2, batch_size=8)))
    first = s.execute("continue").stop
    assert first.kind == "pause" and "values match" in first.message
    second = s.execute("continue").stop
    assert second.kind == "pause" and "values match" in second.message
    end = s.execute("continue").stop
    assert end.kind == "end" and "all 8 values correct" in end.message
    assert s.execute("expect values == ref(1, 0, 'hashed_val')").error is not None
    assert s.execute("expect values[7] == ref(1, 7, 'hashed_val')").output == ["ok"]
    # The end is at the second pause's step: going back finds the stops before it.
    assert end.step == second.step and s.execute("rcontinue").stop.step == first.step


def test_open_refuses_a_kernel_that_cannot_load(tmp_path) -> None:
    with pytest.raises(KernelLoadError):
        Driven.open(str(tmp_path / "nope.py"), RunOptions(ProblemSize(height=2, rounds=1, batch_size=8)))


def test_no_pause_and_no_debug_reach_the_engine() -> None:
    s = Driven.open(
        "baseline",
        RunOptions(ProblemSize(height=2, rounds=1, batch_size=8), pause=False, debug=False, max_steps=99),
    )
    assert not s.core.enable_pause and not s.core.enable_debug
    assert s.execute("continue").stop.kind == "max-steps"


def test_open_takes_the_store_check_setting() -> None:
    assert Driven.open("baseline", RunOptions(ProblemSize(height=2, rounds=1, batch_size=8))).check_stores
    s = Driven.open("baseline", RunOptions(ProblemSize(height=2, rounds=1, batch_size=8), check_stores=False))
    assert not s.check_stores and not s.options.check_stores
    s.execute("set check-stores on")
    assert s.check_stores and not s.options.check_stores


def test_the_evaluation_context_refuses_what_is_not_there() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    with pytest.raises(ExprError, match="outside scratch"):
        s.scratch_word(len(s.scratch))
    with pytest.raises(ExprError, match="outside memory"):
        s.mem_word(-1)
    with pytest.raises(ExprError, match="no key"):
        s.ref((5, 0, "val"))
    assert s.ref((0, 0, "val")) == PROBLEM.value_trace[(0, 0, "val")]
    assert s.evaluate(s.parse("limit + values_p")) == 0


def test_words_and_operands_are_named() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    assert s.word_name("s", 2) == "limit"
    assert s.word_name("s", 40) == "s[40]"
    assert s.word_name("m", VALUES_P + 3) == "values[3]"
    assert s.word_name("m", 0) == "header[0]"
    assert s.named_slot(5, "alu", 0) == "flag = i < limit"
    assert s.named_slot(5, "store", 0) == "m[values_p] = i"
    assert s.named_slot(6, "flow", 0) == "if flag: jump 4"


_name = ScratchNamer({0: ("a", 1), 1: ("b", 1), 2: ("c", 3), 8: ("v", 8), 40: ("big", 32)})


@pytest.mark.parametrize(
    ("engine", "slot", "text"),
    [
        ("alu", ("+", 0, 1, 2), "a = b + c[0]"),
        ("alu", ("cdiv", 0, 1, 5), "a = cdiv(b, s[5])"),
        ("valu", ("^", 8, 8, 16), "v = v ^ s[16:24]"),
        ("valu", ("+", 48, 40, 9), "big[8:16] = big[0:8] + v[1]"),
        ("alu", ("+", 9, 47, 1), "v[1] = big[7] + b"),
        ("valu", ("vbroadcast", 8, 0), "v = broadcast a"),
        ("valu", ("multiply_add", 8, 8, 16, 24), "v = v * s[16:24] + s[24:32]"),
        ("load", ("load", 0, 1), "a = m[b]"),
        ("load", ("load_offset", 8, 0, 3), "v[3] = m[c[1]]"),
        ("load", ("vload", 8, 0), "v = m[a:+8]"),
        ("load", ("vload", 1, 0), "b = m[a:+8]"),
        ("load", ("vload", 3, 0), "c[1] = m[a:+8]"),
        ("load", ("const", 0, 99), "a = 99"),
        ("store", ("store", 0, 1), "m[a] = b"),
        ("store", ("vstore", 0, 8), "m[a:+8] = v"),
        ("flow", ("select", 0, 1, 2, 3), "a = b ? c[0] : c[1]"),
        ("flow", ("vselect", 8, 16, 24, 40), "v = s[16:24] ? s[24:32] : big[0:8]"),
        ("flow", ("add_imm", 0, 0, 5), "a = a + 5"),
        ("flow", ("halt",), "halt"),
        ("flow", ("pause",), "pause"),
        ("flow", ("trace_write", 0), "trace_write a"),
        ("flow", ("cond_jump", 0, 7), "if a: jump 7"),
        ("flow", ("cond_jump_rel", 0, -3), "if a: jump -3"),
        ("flow", ("jump", 4), "jump 4"),
        ("flow", ("jump_indirect", 0), "jump a"),
        ("flow", ("coreid", 0), "a = coreid"),
        ("debug", ("compare", 0, (0, 1, "val")), "compare a == ref(0, 1, 'val')"),
        (
            "debug",
            ("vcompare", 8, [(2, i, "hash_stage", 3) for i in range(8, 16)]),
            "vcompare v == ref(2, 8..15, 'hash_stage', 3)",
        ),
        ("debug", ("vcompare", 8, [(0, 1, "val")] * 8), "vcompare v == ref" + repr(((0, 1, "val"),) * 8)),
        ("debug", ("comment", "hello"), "comment hello"),
        ("alu", ("nope", 1, 2), "nope 1 2"),
        ("alu", ("+", 0, 1), "+ 0 1"),
        ("alu", "garbage", "'garbage'"),
    ],
)
def test_slot_text(engine: str, slot: object, text: str) -> None:
    assert slot_text(engine, slot, _name) == text


def test_execute_never_raises_for_odd_input() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    for line in ["\x00", "print " + "(" * 500 + "1" + ")" * 500, "print 'x'", "é", "print 1\nstep", "info"]:
        result = s.execute(line)
        assert result.error is not None and "\n" not in result.error, line
    assert s.step == 0 and s.recorded == []


def test_breakpoint_pcs_covers_pc_and_op_breakpoints() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    s.execute("break pc 3")
    s.execute("break op store")
    s.execute("watch i")
    assert s.breakpoint_pcs() == {3, 5}
    s.execute("disable 1")
    assert s.breakpoint_pcs() == {5}


class _CountedIndex(AccessIndex):
    """The engine's index, counting how often it is made; `building` is set while one is
    being made, which takes at least `delay` seconds (to let a race happen)."""

    built = 0
    delay = 0.0
    building = threading.Event()

    def __init__(self, program: list) -> None:
        type(self).built += 1
        self.building.set()
        time.sleep(self.delay)
        super().__init__(program)


@pytest.fixture
def counted_index(monkeypatch) -> type[_CountedIndex]:
    monkeypatch.setattr(engine, "AccessIndex", _CountedIndex)
    monkeypatch.setattr(_CountedIndex, "built", 0)
    monkeypatch.setattr(_CountedIndex, "building", threading.Event())
    return _CountedIndex


def test_the_access_index_waits_for_the_first_move_that_watches(counted_index) -> None:
    s = Driven.open("baseline", RunOptions(ProblemSize(height=2, rounds=1, batch_size=8), check_stores=False))
    s.execute("step")
    s.execute("goto step 20")
    assert counted_index.built == 0
    s.execute("set check-stores on")
    assert counted_index.built == 0
    s.execute("step")
    assert counted_index.built == 1
    s.warm_up()
    s.execute("back")
    assert counted_index.built == 1


def test_a_move_during_a_warm_up_in_a_thread_waits_for_its_index(counted_index, monkeypatch) -> None:
    monkeypatch.setattr(counted_index, "delay", 0.05)
    s = session(loop_program(50), LOOP_NAMES, pause=False)
    s.execute("watch i")
    worker = threading.Thread(target=s.warm_up)
    worker.start()
    assert counted_index.building.wait(5)
    stop = s.execute("continue").stop
    worker.join()
    assert stop.kind == "watchpoint" and counted_index.built == 1
