"""`why [LOC]`: walk a value's provenance backward to the first value that went wrong.

A kernel without compares shows its first symptom late (often the final store), while the
slot that first computed a wrong value ran hundreds of steps before. This walk starts from
the value LOC holds now and asks, slot by slot, which of the values it was made from are
wrong, judging each against the reference's values for the element it serves (refindex.py).
The element follows from addresses: a word of the values or indices region is that
element's, and lane j of a vector op serves the same element as lane j of what it made. A
value made only from constants (a hash constant, a mask, an address base) is not judged
alone: if it is wrong, the first data value that uses it is wrong while everything it read
is right or constant, and that slot is the one named.

A small value (a bit, an index) matches some reference value by chance all too often, so it
counts as right only when the slot that made it, from the inputs it read, would make that
reference value (the entries' ways). A large value is trusted on its own.

It runs on the history (provenance.py's query: a core of its own, checkpoints borrowed), so
the session does not move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from machine.isa import CoreState
from vliwdbg.insight.effects import slot_effects
from vliwdbg.insight.provenance import ProvenanceError, _Query, _writers
from vliwdbg.insight.refindex import Entry, ref_index

if TYPE_CHECKING:
    from vliwdbg.core.expr import Location
    from vliwdbg.core.session import Session

#: Below this a value matches the reference by chance too easily to be trusted alone.
SMALL = 1 << 16
#: How deep the test "made only from constants" looks before calling a value data.
CONST_DEPTH = 8
#: The longest path the walk follows.
MAX_PATH = 200


class WhyError(ValueError):
    """A LOC `why` cannot explain, with a one-line reason."""


@dataclass
class Value:
    """A word's value as some step read it (or as it is now, for the root)."""

    space: str
    addr: int
    value: int
    before: int
    element: int | None
    round: int | None
    step: int | None = None
    cycle: int | None = None
    pc: int | None = None
    engine: str | None = None
    slot_index: int | None = None
    op: str | None = None
    expanded: bool = False
    inputs: list[Value] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    right: bool = False
    constant: bool = False
    tight: bool = False


@dataclass
class Answer:
    loc: str
    path: list[Value]
    right: bool
    #: For a wrong value: what the reference has where the blamed slot wrote.
    expected: list[Entry]


class _Walk:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.query = _Query(session)
        self.index = ref_index(session.problem)
        self.regions = {name: session.regions[name] for name in ("values", "indices")}
        self._const: dict[tuple, bool] = {}
        self._seen: dict[tuple, Value] = {}

    def element_of(self, space: str, addr: int) -> int | None:
        if space != "m":
            return None
        for start, length in self.regions.values():
            if start <= addr < start + length:
                return addr - start
        return None

    def _natural(self, v: Value) -> tuple[str, ...]:
        """The names a word of an output region holds between rounds."""
        if v.space == "m":
            for name, (start, length) in self.regions.items():
                if start <= v.addr < start + length:
                    return ("val", "hashed") if name == "values" else ("idx", "wrapped")
        return ()

    def expand(self, v: Value) -> None:
        if v.expanded:
            return
        v.expanded = True
        q = self.query
        step = q.last_write(v.space, v.addr, v.before)
        if step is None:
            return
        q.at(step)
        core = q.core
        writer = _writers(core, v.space).get(v.addr)
        if writer is None:
            return
        v.step, v.cycle, v.pc = step, core.cycle, core.pc
        v.engine, v.slot_index = writer
        slot = core.program[core.pc][v.engine][v.slot_index]
        v.op = str(slot[0])
        deps, _ = slot_effects(v.engine, slot, core.scratch, core.mem)
        for space, addr in deps.get((v.space, v.addr), ()):
            value = core.scratch[addr] if space == "s" else core.mem[addr]
            element = self.element_of(space, addr)
            v.inputs.append(
                Value(space, addr, value, step, v.element if element is None else element, v.round)
            )

    def is_constant(self, v: Value, depth: int = 0) -> bool:
        key = (v.space, v.addr, v.before)
        known = self._const.get(key)
        if known is not None:
            return known
        data = (
            (v.space == "m" and self.element_of("m", v.addr) is not None)
            or (v.value >= SMALL and bool(self._entries(v, None)))
            or depth > CONST_DEPTH
        )
        if data:
            result = False
        else:
            self.expand(v)
            result = v.step is None or all(self.is_constant(i, depth + 1) for i in v.inputs)
        self._const[key] = result
        return result

    def _entries(self, v: Value, rounds: set[int] | None) -> list[Entry]:
        if v.element is None:
            owners = self.index.owners(v.value) if v.value >= SMALL else []
            elements = {e for e, _ in owners}
            if len(elements) == 1:
                v.element = elements.pop()
            else:
                return [entry for _, entry in owners]
        return self.index.matches(v.element, v.value, rounds)

    def infer_element(self, root: Value) -> int | None:
        """The element a scratch word serves, from the nearest value it was made from whose
        element is known (an output or input word, or a large value only one element has)."""
        frontier = [root]
        for _ in range(CONST_DEPTH):
            later = []
            for v in frontier:
                if v.element is not None:
                    return v.element
                if v.value >= SMALL:
                    elements = {e for e, _ in self.index.owners(v.value)}
                    if len(elements) == 1:
                        return elements.pop()
                self.expand(v)
                later += [i for i in v.inputs if not (i.space == "s" and i.value == 0 and i.step is None)]
            frontier = later[:64]
        return None

    @staticmethod
    def window(v: Value) -> set[int] | None:
        """The rounds v may be of: its round or an earlier one, or (tight) the one before."""
        if v.round is None:
            return None
        return {v.round, v.round - 1} if v.tight else set(range(v.round + 1))

    def judge(self, v: Value) -> None:
        """Set v.constant, v.entries, v.right and v.round."""
        if self.is_constant(v):
            v.constant = v.right = True
            return
        v.entries = self._entries(v, self.window(v))
        natural = self._natural(v)
        if natural:
            v.entries = sorted(v.entries, key=lambda e: e.name not in natural)
        if v.entries:
            v.round = v.entries[0].round
        if not v.entries:
            return
        if v.value >= SMALL or v.element is None:
            v.right = True
            return
        self.expand(v)
        if v.step is None:
            v.right = True
            return
        expected = self.made_by(v)
        if expected is None:
            v.right = False
        else:
            v.right = not expected or any(e.value == v.value for e in expected)

    def made_by(self, v: Value) -> list[Entry] | None:
        """What the reference makes the way v's slot did, from the names its data inputs
        match in one round (v's round first, then later rounds first); None when a data
        input matches nothing at all."""
        assert v.element is not None and v.op is not None
        data = [
            i for i in v.inputs if not self.is_constant(i) and (i.element is None or i.element == v.element)
        ]
        rounds = sorted(self.window(v) or range(self.session.problem.rounds), reverse=True)
        if v.round is not None:
            rounds = [v.round] + [r for r in rounds if r != v.round]
        op = "load" if v.engine == "load" else v.op
        matched_any = [False] * len(data)
        for r in rounds:
            names: list[set[str]] = []
            for k, i in enumerate(data):
                found = self.index.matches(v.element, i.value, (r,))
                matched_any[k] = matched_any[k] or bool(found)
                names.append({e.name for e in found})
            if not all(names):
                continue
            made = self.index.made_by(v.element, (r,), op, names)
            if made:
                return made
        return [] if all(matched_any) else None

    def _judge_inputs(self, v: Value, tight: bool = False) -> None:
        for i in v.inputs:
            i.round, i.entries, i.right, i.tight = v.round, [], False, tight
            self.judge(i)

    def walk(self, root: Value) -> Answer:
        self.judge(root)
        path = [root]
        if root.right:
            return Answer("", path, True, [])
        v = root
        while len(path) < MAX_PATH:
            self.expand(v)
            self._judge_inputs(v)
            rounds = [i.round for i in v.inputs if i.right and not i.constant and i.round is not None]
            if rounds and v.round is not None and min(rounds) < v.round:
                v.round = min(rounds)
                self._judge_inputs(v)
            wrong = next((i for i in v.inputs if not i.right), None)
            if wrong is None:
                break
            v = wrong
            path.append(v)
        expected: list[Entry] = []
        if v.step is not None and v.element is not None:
            expected = self.made_by(v) or []
        return Answer("", path, False, expected)


def explain(session: Session, loc: Location | None) -> tuple[str, Answer]:
    """The answer for LOC (one word), or for the first wrong output word when LOC is None."""
    if loc is None:
        space, addr, name = _default_word(session)
    else:
        if loc.length != 1:
            raise WhyError(f"{loc.text} is {loc.length} words; why takes one word (e.g. {loc.text}[0])")
        space, addr, name = loc.space, loc.start, loc.text
    walk = _Walk(session)
    try:
        source = session.scratch if space == "s" else session.mem
        walk_root = Value(space, addr, source[addr], session.step, walk.element_of(space, addr), None)
        if walk_root.element is None:
            walk_root.element = walk.infer_element(walk_root)
        else:
            walk_root.round = _root_round(session, addr)
        answer = walk.walk(walk_root)
    except ProvenanceError as exc:
        raise WhyError(str(exc)) from None
    finally:
        walk.query.finish()
    answer.loc = name
    return name, answer


def _root_round(session: Session, addr: int) -> int | None:
    """The round an output word is judged at: the last round at the end of the run; before
    it, the round the element's other output word has reached (stores of an element's index
    and value come together), or any round when that word is still the initial one."""
    if session.state == CoreState.STOPPED:
        return session.problem.rounds - 1
    check = session.store_check
    place = check.locate(addr)
    if place is None:
        return None
    region, element = place
    other = "indices" if region == "values" else "values"
    start, _ = session.regions[other]
    word = session.mem[start + element]
    if word == session.problem.initial[start + element]:
        return None
    stage = check.last_stage(other, element, word)
    return None if not stage else stage - 1


def _default_word(session: Session) -> tuple[str, int, str]:
    """The first output word (values, then indices) that differs from the reference's final
    memory at the end of the run, or, before the end, that no round of the reference has."""
    check = session.store_check
    at_end = session.state == CoreState.STOPPED
    for region in ("values", "indices"):
        start, length = session.regions[region]
        for i in range(length):
            word = session.mem[start + i]
            if at_end:
                if word != session.problem.final[start + i]:
                    return "m", start + i, f"{region}[{i}]"
            elif check.last_stage(region, i, word) is None:
                return "m", start + i, f"{region}[{i}]"
    where = "at the end of the run" if at_end else "here (each holds some round's value)"
    raise WhyError(f"every output word matches the reference {where}; name a LOC to ask about one")


def answer_lines(session: Session, answer: Answer, where: Callable[[int, str, int], str]) -> list[str]:
    """The path, newest first, then the one-line verdict."""
    lines = []
    for depth, v in enumerate(answer.path):
        lines.append("  " * min(depth, 1) + _value_line(session, v, where))
    root = answer.path[0]
    if answer.right:
        what = root.entries[0].text if root.entries else "made only from constants"
        lines.append(f"{answer.loc} matches the reference ({what})")
        return lines
    last = answer.path[-1]
    word = session.word_name(last.space, last.addr)
    if last.step is None:
        lines.append(f"first wrong value: {word} = {last.value} was never written since the start")
        return lines
    read = ", ".join(_input_text(session, i) for i in last.inputs) or "nothing"
    head = (
        f"first wrong value: pc {last.pc} {last.engine} {last.slot_index} wrote {word} = {last.value} "
        f"(step {last.step}, cycle {last.cycle}){where(last.pc, last.engine, last.slot_index)}"
    )
    if answer.expected:
        e = answer.expected[0]
        tail = f"the reference has {e.value} = {e.text} there"
    elif last.element is not None:
        tail = f"no value the reference makes for element {last.element} comes this way"
    else:
        tail = "the element it serves is not known"
    lines.append(f"{head}; it read {read}; {tail}")
    return lines


def _input_text(session: Session, v: Value) -> str:
    word = session.word_name(v.space, v.addr)
    if v.constant:
        return f"{word} = {v.value} (constant)"
    if v.right and v.entries:
        return f"{word} = {v.value} (right: {v.entries[0].text})"
    return f"{word} = {v.value} ({'right' if v.right else 'wrong'})"


def _value_line(session: Session, v: Value, where: Callable[[int, str, int], str]) -> str:
    word = session.word_name(v.space, v.addr)
    verdict = f"= {v.entries[0].text}" if v.right and v.entries else ("right" if v.right else "wrong")
    if v.step is None:
        return f"{word} = {v.value}: never written since the start, {verdict}"
    slot = session.named_slot(v.pc, v.engine, v.slot_index)  # type: ignore[arg-type]
    return (
        f"{word} = {v.value}: step {v.step} (cycle {v.cycle}), pc {v.pc} {v.engine}[{v.slot_index}]: "
        f"{slot}{where(v.pc, v.engine, v.slot_index)}  {verdict}"  # type: ignore[arg-type]
    )
