"""The store check: a divergence found without any debug compare in the kernel.

Most kernels carry no compares, so the divergence the machine reports (a failed compare)
never happens in them. But the reference's memory says much on its own: element i's word in
the values region holds the initial value and then the value after each round, in that
order, and its word in the indices region holds 0 and then the wrapped index after each
round. A stage below is a point of that sequence: 0 for the initial value, r for the value
after round r (the trace's round r - 1, whose keys count from 0).

The rule: a store that changes a word of either region must write the reference's value for
that element at the stage the old word holds or at a later one. So a value that no round of
the reference gives is a divergence, and so is a step back (the value after round 2 stored
over the value after round 5). The looser rule, "any round's value", would let that step
back through: a stale register stored in the last round would leave a wrong final value and
no stop at all. A kernel that stores each element's words in round order, as the reference
does, never trips the rule, even where the sequence repeats a value (an index goes back to 0
at every wrap): the old word is placed at the first stage that gives it and the new one at
the last, so any forward move is accepted. What the rule refuses that a correct kernel
might still do: use the regions as spill space, or store a stale copy and the right value
later. For such a kernel the check is switched off.

When the old word is no stage at all (the run went on past an earlier divergence, or the
check was off), there is nothing to move forward from, and any stage's value is accepted.
Only changes are judged: a store of the word already there is no event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from machine.engine import Write
from machine.problem import Problem

#: The regions judged, with the trace key of the reference's value after each round.
ROUND_KEYS = {"values": "hashed_val", "indices": "wrapped_idx"}


@dataclass(frozen=True)
class BadStore:
    """One word a bundle stored that the reference never has there at that point.

    `new_stage` is the last stage whose word was stored (None: no stage gives it);
    `old_stage` the first stage of the word it replaced (None: unknown); `next_word` the
    reference's (stage, word) after the old one, when there is one.
    """

    region: str
    element: int
    addr: int
    old: int
    new: int
    old_stage: int | None
    new_stage: int | None
    next_word: tuple[int, int] | None


class StoreCheck:
    """Per element of each judged region, the reference's words and the stages giving them,
    worked out once, so judging a bundle costs a few lookups per word it stored."""

    def __init__(self, problem: Problem) -> None:
        self.rounds = problem.rounds
        self.spans: dict[str, tuple[int, int]] = {name: problem.regions[name] for name in ROUND_KEYS}
        self.words: frozenset[int] = frozenset(
            addr for start, length in self.spans.values() for addr in range(start, start + length)
        )
        trace = problem.value_trace
        #: region -> per element, the word at each stage.
        self._sequence: dict[str, list[list[int]]] = {}
        #: region -> per element, word -> (first stage, last stage) giving it.
        self._stages: dict[str, list[dict[int, tuple[int, int]]]] = {}
        for name, key in ROUND_KEYS.items():
            start, length = self.spans[name]
            sequences = []
            tables = []
            for i in range(length):
                words = [problem.initial[start + i]]
                words += [trace[(r, i, key)] for r in range(problem.rounds)]
                table: dict[int, tuple[int, int]] = {}
                for stage, word in enumerate(words):
                    first = table[word][0] if word in table else stage
                    table[word] = (first, stage)
                sequences.append(words)
                tables.append(table)
            self._sequence[name] = sequences
            self._stages[name] = tables

    def last_stage(self, region: str, element: int, word: int) -> int | None:
        """The last stage at which the reference has `word` for the element, if any."""
        found = self._stages[region][element].get(word)
        return None if found is None else found[1]

    def first_stage(self, region: str, element: int, word: int) -> int | None:
        """The first stage at which the reference has `word` for the element, if any."""
        found = self._stages[region][element].get(word)
        return None if found is None else found[0]

    def word_at(self, region: str, element: int, stage: int) -> int:
        """The reference's word for the element at a stage (0 .. rounds)."""
        return self._sequence[region][element][stage]

    def locate(self, addr: int) -> tuple[str, int] | None:
        """(region, element) of a memory address, or None outside the judged regions."""
        for name, (start, length) in self.spans.items():
            if start <= addr < start + length:
                return name, addr - start
        return None

    def judge(self, changes: Iterable[Write]) -> list[BadStore]:
        """The changed region words among `changes` that break the rule, in address order."""
        bad = []
        for w in changes:
            if w.space != "m" or w.old == w.new:
                continue
            place = self.locate(w.addr)
            if place is None:
                continue
            region, i = place
            table = self._stages[region][i]
            new = table.get(w.new)
            old = table.get(w.old)
            if new is not None and (old is None or new[1] >= old[0]):
                continue
            old_stage = None if old is None else old[0]
            sequence = self._sequence[region][i]
            following = None
            if old_stage is not None and old_stage + 1 < len(sequence):
                following = (old_stage + 1, sequence[old_stage + 1])
            bad.append(
                BadStore(
                    region, i, w.addr, w.old, w.new, old_stage, None if new is None else new[1], following
                )
            )
        return sorted(bad, key=lambda b: b.addr)


def stage_text(stage: int) -> str:
    """Stages count rounds done, so stage r is the trace's round r - 1 (keys count from 0)."""
    return "the initial value" if stage == 0 else f"the value after round {stage}"


def bad_store_text(bad: Sequence[BadStore], origin: str | None) -> str:
    """`divergence: store to values[17] wrote 123456, no round of the reference gives that
    (after round 3 it is 987654 = ref(2, 17, "hashed_val"); stored by pc 812 store slot 1)`,
    for the first bad word of a bundle; `origin` names the slot that stored it. The trace
    key is given since it counts rounds from 0 where the text counts rounds done."""
    first = bad[0]
    head = f"divergence: store to {first.region}[{first.element}] wrote {first.new}"
    if first.new_stage is not None:
        assert first.old_stage is not None
        head += f", {stage_text(first.new_stage)} of the reference"
        notes = [f"it held {stage_text(first.old_stage)} and the reference never goes back"]
    else:
        head += ", no round of the reference gives that"
        if first.next_word is not None:
            stage, word = first.next_word
            key = f'ref({stage - 1}, {first.element}, "{ROUND_KEYS[first.region]}")'
            notes = [f"after round {stage} it is {word} = {key}"]
        elif first.old_stage is not None:
            notes = [f"it held {stage_text(first.old_stage)}, the reference's last"]
        else:
            notes = [f"it held {first.old}, no round's value either"]
    if origin is not None:
        notes.append(f"stored by {origin}")
    if len(bad) > 1:
        notes.append(f"{len(bad) - 1} more words of this bundle diverge")
    return f"{head} ({'; '.join(notes)})"
