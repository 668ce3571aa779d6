"""The dense vector kernel: every batch group in scratch, eight lanes a slot, bundles full.

It is the other end of the spectrum from the three-lane kernel: the program a user studies to
see what full engines look like, and the dense program the debugger is measured on.

How it is built. The batch is cut into groups of eight elements (one vector each). Every group
keeps its value and its position in scratch for the whole run: its values are loaded once and
stored once. The kernel is written as a plain sequence of slots, group after group and round
after round, exactly as one would write it for a single group; `vector_schedule.schedule` then
packs the groups side by side into bundles, respecting every dependency and slot limit.

The ideas that make it fast:
- A position is kept as `pos = idx + 1`, so that the next one is `2 * pos + bit` (one
  `multiply_add`), and its low bits are the path taken: bit j says which way the walk went
  j levels ago.
- The top of the tree never needs a gather: level 0 is one node (a broadcast constant), and
  levels 1 to 3 are picked from broadcast copies of their nodes with `vselect` on the flow
  engine, keyed on the bits of `pos`. Gathers (eight `load_offset` slots, the load engine's
  two a cycle being the machine's tightest resource) are left for the deep levels.
- At the last level (depth == height) every walk wraps to the root, and the round count is
  known when the kernel is built, so the wrap costs no slot at all.
- Hash stages of the form `(a + c) + (a << k)` are one `multiply_add` with the multiplier
  `1 + 2**k`; the other three stages take three slots.
- Lane-wise VALU slots may run as eight ALU slots when the VALU is full (the scheduler does
  that), so the ALU carries part of the hash.

Registers per group (the names in the scratch pane): `val_G` the value, `pos_G` the position
(`idx + 1`), `node_G` the node value and then a hash temporary, `tmp_G` the other hash
temporary and then the branch bit, `aux_G` a selection temporary.

Debug compares: each group compares its values against the reference at the start of a round,
after every hash stage, and its node values wherever they sit in one register (all levels but
level 3, where the node is folded into the value in two halves). Positions are `idx + 1`, so
the index keys are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernels.vector_schedule import Op, schedule, vector_words
from machine import HASH_STAGES, SCRATCH_SIZE, VLEN, DebugInfo

#: The deepest tree level served from scratch with vselect rather than gathered from memory.
SELECT_DEPTH = 3
STAGGER = 8
FOREST_P = 7  # the tree's values start right after the seven header words

LANE_OPS = frozenset({"+", "-", "*", "//", "cdiv", "^", "&", "|", "<<", ">>", "%", "<", "=="})


@dataclass(frozen=True)
class Group:
    """The scratch registers of one group of eight batch elements."""

    index: int
    val: int
    pos: int
    node: int
    tmp: int
    aux: int

    def keys(self, rnd: int, name: str, *extra: int) -> list[tuple]:
        """The reference-trace keys of this group's eight elements."""
        first = self.index * VLEN
        return [(rnd, first + i, name, *extra) for i in range(VLEN)]


class KernelBuilder:
    """Builds the vector kernel: fills `instrs` and names its scratch for the debugger."""

    def __init__(self) -> None:
        self.instrs: list[dict[str, list[tuple]]] = []
        self.scratch_map: dict[int, tuple[str, int]] = {}
        self._ops: list[Op] = []
        self._next_free = 0
        self._vectors: dict[int, int] = {}
        self._bias = 0

    def debug_info(self) -> DebugInfo:
        return DebugInfo(scratch_map=self.scratch_map)

    # ----------------------------------------------------------------- scratch layout

    def alloc(self, name: str, length: int = VLEN) -> int:
        addr = self._next_free
        if addr + length > SCRATCH_SIZE:
            raise ValueError(f"scratch is full: {name} needs {length} words at {addr}")
        self._next_free += length
        self.scratch_map[addr] = (name, length)
        return addr

    def vector_const(self, value: int, name: str | None = None) -> int:
        """A vector holding `value` in every lane, made once and shared by value."""
        if value not in self._vectors:
            addr = self.alloc(name or f"vec_{value}")
            self._emit("load", ("const", addr, value), (), (addr,))
            self._emit("valu", ("vbroadcast", addr, addr), (addr,), vector_words(addr))
            self._vectors[value] = addr
        return self._vectors[value]

    # ----------------------------------------------------------------- slot emitters

    def _emit(self, engine: str, slot: tuple, reads: tuple[int, ...], writes: tuple[int, ...]) -> None:
        self._ops.append(Op(engine, slot, reads, writes, bias=self._bias))

    def valu(self, op: str, dest: int, a: int, b: int) -> None:
        """A lane-wise VALU op, which the scheduler may also run lane by lane on the ALU."""
        lanes = tuple((op, dest + i, a + i, b + i) for i in range(VLEN)) if op in LANE_OPS else None
        reads = vector_words(a) + vector_words(b)
        self._ops.append(Op("valu", (op, dest, a, b), reads, vector_words(dest), lanes, self._bias))

    def multiply_add(self, dest: int, a: int, b: int, c: int) -> None:
        reads = vector_words(a) + vector_words(b) + vector_words(c)
        self._emit("valu", ("multiply_add", dest, a, b, c), reads, vector_words(dest))

    def vselect(self, dest: int, cond: int, if_set: int, if_clear: int) -> None:
        reads = vector_words(cond) + vector_words(if_set) + vector_words(if_clear)
        self._emit("flow", ("vselect", dest, cond, if_set, if_clear), reads, vector_words(dest))

    def vcompare(self, reg: int, keys: list[tuple]) -> None:
        self._emit("debug", ("vcompare", reg, keys), vector_words(reg), ())

    # ----------------------------------------------------------------- the kernel

    def build_kernel(self, forest_height: int, n_nodes: int, batch_size: int, rounds: int) -> None:
        if batch_size % VLEN:
            raise ValueError(f"batch_size {batch_size} is not a multiple of {VLEN}")
        values_p = FOREST_P + n_nodes + batch_size
        groups = [self._alloc_group(g) for g in range(batch_size // VLEN)]
        if groups and rounds:
            tree = self._tree_constants(min(SELECT_DEPTH, forest_height))
            for group in groups:
                self._bias = -STAGGER * group.index
                self._load_values(group, values_p)
                for rnd in range(rounds):
                    depth = rnd % (forest_height + 1)
                    self._select_or_gather(group, rnd, depth, tree)
                    self._hash(group, rnd)
                    if rnd < rounds - 1 and depth < forest_height:
                        self._step_down(group, depth)
                self._store_values(group, values_p)
        self.instrs = _with_pauses(schedule(self._ops))

    def _alloc_group(self, g: int) -> Group:
        return Group(
            g,
            val=self.alloc(f"val_{g}"),
            pos=self.alloc(f"pos_{g}"),
            node=self.alloc(f"node_{g}"),
            tmp=self.alloc(f"tmp_{g}"),
            aux=self.alloc(f"aux_{g}"),
        )

    def _tree_constants(self, select_depth: int) -> dict[str, int]:
        """Broadcast copies of the nodes of levels 0..select_depth.

        Levels 0 to 2 are kept as they are (`tree_N`). Level 3 keeps its lower half as is
        and its upper half as `tree_xor_J = tree[7 + J] ^ tree[11 + J]`, so that a level-3
        node can be folded into the value in two steps with three registers (see
        `_fold_level3`).
        """
        n_scalars = 16 if select_depth == 3 else VLEN
        scalars = self.alloc("tree_top", n_scalars)
        for half in range(0, n_scalars, VLEN):
            self._emit("load", ("const", scalars + half, FOREST_P + half), (), (scalars + half,))
            self._emit(
                "load",
                ("vload", scalars + half, scalars + half),
                (scalars + half,),
                vector_words(scalars + half),
            )
        consts: dict[str, int] = {}
        for node in range(min(2 ** (select_depth + 1) - 1, 11)):
            addr = self.alloc(f"tree_{node}")
            self._emit("valu", ("vbroadcast", addr, scalars + node), (scalars + node,), vector_words(addr))
            consts[f"tree_{node}"] = addr
        if select_depth == 3:
            for j in range(4):
                addr = self.alloc(f"tree_xor_{j}")
                lo, hi = scalars + 7 + j, scalars + 11 + j
                self._emit("alu", ("^", addr, lo, hi), (lo, hi), (addr,))
                self._emit("valu", ("vbroadcast", addr, addr), (addr,), vector_words(addr))
                consts[f"tree_xor_{j}"] = addr
        return consts

    def _load_values(self, group: Group, values_p: int) -> None:
        addr = values_p + group.index * VLEN
        self._emit("load", ("const", group.pos, addr), (), (group.pos,))
        self._emit("load", ("vload", group.val, group.pos), (group.pos,), vector_words(group.val))

    def _store_values(self, group: Group, values_p: int) -> None:
        addr = values_p + group.index * VLEN
        self._emit("load", ("const", group.pos, addr), (), (group.pos,))
        self._emit("store", ("vstore", group.pos, group.val), (group.pos, *vector_words(group.val)), ())

    def _select_or_gather(self, group: Group, rnd: int, depth: int, tree: dict[str, int]) -> None:
        """Xor the value with the node the group's walkers stand on, leaving it in `val`.

        On entry to a level 1..3 round `tmp` still holds the branch bit of the round before,
        which is bit 0 of `pos`.
        """
        g = group
        self.vcompare(g.val, g.keys(rnd, "val"))
        if depth == 0:
            self.vcompare(tree["tree_0"], g.keys(rnd, "node_val"))
            self.valu("^", g.val, g.val, tree["tree_0"])
            return
        if depth == 1:
            self.vselect(g.node, g.tmp, tree["tree_2"], tree["tree_1"])
        elif depth == 2:
            self.vselect(g.node, g.tmp, tree["tree_4"], tree["tree_3"])
            self.vselect(g.aux, g.tmp, tree["tree_6"], tree["tree_5"])
            self.valu("&", g.tmp, g.pos, self.vector_const(2))
            self.vselect(g.node, g.tmp, g.aux, g.node)
        elif depth == SELECT_DEPTH:
            self._fold_level3(g, tree)
            return
        else:
            self.valu("+", g.node, g.pos, self.vector_const(FOREST_P - 1))
            for lane in range(VLEN):
                self._emit("load", ("load_offset", g.node, g.node, lane), (g.node + lane,), (g.node + lane,))
        self.vcompare(g.node, g.keys(rnd, "node_val"))
        self.valu("^", g.val, g.val, g.node)

    def _fold_level3(self, g: Group, tree: dict[str, int]) -> None:
        """val ^= tree[7 + m], m = pos - 8, with only node, aux and tmp to work in.

        A plain select over eight leaves needs four live registers. Instead the node is
        split as lower ^ (lower ^ upper): first the value takes `tree_xor` (lower ^ upper,
        picked by the two low bits) where bit 2 is set, then the lower node (picked by the
        same bits) everywhere.
        """
        two, four = self.vector_const(2), self.vector_const(4)
        self.vselect(g.node, g.tmp, tree["tree_xor_1"], tree["tree_xor_0"])
        self.vselect(g.aux, g.tmp, tree["tree_xor_3"], tree["tree_xor_2"])
        self.valu("&", g.tmp, g.pos, two)
        self.vselect(g.node, g.tmp, g.aux, g.node)
        self.valu("&", g.tmp, g.pos, four)
        self.valu("^", g.aux, g.val, g.node)
        self.vselect(g.val, g.tmp, g.aux, g.val)
        self.valu("&", g.tmp, g.pos, self.vector_const(1))
        self.vselect(g.node, g.tmp, tree["tree_8"], tree["tree_7"])
        self.vselect(g.aux, g.tmp, tree["tree_10"], tree["tree_9"])
        self.valu("&", g.tmp, g.pos, two)
        self.vselect(g.node, g.tmp, g.aux, g.node)
        self.valu("^", g.val, g.val, g.node)

    def _hash(self, g: Group, rnd: int) -> None:
        for stage, (op1, const, op2, op3, shift) in enumerate(HASH_STAGES):
            if (op1, op2, op3) == ("+", "+", "<<"):
                mul = self.vector_const(1 + (1 << shift))
                self.multiply_add(g.val, g.val, mul, self.vector_const(const, f"hash_c{stage}"))
            else:
                self.valu(op1, g.node, g.val, self.vector_const(const, f"hash_c{stage}"))
                self.valu(op3, g.tmp, g.val, self.vector_const(shift))
                self.valu(op2, g.val, g.node, g.tmp)
            self.vcompare(g.val, g.keys(rnd, "hash_stage", stage))
        self.vcompare(g.val, g.keys(rnd, "hashed_val"))

    def _step_down(self, g: Group, depth: int) -> None:
        """pos = 2 * pos + bit, the bit being the hashed value's lowest; `tmp` keeps the bit."""
        self.valu("&", g.tmp, g.val, self.vector_const(1))
        if depth == 0:
            self.valu("+", g.pos, g.tmp, self.vector_const(2))
        else:
            self.multiply_add(g.pos, g.pos, self.vector_const(2), g.tmp)


def _with_pauses(bundles: list[dict[str, list[tuple]]]) -> list[dict[str, list[tuple]]]:
    """Mark the harness's two points with `pause`: after the first bundle and at the end.

    No slot compares in the first bundle, so pausing there is as good as before it, and both
    pauses share a bundle with work when that bundle's flow slot is free.
    """
    bundles = [dict(b) for b in bundles] or [{}]
    pause = ("pause",)
    if bundles[0].get("flow"):
        bundles.insert(0, {"flow": [pause]})
    else:
        bundles[0]["flow"] = [pause]
    if bundles[-1].get("flow") or len(bundles) == 1:
        bundles.append({"flow": [pause]})
    else:
        bundles[-1]["flow"] = [pause]
    return bundles
