"""The default program: correct everywhere, every step compared, every register named."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernels import three_lane
from kernels.three_lane import BranchLookahead
from machine import HASH_STAGES
from machine.isa import OPERAND_ROLES, VLEN
from machine.problem import myhash_traced
from tests.kernels.harness import build, problem, run_like_harness

GRID = list(itertools.product((1, 2, 3, 4, 5, 7, 17), (0, 1, 2, 5), (0, 1, 3), (5, 6)))


def test_standard_size_is_correct_and_under_the_target():
    p = problem(10, 16, 256, 123)
    program, _ = build(three_lane, p)
    run = run_like_harness(program, p)
    assert run.cycles <= 18_000


@pytest.mark.parametrize(("batch", "height", "rounds", "seed"), GRID)
def test_final_values_match_the_reference(batch, height, rounds, seed):
    p = problem(height, rounds, batch, seed)
    program, _ = build(three_lane, p)
    run_like_harness(program, p, debug=True)
    run_like_harness(program, p, debug=False)


def _compared_keys(program):
    for bundle in program:
        for slot in bundle.get("debug", ()):
            if slot[0] == "compare":
                yield slot[2]


@pytest.mark.parametrize(("batch", "height", "rounds"), [(7, 2, 3), (5, 0, 4), (1, 1, 1)])
def test_every_step_of_every_element_is_compared(batch, height, rounds):
    p = problem(height, rounds, batch, 3)
    program, _ = build(three_lane, p)
    assert set(_compared_keys(program)) == set(p.value_trace)


def _touched(slot, engine):
    """Every scratch word a slot reads or writes."""
    if engine == "load" and slot[0] == "load_offset":
        return [slot[1] + slot[3], slot[2] + slot[3]]
    roles = OPERAND_ROLES[engine].get(slot[0])
    if roles is None:  # a debug comment: it touches nothing
        return []
    words = []
    for role, operand in zip(roles, slot[1:], strict=True):
        if role in "rw":
            words.append(operand)
        elif role in "RW":
            words.extend(range(operand, operand + VLEN))
    return words


def test_scratch_map_names_are_unique_and_cover_every_word_used():
    p = problem(3, 2, 7, 1)
    program, scratch_map = build(three_lane, p)
    names = [name for name, _ in scratch_map.values()]
    assert len(names) == len(set(names))
    owner = {}
    for addr, (name, length) in scratch_map.items():
        for word in range(addr, addr + length):
            assert word not in owner, f"{name} overlaps {owner.get(word)}"
            owner[word] = name
    used = {w for b in program for engine, slots in b.items() for s in slots for w in _touched(s, engine)}
    assert used - owner.keys() == set()


@given(st.integers(0, 2**32 - 1))
def test_branch_lookahead_predicts_the_parity_of_the_hash(a0):
    look = BranchLookahead.from_stages(HASH_STAGES)
    trace = {}
    hashed = myhash_traced(a0, trace, 0, 0)
    a3 = trace[(0, 0, "hash_stage", 3)]
    flag = (a3 * look.mul + look.add) % 2**32 & look.mask
    assert (flag != 0) == (hashed % 2 == 0)


def test_branch_lookahead_refuses_stages_of_another_shape():
    stages = list(HASH_STAGES)
    stages[4] = ("^", 1, "+", "<<", 3)
    with pytest.raises(ValueError, match="stage 4"):
        BranchLookahead.from_stages(stages)
    stages = list(HASH_STAGES)
    stages[5] = ("^", 2, "^", ">>", 16)
    with pytest.raises(ValueError, match="stage 5"):
        BranchLookahead.from_stages(stages)


def test_the_lint_finds_no_hazard_in_the_default_program():
    from vliwdbg.insight.lint import lint

    program, scratch_map = build(three_lane, problem(4, 5, 7, 2))
    hazards = [f for f in lint(program, scratch_map=scratch_map) if f.severity != "note"]
    assert hazards == []
