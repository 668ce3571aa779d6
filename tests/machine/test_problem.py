"""The problem module against the facts of ISA.md: generation order, memory layout, the hash
and the reference kernel with its value trace."""

from __future__ import annotations

import random

import pytest

from machine.problem import (
    HASH_STAGES,
    Input,
    Tree,
    build_mem_image,
    make_problem,
    myhash,
    myhash_traced,
    reference_kernel,
    reference_kernel2,
)

M = 2**32


def hash_by_hand(a: int) -> int:
    """The six stages of ISA.md written out, each intermediate reduced mod 2**32."""
    a = ((a + 0x7ED55D16) % M + (a << 12) % M) % M
    a = ((a ^ 0xC761C23C) % M) ^ (a >> 19)
    a = ((a + 0x165667B1) % M + (a << 5) % M) % M
    a = ((a + 0xD3A2646C) % M) ^ ((a << 9) % M)
    a = ((a + 0xFD7046C5) % M + (a << 3) % M) % M
    a = (a ^ 0xB55A4F09) ^ (a >> 16)
    return a


def test_hash_stages_table():
    assert HASH_STAGES == [
        ("+", 0x7ED55D16, "+", "<<", 12),
        ("^", 0xC761C23C, "^", ">>", 19),
        ("+", 0x165667B1, "+", "<<", 5),
        ("+", 0xD3A2646C, "^", "<<", 9),
        ("+", 0xFD7046C5, "+", "<<", 3),
        ("^", 0xB55A4F09, "^", ">>", 16),
    ]


def test_hash_matches_the_stages_written_out():
    rng = random.Random(5)
    words = [0, 1, 2**30 - 1, 2**31, M - 1, *(rng.randrange(M) for _ in range(500))]
    for a in words:
        h = myhash(a)
        assert h == hash_by_hand(a), a
        assert 0 <= h < M


def test_traced_hash_records_every_stage():
    trace: dict = {}
    assert myhash_traced(12345, trace, 3, 9) == myhash(12345)
    assert sorted(trace) == [(3, 9, "hash_stage", k) for k in range(6)]
    assert trace[(3, 9, "hash_stage", 5)] == myhash(12345)


def test_generation_follows_the_harness_order():
    random.seed(123)
    tree = Tree.generate(10)
    inp = Input.generate(tree, 256, 16)
    p = make_problem(10, 16, 256, 123)
    assert p.tree == tree and p.inp == inp
    assert len(tree.values) == 2047 and tree.height == 10
    assert all(0 <= v < 2**30 for v in tree.values + inp.values)
    assert inp.indices == [0] * 256 and inp.rounds == 16


def test_make_problem_leaves_the_global_random_state_alone():
    random.seed(9)
    expected = random.random()
    random.seed(9)
    make_problem(2, 1, 3, 123)
    assert random.random() == expected


def test_memory_layout_of_the_standard_problem():
    random.seed(123)
    tree = Tree.generate(10)
    inp = Input.generate(tree, 256, 16)
    mem = build_mem_image(tree, inp)
    assert mem[:7] == [16, 2047, 256, 10, 7, 2054, 2310]
    assert len(mem) == 7 + 2047 + 2 * 256
    assert mem[7:2054] == tree.values
    assert mem[2054:2310] == [0] * 256
    assert mem[2310:] == inp.values


def check_value_trace(initial: list[int], trace: dict, final: list[int]) -> None:
    """Every key of every element of every round is present and consistent with the hash."""
    rounds, n_nodes, batch, _height, forest_p, indices_p, values_p = initial[:7]
    idx = initial[indices_p : indices_p + batch]
    val = initial[values_p : values_p + batch]
    for r in range(rounds):
        for i in range(batch):
            assert trace[(r, i, "idx")] == idx[i]
            assert trace[(r, i, "val")] == val[i]
            node = initial[forest_p + idx[i]]
            assert trace[(r, i, "node_val")] == node
            h = hash_by_hand(val[i] ^ node)
            assert trace[(r, i, "hash_stage", 5)] == h
            assert trace[(r, i, "hashed_val")] == h
            nxt = 2 * idx[i] + (1 if h % 2 == 0 else 2)
            assert trace[(r, i, "next_idx")] == nxt
            wrapped = 0 if nxt >= n_nodes else nxt
            assert trace[(r, i, "wrapped_idx")] == wrapped
            idx[i], val[i] = wrapped, h
    assert len(trace) == rounds * batch * 12
    assert final[values_p : values_p + batch] == val
    assert final[indices_p : indices_p + batch] == idx
    assert final[:values_p] == initial[:indices_p] + idx


@pytest.mark.parametrize("height,rounds,batch", [(10, 16, 256), (0, 3, 5), (3, 0, 4), (2, 7, 1)])
def test_reference_kernel2_yields_twice_and_fills_the_trace(height, rounds, batch):
    random.seed(123)
    tree = Tree.generate(height)
    inp = Input.generate(tree, batch, rounds)
    mem = build_mem_image(tree, inp)
    initial = list(mem)
    trace: dict = {}
    gen = reference_kernel2(mem, trace)
    first = next(gen)
    assert first is mem and mem == initial and trace == {}
    second = next(gen)
    assert second is mem
    with pytest.raises(StopIteration):
        next(gen)
    check_value_trace(initial, trace, mem)


def test_reference_kernel_in_place_agrees_with_reference_kernel2():
    p = make_problem(4, 5, 9, 77)
    reference_kernel(p.tree, p.inp)
    values_p, indices_p = p.final[6], p.final[5]
    assert p.final[values_p:] == p.inp.values
    assert p.final[indices_p:values_p] == p.inp.indices


def test_make_problem_runs_the_reference():
    p = make_problem(3, 4, 6, 11)
    check_value_trace(p.initial, p.value_trace, p.final)
    assert p.regions == {"header": (0, 7), "forest": (7, 15), "indices": (22, 6), "values": (28, 6)}
