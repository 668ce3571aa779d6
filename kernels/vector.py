"""The dense vector kernel: every batch group in scratch, eight lanes a slot, bundles full.

It is the other end of the spectrum from the three-lane kernel: the program a user studies to
see what full engines look like, and the dense program the debugger is measured on.

How it is built. The batch is cut into groups of eight elements, one vector each. Every group
keeps its values and positions in scratch for the whole run: the values are loaded once and
stored once. The indices start at 0 and only the values are judged, so the indices are
neither loaded nor stored: at the end their region still holds the zeros it started with.
The kernel is written as a plain sequence of ops, group after group and round after round,
just as one would write it for a single group; `vector_schedule.schedule` then packs the
groups side by side into bundles, keeping every dependency and slot limit.

The ideas that make it fast:
- A position is kept as `pos = idx + 1`. The next one is then `2 * pos + bit` (one
  `multiply_add`), and the low bits of `pos` are the path taken: bit j says which way the walk
  went j levels ago.
- The top of the tree needs no gather: level 0 is one node (a broadcast constant), and levels
  1 to 3 are picked from broadcast copies of their nodes with `vselect` on the flow engine,
  keyed on the bits of `pos`. Gathers (eight `load_offset` slots each, at two loads a cycle the
  machine's scarcest resource) are left to the deep levels.
- At the last level (depth == height) every walk wraps to the root. The round count is known
  when the kernel is built, so the wrap costs no slot at all.
- Hash stages of the form `(a + c) + (a << k)` are one `multiply_add` with the multiplier
  `1 + 2**k`; the other three stages take three slots each.
- Lane-wise VALU ops can run as eight ALU slots when the VALU is full (the scheduler decides),
  so the ALU carries part of the hash.
- The scheduler starts group g a little after group g - 1 (`STAGGER`), so that some groups
  gather from memory while others hash the top levels: the load engine and the VALU are both
  busy from early on.

Registers per group (the names in the scratch pane): `val_G` the values, `pos_G` the positions
(`idx + 1`), `node_G` the node values and then a hash temporary, `tmp_G` the other hash
temporary and then the branch bits, `aux_G` a temporary for picking nodes.

Debug compares: every group compares its values with the reference at the start of each round
and after every hash stage, and its node values wherever they sit whole in one register (every
level but level 3 when it is folded, see `_fold_level3`). Positions are `idx + 1`, so the index
keys are not compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kernels.vector_schedule import Op, block, schedule
from machine import HASH_STAGES, SCRATCH_SIZE, VLEN, DebugInfo
from machine.gc_pause import gc_paused

#: The deepest tree level picked from scratch with vselect rather than gathered from memory.
SELECT_DEPTH = 3
#: How much lower the scheduler ranks each group's work than that of the group before.
STAGGER = 6
#: Groups that gather level 3 on their first way down rather than fold it: in the first
#: cycles the load engine has nothing else to do, and a gather is a shorter chain than the
#: fold, so these groups reach the deep levels, and keep the loads busy, sooner.
EARLY_GATHER_GROUPS = 4
FOREST_P = 7  # the tree's values start right after the seven header words
#: Registers per group: val, pos, node, tmp, aux.
GROUP_WORDS = 5 * VLEN
#: The most scratch the constants take (at heights 3 and up): 11 hash constants, 4 small
#: numbers, 15 broadcast nodes and 2 blocks of tree scalars.
CONSTANT_WORDS = 32 * VLEN
#: Register sets that fit beside the constants; a bigger batch reuses them in turn.
MAX_REGISTER_SETS = (SCRATCH_SIZE - CONSTANT_WORDS) // GROUP_WORDS


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
        """Name `length` words of scratch: whole 8-word blocks, as the scheduler tracks them."""
        assert length % VLEN == 0, "allocations are whole blocks"
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
            self.const(addr, value)
            self._op("valu", [("vbroadcast", addr, addr)], reads=[addr], writes=[addr])
            self._vectors[value] = addr
        return self._vectors[value]

    # ----------------------------------------------------------------- slot emitters
    # Operands are scratch addresses; a vector operand is named by its first word.

    def _op(
        self,
        engine: str,
        slots: list[tuple],
        reads: Sequence[int] = (),
        writes: Sequence[int] = (),
        lane_wise: bool = False,
    ) -> None:
        self._ops.append(Op(engine, tuple(slots), _blocks(reads), _blocks(writes), lane_wise, self._bias))

    def const(self, dest: int, value: int) -> None:
        self._op("load", [("const", dest, value)], writes=[dest])

    def valu(self, op: str, dest: int, a: int, b: int) -> None:
        """A lane-wise VALU op, which the scheduler may also run lane by lane on the ALU."""
        self._op("valu", [(op, dest, a, b)], reads=[a, b], writes=[dest], lane_wise=True)

    def multiply_add(self, dest: int, a: int, b: int, c: int) -> None:
        self._op("valu", [("multiply_add", dest, a, b, c)], reads=[a, b, c], writes=[dest])

    def vselect(self, dest: int, cond: int, if_set: int, if_clear: int) -> None:
        self._op(
            "flow", [("vselect", dest, cond, if_set, if_clear)], reads=[cond, if_set, if_clear], writes=[dest]
        )

    def gather(self, reg: int) -> None:
        """reg[i] = mem[reg[i]] for every lane: eight `load_offset` slots, two a cycle."""
        slots = [("load_offset", reg, reg, lane) for lane in range(VLEN)]
        self._op("load", slots, reads=[reg], writes=[reg])

    def vcompare(self, reg: int, keys: list[tuple]) -> None:
        self._op("debug", [("vcompare", reg, keys)], reads=[reg])

    # ----------------------------------------------------------------- the kernel

    def build_kernel(self, forest_height: int, n_nodes: int, batch_size: int, rounds: int) -> None:
        if batch_size % VLEN:
            raise ValueError(f"batch_size {batch_size} is not a multiple of {VLEN}")
        with gc_paused():
            self._build(forest_height, n_nodes, batch_size, rounds)

    def _build(self, forest_height: int, n_nodes: int, batch_size: int, rounds: int) -> None:
        n_groups = batch_size // VLEN
        register_sets = [self._alloc_registers(k) for k in range(min(n_groups, MAX_REGISTER_SETS))]
        groups = [Group(g, *register_sets[g % len(register_sets)]) for g in range(n_groups)]
        if groups and rounds:
            values_p = FOREST_P + n_nodes + batch_size
            tree = self._tree_constants(min(SELECT_DEPTH, forest_height))
            for group in groups:
                self._bias = -STAGGER * group.index
                self._load_values(group, values_p)
                for rnd in range(rounds):
                    depth = rnd % (forest_height + 1)
                    self._mix_node(group, rnd, depth, tree)
                    self._hash(group, rnd)
                    if rnd < rounds - 1 and depth < forest_height:
                        self._step_down(group, depth)
                self._store_values(group, values_p)
        self.instrs = _with_pauses(schedule(self._ops))

    def _alloc_registers(self, k: int) -> tuple[int, ...]:
        """Register set k: val, pos, node, tmp, aux (the order of `Group`'s fields)."""
        return tuple(self.alloc(f"{name}_{k}") for name in ("val", "pos", "node", "tmp", "aux"))

    def _tree_constants(self, select_depth: int) -> dict[str, int]:
        """Broadcast copies of the nodes of levels 0..select_depth, named `tree_N`.

        Level 3 keeps its lower half as it is and its upper half as
        `tree_xor_J = tree[7 + J] ^ tree[11 + J]` (see `_fold_level3`). The node values come
        in through `tree_top`, 8 or 16 scalars loaded with `vload`.
        """
        n_scalars = 16 if select_depth == 3 else VLEN
        scalars = self.alloc("tree_top", n_scalars)
        for half in range(scalars, scalars + n_scalars, VLEN):
            self.const(half, FOREST_P + half - scalars)
            self._op("load", [("vload", half, half)], reads=[half], writes=[half])
        consts: dict[str, int] = {}
        for node in range(min(2 ** (select_depth + 1) - 1, 11)):
            addr = self.alloc(f"tree_{node}")
            self._op("valu", [("vbroadcast", addr, scalars + node)], reads=[scalars + node], writes=[addr])
            consts[f"tree_{node}"] = addr
        if select_depth == 3:
            for j in range(4):
                addr = self.alloc(f"tree_xor_{j}")
                lo, hi = scalars + 7 + j, scalars + 11 + j
                self._op("alu", [("^", addr, lo, hi)], reads=[lo, hi], writes=[addr])
                self._op("valu", [("vbroadcast", addr, addr)], reads=[addr], writes=[addr])
                consts[f"tree_xor_{j}"] = addr
        return consts

    def _load_values(self, g: Group, values_p: int) -> None:
        """val = the group's eight values, through an address put in `pos[0]`."""
        self.const(g.pos, values_p + g.index * VLEN)
        self._op("load", [("vload", g.val, g.pos)], reads=[g.pos], writes=[g.val])

    def _store_values(self, g: Group, values_p: int) -> None:
        """Store `val` through an address put in `pos[0]` by the flow engine.

        By the end the load engine is the busiest one, so this address is not a `const` but
        an `add_imm` to a word known to hold 1 (lane 0 of the vector of ones).
        """
        one = self.vector_const(1)
        self._op(
            "flow", [("add_imm", g.pos, one, values_p + g.index * VLEN - 1)], reads=[one], writes=[g.pos]
        )
        self._op("store", [("vstore", g.pos, g.val)], reads=[g.pos, g.val])

    def _mix_node(self, g: Group, rnd: int, depth: int, tree: dict[str, int]) -> None:
        """val ^= the node each walker stands on.

        On entry to a round at levels 1..3, `tmp` still holds the branch bits of the round
        before, which are bit 0 of `pos`.
        """
        self.vcompare(g.val, g.keys(rnd, "val"))
        first_way_down = rnd == depth
        gathered = depth > SELECT_DEPTH or (
            depth == SELECT_DEPTH and first_way_down and g.index < EARLY_GATHER_GROUPS
        )
        if depth == 0:
            self.vcompare(tree["tree_0"], g.keys(rnd, "node_val"))
            self.valu("^", g.val, g.val, tree["tree_0"])
            return
        if gathered:
            self.valu("+", g.node, g.pos, self.vector_const(FOREST_P - 1))
            self.gather(g.node)
        elif depth == 1:
            self.vselect(g.node, g.tmp, tree["tree_2"], tree["tree_1"])
        elif depth == 2:
            self.vselect(g.node, g.tmp, tree["tree_4"], tree["tree_3"])
            self.vselect(g.aux, g.tmp, tree["tree_6"], tree["tree_5"])
            self.valu("&", g.tmp, g.pos, self.vector_const(2))
            self.vselect(g.node, g.tmp, g.aux, g.node)
        else:
            self._fold_level3(g, tree)
            return
        self.vcompare(g.node, g.keys(rnd, "node_val"))
        self.valu("^", g.val, g.val, g.node)

    def _fold_level3(self, g: Group, tree: dict[str, int]) -> None:
        """val ^= tree[7 + m], m = pos - 8 = 4*c2 + 2*c1 + c0, with node, aux and tmp to work in.

        A plain vselect tree over eight leaves needs four live registers besides val and
        pos; a group has three. So the node is split as lower ^ (lower ^ upper): the value
        first takes the lower-half node tree[7 + (m & 3)] in every lane, then
        `tree_xor_J = tree[7 + J] ^ tree[11 + J]` (J = m & 3) in the lanes where c2 is set.
        """
        self.vselect(g.node, g.tmp, tree["tree_8"], tree["tree_7"])
        self.vselect(g.aux, g.tmp, tree["tree_10"], tree["tree_9"])
        self.valu("&", g.tmp, g.pos, self.vector_const(2))
        self.vselect(g.node, g.tmp, g.aux, g.node)
        self.valu("^", g.val, g.val, g.node)
        # tmp still holds c1, so this half picks on c1 first and on c0 after.
        self.vselect(g.node, g.tmp, tree["tree_xor_2"], tree["tree_xor_0"])
        self.vselect(g.aux, g.tmp, tree["tree_xor_3"], tree["tree_xor_1"])
        self.valu("&", g.tmp, g.pos, self.vector_const(1))
        self.vselect(g.node, g.tmp, g.aux, g.node)
        self.valu("&", g.tmp, g.pos, self.vector_const(4))
        self.valu("^", g.aux, g.val, g.node)
        self.vselect(g.val, g.tmp, g.aux, g.val)

    def _hash(self, g: Group, rnd: int) -> None:
        """The six stages on val, with node and tmp as temporaries."""
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


def _blocks(addrs: Sequence[int]) -> tuple[int, ...]:
    return tuple({block(a) for a in addrs})


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
