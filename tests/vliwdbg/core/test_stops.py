"""Every stop reason, and breakpoints and watchpoints in both directions."""

from __future__ import annotations

from machine.isa import SCRATCH_SIZE
from machine.problem import ProblemSize, make_problem
from tests.vliwdbg.core_fixtures import (
    COUNTER,
    FLAG,
    LOOP_NAMES,
    ONE,
    PROBLEM,
    VALUES_P,
    Driven,
    loop_program,
    session,
    straight_program,
)
from vliwdbg.core.expr import Location, parse_location
from vliwdbg.core.stops import StopTable


def stops_forward(s, limit: int = 200) -> list[tuple[int, str]]:
    """(step, kind) of every stop of `continue` until the end."""
    out = []
    for _ in range(limit):
        stop = s.execute("continue").stop
        out.append((stop.step, stop.kind))
        if stop.kind in ("end", "fault"):
            return out
    raise AssertionError("no end")


def stops_backward(s, limit: int = 200) -> list[tuple[int, str]]:
    out = []
    for _ in range(limit):
        stop = s.execute("rcontinue").stop
        out.append((stop.step, stop.kind))
        if stop.kind == "start":
            return out
    raise AssertionError("no start")


def test_break_pc_stops_before_the_bundle_and_continue_goes_on() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    assert s.execute("break pc 5").output == ["breakpoint 1 at pc 5"]
    s.execute("continue")  # the first pause
    stop = s.execute("continue").stop
    assert (stop.kind, stop.step, stop.pc, stop.ids) == ("breakpoint", 5, 5, (1,))
    assert stop.message == "breakpoint 1: pc 5 (step 5, cycle 5, pc 5)"
    assert s.execute("continue").stop.step == 8
    assert s.breakpoints[0].hits == 2


def test_a_conditional_breakpoint_stops_only_when_its_condition_holds() -> None:
    s = session(loop_program(10), LOOP_NAMES)
    s.execute("break pc 5 if i == 7")
    s.execute("continue")
    stop = s.execute("continue").stop
    assert stop.kind == "breakpoint" and s.evaluate(s.parse("i")) == 7
    assert "pc 5 if i == 7" in stop.message
    assert s.execute("continue").stop.kind == "pause"
    back = s.execute("rcontinue").stop
    assert (back.kind, back.step) == ("breakpoint", stop.step)


def test_a_condition_that_cannot_be_evaluated_stops_and_says_why() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    s.execute("break pc 5 if m[i * 1000] == 1")
    s.execute("continue")
    stop = s.execute("continue").stop
    assert stop.kind == "breakpoint"
    assert "condition error" in stop.message and "outside memory" in stop.message


def test_break_cycle_stops_at_the_first_step_with_that_cycle_both_ways() -> None:
    s = session(loop_program(10), LOOP_NAMES, pause=False)
    s.execute("break cycle 20")
    stop = s.execute("continue").stop
    assert (stop.kind, stop.cycle, stop.step) == ("breakpoint", 20, 20)
    assert stop.message.startswith("breakpoint 1: cycle 20 (")
    s.execute("continue")
    assert s.execute("rcontinue").stop.step == 20


def test_break_op_stops_before_every_bundle_with_that_op() -> None:
    s = session(loop_program(2), LOOP_NAMES, pause=False)
    assert s.execute("break op store").output == ["breakpoint 1 on op store (1 bundles)"]
    assert [s.execute("continue").stop.pc for _ in range(3)] == [5, 5, 10]


def test_watch_reports_old_and_new_and_finds_the_same_stops_backward() -> None:
    s = session(loop_program(4), LOOP_NAMES)
    assert s.execute("watch values[0]").output == [f"watchpoint 1: values[0] (m[{VALUES_P}])"]
    old = PROBLEM.initial[VALUES_P]
    s.execute("continue")
    stop = s.execute("continue").stop
    assert stop.kind == "watchpoint"
    assert stop.message == f"watchpoint 1 values[0]: {old} -> 1 (step 6, cycle 6, pc 6)"
    forward = stops_forward(s)
    assert [kind for _, kind in forward] == ["watchpoint"] * 3 + ["pause", "end"]
    backward = stops_backward(s)
    expected = [*reversed(forward[:-1]), (6, "watchpoint"), (4, "pause")]
    assert backward[:-1] == expected
    assert backward[-1] == (0, "start")


def test_watch_on_a_range_lists_the_words_that_changed() -> None:
    program = [{"valu": [("vbroadcast", 8, 1)], "load": [("const", 1, 3)]}, {"valu": [("vbroadcast", 8, 1)]}]
    s = session(program)
    s.execute("watch s[8:16]")
    s.execute("step")
    stop = s.execute("continue").stop
    assert stop.message.startswith(
        "watchpoint 1 s[8:16]: s[8] 0 -> 3, s[9] 0 -> 3, s[10] 0 -> 3, s[11] 0 -> 3 and 4 more"
    )


def test_rwatch_stops_before_a_bundle_that_reads_the_word() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    s.execute("rwatch limit")
    forward = stops_forward(s)
    assert forward == [
        (4, "pause"),
        (5, "watchpoint"),
        (8, "watchpoint"),
        (11, "watchpoint"),
        (15, "pause"),
        (16, "end"),
    ]
    assert s.execute("rcontinue").stop.step == 15
    stop = s.execute("rcontinue").stop
    assert stop.message == "read watchpoint 1 limit read by the next bundle (step 11, cycle 11, pc 5)"


def test_delete_disable_enable() -> None:
    s = session(loop_program(3), LOOP_NAMES, pause=False)
    s.execute("break pc 5")
    s.execute("break pc 6")
    assert s.execute("disable 1").output == ["disabled 1"]
    assert s.execute("continue").stop.pc == 6
    assert s.breakpoint_pcs() == {6}
    s.execute("enable 1")
    assert s.execute("continue").stop.pc == 5
    assert s.execute("delete 1").output == ["deleted 1"]
    assert [bp.id for bp in s.breakpoints] == [2]
    s.execute("delete")
    assert s.breakpoints == []
    assert s.execute("continue").stop.kind == "end"


def test_a_divergence_stops_before_the_bundle_and_a_move_steps_over_it() -> None:
    bad_key = (0, 1, "val")
    program = [
        {"load": [("const", 0, 7)]},
        {"debug": [("compare", 0, bad_key)]},
        {"alu": [("+", 1, 0, 0)]},
    ]
    s = session(program)
    stop = s.execute("continue").stop
    expected = PROBLEM.value_trace[bad_key]
    assert (stop.kind, stop.step, stop.pc) == ("divergence", 1, 1)
    assert (
        stop.message
        == f"divergence: {bad_key!r} found 7, reference {expected} (s[0]) (step 1, cycle 1, pc 1)"
    )
    assert s.execute("step").stop.step == 2
    assert s.execute("rcontinue").stop.step == 1
    assert s.execute("continue").stop.kind == "end"
    assert s.scratch[1] == 14


def test_no_debug_skips_compares() -> None:
    program = [{"load": [("const", 0, 7)]}, {"debug": [("compare", 0, (0, 1, "val"))]}]
    assert session(program, debug=False).execute("continue").stop.kind == "end"


def test_a_fault_stops_with_the_machines_message_and_cannot_be_passed() -> None:
    program = [{"load": [("const", 0, 7)]}, {"alu": [("//", 1, 0, 2)]}, {"flow": [("halt",)]}]
    s = session(program)
    stop = s.execute("continue").stop
    assert (stop.kind, stop.step) == ("fault", 1)
    assert stop.message.startswith("fault: pc 1, alu slot 0") and "by zero" in stop.message
    assert s.execute("step").stop.step == 1
    result = s.execute("goto step 2")
    assert result.error == "goto step: step 2 is past the end: the run faults at step 1, cycle 1: " + str(
        s.timeline.fault.fault
    )


def test_pauses_say_which_and_whether_values_match() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    first = s.execute("continue").stop
    assert (
        first.message
        == "pause 1 of 2 (before the first round): values match the reference's (step 4, cycle 4, pc 4)"
    )
    second = s.execute("continue").stop
    final = PROBLEM.final[VALUES_P]
    assert second.message == (
        "pause 2 of 2 (after the last round): 8 of 8 values differ from the reference's,"
        f" first values[0] = 2, reference {final} (step 12, cycle 11, pc 9)"
    )
    assert s.execute("rcontinue").stop.message == first.message


def test_no_pause_ignores_pauses() -> None:
    s = session(loop_program(2), LOOP_NAMES, pause=False)
    assert s.execute("continue").stop.kind == "end"


def test_a_third_pause_has_no_reference_point() -> None:
    s = session([{"flow": [("pause",)]}] * 3)
    messages = [s.execute("continue").stop.message for _ in range(3)]
    assert messages[2].startswith("pause 3: the reference has no memory for a pause past the second")


def test_end_of_program_says_whether_values_are_correct() -> None:
    problem = make_problem(height=2, rounds=0, batch_size=8, seed=5)
    s = session([{"alu": [("+", 0, 0, 0)]}], problem=problem)
    stop = s.execute("continue").stop
    assert stop.message == "end of program: all 8 values correct (step 1, cycle 1, pc 1)"
    s2 = session(loop_program(2), LOOP_NAMES, pause=False)
    end = s2.execute("continue").stop
    assert end.message.startswith(
        "end of program (halt): 8 of 8 values differ from the reference's, first values[0] = 2"
    )
    assert s2.execute("step").stop.kind == "end"


def test_start_of_history() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    assert s.execute("rcontinue").stop.message == "start of history (step 0, cycle 0, pc 0)"
    s.execute("step 2")
    assert s.execute("back 5").stop.kind == "start"


def test_a_runaway_stops_after_max_steps() -> None:
    s = session([{"flow": [("jump", 0)]}], max_steps=500)
    stop = s.execute("continue").stop
    assert (stop.kind, stop.step) == ("max-steps", 500)
    assert stop.message.startswith("max-steps: stopped after 500 steps (a runaway?)")
    assert s.execute("continue").stop.step == 1000
    assert s.execute("next 3").stop.step == 1003


def test_step_and_back_stop_early_at_breakpoints() -> None:
    s = session(straight_program(60))
    s.execute("break pc 30")
    assert s.execute("step 50").stop.step == 30
    assert s.execute("step 10").stop.step == 40
    assert s.execute("back 20").stop.step == 30
    assert s.execute("back 20").stop.step == 10


def test_next_counts_cycles_through_debug_only_bundles() -> None:
    s = session(straight_program(30), pause=False)
    s.execute("goto step 4")
    stop = s.execute("next").stop
    assert (stop.step, stop.cycle, stop.kind) == (5, 5, "cycle")
    assert s.execute("info bundle").output == ["pc 5 (next, no cycle):", "  debug 0: comment bundle 5"]
    stop = s.execute("next 3").stop
    assert (stop.step, stop.cycle) == (9, 8)


def test_last_changes_lists_the_words_a_move_changed() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    s.execute("step")
    assert {(w.space, w.addr, w.old, w.new) for w in s.last_changes} == {("s", 1, 0, 1), ("s", 2, 0, 2)}
    s.execute("back")
    assert {(w.space, w.addr, w.old, w.new) for w in s.last_changes} == {("s", 1, 1, 0), ("s", 2, 2, 0)}


# --- advance -------------------------------------------------------------------------------


def test_advance_runs_to_a_pc_without_making_a_breakpoint() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    assert s.execute("advance 5").stop.kind == "pause"  # an earlier stop comes first
    stop = s.execute("advance 5").stop
    assert (stop.kind, stop.step, stop.pc, stop.ids) == ("steps", 5, 5, ())
    assert stop.message == "step 5, cycle 5, pc 5"
    assert s.breakpoints == [] and s.breakpoint_pcs() == set()
    # Standing at the target, its bundle runs first: the loop's next pass.
    assert s.execute("until 5").stop.step == 8
    assert s.execute("u 7").stop.step == 13
    # No breakpoint was left behind: going back passes pc 5 and forward passes it too.
    assert s.execute("rcontinue").stop.step == 4
    assert s.execute("continue").stop.step == 15


def test_advance_stops_earlier_at_breakpoints_watchpoints_and_the_end() -> None:
    s = session(loop_program(3), LOOP_NAMES, pause=False)
    s.execute("break pc 6")
    stop = s.execute("advance 7").stop
    assert (stop.kind, stop.step, stop.ids) == ("breakpoint", 6, (1,))
    s.execute("delete")
    s.execute("watch i")
    stop = s.execute("advance 7").stop
    assert (stop.kind, stop.step) == ("watchpoint", 8)
    s.execute("delete")
    s.execute("break cycle 11")
    assert s.execute("advance 7").stop.cycle == 11
    s.execute("delete")
    assert s.execute("advance 2").stop.kind == "end"  # pc 2 never comes again


def test_a_breakpoint_at_the_target_stops_as_itself_and_counts_its_hit() -> None:
    s = session(loop_program(3), LOOP_NAMES, pause=False)
    s.execute("break pc 5")
    s.execute("break pc 4 if i == 99")
    stop = s.execute("advance 5").stop
    assert (stop.kind, stop.step, stop.ids) == ("breakpoint", 5, (1,))
    assert s.breakpoints[0].hits == 1
    # A breakpoint whose condition is false does not hide the arrival.
    stop = s.execute("advance 4").stop
    assert (stop.kind, stop.step, stop.ids) == ("steps", 7, ())
    assert s.breakpoints[1].hits == 0


def test_advance_reaches_a_pc_right_after_a_checked_store() -> None:
    from vliwdbg.loading.loader import load_kernel

    kernel = load_kernel("baseline", ProblemSize(height=2, batch_size=8, rounds=1))
    s = Driven(kernel, PROBLEM)
    assert s.check_stores
    store = next(pc for pc, bundle in enumerate(kernel.program) if "store" in bundle)
    s.execute("continue")  # the first pause
    stop = s.execute(f"advance {store + 1}").stop
    assert (stop.kind, stop.pc, stop.step) == ("steps", store + 1, store + 1)


def test_advance_refuses_a_pc_outside_the_program() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    assert s.execute("advance 10").error == "advance: pc 10 is outside the program (pcs 0..9)"
    assert s.execute("advance").error == "advance: expected a pc"
    assert s.execute("until x").error == "advance: expected a pc, got 'x'"
    assert s.step == 0 and s.recorded == []


# --- carrying the table over to another program (load, reload) ----------------------------


def test_rebind_keeps_every_entry_and_says_what_no_longer_fits() -> None:
    s = session(loop_program(3), {**LOOP_NAMES, 12: ("acc", 1)})
    for line in [
        "break pc 8",
        "break pc 5",
        "break pc 1 if acc == 0",
        "break op cond_jump",
        "watch i",
        "watch acc",
        "rwatch values[0]",
        "break cycle 3",
        "watch s[3]",
    ]:
        assert s.execute(line).error is None, line
    s.execute("disable 9")
    program = [*loop_program(3)[:5], {"flow": [("halt",)]}]
    names = {"i": (7, 1), "one": (1, 1), "flag": (3, 1)}
    regions = PROBLEM.regions

    def locate(text: str) -> Location:
        return parse_location(text, names, regions, scratch_size=SCRATCH_SIZE, mem_size=len(PROBLEM.initial))

    notes = s.stops.rebind(program, locate, names)
    assert notes == [
        "breakpoint 1 at pc 8 is past the end of the program (pcs 0..5)",
        "breakpoint 2 at pc 5: the bundle there changed its ops (< store -> halt)",
        "breakpoint 3: its condition reads acc, which this kernel does not name",
        "breakpoint 4 on op cond_jump: no bundle of this program has it",
        "watchpoint 5 i: now s[7] (was s[0])",
        "watchpoint 6 acc: unknown name 'acc'; not a scratch name of this kernel; disabled",
    ]
    assert [bp.id for bp in s.breakpoints] == list(range(1, 10))
    assert [bp.enabled for bp in s.breakpoints] == [True] * 5 + [False, True, True, False]
    assert s.stops.get(5).location.start == 7
    assert s.breakpoint_pcs() == {8, 5, 1}
    spec = s.stops.spec(0)
    assert spec.watch_scratch == {7} and spec.read_mem == {VALUES_P}
    # The table now answers for the new program: an op breakpoint finds its bundles there.
    s.execute("break op halt")
    assert s.stops.get(10).pcs == {5}


def test_a_watched_change_in_a_bundle_that_pauses_is_reported_with_the_pause() -> None:
    # pc 9 both bumps i and pauses: the stop must name the watchpoint (i 0 -> 1) and the
    # pause, and count the watchpoint's hit, whichever way the run finds it.
    program = [{"alu": [("+", FLAG, FLAG, ONE)]} for _ in range(9)]
    program.insert(0, {"load": [("const", ONE, 1)]})
    program[9] = {"alu": [("+", COUNTER, COUNTER, ONE)], "flow": [("pause",)]}
    program.append({"flow": [("halt",)]})
    s = session(program, LOOP_NAMES)
    s.execute("watch i")
    stop = s.execute("continue").stop
    assert (stop.kind, stop.step, stop.pc) == ("watchpoint", 10, 10)
    assert "watchpoint 1 i: 0 -> 1" in stop.message
    assert "pause 1 of 2" in stop.message
    assert stop.details["reasons"] == ["watchpoint", "pause"] and stop.details["pause"] == 1
    assert stop.details["changes"] == [{"id": 1, "word": "i", "old": 0, "new": 1}]
    assert s.breakpoints[0].hits == 1
    s.execute("continue")
    back = s.execute("rcontinue").stop
    assert back.step == 10 and "watchpoint 1 i: 0 -> 1" in back.message and "pause 1" in back.message


def test_a_breakpoint_and_a_read_watchpoint_on_one_bundle_are_both_reported() -> None:
    # pc 5 reads i (its `<` and its store); the engine reports the pc first.
    s = session(loop_program(3), LOOP_NAMES, pause=False)
    s.execute("break pc 5")
    s.execute("rwatch i")
    assert s.execute("continue").stop.pc == 4  # pc 4's + reads i first
    stop = s.execute("continue").stop
    assert (stop.kind, stop.pc) == ("breakpoint", 5)
    assert "breakpoint 1: pc 5" in stop.message and "read watchpoint 2 i read" in stop.message
    assert [bp.hits for bp in s.breakpoints] == [1, 2]


def test_a_false_condition_does_not_hide_a_read_watchpoint_on_its_bundle() -> None:
    s = session(loop_program(3), LOOP_NAMES, pause=False)
    s.execute("break pc 5 if 0")
    s.execute("rwatch i")
    stop = s.execute("continue").stop
    assert (stop.kind, stop.pc) == ("watchpoint", 4)  # pc 4's + reads i first
    stop = s.execute("continue").stop
    assert (stop.kind, stop.pc) == ("watchpoint", 5)
    assert "breakpoint 1" not in stop.message


def test_stops_carry_their_facts_as_data() -> None:
    bad_key = (0, 1, "val")
    program = [{"load": [("const", 0, 7)]}, {"debug": [("compare", 0, bad_key)]}, {"alu": [("//", 1, 0, 2)]}]
    s = session(program)
    stop = s.execute("continue").stop
    assert stop.details == {
        "key": [0, 1, "val"],
        "found": 7,
        "expected": PROBLEM.value_trace[bad_key],
        "word": "s[0]",
        "slot": [1, "debug", 0],
    }
    stop = s.execute("continue").stop
    assert stop.kind == "fault" and stop.details["slot"] == [2, "alu", 0]
    assert stop.details["fault"].startswith("pc 2, alu slot 0")

    s = session(loop_program(2), LOOP_NAMES)
    s.execute("watch i")
    stop = s.execute("continue").stop
    assert stop.details == {"pause": 1, "differ": 0, "correct": True, "reasons": ["pause"]}
    stop = s.execute("continue").stop
    assert stop.kind == "watchpoint" and stop.ids == (1,)
    assert stop.details == {
        "changes": [{"id": 1, "word": "i", "old": 0, "new": 1}],
        "reasons": ["watchpoint"],
    }
    s.execute("delete")
    s.execute("continue")  # the second pause
    end = s.execute("continue").stop
    assert end.kind == "end" and end.details["differ"] == 8 and end.details["correct"] is False


def test_forward_until_stops_before_the_first_bundle_that_satisfies_it_or_earlier() -> None:
    s = session(loop_program(3), LOOP_NAMES, pause=False)
    seen = []

    def at_six(pc: int) -> bool:
        seen.append(pc)
        return pc == 6

    stop = s.forward_until(at_six)
    assert (stop.kind, stop.pc, stop.step) == ("steps", 6, 6)
    assert seen == [1, 2, 3, 4, 5, 6]  # asked before every bundle but the first
    # A breakpoint on the way stops first; a false condition on the target bundle does
    # not hide the target.
    s.execute("break pc 5")
    assert s.forward_until(lambda pc: pc == 4).kind == "steps"
    assert s.forward_until(lambda pc: pc == 4).kind == "breakpoint"
    s.execute("delete")
    s.execute("break pc 6 if 0")
    stop = s.forward_until(lambda pc: pc == 6)
    assert (stop.kind, stop.pc) == ("steps", 6)
    # Nothing satisfies it: the end.
    assert s.forward_until(lambda pc: False).kind == "end"


def test_a_watch_stop_names_the_slot_that_wrote_the_word_when_the_kernel_has_a_source_map() -> None:
    from pathlib import Path

    from machine.problem import ProblemSize
    from vliwdbg.core.options import RunOptions

    kernel = Path(__file__).resolve().parents[2] / "fixtures" / "kernels" / "dap" / "grouped.py"
    s = Driven.open(str(kernel), RunOptions(ProblemSize(3, 2, 16, 123), pause=False))
    s.execute("watch parity")
    stop = s.execute("continue").stop
    pc, engine, index = stop.details["slot"]
    assert pc == stop.pc - 1 and s.program[pc][engine][index][:2] == ("%", s.scratch_names["parity"][0])
    frames = s.wait_for_source_map().chain(pc, engine, index)
    assert [(f.file, f.func) for f in frames] == [("emit.py", "vop"), ("grouped.py", "build_kernel")]


def test_a_line_breakpoint_knows_its_place_with_or_without_a_condition():
    table = StopTable([{"alu": [("+", 0, 0, 0)]}])
    plain = table.add("line", "sched/listsched.py:12", pcs=frozenset({0}))
    conditional = table.add("line", "kernel.py:7 if s[0] == 3", pcs=frozenset({0}))
    pc = table.add("pc", "pc 0", pc=0)
    assert plain.place == ("sched/listsched.py", 12)
    assert conditional.place == ("kernel.py", 7)
    assert pc.place is None
