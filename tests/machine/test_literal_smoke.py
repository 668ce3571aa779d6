"""A first check of the literal interpreter and the problem module on the documented facts."""

from machine.isa import CoreState
from machine.literal import LiteralMachine
from machine.problem import build_mem_image, make_problem, reference_kernel


def test_bundle_reads_see_start_state_and_later_write_wins():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 0, 0, 1), ("*", 1, 0, 1), ("-", 2, 0, 0), ("^", 2, 1, 1)]},
    ]
    m = LiteralMachine(program, [0])
    m.run()
    assert m.scratch[:3] == [12, 35, 0]
    assert m.cycle == 2
    assert m.state == CoreState.STOPPED


def test_reference_matches_memory_image_layout():
    p = make_problem(height=2, rounds=3, batch_size=5, seed=7)
    assert p.initial[:7] == [3, 7, 5, 2, 7, 14, 19]
    assert len(p.initial) == 7 + 7 + 2 * 5
    tree, inp = p.tree, p.inp
    reference_kernel(tree, inp)
    assert p.final[19:24] == inp.values
    assert p.final[14:19] == inp.indices
    assert build_mem_image(tree, inp)[19:] == inp.values
