"""The problem the kernels solve: the tree, the input batch, the hash, the memory image and
the reference kernel with its value trace.

Generation draws from Python's global `random` module in the same order as the take-home's
harness (tree first, then input), so a seed gives the same problem there and here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from machine.isa import MASK

HEADER_WORDS = 7
HEADER_NAMES = (
    "rounds",
    "n_nodes",
    "batch_size",
    "forest_height",
    "forest_values_p",
    "inp_indices_p",
    "inp_values_p",
)

HASH_STAGES: list[tuple[str, int, str, str, int]] = [
    ("+", 0x7ED55D16, "+", "<<", 12),
    ("^", 0xC761C23C, "^", ">>", 19),
    ("+", 0x165667B1, "+", "<<", 5),
    ("+", 0xD3A2646C, "^", "<<", 9),
    ("+", 0xFD7046C5, "+", "<<", 3),
    ("^", 0xB55A4F09, "^", ">>", 16),
]


def _op(name: str, x: int, y: int) -> int:
    if name == "+":
        return (x + y) & MASK
    if name == "^":
        return x ^ y
    if name == "<<":
        return (x << y) & MASK
    if name == ">>":
        return x >> y
    raise KeyError(name)


def myhash(a: int) -> int:
    """The six-stage hash of one word."""
    for op1, c, op2, op3, k in HASH_STAGES:
        a = _op(op2, _op(op1, a, c), _op(op3, a, k))
    return a


def myhash_traced(a: int, trace: dict, round: int, batch_i: int) -> int:
    """The hash, recording the word after each stage under (round, batch_i, "hash_stage", k)."""
    for k, (op1, c, op2, op3, shift) in enumerate(HASH_STAGES):
        a = _op(op2, _op(op1, a, c), _op(op3, a, shift))
        trace[(round, batch_i, "hash_stage", k)] = a
    return a


def nodes_of_height(height: int) -> int:
    """How many nodes a perfect binary tree of this height has (a lone root is height 0)."""
    return 2 ** (height + 1) - 1


@dataclass(frozen=True)
class ProblemSize:
    """The problem's shape and seed, with the take-home's defaults: the one value that goes
    from the command line to the loader (as `build_kernel`'s arguments), the session and the
    build cache."""

    height: int = 10
    rounds: int = 16
    batch_size: int = 256
    seed: int = 123

    @property
    def n_nodes(self) -> int:
        return nodes_of_height(self.height)

    def build_args(self) -> tuple[int, int, int, int]:
        """`build_kernel`'s positional arguments: forest height, n_nodes, batch size, rounds."""
        return (self.height, self.n_nodes, self.batch_size, self.rounds)

    def generate(self) -> Problem:
        return make_problem(self.height, self.rounds, self.batch_size, self.seed)


@dataclass
class Tree:
    """A perfect binary tree of node values, stored in breadth-first order."""

    height: int
    values: list[int]

    @staticmethod
    def generate(height: int) -> Tree:
        return Tree(height, [random.randint(0, 2**30 - 1) for _ in range(nodes_of_height(height))])


@dataclass
class Input:
    """A batch of walkers: where each stands in the tree, and the value it carries."""

    indices: list[int]
    values: list[int]
    rounds: int

    @staticmethod
    def generate(forest: Tree, batch_size: int, rounds: int) -> Input:
        indices = [0 for _ in range(batch_size)]
        values = [random.randint(0, 2**30 - 1) for _ in range(batch_size)]
        return Input(indices, values, rounds)


def build_mem_image(tree: Tree, inp: Input) -> list[int]:
    """The flat memory: seven header words, the node values, the indices, the values."""
    n_nodes = len(tree.values)
    batch = len(inp.indices)
    forest_p = HEADER_WORDS
    indices_p = forest_p + n_nodes
    values_p = indices_p + batch
    header = [inp.rounds, n_nodes, batch, tree.height, forest_p, indices_p, values_p]
    return header + list(tree.values) + list(inp.indices) + list(inp.values)


def reference_kernel(tree: Tree, inp: Input) -> None:
    """The algorithm in plain Python, updating `inp` in place."""
    n_nodes = len(tree.values)
    for _ in range(inp.rounds):
        for i in range(len(inp.indices)):
            idx = inp.indices[i]
            val = myhash(inp.values[i] ^ tree.values[idx])
            idx = 2 * idx + (1 if val % 2 == 0 else 2)
            inp.indices[i] = 0 if idx >= n_nodes else idx
            inp.values[i] = val


def reference_kernel2(mem: list[int], trace: dict | None = None) -> Iterator[list[int]]:
    """The reference on a memory image, in place, filling `trace` with the value-trace keys.

    Yields the same `mem` list twice: before the first round and after the last, the two
    points a kernel marks with `pause`.
    """
    if trace is None:
        trace = {}
    rounds, n_nodes, batch = mem[0], mem[1], mem[2]
    forest_p, indices_p, values_p = mem[4], mem[5], mem[6]
    yield mem
    for r in range(rounds):
        for i in range(batch):
            idx = mem[indices_p + i]
            trace[(r, i, "idx")] = idx
            val = mem[values_p + i]
            trace[(r, i, "val")] = val
            node_val = mem[forest_p + idx]
            trace[(r, i, "node_val")] = node_val
            val = myhash_traced(val ^ node_val, trace, r, i)
            trace[(r, i, "hashed_val")] = val
            idx = 2 * idx + (1 if val % 2 == 0 else 2)
            trace[(r, i, "next_idx")] = idx
            idx = 0 if idx >= n_nodes else idx
            trace[(r, i, "wrapped_idx")] = idx
            mem[values_p + i] = val
            mem[indices_p + i] = idx
    yield mem


@dataclass
class Problem:
    """One generated problem with its reference run done up front.

    `initial` is the memory before the first round, `final` after the last; `value_trace`
    holds every key a debug compare may ask for.
    """

    height: int
    rounds: int
    batch_size: int
    seed: int
    tree: Tree
    inp: Input
    initial: list[int]
    final: list[int]
    value_trace: dict[Any, int]

    @property
    def n_nodes(self) -> int:
        return len(self.tree.values)

    @property
    def size(self) -> ProblemSize:
        return ProblemSize(self.height, self.rounds, self.batch_size, self.seed)

    @property
    def regions(self) -> dict[str, tuple[int, int]]:
        """Named memory regions as (start, length)."""
        return {
            "header": (0, HEADER_WORDS),
            "forest": (self.initial[4], self.n_nodes),
            "indices": (self.initial[5], self.batch_size),
            "values": (self.initial[6], self.batch_size),
        }


def make_problem(height: int = 10, rounds: int = 16, batch_size: int = 256, seed: int = 123) -> Problem:
    """Generate a problem exactly as the take-home's harness does, and run the reference.

    The global `random` state is saved and restored, so the debugger's own use of it does
    not disturb a kernel that draws random numbers while it builds.
    """
    saved = random.getstate()
    try:
        random.seed(seed)
        tree = Tree.generate(height)
        inp = Input.generate(tree, batch_size, rounds)
    finally:
        random.setstate(saved)
    initial = build_mem_image(tree, inp)
    work = list(initial)
    trace: dict[Any, int] = {}
    for _ in reference_kernel2(work, trace):
        pass
    return Problem(height, rounds, batch_size, seed, tree, inp, initial, work, trace)
