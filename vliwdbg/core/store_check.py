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

A word alone cannot tell a wrong index that is a legal index of another round (0, the start
and the index after every wrap) from a right one. So an element's two words are also judged
together: the round the value word shows and the round the index word shows must agree, in
the order the kernel stores them (StoreHabits, learnt once by a run of the kernel's own: an
index stored before or after its round's value, in one bundle, or each word stored once, at
the end). That pairing judges stores that change nothing too (0 stored over 0 where the
reference's index is 2): the engine reports every store to an index word (StopSpec.store_mem).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from machine.engine import Core, Prepared, StopSpec, Write
from machine.problem import Problem

#: How a kernel orders an element's two stores of a round (see store_habits).
INDEX_FIRST, VALUE_FIRST, TOGETHER = "index first", "value first", "together"

#: The longest run store_habits makes (a fixed budget, so the habits stay a fact of the
#: program): ten times the take-home's baseline, the slowest kernel there is.
HABITS_BUDGET = 2_000_000

#: The regions judged, with the trace key of the reference's value after each round.
ROUND_KEYS = {"values": "hashed_val", "indices": "wrapped_idx"}


@dataclass(frozen=True)
class BadStore:
    """One word a bundle stored that the reference never has there at that point.

    `new_stage` is the last stage whose word was stored (None: no stage gives it);
    `old_stage` the first stage of the word it replaced (None: unknown); `next_word` the
    reference's (stage, word) for the round the store belongs to, as the element's other
    word shows, or else the stage after the old word's (None: neither known); `other`
    (region, stage) of the element's other word when the two disagree (the store gives
    some stage, but not one of the other word's round).
    """

    region: str
    element: int
    addr: int
    old: int
    new: int
    old_stage: int | None
    new_stage: int | None
    next_word: tuple[int, int] | None
    other: tuple[str, int] | None = None
    #: The kernel stores each word once, so the store should be the last round's.
    last_only: bool = False


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

    def stages(self, region: str, element: int, word: int) -> list[int]:
        """Every stage at which the reference has `word` for the element, in order."""
        return [k for k, w in enumerate(self._sequence[region][element]) if w == word]

    def judge(
        self, changes: Iterable[Write], mem: Sequence[int] | None = None, habits: StoreHabits | None = None
    ) -> list[BadStore]:
        """The region words among `changes` that break the rules, in address order. `mem`
        is the memory after the bundle, where the element's other word is read (None: each
        word judged alone); `habits` how the kernel stores them (None: not known). A store
        that leaves an index word as it was is judged too (the engine reports those for
        `index_words`)."""
        changes = list(changes)
        stored = {self.locate(w.addr) for w in changes if w.space == "m"}
        bad = []
        for w in changes:
            if w.space != "m":
                continue
            place = self.locate(w.addr)
            if place is None:
                continue
            region, i = place
            together = (("values" if region == "indices" else "indices"), i) in stored
            found = self._judge_one(region, i, w, mem, habits, together)
            if found is not None:
                bad.append(found)
        return sorted(bad, key=lambda b: b.addr)

    @property
    def index_words(self) -> frozenset[int]:
        start, length = self.spans["indices"]
        return frozenset(range(start, start + length))

    def _judge_one(
        self,
        region: str,
        i: int,
        w: Write,
        mem: Sequence[int] | None,
        habits: StoreHabits | None,
        together: bool,
    ) -> BadStore | None:
        table = self._stages[region][i]
        new, old = table.get(w.new), table.get(w.old)
        old_stage = None if old is None else old[0]
        new_stage = None if new is None else new[1]
        sequence = self._sequence[region][i]
        if habits is not None and habits.once:
            joint: tuple[int | None, int | None] | None = self._once(region, i, w)
        else:
            joint = None if mem is None else self._joint(region, i, w, mem, habits, together)
        belongs = None if joint is None else joint[0]
        if belongs is not None and (region == "indices" or (habits is not None and habits.once)):
            next_word: tuple[int, int] | None = (belongs, sequence[belongs])
        elif old_stage is not None and old_stage + 1 < len(sequence):
            next_word = (old_stage + 1, sequence[old_stage + 1])
        else:
            next_word = None
        if w.old != w.new and (new is None or (old is not None and new[1] < old[0])):
            return BadStore(region, i, w.addr, w.old, w.new, old_stage, new_stage, next_word)
        if joint is None or joint[1] is None:
            return None
        if habits is not None and habits.once:
            return BadStore(region, i, w.addr, w.old, w.new, old_stage, new_stage, next_word, last_only=True)
        if region == "values":
            other_region = "indices"
            stage = joint[0]
            assert stage is not None
            next_word = (stage, self._sequence[other_region][i][stage])
        else:
            other_region = "values"
        return BadStore(
            region, i, w.addr, w.old, w.new, old_stage, new_stage, next_word, (other_region, joint[1])
        )

    def store_round(
        self, region: str, element: int, old: int, new: int, mem: Sequence[int], habits: StoreHabits | None
    ) -> int | None:
        """The stage a store of `new` over `old` belongs to, with `mem` the memory after it:
        the stage after the old value word's; for an index word, the round the element's
        value word shows, in the kernel's order (None: not known)."""
        if region == "values":
            old_stage = self.first_stage(region, element, old)
            return None if old_stage is None or old_stage >= self.rounds else old_stage + 1
        start = self.spans[region][0]
        return self._joint(region, element, Write("m", start + element, old, new), mem, habits, False)[0]

    def _joint(
        self,
        region: str,
        i: int,
        w: Write,
        mem: Sequence[int],
        habits: StoreHabits | None,
        together: bool,
    ) -> tuple[int | None, int | None]:
        """(the stage the store belongs to, None when not known; the stage the element's
        other word shows when it disagrees with the store, else None).

        An element's index and value stores of one round come together, in the kernel's
        order: stored in one bundle, or the index first, both words show the same round
        after the later one; value first, the index lags one round between the two. While
        the value word is still the initial one, an index store says nothing unless the
        kernel stores its values each round, index first (then it is round 1's); and a
        value store says nothing while the index word is the initial one, unless the kernel
        stores indices first (a kernel may never store indices)."""
        order = None if habits is None else habits.order_of(i)
        repeat_values = habits is not None and "values" in habits.repeated
        if region == "indices":
            start, _ = self.spans["values"]
            shown = self.stages("values", i, mem[start + i])
            if not shown:
                return None, None
            v = shown[-1]
            if v == 0 and not (order == INDEX_FIRST and repeat_values):
                return None, None
            if together or order == VALUE_FIRST:
                belongs: int | None = v or None
            elif order == INDEX_FIRST:
                belongs = v + 1 if v < self.rounds else None
            else:
                belongs = self._index_round(v, self.stages(region, i, w.old))
            if belongs is None or belongs in self.stages(region, i, w.new):
                return belongs, None
            return belongs, v
        if w.old == w.new:
            return None, None
        start, _ = self.spans["indices"]
        word = mem[start + i]
        shown = self.stages("indices", i, word)
        mine = self.stages(region, i, w.new)
        if not mine or not shown:
            return None, None
        k = mine[-1]
        initial = word == self._sequence["indices"][i][0]
        if together or order == INDEX_FIRST:
            agree = k in shown
        elif order == VALUE_FIRST:
            agree = initial or k in shown or k - 1 in shown
        else:
            agree = initial or any(abs(k - j) <= 1 for j in shown)
        if agree:
            return k, None
        return k, min(shown, key=lambda j: abs(j - k))

    def apart(self, element: int, mem: Sequence[int], habits: StoreHabits | None) -> bool:
        """Whether the element's two words, each some stage, show rounds that no moment of
        the kernel's store order allows (see _joint)."""
        vs, ist = self.spans["values"][0], self.spans["indices"][0]
        values = self.stages("values", element, mem[vs + element])
        indices = self.stages("indices", element, mem[ist + element])
        if not values or not indices or values == [0]:
            return False
        order = None if habits is None else habits.order_of(element)
        if habits is not None and habits.once:
            return False
        v = values[-1]
        if order == TOGETHER:
            allowed = {v}
        elif order == INDEX_FIRST:
            allowed = {v, v + 1}
        elif order == VALUE_FIRST:
            if mem[ist + element] == self._sequence["indices"][element][0]:
                return False
            allowed = {v - 1, v}
        else:
            if mem[ist + element] == self._sequence["indices"][element][0]:
                return False
            allowed = {v - 1, v, v + 1}
        return not allowed.intersection(indices)

    def _once(self, region: str, i: int, w: Write) -> tuple[int | None, int | None]:
        """A kernel that stores each word once stores the last round's word: (the last
        stage, the stage it stored when that is another, else None)."""
        mine = self.stages(region, i, w.new)
        if self.rounds in mine:
            return self.rounds, None
        return self.rounds, (mine[-1] if mine else -1)

    def _index_round(self, v: int, old_stages: list[int]) -> int | None:
        """The stage an index store belongs to when the kernel's order is not known: v or
        v + 1 for value stage v, the first after the old index word."""
        below = [o for o in old_stages if o <= v]
        o = below[-1] if below else -1
        return next((x for x in (v, v + 1) if x >= 1 and x > o and x <= self.rounds), None)


@dataclass(frozen=True)
class StoreHabits:
    """How a kernel stores its output words, learnt from a run of its own: `order` of an
    element's index and value stores in a round (INDEX_FIRST, VALUE_FIRST, TOGETHER in one
    bundle, None: it never stores both); `repeated`, the regions some word of which it
    stores more than once (a region it stores each round)."""

    order: str | None
    repeated: frozenset[str] = frozenset()
    stored: bool = True
    #: (element, order) for each element whose two words were both stored in the learning
    #: run: a scheduler may order one element's stores otherwise than another's.
    orders: tuple[tuple[int, str], ...] = ()

    def order_of(self, element: int) -> str | None:
        """The element's own order when it was seen, else the first element's."""
        for i, order in self.orders:
            if i == element:
                return order
        return self.order

    @property
    def once(self) -> bool:
        """Whether the kernel stores every word at most once (its results at the end: each
        store is the last round's)."""
        return self.stored and not self.repeated


def store_habits(
    prepared: Prepared, problem: Problem, check: StoreCheck, max_steps: int, compares: bool = True
) -> StoreHabits:
    """The kernel's StoreHabits, from a run up to the point where a word of each region has
    been stored twice (or the end). A fact of the program and the problem, so every position
    is judged alike; past HABITS_BUDGET steps (a runaway) what was found so far is kept.
    The run checks compares as the session does (so it shares the session's compiled
    bundles) and steps over any that fail: a compare never changes a word."""
    initial = list(problem.initial)
    core = Core(prepared, initial, value_trace=problem.value_trace, enable_pause=False, enable_debug=compares)
    max_steps = min(max_steps, HABITS_BUDGET)
    spec = StopSpec(watch_mem=check.words, store_mem=check.words, max_steps=max_steps)
    skip = replace(spec, skip_first_debug=True)
    first: dict[tuple[str, int], int] = {}
    repeated: set[str] = set()
    orders: dict[int, str] = {}
    result = core.run(spec)
    while core.steps < max_steps and len(repeated) < 2:
        if result.reason == "compare":
            result = core.run(skip)
            continue
        if result.reason != "watch":
            break
        for w in result.changes:
            place = check.locate(w.addr)
            if place is None:
                continue
            region, i = place
            if place in first:
                repeated.add(region)
                continue
            first[place] = core.steps
            if ("values" if region == "indices" else "indices", i) in first:
                idx, val = first[("indices", i)], first[("values", i)]
                orders[i] = TOGETHER if idx == val else INDEX_FIRST if idx < val else VALUE_FIRST
        result = core.run(spec)
    order = next(iter(orders.values()), None)
    return StoreHabits(order, frozenset(repeated), bool(first), tuple(orders.items()))


def stage_text(stage: int, region: str = "values") -> str:
    """Stages count rounds done, so stage r is the trace's round r - 1 (keys count from 0)."""
    what = "index" if region == "indices" else "value"
    return f"the initial {what}" if stage == 0 else f"the {what} after round {stage}"


def bad_store_text(bad: Sequence[BadStore], origin: str | None) -> str:
    """`divergence: store to values[17] wrote 123456, no round of the reference gives that
    (after round 3 it is 987654 = ref(2, 17, "hashed_val"); stored by pc 812 store slot 1)`,
    for the first bad word of a bundle; `origin` names the slot that stored it. The round
    named is the one the store belongs to, as the element's other word shows (or the one
    after the word it replaced). The trace key is given since it counts rounds from 0
    where the text counts rounds done."""
    first = bad[0]
    e = first.element
    head = f"divergence: store to {first.region}[{e}] wrote {first.new}"
    region = first.region
    expected = []
    if first.next_word is not None:
        stage, word = first.next_word
        about = region if first.other is None else "indices"
        key = f'ref({stage - 1}, {e}, "{ROUND_KEYS[about]}")'
        what = "" if first.other is None else f" the {'index' if about == 'indices' else 'value'}"
        expected = [f"after round {stage}{what} {'is' if what else 'it is'} {word} = {key}"]
    if first.last_only and first.new_stage is not None:
        head += f", {stage_text(first.new_stage, region)} of the reference"
        notes = ["the kernel stores each word once, so the last round's", *expected]
    elif first.other is not None:
        other_region, other_stage = first.other
        if first.new_stage is not None:
            head += f", {stage_text(first.new_stage, region)} of the reference"
        head += f", but {other_region}[{e}] holds {stage_text(other_stage, other_region)}"
        notes = expected
    elif first.new_stage is not None:
        assert first.old_stage is not None
        head += f", {stage_text(first.new_stage, region)} of the reference"
        notes = [f"it held {stage_text(first.old_stage, region)} and the reference never goes back"]
    else:
        head += ", no round of the reference gives that"
        if expected:
            notes = expected
        elif first.old_stage is not None:
            notes = [f"it held {stage_text(first.old_stage, region)}, the reference's last"]
        else:
            notes = [f"it held {first.old}, no round's value either"]
    if origin is not None:
        notes.append(f"stored by {origin}")
    if len(bad) > 1:
        notes.append(f"{len(bad) - 1} more words of this bundle diverge")
    return f"{head} ({'; '.join(notes)})" if notes else head
