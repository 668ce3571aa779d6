"""The starting kernel: cycle-exact at the standard size, correct on a grid of others."""

import itertools

import pytest

from kernels import baseline
from tests.kernels.harness import build, problem, run_like_harness

GRID = list(itertools.product((1, 2, 3, 4, 5, 7, 17), (0, 1, 2, 5), (0, 1, 3), (5, 6)))


def test_standard_size_costs_exactly_the_take_homes_cycles_on_the_oracle():
    p = problem(10, 16, 256, 123)
    program, _ = build(baseline, p)
    assert len(program) == 196_887
    run = run_like_harness(program, p, oracle=True)
    assert run.first_pause_cycle == 18
    assert run.cycles == 147_734
    assert run.bundles_run == 196_887


def test_layout_of_the_set_up():
    program, _ = build(baseline, problem(2, 1, 4, 1))
    assert program[17] == {"flow": [("pause",)]}
    assert program[18] == {"debug": [("comment", "Starting loop")]}
    assert all(len(b) == 1 and len(next(iter(b.values()))) == 1 for b in program)
    assert program[-1] == {"flow": [("pause",)]}


@pytest.mark.parametrize(("batch", "height", "rounds", "seed"), GRID)
def test_final_values_match_the_reference(batch, height, rounds, seed):
    p = problem(height, rounds, batch, seed)
    program, _ = build(baseline, p)
    run_like_harness(program, p, debug=True)
    run_like_harness(program, p, debug=False)
