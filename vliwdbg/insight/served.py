"""A kernel's debug compares as its source map: which rounds, elements and steps a bundle serves.

Each compare names a reference-trace key (round, element, step...), so the bundle holding it
is plainly working on that step. A bundle without compares inherits from its neighbours:
it serves both the compare bundle before it (it may be finishing that step, e.g. storing)
and the one after it (it is working toward that one), and `where` says "between" them.
The neighbours are not looked for across a pause or halt, which kernels use to mark the
harness's phases: the set-up before the first pause serves no element. Kernels without
compares simply have no map. Keys that are not (round, element, step...) are ignored.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from vliwdbg.core.quoting import quote
from vliwdbg.insight.access import iter_slots

#: The reference's steps in the order it computes them, for sorting and for messages.
STEP_ORDER: tuple[tuple, ...] = (
    ("idx",),
    ("val",),
    ("node_val",),
    *(("hash_stage", k) for k in range(6)),
    ("hashed_val",),
    ("next_idx",),
    ("wrapped_idx",),
)
_STEP_RANK = {s: i for i, s in enumerate(STEP_ORDER)}
_PLAIN_STEPS = {s[0] for s in STEP_ORDER if len(s) == 1}


@dataclass(frozen=True)
class Served:
    """The keys one compare bundle checks, and their rounds, elements and steps."""

    keys: tuple[tuple, ...]
    rounds: frozenset[int]
    elements: frozenset[int]
    steps: tuple[tuple, ...]  # distinct key tails, in the reference's order

    @classmethod
    def of(cls, keys: Sequence[tuple]) -> Served:
        steps = sorted(
            {tuple(k[2:]) for k in keys}, key=lambda s: (_STEP_RANK.get(s, len(_STEP_RANK)), repr(s))
        )
        return cls(tuple(keys), frozenset(k[0] for k in keys), frozenset(k[1] for k in keys), tuple(steps))

    def union(self, other: Served) -> Served:
        return Served.of(tuple(dict.fromkeys(self.keys + other.keys)))

    def describe(self) -> str:
        """'round 3, elements 17-19, hash stage 2'."""
        return f"{self.place()}, {steps_text(self.steps)}"

    def place(self) -> str:
        """'round 3, elements 17-19' (no steps)."""
        return f"{_plural('round', self.rounds)}, {_plural('element', self.elements)}"

    def label(self) -> str:
        """A compact form for a listing column: 'r3 e17-19 hash_stage 2'."""
        return (
            f"r{_ranges(self.rounds)} e{_ranges(self.elements)} {', '.join(step_name(s) for s in self.steps)}"
        )


class SourceMap:
    """The source map of one program, built once (a pass over its debug slots)."""

    def __init__(self, program: Sequence[dict]) -> None:
        self.size = len(program)
        self.served: dict[int, Served] = {}
        barriers: list[int] = []
        for pc, bundle in enumerate(program):
            keys: list[tuple] = []
            for engine, _, slot in iter_slots(bundle):
                if engine == "debug":
                    keys.extend(_compare_keys(slot))
                elif (
                    engine == "flow"
                    and isinstance(slot, tuple | list)
                    and slot
                    and slot[0] in ("pause", "halt")
                ):
                    barriers.append(pc)
            if keys:
                self.served[pc] = Served.of(list(dict.fromkeys(keys)))
        self.compare_pcs: list[int] = sorted(self.served)
        self._barriers = barriers
        self._first: dict[tuple, int] | None = None

    def __bool__(self) -> bool:
        return bool(self.served)

    def neighbours(self, pc: int) -> tuple[int | None, int | None]:
        """The compare bundles this one inherits from (both are pc itself for a compare bundle)."""
        if pc in self.served:
            return pc, pc
        i = bisect_left(self.compare_pcs, pc)
        before = self.compare_pcs[i - 1] if i > 0 else None
        after = self.compare_pcs[i] if i < len(self.compare_pcs) else None
        if before is not None and self._barrier_in(before + 1, pc):
            before = None
        if after is not None and self._barrier_in(pc, after - 1):
            after = None
        return before, after

    def serves(self, pc: int) -> Served | None:
        """Everything the bundle at pc serves: its own keys, or its neighbours' together."""
        before, after = self.neighbours(pc)
        if before is None and after is None:
            return None
        if before is None or after is None:
            return self.served[before if after is None else after]
        if before == after:
            return self.served[before]
        return self.served[before].union(self.served[after])

    def where(self, pc: int) -> str:
        """'round 3, elements 17-19, hash stage 2', or how pc sits between two such places."""
        if not self.served:
            return "no source map: the kernel has no debug compares"
        before, after = self.neighbours(pc)
        if before is None and after is None:
            return "outside the source map (no compare in this phase of the program)"
        if before == after:
            return self.served[before].describe()
        if after is None:
            return f"after {self.served[before].describe()}"
        if before is None:
            return f"before {self.served[after].describe()}"
        prev, nxt = self.served[before], self.served[after]
        if prev.rounds == nxt.rounds and prev.elements == nxt.elements:
            return f"{prev.place()}, between {steps_text(prev.steps)} and {steps_text(nxt.steps)}"
        return f"between {prev.describe()} and {nxt.describe()}"

    def label(self, pc: int) -> str:
        """A short annotation for the listing ('' where there is no map)."""
        served = self.serves(pc)
        return served.label() if served is not None else ""

    def first_serving(self, element: int, round: int | None = None, step: tuple | None = None) -> int | None:
        """The first pc serving element [in round] [at step], for `break elem`; None when no
        compare names it. That is the bundle after the previous compare (or the phase's start),
        since the bundles leading up to a compare are working toward it."""
        target = self._first_compare(element, round, step)
        if target is None:
            return None
        i = bisect_left(self.compare_pcs, target)
        start = self.compare_pcs[i - 1] + 1 if i > 0 else 0
        b = bisect_left(self._barriers, target)
        if b > 0 and self._barriers[b - 1] >= start:
            start = self._barriers[b - 1] + 1
        return start

    def _first_compare(self, element: int, round: int | None, step: tuple | None) -> int | None:
        if self._first is None:
            first: dict[tuple, int] = {}
            for pc in self.compare_pcs:
                for r, i, *tail in self.served[pc].keys:
                    for k in ((i, None, None), (i, r, None), (i, None, tuple(tail)), (i, r, tuple(tail))):
                        first.setdefault(k, pc)
            self._first = first
        return self._first.get((element, round, step))

    def _barrier_in(self, first: int, last: int) -> bool:
        return bisect_left(self._barriers, first) < bisect_right(self._barriers, last)


def step_name(step: tuple) -> str:
    """('hash_stage', 2) -> 'hash_stage 2'; ('val',) -> 'val'."""
    return " ".join(str(x) for x in step)


def steps_text(steps: Sequence[tuple]) -> str:
    """Steps for a sentence: consecutive hash stages fold into 'hash stages 1-3'."""
    parts: list[str] = []
    stages = [s[1] for s in steps if len(s) == 2 and s[0] == "hash_stage" and isinstance(s[1], int)]
    placed = False
    for s in steps:
        if len(s) == 2 and s[0] == "hash_stage" and isinstance(s[1], int):
            if not placed:
                parts.append(
                    f"hash stage {stages[0]}" if len(stages) == 1 else f"hash stages {_ranges(stages)}"
                )
                placed = True
        else:
            parts.append(step_name(s))
    return ", ".join(parts)


def parse_step(words: Sequence[str]) -> tuple:
    """A step as the user types it: 'val', 'hash_stage 2', 'hash_stage:2', 'hash stage 2',
    'stage 2'. Raises ValueError naming the accepted forms."""
    parts = " ".join(words).replace(":", " ").replace("_", " ").split()
    joined = "_".join(parts)
    if joined in _PLAIN_STEPS:
        return (joined,)
    if parts and parts[-1].isdigit() and parts[:-1] in (["hash", "stage"], ["stage"]):
        k = int(parts[-1])
        if 0 <= k < 6:
            return ("hash_stage", k)
        raise ValueError(f"hash stage {k} does not exist (0..5)")
    names = ", ".join(sorted(_PLAIN_STEPS))
    raise ValueError(f"unknown step {quote(' '.join(words))}: use one of {names}, or hash_stage K")


def _compare_keys(slot: object) -> list[tuple]:
    if not isinstance(slot, tuple | list) or len(slot) < 3:
        return []
    op, key = slot[0], slot[2]
    if op == "compare":
        candidates = [key]
    elif op == "vcompare" and isinstance(key, list | tuple):
        candidates = list(key)
    else:
        return []
    return [
        tuple(k)
        for k in candidates
        if isinstance(k, tuple) and len(k) >= 3 and isinstance(k[0], int) and isinstance(k[1], int)
    ]


def _ranges(values) -> str:
    """{1, 2, 3, 7} -> '1-3,7'."""
    runs: list[list[int]] = []
    for v in sorted(values):
        if runs and v == runs[-1][1] + 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _plural(noun: str, values: frozenset[int]) -> str:
    return f"{noun} {_ranges(values)}" if len(values) == 1 else f"{noun}s {_ranges(values)}"
