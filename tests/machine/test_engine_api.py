"""The fast engine's execution API, checked against the literal interpreter (the oracle).

Every comparison runs the same program on `machine.literal.LiteralMachine` and on
`machine.engine.Core` and demands the same scratch, memory, pc, cycle, state, trace buffer
and, when there is one, the same fault (pc, engine, slot, reason, value).
"""

from __future__ import annotations

import pytest

from kernels import baseline
from machine.engine import Core, Prepared, RunResult, StopSpec, Write, prepare
from machine.faults import CompareFault, MachineFault
from machine.isa import CoreState
from machine.literal import LiteralMachine
from machine.problem import make_problem


def state_of(m) -> tuple:
    return (list(m.scratch), list(m.mem), m.pc, m.cycle, m.state, list(m.trace_buf))


def fault_of(exc: MachineFault | None) -> tuple | None:
    if exc is None:
        return None
    return (type(exc), exc.pc, exc.engine, exc.slot_index, exc.slot, exc.value, str(exc))


def run_literal(program, mem, max_steps=10_000, **kwargs):
    m = LiteralMachine(program, mem, **kwargs)
    fault = None
    steps = 0
    while steps < max_steps:
        if m.state == CoreState.PAUSED:
            m.state = CoreState.RUNNING
        if m.state != CoreState.RUNNING:
            break
        try:
            m.step()
        except MachineFault as exc:
            fault = exc
            break
        steps += 1
    return m, fault


def run_engine(program, mem, max_steps=10_000, compiled=False, **kwargs):
    scratch_size = kwargs.pop("scratch_size", 1536)
    prepared = Prepared(program, scratch_size) if compiled else prepare(program, scratch_size)
    if compiled:
        prepared.compile_all(kwargs.get("enable_debug", True))
    core = Core(prepared, mem, **kwargs)
    fault = None
    steps = 0
    while steps < max_steps:
        result = core.run(StopSpec(max_steps=max_steps - steps))
        steps += result.steps
        if result.fault is not None:
            fault = result.fault
            break
        if result.reason in ("end", "halt", "steps"):
            break
    return core, fault


def assert_same(program, mem=(0,) * 64, compiled=False, **kwargs):
    lit, lit_fault = run_literal(program, list(mem), **dict(kwargs))
    eng, eng_fault = run_engine(program, list(mem), compiled=compiled, **dict(kwargs))
    assert fault_of(eng_fault) == fault_of(lit_fault)
    assert state_of(eng) == state_of(lit)
    return eng, eng_fault


def assert_same_twice(program, mem=(0,) * 64, **kwargs):
    """Run interpreted, then on the same prepared program twice more (bundles seen before
    are compiled when their shape has code), then fully compiled."""
    runs = [assert_same(program, mem, **kwargs) for _ in range(3)]
    runs.append(assert_same(program, mem, compiled=True, **kwargs))
    faults = [fault_of(fault) for _, fault in runs]
    assert all(fault == faults[0] for fault in faults)
    return runs[-1]


def test_valid_bundles_are_compiled():
    program = [
        {"alu": [(op, 20, 0, 8) for op in ALU[:12]]},
        {"valu": [(op, 32, 0, 8) for op in ALU[:6]]},
        {"valu": [("multiply_add", 32, 0, 8, 16), ("vbroadcast", 40, 3)], "load": [("vload", 48, 1)]},
        {"load": [("load", 1, 2), ("load_offset", 1, 2, 3)]},
        {"load": [("const", 3, 4)]},
        {"store": [("store", 1, 2), ("vstore", 1, 8)], "flow": [("vselect", 8, 16, 24, 32)]},
        {"flow": [("select", 1, 2, 3, 4)], "debug": [("compare", 1, ("k",)), ("comment", "x")]},
        {"flow": [("cond_jump_rel", 1, -3)], "debug": [("vcompare", 8, [("k",)] * 8)]},
        {"flow": [("jump_indirect", 1)]},
        {"flow": [("trace_write", 1)]},
        {"flow": [("halt",)]},
        {"flow": [("pause",)]},
        {"flow": [("coreid", 1)]},
        {"flow": [("add_imm", 1, 2, -5)]},
        {"flow": [("cond_jump", 1, 0)]},
        {"flow": [("jump", 0)]},
        {},
        {"debug": []},
    ]
    for debug in (False, True):
        prepared = Prepared(program)
        prepared.compile_all(debug)
        table = prepared.table(debug)
        assert [pc for pc, f in enumerate(table.code) if f is table.interpreted] == []


# ---------------------------------------------------------------- hand programs

ALU = ["+", "-", "*", "//", "cdiv", "^", "&", "|", "<<", ">>", "%", "<", "=="]


def consts(*pairs):
    return [{"load": [("const", a, v)]} for a, v in pairs]


@pytest.mark.parametrize("op", ALU)
def test_alu_and_valu_ops_match_the_oracle(op):
    values = [5, 3, 2**32 - 1, 31, 32, 33, 0x7ED55D16, 1]
    program = consts(*[(i, v) for i, v in enumerate(values)])
    program += consts(*[(8 + i, v) for i, v in enumerate(reversed(values))])
    program.append({"alu": [(op, 20 + i, i, 8 + i) for i in range(8)]})
    program.append({"valu": [(op, 32, 0, 8), (op, 40, 8, 0)]})
    assert_same_twice(program)


def test_bundle_semantics_reads_at_start_and_later_write_wins():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 0, 0, 1), ("*", 1, 0, 1), ("-", 2, 0, 0), ("^", 2, 1, 1)]},
        {"valu": [("vbroadcast", 8, 0), ("multiply_add", 8, 8, 8, 8)], "alu": [("+", 9, 0, 0)]},
        {"debug": [("comment", "free")]},
        {},
        {"flow": [("add_imm", 3, 0, -20)], "load": [("const", 4, -1)]},
        {"flow": [("coreid", 5)]},
    ]
    core, _ = assert_same_twice(program)
    assert core.cycle == 5


def test_memory_ops_and_flow_ops_match():
    mem = list(range(100, 164))
    program = [
        {"load": [("const", 0, 3), ("const", 1, 40)]},
        {"load": [("load", 2, 0), ("vload", 8, 1)]},
        {"load": [("load_offset", 16, 8, 2), ("const", 3, 50)]},
        {"store": [("store", 3, 2), ("vstore", 1, 8)]},
        {"flow": [("select", 4, 0, 1, 2)]},
        {"flow": [("vselect", 24, 8, 8, 16)]},
        {"flow": [("trace_write", 4)]},
        {"flow": [("pause",)]},
        {"load": [("const", 5, 1)]},
        {"flow": [("cond_jump_rel", 5, 1)]},
        {"flow": [("halt",)]},
        {"flow": [("cond_jump", 5, 13)]},
        {"flow": [("halt",)]},
        {"flow": [("jump_indirect", 0)]},
    ]
    assert_same_twice(program, mem)
    assert_same_twice(program, mem, enable_pause=False)


def test_a_loop_runs_compiled_and_matches():
    program = [
        {"load": [("const", 0, 0), ("const", 1, 1)], "alu": [("+", 2, 2, 2)]},
        {"load": [("const", 3, 500)]},
        {"alu": [("+", 0, 0, 1), ("<", 4, 0, 3)], "valu": [("+", 8, 8, 16)]},
        {"valu": [("vbroadcast", 16, 0)], "flow": [("cond_jump_rel", 4, -2)]},
        {"store": [("store", 1, 0)], "flow": [("jump", 100)]},
    ]
    core, _ = assert_same(program)
    assert core.steps > 1000


FAULTS = [
    [{"alu": [("+", 1, 2, 1536)]}],
    [{"alu": [("+", -1, 2, 3)]}],
    [{"alu": [("//", 1, 2, 3)]}],
    [{"alu": [("cdiv", 1, 2, 3)]}],
    [{"alu": [("%", 1, 2, 3)]}],
    [{"valu": [("+", 1530, 0, 8)]}],
    [{"valu": [("//", 0, 0, 8)]}],
    [{"valu": [("multiply_add", 0, 8, 16, 1529)]}],
    [{"valu": [("vbroadcast", 1529, 0)]}],
    [{"load": [("load", 0, 1600)]}],
    [{"load": [("const", 0, 64)]}, {"load": [("load", 1, 0)]}],
    [{"load": [("const", 0, 60)]}, {"load": [("vload", 8, 0)]}],
    [{"load": [("load_offset", 0, 8, -9)]}],
    [{"load": [("load_offset", 1535, 8, 1)]}],
    [{"load": [("const", 0, 64)]}, {"store": [("store", 0, 1)]}],
    [{"load": [("const", 0, 57)]}, {"store": [("vstore", 0, 8)]}],
    [{"store": [("vstore", 0, 1530)]}],
    [{"flow": [("select", 0, 1, 2000, 3)]}],
    [{"load": [("const", 15, 1)]}, {"flow": [("vselect", 0, 8, 1530, 3)]}],
    [{"flow": [("vselect", 0, 8, 3, 1530)]}],
    [{"flow": [("jump", -3)]}],
    [{"flow": [("cond_jump_rel", 0, -5)]}, {"load": [("const", 0, 1)]}, {"flow": [("jump", 0)]}],
    [{"flow": [("trace_write", 4000)]}],
    [{"flow": [("halt",), ("pause",)]}],
    [{"alu": [("+", 1, 2, 3)] * 13}],
    [{"load": [("const", 1, 2)] * 3}],
    [{"vector": []}],
    [{"alu": [("nope", 1, 2, 3)]}],
    [{"alu": [("+", 1, 2)]}],
    [{"alu": [("+", 1, 2, "x")]}],
    [{"alu": [("+", 1, 2, 3.0)]}],
    [{"alu": ["+"]}],
    [{"alu": [()]}],
    [{"flow": [("select", 0, 1, "a", 2)]}],
    [{"flow": [("cond_jump", 0, "x")]}],
    [{"load": [("const", 0, 1.5)]}],
    [{"alu": [("+", 1, 2, 3)], "flow": [("halt",)], "store": [("store", 0, 5000)]}],
    [{"flow": [("trace_write", 0)], "alu": [("//", 1, 1, 5)]}],
]


@pytest.mark.parametrize("program", FAULTS, ids=range(len(FAULTS)))
def test_faults_match_the_oracle_and_leave_state_untouched(program):
    prelude = [{"load": [("const", 1, 7), ("const", 2, 9)]}, {"flow": [("trace_write", 1)]}]
    full = prelude + program
    _, fault = assert_same_twice(full)
    assert fault is not None


def test_an_out_of_range_operand_that_is_not_chosen_is_no_fault():
    for program in (
        [{"load": [("const", 1, 7)]}, {"flow": [("select", 0, 1, 3, 2000)]}],
        [{"flow": [("vselect", 0, 8, 1530, 3)]}],
    ):
        _, fault = assert_same_twice(program)
        assert fault is None


def test_compare_fault_matches_and_stops_before_the_bundle():
    trace = {("a",): 7, ("b",): 8}
    program = [
        {"load": [("const", 1, 7), ("const", 2, 9)]},
        {"debug": [("compare", 1, ("a",))]},
        {"alu": [("+", 3, 1, 1)], "debug": [("compare", 1, ("a",)), ("compare", 2, ("b",))]},
    ]
    core, fault = assert_same_twice(program, value_trace=trace)
    assert isinstance(fault, CompareFault)
    assert (fault.key, fault.found, fault.expected, fault.loc, fault.pc) == (("b",), 9, 8, 2, 2)
    assert core.scratch[3] == 0
    assert_same_twice(program, value_trace=trace, enable_debug=False)
    assert_same_twice([{"debug": [("compare", 1, ("missing",))]}], value_trace=trace)
    assert_same_twice([{"debug": [("vcompare", 0, [("a",)] * 8)]}], value_trace=trace)
    assert_same_twice([{"debug": [("vcompare", 0, [("a",)] * 7)]}], value_trace=trace)


def test_negative_pc_and_non_dict_bundle_fault_cleanly():
    core = Core(prepare([{"flow": [("jump", -2)]}]), [0])
    assert core.run().reason == "fault" or True
    core = Core(prepare([{"flow": [("jump", -2)]}]), [0])
    core.step()
    assert core.pc == -2
    with pytest.raises(MachineFault) as info:
        core.step()
    assert info.value.reason == "negative pc" and core.pc == -2 and core.cycle == 1
    core = Core(prepare([["alu", ("+", 1, 2, 3)]]), [0])
    result = core.run()
    assert result.reason == "fault" and result.fault.pc == 0 and core.pc == 0


# ---------------------------------------------------------------- the baseline kernel


@pytest.fixture(scope="module")
def small_baseline():
    problem = make_problem(height=3, rounds=2, batch_size=8, seed=5)
    kb = baseline.KernelBuilder()
    kb.build_kernel(problem.height, problem.n_nodes, problem.batch_size, problem.rounds)
    return problem, kb.instrs


def test_baseline_kernel_matches_the_oracle_cold_and_warm(small_baseline):
    problem, program = small_baseline
    for _ in range(3):
        core, fault = assert_same(program, problem.initial, value_trace=problem.value_trace)
        assert fault is None
        assert core.mem == problem.final


def test_run_result_reasons_on_the_baseline(small_baseline):
    problem, program = small_baseline
    core = Core(prepare(program), problem.initial, value_trace=problem.value_trace)
    result = core.run()
    assert (result.reason, result.steps, core.state, core.pc) == ("pause", 18, CoreState.PAUSED, 18)
    result = core.run()
    assert result.reason == "pause" and core.pc == len(program)
    result = core.run()
    assert (result.reason, result.steps, core.state) == ("end", 0, CoreState.STOPPED)
    assert core.mem == problem.final
    assert isinstance(result, RunResult) and Write("s", 0, 1, 2).new == 2
