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

Each value is judged for the round its path implies, not for any round whose value happens
to be equal: the output word's round is known (the last at the end of the run; before it,
the round the store belongs to), and walking back from a value the reference has in round R,
its slot is matched against the entries of rounds R and R-1 with that value which an op
like its own makes (the entries' ways), and its inputs are judged against that entry's data
of the same round. The input that differs is followed, with the value the reference has
there. Where no value is known yet (a wrong word stored before the end), wrong values are
followed until an input that only one round has (a large value of the hash chain) places
the path in a round. A small value (a bit, an index) matches some reference value by chance
all too often, so it counts only when its own slot made it the way the reference does.

It runs on the history (provenance.py's query: a core of its own, checkpoints borrowed), so
the session does not move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from machine.isa import MASK, CoreState, alu
from vliwdbg.insight.effects import slot_effects
from vliwdbg.insight.provenance import HistoryQuery, ProvenanceError, slot_writers
from vliwdbg.insight.refindex import Entry, op_family, ref_index, same_entry

if TYPE_CHECKING:
    from vliwdbg.core.expr import Location
    from vliwdbg.core.session import Session

#: Below this a value matches the reference by chance too easily to be trusted alone.
SMALL = 1 << 16
#: How deep the test "made only from constants" looks before calling a value data.
CONST_DEPTH = 8
#: How deep a small value's making is checked against the reference's ways.
MADE_DEPTH = 4
#: The longest path the walk follows.
MAX_PATH = 2000


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
    #: The value the reference has here, as the path from the output word implies.
    want: int | None = None
    #: (round, name) of the reference entry `want` comes from, when the path says.
    want_name: tuple[int, str] | None = None
    #: For a wrong value: the reference entry its slot should have made.
    should: Entry | None = None


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
        self.query = HistoryQuery(session)
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
        writer = slot_writers(core, v.space).get(v.addr)
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
        in_region = v.space == "m" and self.element_of("m", v.addr) is not None
        data = (
            in_region
            or (v.space == "s" and v.value >= SMALL and bool(self._entries(v, None)))
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
        if root.want is not None:
            root.right = root.value == root.want
            if root.right:
                root.entries = self._natural_first(root, self.index.matches(root.element, root.value))  # type: ignore[arg-type]
                root.constant = not root.entries and self.is_constant(root)
        else:
            self.judge(root)
        path = [root]
        if root.right:
            self.expand(root)
            return Answer("", path, True, [])
        v = root
        while len(path) < MAX_PATH:
            wrong = self.step_back(v)
            if wrong is None:
                break
            v = wrong
            path.append(v)
        expected: list[Entry] = []
        if v.should is not None:
            expected = [v.should]
        elif v.step is not None and v.element is not None and v.want is None:
            expected = self.made_by(v) or []
        return Answer("", path, False, expected)

    def _natural_first(self, v: Value, entries: list[Entry]) -> list[Entry]:
        natural = self._natural(v)
        return sorted(entries, key=lambda e: e.name not in natural) if natural else entries

    def step_back(self, v: Value) -> Value | None:
        """The input of wrong value v to follow, with what the reference has there; None when
        v's own slot is the first to go wrong (v.should then says what it should have made).

        With v's reference value known (v.want) and its round R (v.round), the slot is
        matched against the entries of rounds R and R-1 with that value which an op like
        v's makes: the inputs are judged against that entry's own data, of its round, never
        against another round whose value happens to be equal (the root's node value comes
        back after every wrap; a wrong index 3 is some other round's `2*idx+1`)."""
        self.expand(v)
        if v.step is None:
            return None
        if v.element is None:
            v.element = self._element_of_inputs(v)
            if v.element is None:
                return self._step_back_loose(v)
            for i in v.inputs:
                if i.element is None:
                    i.element = v.element
        data = []
        for i in v.inputs:
            if self.is_constant(i):
                i.constant = i.right = True
            elif i.element is None or i.element == v.element:
                data.append(i)
        through = self._pass_through(v, data)
        if through is not None:
            through.want, through.round, through.want_name = v.want, v.round, v.want_name
            return through
        best = self._best_way(v, data)
        if best is None:
            wrong = self._step_back_loose(v)
            if wrong is None and v.want is not None:
                v.should = self._wanted_entry(v)
            return wrong
        entry, names, matched = best
        v.should = entry
        for i, e in matched:
            if e is not None:
                i.right, i.entries, i.round = True, [e], e.round
        wrong = [i for i, e in matched if e is None]
        if not wrong:
            return None
        covered = {e.name for _, e in matched if e is not None}
        remaining = sorted(n for n in names if n not in covered)
        nxt = wrong[0]
        nxt.round = entry.round
        found = self.index.entry(v.element, entry.round, remaining[0]) if remaining else None
        nxt.want = None if found is None else found.value
        nxt.want_name = None if found is None else (found.round, found.name)
        return nxt

    def _wanted_entry(self, v: Value) -> Entry | None:
        """The reference entry v should have held: the one its path names, else one of v's
        rounds with that value."""
        assert v.element is not None and v.want is not None
        rounds = None if v.round is None else (v.round, v.round - 1)
        found = self.index.matches(v.element, v.want, rounds)
        named = [e for e in found if same_entry(e, v.want_name)]
        return (named or found or [None])[0]

    def _element_of_inputs(self, v: Value) -> int | None:
        """The element a value serves, from an input that only one element's reference has
        (a scratch LOC's element is found on the way back, at the first such value)."""
        for i in v.inputs:
            if i.element is not None:
                return i.element
            if i.value >= SMALL:
                elements = {e for e, entry in self.index.owners(i.value) if entry.name != "node_val"}
                if len(elements) == 1:
                    return elements.pop()
        return None

    def _step_back_loose(self, v: Value) -> Value | None:
        """Without a reference value to aim at: each input judged on its own."""
        self._judge_inputs(v)
        rounds = [i.round for i in v.inputs if i.right and not i.constant and i.round is not None]
        if rounds and v.round is not None and min(rounds) < v.round:
            v.round = min(rounds)
            self._judge_inputs(v)
        return next((i for i in v.inputs if not i.right), None)

    def _pass_through(self, v: Value, data: list[Value]) -> Value | None:
        """The input a store, a copy or a load from an output region passes on unchanged."""
        if not data:
            return None
        if v.engine == "store" or (v.engine == "valu" and v.op == "vbroadcast"):
            return data[-1]
        if v.engine == "load" and data[-1].space == "m" and self.element_of("m", data[-1].addr) is not None:
            return data[-1]
        return None

    def _best_way(self, v: Value, data: list[Value]) -> tuple[Entry, frozenset[str], list] | None:
        """The reference entry and way that explain v's slot best, by, in turn: the entry
        the path names (among those with v's reference value); data inputs equal to a large
        value of the way's data in the entry's round (such a value does not match by
        chance); inputs equal to small values made as the reference makes them (_made_as);
        a way that, fed the reference's data and v's constants, gives the entry; v's own
        round."""
        assert v.element is not None and v.op is not None
        if not data:
            return None
        family = "load" if v.engine == "load" else op_family(v.op)
        windows: list[tuple[int, ...] | None] = [None]
        if v.round is not None:
            # With the reference's value known, other rounds only hold coincidences.
            windows = [(v.round, v.round - 1)] if v.want is not None else [(v.round, v.round - 1), None]
        for rounds in windows:
            if v.want is not None:
                candidates = self.index.matches(v.element, v.want, rounds)
            else:
                candidates = self.index.entries(v.element, rounds)
            best = None
            for entry in candidates:
                for way_op, names in entry.ways:
                    if way_op != family or len(names) > len(data):
                        continue
                    matched = []
                    strong = weak = 0
                    used: dict[str, tuple[str, int]] = {}
                    for i in data:
                        found = None
                        for n in names:
                            if used.get(n, (i.space, i.addr)) != (i.space, i.addr):
                                continue  # a name is one word: two words cannot both be it
                            e = self.index.entry(v.element, entry.round, n)
                            if e is not None and e.value == i.value and self._made_as(i, e):
                                found = e
                                used[n] = (i.space, i.addr)
                                break
                        matched.append((i, found))
                        if found is not None:
                            if self.strong(v.element, i.value):
                                strong += 1
                            else:
                                weak += 1
                    rank = (
                        same_entry(entry, v.want_name),
                        strong,
                        weak,
                        self._consistent(v, entry, names, matched),
                        entry.round == v.round,
                        len(names),
                    )
                    if best is None or rank > best[0]:
                        best = (rank, entry, names, matched)
            if best is not None and (v.want is not None or best[0][1] > 0):
                return best[1], best[2], best[3]
        return None

    def _made_as(self, v: Value, entry: Entry, depth: int = 0) -> bool:
        """Whether v, equal to the reference's entry, is that entry and no coincidence: a
        strong value is; a small one only when its slot makes it the way the reference does,
        from data that are themselves so made (a few levels deep), through stores, loads and
        copies. A wrong index 3 that is some round's idx+1 was made from a wrong bit."""
        assert v.element is not None
        if depth > MADE_DEPTH or self.strong(v.element, v.value):
            return True
        self.expand(v)
        if v.step is None or v.op is None:
            return True
        data = [
            i for i in v.inputs if not self.is_constant(i) and (i.element is None or i.element == v.element)
        ]
        through = self._pass_through(v, data)
        if through is not None:
            return self._made_as(through, entry, depth + 1)
        family = "load" if v.engine == "load" else op_family(v.op)
        for alias in self.index.matches(v.element, entry.value, (entry.round, entry.round - 1)):
            if alias != entry and not same_entry(alias, (entry.round, entry.name)):
                continue
            for way_op, names in alias.ways:
                if way_op != family or len(names) > len(data) or not data:
                    continue
                used: dict[str, tuple[str, int]] = {}
                for i in data:
                    for n in names:
                        if used.get(n, (i.space, i.addr)) != (i.space, i.addr):
                            continue
                        e = self.index.entry(v.element, alias.round, n)
                        if e is not None and e.value == i.value and self._made_as(i, e, depth + 1):
                            used[n] = (i.space, i.addr)
                            break
                    else:
                        break
                else:
                    return True
        return False

    def strong(self, element: int, value: int) -> bool:
        """Whether a match of this value is evidence on its own: a large value the
        reference has for the element in one round only (a round's `val` is the round
        before's `hashed`, so two rounds in a row count as one), and not a node's value: a
        kernel on a wrong path reads nodes the reference reads in other rounds (the root's
        after every wrap)."""
        if value < SMALL:
            return False
        found = self.index.matches(element, value)
        if any(e.name == "node_val" for e in found):
            return False
        rounds = {e.round for e in found}
        return bool(rounds) and max(rounds) - min(rounds) <= 1

    def _consistent(self, v: Value, entry: Entry, names: frozenset[str], matched: list) -> bool:
        """Whether v's slot, with the reference's data in place of the unmatched inputs and
        its constants as read, computes the entry."""
        if v.engine not in ("alu", "valu") or v.op == "vbroadcast":
            return False
        covered = {e.name for _, e in matched if e is not None}
        remaining = [n for n in names if n not in covered]
        wanted = {}
        for i, e in matched:
            if e is None:
                if len(remaining) != 1:
                    return False
                found = self.index.entry(v.element, entry.round, remaining[0])  # type: ignore[arg-type]
                if found is None:
                    return False
                wanted[id(i)] = found.value
        args = [wanted.get(id(i), i.value) for i in v.inputs]
        try:
            if v.op == "multiply_add" and len(args) == 3:
                made = (args[0] * args[1] + args[2]) & MASK
            elif len(args) == 2:
                made = alu(v.op, args[0], args[1])  # type: ignore[arg-type]
            else:
                return False
        except (KeyError, ZeroDivisionError):
            return False
        return made == entry.value


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
            walk_root.round, walk_root.want = _root_want(session, walk, addr)
            if walk_root.round is not None and walk_root.want is not None:
                region = session.store_check.locate(addr)
                natural = "wrapped" if region is not None and region[0] == "indices" else "hashed"
                walk_root.want_name = (walk_root.round, natural)
        answer = walk.walk(walk_root)
    except ProvenanceError as exc:
        raise WhyError(str(exc)) from None
    finally:
        walk.query.finish()
    answer.loc = name
    return name, answer


def _root_want(session: Session, walk: _Walk, addr: int) -> tuple[int | None, int | None]:
    """(round, reference value) an output word is judged at: the last round's at the end of
    the run. Before it, a word holding some stage of the reference at or after the one it
    held before its last store is right at that stage; otherwise the value is wrong and no
    one round is known (a kernel may store each round or only the last), so the walk aims
    at no value until the data it meets places it in a round."""
    problem = session.problem
    if _at_end(session):
        return problem.rounds - 1, problem.final[addr]
    check = session.store_check
    place = check.locate(addr)
    if place is None:
        return None, None
    region, element = place
    word = session.mem[addr]
    step = walk.query.last_write("m", addr, session.step)
    if step is None:
        return None, problem.initial[addr]
    walk.query.at(step)
    old = walk.query.core.mem[addr]
    before = check.first_stage(region, element, old)
    habits = session.judge.store_habits()
    if habits.once:
        return problem.rounds - 1, problem.final[addr]
    if habits.order is not None:
        walk.query.at(step + 1)
        stage = check.store_round(region, element, old, word, walk.query.core.mem, habits)
        if stage is not None:
            return stage - 1, check.word_at(region, element, stage)
    now = check.last_stage(region, element, word)
    if now is not None and (before is None or now >= before):
        return max(0, now - 1), word
    return _root_round(session, addr), None


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


def _at_end(session: Session) -> bool:
    """Whether the run stands at its end (a last pause leaves the core paused there)."""
    end = session.timeline.end
    return session.state == CoreState.STOPPED or (end is not None and session.step == end.step)


def _default_word(session: Session) -> tuple[str, int, str]:
    """The first output word (values, then indices) that differs from the reference's final
    memory at the end of the run; before it, the word the store check just stopped at, or
    else the first that no round of the reference has, or an index word out of step with
    its element's value word."""
    check = session.store_check
    at_end = _at_end(session)
    stopped = session.judge.bad_stores
    if stopped is not None and stopped[0] == session.step and not at_end:
        first = stopped[1][0]
        return "m", first.addr, f"{first.region}[{first.element}]"
    for region in ("values", "indices"):
        start, length = session.regions[region]
        for i in range(length):
            word = session.mem[start + i]
            if at_end:
                if word != session.problem.final[start + i]:
                    return "m", start + i, f"{region}[{i}]"
            elif check.last_stage(region, i, word) is None:
                return "m", start + i, f"{region}[{i}]"
    if not at_end:
        habits = session.judge.store_habits()
        start, length = session.regions["indices"]
        for i in range(length):
            if check.apart(i, session.mem, habits):
                return "m", start + i, f"indices[{i}]"
    where = (
        "at the end of the run" if at_end else "here (each holds some round's value, in step with its pair)"
    )
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
