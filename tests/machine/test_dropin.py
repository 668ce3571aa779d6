"""The drop-in surface: `machine` standing in for the take-home's `problem` module.

A kernel file in the take-home's shape (tests/machine/takehome/kernel_file.py, which imports
`problem`) and a submission check in its shape (which imports `frozen_problem`) run unchanged
with both names pointed at `machine`, the way the debugger loads users' files.
"""

from __future__ import annotations

import dataclasses
import importlib
import random
import sys
from pathlib import Path

import pytest

import machine
from machine import (
    HASH_STAGES,
    CompareFault,
    Core,
    CoreState,
    DebugInfo,
    Input,
    Machine,
    MachineFault,
    Tree,
    build_mem_image,
    reference_kernel2,
)
from machine.engine import prepare

TAKEHOME = Path(__file__).parent / "takehome"

DROP_IN_NAMES = [
    "Engine",
    "Instruction",
    "CoreState",
    "Core",
    "DebugInfo",
    "cdiv",
    "SLOT_LIMITS",
    "VLEN",
    "N_CORES",
    "SCRATCH_SIZE",
    "BASE_ADDR_TID",
    "HASH_STAGES",
    "myhash",
    "myhash_traced",
    "Tree",
    "Input",
    "build_mem_image",
    "reference_kernel",
    "reference_kernel2",
    "Machine",
    "MachineFault",
    "CompareFault",
]


@pytest.fixture(scope="module")
def takehome():
    """The take-home-style files imported with `problem` and `frozen_problem` answered by `machine`."""
    names = ("problem", "frozen_problem", "kernel_file", "submission_check")
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules["problem"] = machine
    sys.modules["frozen_problem"] = machine
    sys.path.insert(0, str(TAKEHOME))
    try:
        yield importlib.import_module("kernel_file"), importlib.import_module("submission_check")
    finally:
        sys.path.remove(str(TAKEHOME))
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_every_drop_in_name_is_exported():
    missing = [name for name in DROP_IN_NAMES if not hasattr(machine, name)]
    assert missing == []
    assert set(DROP_IN_NAMES) <= set(machine.__all__)


def test_drop_in_values():
    assert (machine.VLEN, machine.N_CORES, machine.SCRATCH_SIZE, machine.BASE_ADDR_TID) == (
        8,
        1,
        1536,
        100000,
    )
    assert machine.SLOT_LIMITS == {"alu": 12, "valu": 6, "load": 2, "store": 2, "flow": 1, "debug": 64}
    assert [(s.name, s.value) for s in CoreState] == [("RUNNING", 1), ("PAUSED", 2), ("STOPPED", 3)]
    assert machine.cdiv(7, 2) == 4 and machine.cdiv(8, 2) == 4
    assert [f.name for f in dataclasses.fields(Core)] == ["id", "scratch", "trace_buf", "pc", "state"]
    core = Core(3, [0], [])
    assert (core.pc, core.state) == (0, CoreState.RUNNING)
    assert DebugInfo(scratch_map={0: ("x", 1)}).scratch_map == {0: ("x", 1)}
    assert issubclass(CompareFault, MachineFault) and issubclass(CompareFault, AssertionError)


def test_machine_attributes():
    mem = [1, 2, 3]
    program = [{"load": [("const", 0, 1)]}]
    info = DebugInfo(scratch_map={})
    trace: dict = {}
    m = Machine(mem, program, info, value_trace=trace)
    mem[0] = 99
    assert m.mem == [1, 2, 3]
    assert m.program is program and m.debug_info is info and m.value_trace is trace
    assert (m.prints, m.cycle, m.enable_pause, m.enable_debug) == (False, 0, True, True)
    assert m.cores == [Core(0, [0] * 1536, [])]
    m.run()
    assert (m.cores[0].pc, m.cores[0].state, m.cores[0].scratch[0], m.cycle) == (1, CoreState.STOPPED, 1, 1)
    m.run()
    assert m.cycle == 1
    assert Machine([0], [], None).debug_info is None


def problem_for(seed: int, height: int, rounds: int, batch: int):
    random.seed(seed)
    forest = Tree.generate(height)
    inp = Input.generate(forest, batch, rounds)
    return forest, inp, build_mem_image(forest, inp)


def expected_cycles(rounds: int, batch: int) -> int:
    """The starting kernel's cost from its description in ISA.md: 14 header bundles, the
    constants 0, 1, 2, the pause, one const per other number it uses, 36 cycles per element
    and round, the final pause."""
    numbers = set(range(batch)) | {c for _, c, _, _, _ in HASH_STAGES} | {k for *_, k in HASH_STAGES}
    if rounds * batch == 0:
        numbers = set()
    return 14 + 3 + 1 + len(numbers - {0, 1, 2}) + 36 * rounds * batch + 1


def test_kernel_file_runs_unchanged_at_the_standard_size(takehome):
    kernel_file, _ = takehome
    assert kernel_file.Machine is Machine
    assert kernel_file.do_kernel_test(10, 16, 256) == 147_734 == expected_cycles(16, 256)


@pytest.mark.parametrize(
    "seed,height,rounds,batch", [(123, 3, 2, 5), (7, 0, 3, 4), (99, 5, 1, 20), (5, 2, 0, 3)]
)
def test_harness_runs_once_per_reference_yield(takehome, seed, height, rounds, batch):
    kernel_file, _ = takehome
    forest, inp, mem = problem_for(seed, height, rounds, batch)
    kb = kernel_file.KernelBuilder()
    kb.build_kernel(forest.height, len(forest.values), len(inp.indices), rounds)
    value_trace: dict = {}
    m = Machine(mem, kb.instrs, kb.debug_info(), n_cores=machine.N_CORES, value_trace=value_trace)
    stops = []
    for ref_mem in reference_kernel2(mem, value_trace):
        m.run()
        values_p = ref_mem[6]
        assert m.mem[values_p : values_p + batch] == ref_mem[values_p : values_p + batch]
        stops.append((m.cycle, m.cores[0].pc, m.cores[0].state))
    assert stops == [
        (18, 18, CoreState.PAUSED),
        (expected_cycles(rounds, batch), len(kb.instrs), CoreState.PAUSED),
    ]
    m.run()
    assert m.cores[0].state == CoreState.STOPPED and m.cycle == expected_cycles(rounds, batch)


@pytest.mark.parametrize("seed", [123, 4])
def test_harness_with_pauses_and_compares_off(takehome, seed):
    kernel_file, _ = takehome
    forest, inp, mem = problem_for(seed, 4, 3, 10)
    kb = kernel_file.KernelBuilder()
    kb.build_kernel(forest.height, len(forest.values), len(inp.indices), 3)
    value_trace: dict = {}
    m = Machine(mem, kb.instrs, kb.debug_info(), value_trace=value_trace)
    m.enable_pause = False
    m.enable_debug = False
    m.run()
    assert m.cores[0].state == CoreState.STOPPED
    *_, ref_mem = reference_kernel2(mem, value_trace)
    values_p = ref_mem[6]
    assert m.mem[values_p:] == ref_mem[values_p:]
    assert m.cycle == expected_cycles(3, 10)


def test_submission_check_runs_unchanged_eight_times(takehome):
    _, submission = takehome
    random.seed(2024)
    cycles = {submission.do_kernel_test(10, 16, 256) for _ in range(8)}
    assert cycles == {147_734}
    kb = submission.kernel_builder(10, 2047, 256, 16)
    assert prepare(kb.instrs) is prepare(kb.instrs)


def test_divergence_raises_compare_fault_before_its_bundle(takehome):
    kernel_file, _ = takehome
    forest, inp, mem = problem_for(123, 2, 1, 4)
    kb = kernel_file.KernelBuilder()
    kb.build_kernel(forest.height, len(forest.values), len(inp.indices), 1)
    program = [dict(b) for b in kb.instrs]
    xor_pc = next(pc for pc, b in enumerate(program) if b.get("alu", [("",)])[0][0] == "^")
    (_, dest, a, b) = program[xor_pc]["alu"][0]
    program[xor_pc] = {"alu": [("+", dest, a, b)]}
    value_trace: dict = {}
    m = Machine(mem, program, kb.debug_info(), value_trace=value_trace)
    gen = reference_kernel2(mem, value_trace)
    next(gen)
    m.run()
    next(gen)
    with pytest.raises(AssertionError) as info:
        m.run()
    fault = info.value
    assert isinstance(fault, CompareFault)
    assert fault.key == (0, 0, "hash_stage", 0)
    assert fault.expected == value_trace[(0, 0, "hash_stage", 0)] != fault.found
    assert m.cores[0].pc == fault.pc == xor_pc + 4
    assert m.cores[0].state == CoreState.RUNNING
    # Every bundle before it costs a cycle but four debug-only ones: the comment after the
    # pause and the compares of idx, val and node_val.
    assert m.cycle == xor_pc
    assert str(fault.found) in str(fault) and str(fault.expected) in str(fault)

    m.enable_debug = False
    m.run()
    values_p = mem[6]
    assert m.cores[0].state == CoreState.PAUSED
    assert m.mem[values_p:] != mem[values_p:]


def test_fault_leaves_the_machine_as_before_the_bundle():
    program = [
        {"load": [("const", 0, 7)], "flow": [("trace_write", 1)]},
        {"store": [("store", 2, 0)], "alu": [("+", 3, 0, 0)]},
        {"store": [("store", 0, 0)], "alu": [("+", 4, 0, 0)], "flow": [("halt",)]},
    ]
    m = Machine([0] * 4, program, None)
    with pytest.raises(MachineFault) as info:
        m.run()
    assert not isinstance(info.value, CompareFault)
    assert (info.value.pc, info.value.engine, info.value.value) == (2, "store", 7)
    core = m.cores[0]
    assert (core.pc, core.state, core.trace_buf, m.cycle) == (2, CoreState.RUNNING, [0], 2)
    assert core.scratch[:5] == [7, 0, 0, 14, 0]
    assert m.mem == [7, 0, 0, 0]
    core.scratch[0] = 1
    m.run()
    assert (core.state, m.mem, core.scratch[4], m.cycle) == (CoreState.STOPPED, [7, 1, 0, 0], 2, 3)


def test_state_set_between_runs_is_what_runs():
    program = [{"flow": [("pause",)]}, {"flow": [("pause",)]}, {"alu": [("+", 0, 1, 2)]}]
    m = Machine([5], program, None)
    m.run()
    assert (m.cores[0].pc, m.cycle) == (1, 1)
    m.enable_pause = False
    m.cores[0].scratch[1], m.cores[0].scratch[2] = 20, 22
    m.run()
    assert (m.cores[0].state, m.cores[0].scratch[0], m.cycle) == (CoreState.STOPPED, 42, 3)


def test_a_program_changed_between_runs_runs_as_changed():
    program = [{"alu": [("+", 1, 1, 2)]}, {"flow": [("pause",)]}, {"flow": [("jump", 0)]}]
    m = Machine([0], program, None)
    m.cores[0].scratch[2:4] = [1, 10]
    m.run()
    m.run()
    assert m.cores[0].scratch[1] == 2
    program[0]["alu"][0] = ("+", 1, 1, 3)
    m.run()
    assert m.cores[0].scratch[1] == 12
    m.program = [{"alu": [("*", 1, 1, 3)]}]
    m.cores[0].pc = 0
    m.run()
    assert (m.cores[0].scratch[1], m.cycle) == (120, 9)


def test_no_cores_is_a_clear_error():
    with pytest.raises(ValueError, match="n_cores=0"):
        Machine([0], [], None, n_cores=0)


def test_scratch_bounds_follow_scratch_size():
    m = Machine([0], [{"alu": [("+", 64, 0, 0)]}], None, scratch_size=64)
    assert len(m.cores[0].scratch) == 64
    with pytest.raises(MachineFault) as info:
        m.run()
    assert info.value.value == 64
    Machine([0], [{"alu": [("+", 64, 0, 0)]}], None, scratch_size=65).run()


def test_prints_each_bundle_with_named_operands(capsys):
    info = DebugInfo(scratch_map={0: ("counter", 1), 8: ("lanes", 8)})
    program = [{"load": [("const", 0, 8)]}, {"valu": [("vbroadcast", 8, 0)], "debug": [("comment", "x")]}]
    m = Machine([0], program, info)
    m.prints = True
    m.run()
    out = capsys.readouterr().out
    assert "('const', 'counter', 8)" in out
    assert "('vbroadcast', 'lanes', 'counter')" in out
    assert m.cycle == 2 and m.cores[0].scratch[8:16] == [8] * 8


MULTI = [
    {"flow": [("coreid", 0)], "load": [("const", 7, 100)]},
    {"alu": [("+", 7, 7, 0)]},
    {"store": [("store", 6, 7)], "load": [("load", 8, 6)]},
    {"flow": [("cond_jump", 0, 6)]},
    {"debug": [("comment", "core 0 only")]},
    {"alu": [("+", 9, 8, 8)]},
]


@pytest.mark.parametrize("prints", [False, True])
def test_cores_step_in_id_order_and_count_a_cycle_per_round(prints, capsys):
    m = Machine([0, 0], MULTI, None, n_cores=2)
    m.prints = prints
    m.run()
    c0, c1 = m.cores
    assert (c0.scratch[0], c1.scratch[0]) == (0, 1)
    # Core 0 stores first, so core 1's load in the same round sees its word.
    assert (c0.scratch[8], c1.scratch[8]) == (0, 100)
    assert m.mem == [101, 0]
    assert (c0.pc, c1.pc, c0.state, c1.state) == (6, 6, CoreState.STOPPED, CoreState.STOPPED)
    # Rounds 0-3 cost a cycle; round 4 runs only a debug bundle (core 1 has stopped); round 5 one.
    assert m.cycle == 5


def test_fault_on_a_later_core_keeps_the_earlier_cores_bundle():
    program = [
        {"flow": [("coreid", 0)], "load": [("const", 4, 1)]},
        {"alu": [("-", 3, 4, 0)]},
        {"alu": [("//", 1, 4, 3)]},
    ]
    m = Machine([0], program, None, n_cores=2)
    with pytest.raises(MachineFault) as info:
        m.run()
    assert info.value.pc == 2
    assert (m.cores[0].pc, m.cores[1].pc) == (3, 2)
    assert (m.cores[0].scratch[1], m.cores[1].scratch[1]) == (1, 0)
    assert m.cycle == 2
