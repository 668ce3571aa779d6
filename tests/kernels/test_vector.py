"""The vector kernel: right on every problem shape, compares passing, fast at the standard size."""

from __future__ import annotations

import pytest

from kernels.vector import KernelBuilder
from machine import SCRATCH_SIZE, SLOT_LIMITS
from machine.literal import LiteralMachine
from machine.problem import make_problem

STANDARD = (10, 16, 256)  # height, rounds, batch


def build(height: int, rounds: int, batch: int) -> KernelBuilder:
    kb = KernelBuilder()
    kb.build_kernel(height, 2 ** (height + 1) - 1, batch, rounds)
    return kb


def run(height: int, rounds: int, batch: int, seed: int, compares: bool) -> tuple[LiteralMachine, list[int]]:
    """Run the kernel as the take-home's harness does: once per pause, then check values."""
    p = make_problem(height, rounds, batch, seed)
    m = LiteralMachine(build(height, rounds, batch).instrs, p.initial, value_trace=p.value_trace)
    m.enable_debug = compares
    m.run()
    values_p = p.initial[6]
    assert m.mem[values_p : values_p + batch] == p.initial[values_p : values_p + batch]
    m.run()
    return m, p.final[values_p : values_p + batch] == m.mem[values_p : values_p + batch]


@pytest.mark.parametrize("compares", [True, False])
@pytest.mark.parametrize("height", [0, 1, 2, 3, 10])
@pytest.mark.parametrize("rounds", [0, 1, 2, 11, 16])
@pytest.mark.parametrize("batch", [8, 16, 24])
def test_final_values_match_the_reference(height, rounds, batch, compares):
    _, same = run(height, rounds, batch, seed=height * 31 + rounds + batch, compares=compares)
    assert same


def test_standard_size_is_right_with_compares_and_fast():
    m, same = run(*STANDARD, seed=123, compares=True)
    assert same
    assert m.cycle <= 2500


@pytest.mark.parametrize("seed", [5, 99])
def test_other_seeds_at_the_standard_height(seed):
    _, same = run(10, 7, 32, seed=seed, compares=True)
    assert same


def test_a_wrong_edit_stops_at_a_compare():
    kb = build(3, 4, 16)
    p = make_problem(3, 4, 16, 1)
    for bundle in kb.instrs:
        for slot in bundle.get("valu", []):
            if slot[0] == "multiply_add":
                bundle["valu"][bundle["valu"].index(slot)] = ("multiply_add", *slot[1:3], slot[2], slot[4])
                break
        else:
            continue
        break
    m = LiteralMachine(kb.instrs, p.initial, value_trace=p.value_trace)
    m.run()
    with pytest.raises(AssertionError, match="hash_stage"):
        m.run()


def test_bundles_respect_the_slot_limits_and_fill_the_valu():
    instrs = build(*STANDARD).instrs
    valu = 0
    for bundle in instrs:
        for engine, slots in bundle.items():
            assert len(slots) <= SLOT_LIMITS[engine]
        valu += len(bundle.get("valu", []))
    assert valu / len(instrs) > 5


def test_scratch_map_names_are_unique_and_do_not_overlap():
    scratch_map = build(*STANDARD).debug_info().scratch_map
    names = [name for name, _ in scratch_map.values()]
    assert len(names) == len(set(names))
    end = 0
    for addr in sorted(scratch_map):
        assert addr >= end
        end = addr + scratch_map[addr][1]
    assert end <= SCRATCH_SIZE
    assert {"val_0", "pos_31", "tree_0", "hash_c5"} <= set(names)


def test_batch_must_be_a_multiple_of_eight():
    with pytest.raises(ValueError, match="multiple of 8"):
        build(2, 1, 12)
