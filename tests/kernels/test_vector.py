"""The vector kernel: right on every problem shape, compares passing, fast at the standard size."""

from __future__ import annotations

import pytest

from kernels.vector import KernelBuilder
from machine import SCRATCH_SIZE, SLOT_LIMITS, Machine
from machine.isa import OPERAND_ROLES, VLEN
from machine.literal import LiteralMachine
from machine.problem import make_problem
from vliwdbg.insight.lint import lint_report

STANDARD = (10, 16, 256)  # height, rounds, batch


def build(height: int, rounds: int, batch: int) -> KernelBuilder:
    kb = KernelBuilder()
    kb.build_kernel(height, 2 ** (height + 1) - 1, batch, rounds)
    return kb


def run(
    height: int, rounds: int, batch: int, seed: int, compares: bool, program: list | None = None
) -> tuple[LiteralMachine, bool]:
    """Run as the take-home's harness does: to the first pause (nothing stored yet), then on.

    Returns the machine and whether the final values equal the reference's.
    """
    p = make_problem(height, rounds, batch, seed)
    if program is None:
        program = build(height, rounds, batch).instrs
    m = LiteralMachine(program, p.initial, value_trace=p.value_trace, enable_debug=compares)
    values = slice(p.initial[6], p.initial[6] + batch)
    m.run()
    assert m.mem[values] == p.initial[values]
    m.run()
    return m, m.mem[values] == p.final[values]


@pytest.mark.parametrize("compares", [True, False])
@pytest.mark.parametrize("height", [0, 1, 2, 3, 10])
@pytest.mark.parametrize("rounds", [0, 1, 2, 11, 16])
@pytest.mark.parametrize("batch", [8, 16, 24])
def test_final_values_match_the_reference(height, rounds, batch, compares):
    _, same = run(height, rounds, batch, seed=height * 31 + rounds + batch, compares=compares)
    assert same


def test_standard_size_is_right_with_compares_and_within_budget():
    m, same = run(*STANDARD, seed=123, compares=True)
    assert same
    assert m.cycle <= 2500


@pytest.mark.parametrize("submission", [False, True])
def test_the_drop_in_machine_agrees(submission):
    """The fast engine, as the take-home's harness and its submission check drive it."""
    height, rounds, batch = STANDARD
    p = make_problem(height, rounds, batch, seed=7)
    kb = build(*STANDARD)
    m = Machine(p.initial, kb.instrs, kb.debug_info(), value_trace=p.value_trace)
    m.enable_pause = m.enable_debug = not submission
    for _ in range(1 if submission else 2):
        m.run()
    values = slice(p.initial[6], p.initial[6] + batch)
    assert m.mem[values] == p.final[values]
    literal, _ = run(*STANDARD, seed=7, compares=False, program=kb.instrs)
    assert m.cycle == literal.cycle


@pytest.mark.parametrize("seed", [5, 99])
def test_other_seeds(seed):
    _, same = run(10, 13, 32, seed=seed, compares=True)
    assert same


def test_a_batch_too_big_for_scratch_reuses_registers():
    # 33 groups: the 33rd shares the registers of the first, after it is done.
    _, same = run(4, 6, 264, seed=3, compares=True)
    assert same


def test_a_wrong_edit_stops_at_the_first_divergent_compare():
    program = build(3, 4, 16).instrs
    bundle = next(b for b in program if any(s[0] == "multiply_add" for s in b.get("valu", ())))
    slots = bundle["valu"]
    k = next(k for k, s in enumerate(slots) if s[0] == "multiply_add")
    op, dest, a, _, c = slots[k]
    slots[k] = (op, dest, a, a, c)  # a * a + c instead of a * multiplier + c
    with pytest.raises(AssertionError, match="hash_stage"):
        run(3, 4, 16, seed=1, compares=True, program=program)


def test_compares_check_every_round_and_stage():
    keys = {
        key[2:]
        for bundle in build(10, 3, 8).instrs
        for slot in bundle.get("debug", ())
        if slot[0] == "vcompare"
        for key in slot[2]
    }
    assert {("val",), ("node_val",), ("hashed_val",)} <= keys
    assert {("hash_stage", k) for k in range(6)} <= keys


def test_bundles_respect_the_slot_limits_and_keep_the_valu_busy():
    instrs = build(*STANDARD).instrs
    for bundle in instrs:
        for engine, slots in bundle.items():
            assert len(slots) <= SLOT_LIMITS[engine]
    valu = sum(len(b.get("valu", ())) for b in instrs)
    assert valu / len(instrs) > 5.5


def test_scratch_map_names_are_unique_and_cover_every_word_used():
    kb = build(*STANDARD)
    scratch_map = kb.debug_info().scratch_map
    names = [name for name, _ in scratch_map.values()]
    assert len(names) == len(set(names))
    named: set[int] = set()
    for addr, (_, length) in scratch_map.items():
        words = set(range(addr, addr + length))
        assert not words & named
        named |= words
    assert max(named) < SCRATCH_SIZE
    for bundle in kb.instrs:
        for engine, slots in bundle.items():
            for slot in slots:
                roles = OPERAND_ROLES[engine].get(slot[0], "")  # a comment has none
                for role, operand in zip(roles, slot[1:], strict=False):
                    if role in "wrWR":
                        width = VLEN if role in "WR" else 1
                        assert set(range(operand, operand + width)) <= named, (slot, role)
    assert {"val_0", "pos_31", "tree_0", "tree_xor_3", "hash_c5"} <= set(names)


def test_lint_finds_no_error_and_no_unmarked_hazard():
    kb = build(10, 6, 64)
    report = lint_report(kb.instrs, scratch_map=kb.debug_info().scratch_map)
    assert report.status == 0, report.summary()
    assert report.silenced > 0  # the packing does read old values, and says so


def test_batch_must_be_a_multiple_of_eight():
    with pytest.raises(ValueError, match="multiple of 8"):
        build(2, 1, 12)
