"""The three-lane kernel: vliwdbg's default program, and a model for writing fast kernels.

Three batch elements are in flight at once, one in each lane (A, B, C). A lane takes an
element, carries it through every round with its index and value in registers (loaded
once, stored once), then takes the element three further on: lane A does elements 0, 3,
6, ..., lane B 1, 4, 7, ..., lane C 2, 5, 8, .... Each lane is written below as if it ran
alone, step by step; `kernels.pack.Packer` then places the three lanes' slots side by side
in the same bundles, each as early as its registers allow, so the loads and address work
of one lane run beside the hash of another without a schedule written by hand.

One round of one element is a chain of dependent steps, and the chain is what the kernel's
speed is made of. It is kept to 13 cycles:
- xor the value with the node's value (1 cycle), then the six hash stages (2 cycles each:
  the constant and the shift in one bundle, combining them in the next);
- the next node's value is already there when the hash ends: both children's node values
  were loaded while the hash ran, and a `select` picks one in the bundle that finishes the
  hash. It needs the branch (is the hashed value even?) one bundle early, which the
  look-ahead below provides;
- the next index (and its wrap to the root past the last level) is computed beside the
  next round's hash, off the chain.

The branch look-ahead: the last stage is a5 = (a4 ^ C5) ^ (a4 >> 16), so bit 0 of a5 is
bit 0 of a4, xor bit 16 of a4, xor bit 0 of C5. Bit 16 of a4 * 65537 (= a4 + a4 << 16)
is exactly bit 0 xor bit 16 of a4, and because stage 4 is linear (a4 = 9 * a3 + C4), that
product is a3 * (9 * 65537) + C4 * 65537: it can start from a3, beside stage 4, and is ready
when stage 5 starts. So `go_left` (the hashed value will be even) is known one bundle
before the hashed value itself.

Every step ends with a debug compare against the reference's value for it (idx, val,
node_val, each hash stage, hashed_val, next_idx, wrapped_idx), so a wrong edit stops the
debugger at the first step that diverges. The program is fully unrolled because a compare
names its element and round in the slot itself: a loop body could not compare against
different elements on different trips.

At height 10, 16 rounds, batch 256 lane A carries 86 elements, so the chain alone takes
86 x 16 x 13 = 17,888 cycles; set-up, the first loads and the last stores bring it to 17,905.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kernels.pack import Packer
from machine import HASH_STAGES, SCRATCH_SIZE, DebugInfo
from machine.gc_pause import gc_paused
from machine.problem import HEADER_NAMES

LANE_NAMES = ("a", "b", "c")

#: The header is read with one vload of eight words: the seven header words, then the
#: first word after them (the root's node value, which the kernel does not use).
HEADER_BLOCK = (*HEADER_NAMES, "root_node_val")


@dataclass(frozen=True)
class BranchLookahead:
    """Constants that give the hashed value's parity from the value before stage 4.

    flag = (a3 * mul + add) & mask is non-zero exactly when the hashed value is even.
    """

    mul: int
    add: int
    mask: int

    @staticmethod
    def from_stages(stages: list[tuple[str, int, str, str, int]]) -> BranchLookahead:
        """Derive the constants, checking the two last stages have the shape it relies on."""
        op1, c4, op2, op3, k4 = stages[4]
        if (op1, op2, op3) != ("+", "+", "<<"):
            raise ValueError(f"branch look-ahead needs stage 4 to be a*(1 + 2**k) + c, not {stages[4]}")
        op1, c5, op2, op3, k5 = stages[5]
        if (op1, op2, op3) != ("^", "^", ">>") or not 0 < k5 < 32 or c5 % 2 == 0:
            raise ValueError(f"branch look-ahead needs stage 5 to be (a ^ odd c) ^ (a >> k), not {stages[5]}")
        spread = 1 + (1 << k5)
        return BranchLookahead(
            mul=(1 + (1 << k4)) * spread % 2**32,
            add=c4 * spread % 2**32,
            mask=1 << k5,
        )


class Lane:
    """One lane's registers. Names read `<what>_<lane>[_<which>]`, as the scratch pane shows them."""

    def __init__(self, kb: KernelBuilder, name: str, number: int) -> None:
        self.name = name
        self.number = number
        r = kb.alloc
        # The lane's next element, loaded while the current one finishes its last round.
        self.idx_in = r(f"idx_{name}_in")
        self.val_in = r(f"val_{name}_in")
        # The element being carried: its index this round, its index after this round
        # (before the wrap to the root), its value, and the value of its current node.
        # Each round's wrap writes idx_cur from idx_next, so both names stay true in every
        # bundle with no copy and no reload; round 0 reads the loaded idx_in as its current
        # index and val_in as its value (renaming, rather than copying them over).
        self.idx_cur = r(f"idx_{name}_cur")
        self.idx_next = r(f"idx_{name}_next")
        self.val = r(f"val_{name}")
        self.node = r(f"node_{name}")
        # The two halves of a hash stage, and the branch look-ahead.
        self.mix = r(f"mix_{name}")
        self.shift = r(f"shift_{name}")
        self.lookahead = r(f"lookahead_{name}")
        self.go_left = r(f"go_left_{name}")
        self.odd = r(f"odd_{name}")
        # The current node's children: their indices, whether they are in the tree, and
        # where their values are and what they are (both loaded before the branch is known).
        self.twice_idx = r(f"twice_idx_{name}")
        self.child_left = r(f"child_{name}_left")
        self.child_right = r(f"child_{name}_right")
        self.in_tree = r(f"in_tree_{name}")
        self.node_addr = r(f"node_addr_{name}")
        self.node_addr_left = r(f"node_addr_{name}_left")
        self.node_addr_right = r(f"node_addr_{name}_right")
        self.node_left = r(f"node_{name}_left")
        self.node_right = r(f"node_{name}_right")
        # Where the next element is read from, and where the current one is written to.
        self.idx_ptr_in = r(f"idx_ptr_{name}_in")
        self.val_ptr_in = r(f"val_ptr_{name}_in")
        self.idx_ptr_out = r(f"idx_ptr_{name}_out")
        self.val_ptr_out = r(f"val_ptr_{name}_out")


class KernelBuilder:
    """Builds the three-lane kernel for one problem size into `self.instrs`."""

    def __init__(self) -> None:
        self.instrs: list[dict[str, list[tuple]]] = []
        self.scratch_map: dict[int, tuple[str, int]] = {}
        self.reg: dict[str, int] = {}
        self.stages: list[tuple[str, int, str, str, int]] = []
        self._free = 0

    def debug_info(self) -> DebugInfo:
        return DebugInfo(scratch_map=dict(self.scratch_map))

    def alloc(self, name: str, length: int = 1) -> int:
        """Reserve `length` scratch words under `name` and return the first address."""
        if name in self.reg:
            raise ValueError(f"scratch name {name!r} is already taken")
        addr = self._free
        if addr + length > SCRATCH_SIZE:
            raise ValueError(f"out of scratch: {name!r} needs {length} word(s) at {addr}")
        self._free += length
        self.reg[name] = addr
        self.scratch_map[addr] = (name, length)
        return addr

    def build_kernel(self, forest_height: int, n_nodes: int, batch_size: int, rounds: int) -> None:
        with gc_paused():
            self.instrs = self._build(batch_size, rounds)

    def _build(self, batch_size: int, rounds: int) -> list[dict[str, list[tuple]]]:
        pk = Packer()
        self._set_up(pk)
        lanes = [Lane(self, name, number) for number, name in enumerate(LANE_NAMES)]
        for lane in lanes[:batch_size]:
            self._init_pointers(pk, lane)
        # The harness runs to this pause and checks memory before it fills the value
        # trace, so every compare comes after it.
        pk.barrier("flow", ("pause",))
        if rounds > 0:
            streams = [
                self._lane_program(pk, lane, range(lane.number, batch_size, len(lanes)), rounds)
                for lane in lanes
            ]
            # Emit the lanes round by round, side by side: the packer gives the first-added
            # slot a contested engine, so no lane runs ahead and starves the others.
            while streams:
                streams = [s for s in streams if next(s, None) is not None]
        pk.barrier("flow", ("pause",))
        return pk.bundles()

    def _set_up(self, pk: Packer) -> None:
        """Read the header and load the constants."""
        # Scratch starts all zero, so `zero` holds the header's address 0 without a load.
        zero = self.alloc("zero")
        header = self._free
        for name in HEADER_BLOCK:
            self.alloc(name)
        pk.add("load", ("vload", header, zero), mem="header")

        def const(name: str, value: int) -> int:
            addr = self.alloc(name)
            pk.add("load", ("const", addr, value))
            return addr

        const("one", 1)
        const("two", 2)
        const("lane_stride", len(LANE_NAMES))
        # HASH_STAGES with each constant and shift amount replaced by its register.
        self.stages = [
            (op1, const(f"stage{k}_const", c), op2, op3, const(f"stage{k}_shift", shift))
            for k, (op1, c, op2, op3, shift) in enumerate(HASH_STAGES)
        ]
        look = BranchLookahead.from_stages(HASH_STAGES)
        const("lookahead_mul", look.mul)
        const("lookahead_add", look.add)
        const("branch_mask", look.mask)

    def _init_pointers(self, pk: Packer, lane: Lane) -> None:
        """Point the lane at its first element: number 0, 1 or 2 of the batch."""
        offset = self.reg[("zero", "one", "two")[lane.number]]
        for ptr, base in (
            (lane.idx_ptr_in, "inp_indices_p"),
            (lane.val_ptr_in, "inp_values_p"),
            (lane.idx_ptr_out, "inp_indices_p"),
            (lane.val_ptr_out, "inp_values_p"),
        ):
            pk.add("alu", ("+", ptr, self.reg[base], offset))

    def _lane_program(self, pk: Packer, lane: Lane, elements: range, rounds: int) -> Iterator[bool]:
        """Everything one lane does, in order; yields after each round so lanes interleave."""
        for e in elements:
            self._load_element(pk, lane, e)
            for r in range(rounds):
                self._round(pk, lane, e, r, last=r == rounds - 1)
                yield True
            self._store_element(pk, lane, e)

    def _load_element(self, pk: Packer, lane: Lane, e: int) -> None:
        """Load phase: the element's index and value, and its first node's value."""
        reg = self.reg
        pk.add("load", ("load", lane.idx_in, lane.idx_ptr_in), mem=("indices", e))
        pk.add("load", ("load", lane.val_in, lane.val_ptr_in), mem=("values", e))
        pk.add("alu", ("+", lane.idx_ptr_in, lane.idx_ptr_in, reg["lane_stride"]))
        pk.add("alu", ("+", lane.val_ptr_in, lane.val_ptr_in, reg["lane_stride"]))
        pk.add("alu", ("+", lane.node_addr, reg["forest_values_p"], lane.idx_in))
        pk.add("load", ("load", lane.node, lane.node_addr), mem="forest")

    def _round(self, pk: Packer, lane: Lane, e: int, r: int, last: bool) -> None:
        """One round of element e in this lane: hash, pick the next node, step the index."""
        reg = self.reg
        idx = lane.idx_in if r == 0 else lane.idx_cur
        val = lane.val_in if r == 0 else lane.val
        pk.add("debug", ("compare", idx, (r, e, "idx")))
        pk.add("debug", ("compare", val, (r, e, "val")))
        pk.add("debug", ("compare", lane.node, (r, e, "node_val")))

        # Hash phase: the chain that sets the pace.
        pk.add("alu", ("^", lane.val, val, lane.node))
        for k, (op1, const, op2, op3, shift) in enumerate(self.stages):
            if k == 4:
                pk.add("alu", ("*", lane.lookahead, lane.val, reg["lookahead_mul"]))
            pk.add("alu", (op1, lane.mix, lane.val, const))
            pk.add("alu", (op3, lane.shift, lane.val, shift))
            pk.add("alu", (op2, lane.val, lane.mix, lane.shift))
            pk.add("debug", ("compare", lane.val, (r, e, "hash_stage", k)))
            if k == 4:
                pk.add("alu", ("+", lane.lookahead, lane.lookahead, reg["lookahead_add"]))
                pk.add("alu", ("&", lane.go_left, lane.lookahead, reg["branch_mask"]))
        pk.add("debug", ("compare", lane.val, (r, e, "hashed_val")))

        # Children phase, beside the hash: both children's indices, their wrap to the root
        # (a node's children are both in the tree or both past it, as n_nodes is odd), and,
        # unless this is the last round, both children's node values.
        pk.add("alu", ("+", lane.twice_idx, idx, idx))
        pk.add("alu", ("+", lane.child_left, lane.twice_idx, reg["one"]))
        pk.add("alu", ("<", lane.in_tree, lane.child_left, reg["n_nodes"]))
        if not last:
            pk.add("alu", ("+", lane.child_right, lane.twice_idx, reg["two"]))
            for child, addr, node in (
                (lane.child_left, lane.node_addr_left, lane.node_left),
                (lane.child_right, lane.node_addr_right, lane.node_right),
            ):
                pk.add("alu", ("*", addr, child, lane.in_tree))
                pk.add("alu", ("+", addr, addr, reg["forest_values_p"]))
                pk.add("load", ("load", node, addr), mem="forest")
            # Choose phase: the next node's value, in the bundle that ends the hash.
            pk.add("flow", ("select", lane.node, lane.go_left, lane.node_left, lane.node_right))

        # Next-index and wrap phases, beside the next round's hash.
        pk.add("alu", ("&", lane.odd, lane.val, reg["one"]))
        pk.add("alu", ("+", lane.idx_next, lane.child_left, lane.odd))
        pk.add("debug", ("compare", lane.idx_next, (r, e, "next_idx")))
        pk.add("alu", ("*", lane.idx_cur, lane.idx_next, lane.in_tree))
        pk.add("debug", ("compare", lane.idx_cur, (r, e, "wrapped_idx")))

    def _store_element(self, pk: Packer, lane: Lane, e: int) -> None:
        """Store phase: the element's final value and index, once."""
        stride = self.reg["lane_stride"]
        pk.add("store", ("store", lane.val_ptr_out, lane.val), mem=("values", e))
        pk.add("store", ("store", lane.idx_ptr_out, lane.idx_cur), mem=("indices", e))
        pk.add("alu", ("+", lane.val_ptr_out, lane.val_ptr_out, stride))
        pk.add("alu", ("+", lane.idx_ptr_out, lane.idx_ptr_out, stride))
