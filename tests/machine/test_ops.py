"""One test per op of ISA.md, and the bundle rules, on both the literal interpreter and the
fast engine."""

from __future__ import annotations

import pytest

from machine.isa import ALU_OPS, VLEN, CoreState
from tests.machine.machines import MAKERS

M = 2**32


@pytest.fixture(params=sorted(MAKERS))
def make(request):
    return MAKERS[request.param]


def run_bundle(make, bundle, scratch=None, mem=None, **kwargs):
    """A one-bundle program with preset scratch words, stepped once."""
    m = make([bundle], list(mem if mem is not None else [0] * 32), **kwargs)
    for addr, val in (scratch or {}).items():
        m.scratch[addr] = val
    m.step()
    return m


ALU_CASES = {
    "+": [(M - 1, 2, 1), (3, 4, 7)],
    "-": [(3, 5, M - 2), (9, 4, 5)],
    "*": [(0x10001, 0x10001, 0x20001), (6, 7, 42)],
    "//": [(7, 2, 3), (M - 1, 1, M - 1), (2, 3, 0)],
    "cdiv": [(7, 2, 4), (8, 2, 4), (0, 5, 0)],
    "^": [(0b1100, 0b1010, 0b0110)],
    "&": [(0b1100, 0b1010, 0b1000)],
    "|": [(0b1100, 0b1010, 0b1110)],
    "<<": [(0x80000001, 1, 2), (1, 31, 2**31), (1, 32, 0), (M - 1, 2**31, 0)],
    ">>": [(0x80000000, 31, 1), (5, 40, 0), (12, 2, 3)],
    "%": [(17, 5, 2), (4, 7, 4)],
    "<": [(3, 5, 1), (5, 3, 0), (4, 4, 0)],
    "==": [(4, 4, 1), (4, 5, 0)],
}


def test_alu_cases_cover_every_op():
    assert set(ALU_CASES) == set(ALU_OPS)


@pytest.mark.parametrize("op", ALU_OPS)
def test_alu(make, op):
    for x, y, want in ALU_CASES[op]:
        m = run_bundle(make, {"alu": [(op, 0, 1, 2)]}, {1: x, 2: y})
        assert m.scratch[0] == want, (op, x, y)
        assert m.scratch[1:3] == [x, y]
        assert (m.pc, m.cycle) == (1, 1)


@pytest.mark.parametrize("op", ALU_OPS)
def test_valu_lane_by_lane(make, op):
    cases = ALU_CASES[op]
    xs = [cases[i % len(cases)][0] for i in range(VLEN)]
    ys = [cases[i % len(cases)][1] for i in range(VLEN)]
    want = [cases[i % len(cases)][2] for i in range(VLEN)]
    preset = {8 + i: x for i, x in enumerate(xs)} | {16 + i: y for i, y in enumerate(ys)}
    m = run_bundle(make, {"valu": [(op, 24, 8, 16)]}, preset)
    assert m.scratch[24:32] == want
    assert m.scratch[32] == 0


def test_vbroadcast(make):
    m = run_bundle(make, {"valu": [("vbroadcast", 8, 3)]}, {3: 77})
    assert m.scratch[8:16] == [77] * VLEN
    assert m.scratch[7] == 0 and m.scratch[16] == 0


def test_multiply_add(make):
    preset = {}
    for i in range(VLEN):
        preset[8 + i] = 0x10000 + i
        preset[16 + i] = 0x10000
        preset[24 + i] = M - 1
    m = run_bundle(make, {"valu": [("multiply_add", 32, 8, 16, 24)]}, preset)
    # (0x10000+i) * 0x10000 = 2**32 + i*0x10000; mod 2**32 that is i*0x10000; + 2**32-1 wraps.
    assert m.scratch[32:40] == [(i * 0x10000 + M - 1) % M for i in range(VLEN)]


def test_load(make):
    m = run_bundle(make, {"load": [("load", 0, 1)]}, {1: 5}, mem=[10 * i for i in range(8)])
    assert m.scratch[0] == 50


def test_load_offset(make):
    # s[dest+offset] = m[s[addr+offset]]
    m = run_bundle(
        make, {"load": [("load_offset", 10, 20, 3)]}, {23: 4, 20: 1}, mem=[10 * i for i in range(8)]
    )
    assert m.scratch[13] == 40
    assert m.scratch[10] == 0


def test_vload(make):
    m = run_bundle(make, {"load": [("vload", 8, 1)]}, {1: 2}, mem=list(range(100, 112)))
    assert m.scratch[8:16] == list(range(102, 110))


def test_const(make):
    m = run_bundle(make, {"load": [("const", 0, 12345), ("const", 1, M + 5)]})
    assert m.scratch[:2] == [12345, 5]
    m = run_bundle(make, {"load": [("const", 0, -1)]})
    assert m.scratch[0] == M - 1


def test_store(make):
    m = run_bundle(make, {"store": [("store", 0, 1)]}, {0: 3, 1: 99}, mem=[0] * 6)
    assert m.mem == [0, 0, 0, 99, 0, 0]


def test_vstore(make):
    preset = {0: 2} | {8 + i: 50 + i for i in range(VLEN)}
    m = run_bundle(make, {"store": [("vstore", 0, 8)]}, preset, mem=[0] * 12)
    assert m.mem == [0, 0, *range(50, 58), 0, 0]


def test_select(make):
    for cond, want in ((1, 11), (5, 11), (0, 22)):
        m = run_bundle(make, {"flow": [("select", 0, 1, 2, 3)]}, {1: cond, 2: 11, 3: 22})
        assert m.scratch[0] == want


def test_select_reads_only_the_chosen_operand(make):
    m = run_bundle(make, {"flow": [("select", 0, 1, 2, 10**6)]}, {1: 1, 2: 11})
    assert m.scratch[0] == 11
    m = run_bundle(make, {"flow": [("select", 0, 1, -5, 3)]}, {1: 0, 3: 22})
    assert m.scratch[0] == 22


def test_vselect(make):
    preset = {}
    for i in range(VLEN):
        preset[8 + i] = i % 2
        preset[16 + i] = 100 + i
        preset[24 + i] = 200 + i
    m = run_bundle(make, {"flow": [("vselect", 32, 8, 16, 24)]}, preset)
    assert m.scratch[32:40] == [(100 + i) if i % 2 else (200 + i) for i in range(VLEN)]


def test_vselect_reads_only_the_chosen_lane(make):
    # Every condition is true and b runs past the end of scratch: b is never read.
    preset = {8 + i: 1 for i in range(VLEN)} | {16 + i: 7 for i in range(VLEN)}
    m = run_bundle(make, {"flow": [("vselect", 32, 8, 16, 1533)]}, preset)
    assert m.scratch[32:40] == [7] * VLEN


def test_add_imm(make):
    m = run_bundle(make, {"flow": [("add_imm", 0, 1, 5)]}, {1: M - 2})
    assert m.scratch[0] == 3
    m = run_bundle(make, {"flow": [("add_imm", 0, 1, -3)]}, {1: 1})
    assert m.scratch[0] == M - 2


def test_halt(make):
    m = make([{"flow": [("halt",)]}, {"load": [("const", 0, 1)]}], [0])
    m.run()
    assert (m.state, m.pc, m.cycle, m.scratch[0]) == (CoreState.STOPPED, 1, 1, 0)


def test_pause_then_resume(make):
    program = [{"flow": [("pause",)]}, {"load": [("const", 0, 1)]}]
    m = make(program, [0])
    m.run()
    assert (m.state, m.pc, m.cycle) == (CoreState.PAUSED, 1, 1)
    m.run()
    assert (m.state, m.pc, m.cycle, m.scratch[0]) == (CoreState.STOPPED, 2, 2, 1)


def test_pause_ignored_when_disabled(make):
    program = [{"flow": [("pause",)]}, {"load": [("const", 0, 1)]}]
    m = make(program, [0], enable_pause=False)
    m.run()
    assert (m.state, m.pc, m.cycle, m.scratch[0]) == (CoreState.STOPPED, 2, 2, 1)


def test_trace_write(make):
    program = [{"flow": [("trace_write", 3)]}, {"flow": [("trace_write", 4)]}]
    m = make(program, [0])
    m.scratch[3], m.scratch[4] = 8, 9
    m.run()
    assert m.trace_buf == [8, 9]


def _jump_program(jump_slot):
    """pc 0 jumps; pc 1 and 2 mark with const which bundles ran; pc 3 is the target."""
    return [
        {"flow": [jump_slot]},
        {"load": [("const", 10, 1)]},
        {"load": [("const", 11, 1)]},
        {"load": [("const", 12, 1)]},
    ]


def test_cond_jump(make):
    m = make(_jump_program(("cond_jump", 0, 3)), [0])
    m.scratch[0] = 2
    m.run()
    assert m.scratch[10:13] == [0, 0, 1]
    assert m.cycle == 2
    m = make(_jump_program(("cond_jump", 0, 3)), [0])
    m.run()
    assert m.scratch[10:13] == [1, 1, 1]


def test_cond_jump_rel_counts_from_the_next_bundle(make):
    m = make(_jump_program(("cond_jump_rel", 0, 2)), [0])
    m.scratch[0] = 1
    m.step()
    assert m.pc == 3
    m = make(_jump_program(("cond_jump_rel", 0, 2)), [0])
    m.step()
    assert m.pc == 1


def test_cond_jump_rel_backwards(make):
    program = [{"load": [("const", 0, 1)]}, {"flow": [("cond_jump_rel", 0, -2)]}]
    m = make(program, [0])
    m.step()
    m.step()
    assert m.pc == 0


def test_jump(make):
    m = make(_jump_program(("jump", 2)), [0])
    m.run()
    assert m.scratch[10:13] == [0, 1, 1]
    assert m.cycle == 3


def test_jump_indirect(make):
    m = make(_jump_program(("jump_indirect", 5)), [0])
    m.scratch[5] = 3
    m.run()
    assert m.scratch[10:13] == [0, 0, 1]


def test_coreid(make):
    m = run_bundle(make, {"flow": [("coreid", 0)]}, {0: 9})
    assert m.scratch[0] == 0


def test_compare_and_vcompare_pass(make):
    trace = {("k", 0): 5} | {("v", i): 10 + i for i in range(VLEN)}
    preset = {0: 5} | {8 + i: 10 + i for i in range(VLEN)}
    bundle = {"debug": [("compare", 0, ("k", 0)), ("vcompare", 8, [("v", i) for i in range(VLEN)])]}
    m = run_bundle(make, bundle, preset, value_trace=trace)
    assert (m.pc, m.cycle) == (1, 0)


def test_other_debug_ops_do_nothing(make):
    m = run_bundle(make, {"debug": [("comment", "anything at all"), ("note",)]})
    assert (m.pc, m.cycle, m.scratch[:4]) == (1, 0, [0] * 4)


def test_compares_skipped_when_debug_disabled(make):
    bundle = {"debug": [("compare", 0, "no such key"), ("compare", 0, "k")]}
    m = run_bundle(make, bundle, {0: 1}, value_trace={"k": 2}, enable_debug=False)
    assert (m.pc, m.cycle) == (1, 0)


def test_debug_slots_read_the_start_of_their_bundle(make):
    bundle = {"load": [("const", 0, 7)], "debug": [("compare", 0, "k")]}
    m = run_bundle(make, bundle, {0: 3}, value_trace={"k": 3})
    assert m.scratch[0] == 7


# ---- the bundle rules ----


def test_reads_see_the_start_of_the_bundle(make):
    m = run_bundle(make, {"alu": [("+", 0, 1, 1), ("+", 1, 0, 0)]}, {0: 3, 1: 5})
    assert m.scratch[:2] == [10, 6]


def test_later_slot_wins(make):
    m = run_bundle(make, {"alu": [("+", 0, 1, 1), ("*", 0, 1, 1)]}, {1: 5})
    assert m.scratch[0] == 25


def test_later_engine_in_key_order_wins(make):
    m = run_bundle(make, {"alu": [("+", 0, 1, 1)], "load": [("const", 0, 9)]}, {1: 5})
    assert m.scratch[0] == 9
    m = run_bundle(make, {"load": [("const", 0, 9)], "alu": [("+", 0, 1, 1)]}, {1: 5})
    assert m.scratch[0] == 10


def test_later_vector_write_wins_over_overlapping_words(make):
    bundle = {"valu": [("vbroadcast", 8, 1), ("vbroadcast", 12, 2)], "alu": [("+", 10, 1, 2)]}
    m = run_bundle(make, bundle, {1: 1, 2: 2})
    assert m.scratch[8:20] == [1, 1, 3, 1, 2, 2, 2, 2, 2, 2, 2, 2]


def test_memory_reads_see_the_start_of_the_bundle(make):
    bundle = {"store": [("store", 0, 1)], "load": [("load", 2, 0)]}
    m = run_bundle(make, bundle, {0: 1, 1: 42}, mem=[0, 7, 0])
    assert m.scratch[2] == 7
    assert m.mem[1] == 42


def test_later_store_wins(make):
    bundle = {"store": [("store", 0, 1), ("store", 0, 2)]}
    m = run_bundle(make, bundle, {0: 1, 1: 5, 2: 6}, mem=[0, 0])
    assert m.mem == [0, 6]


def test_store_address_is_read_before_scratch_writes_land(make):
    bundle = {"load": [("const", 0, 2)], "store": [("store", 0, 1)]}
    m = run_bundle(make, bundle, {0: 1, 1: 5}, mem=[0, 0, 0])
    assert m.mem == [0, 5, 0]


def test_flow_acts_at_once_and_the_rest_of_the_bundle_lands(make):
    bundle = {"flow": [("halt",)], "alu": [("+", 0, 1, 1)], "store": [("store", 1, 1)]}
    m = make([bundle, {"load": [("const", 5, 1)]}], [0, 0, 0])
    m.scratch[1] = 2
    m.run()
    assert (m.state, m.pc, m.cycle, m.scratch[0], m.mem[2], m.scratch[5]) == (
        CoreState.STOPPED,
        1,
        1,
        4,
        2,
        0,
    )


def test_jump_with_other_slots(make):
    bundle = {"alu": [("+", 0, 1, 1)], "flow": [("jump", 2)]}
    m = make([bundle, {"load": [("const", 5, 1)]}, {"load": [("const", 6, 1)]}], [0])
    m.scratch[1] = 2
    m.run()
    assert m.scratch[0] == 4 and m.scratch[5:7] == [0, 1]


def test_pc_past_the_end_stops_without_a_cycle(make):
    m = make([{"load": [("const", 0, 1)]}], [0])
    m.step()
    assert (m.state, m.pc, m.cycle) == (CoreState.RUNNING, 1, 1)
    m.step()
    assert (m.state, m.pc, m.cycle) == (CoreState.STOPPED, 1, 1)


def test_cycle_rule(make):
    program = [
        {},
        {"debug": [("comment", "x")]},
        {"alu": []},
        {"debug": [], "load": [("const", 0, 1)]},
        {"debug": []},
    ]
    m = make(program, [0])
    cycles = []
    for _ in program:
        m.step()
        cycles.append(m.cycle)
    assert cycles == [0, 0, 1, 2, 2]
    assert m.pc == 5


def test_empty_program_stops_at_once(make):
    m = make([], [0])
    m.run()
    assert (m.state, m.pc, m.cycle) == (CoreState.STOPPED, 0, 0)
