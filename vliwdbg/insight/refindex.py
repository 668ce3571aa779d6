"""Every value the reference computes for an element, indexed by value, so that a kernel's
temporaries can be recognised and judged.

The value trace names a dozen words per element and round (idx, val, node_val, the six
hash stages, ...). Real kernels hold many more on the way: both halves of a hash stage
(`a + C`, `a << k`), the fused form of a stage (`a * 4097 + C` is stage 0 whole), the node's
address `forest_p + idx`, `2*idx + 1`, the branch bit, the wrap comparison, and positions
kept as `idx + 1`. Each such value is an Entry: its name (shared by every element and
round), its value, how to write it in terms of `ref(...)`, and the ways a slot may make it
(an op and the names of the data it reads; constants are left out, since a kernel makes
them however it likes). Those ways let the why walk tell a right value from a coincidence
(a wrong mask makes 0 where the reference's bit is 1, and 0 is also this round's `even`),
and say what the reference has where a slot went wrong.

Entries are worked out per element when first asked for; a problem's index is kept as long
as the problem lives.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from machine.isa import MASK
from machine.problem import HASH_STAGES, Problem

#: Ops a slot may make a value with that count as one: a select is a select on either engine.
_SAME_OP = {"vselect": "select", "vbroadcast": "copy", "add_imm": "+"}


def op_family(op: str) -> str:
    return _SAME_OP.get(op, op)


@dataclass(frozen=True)
class Entry:
    """One value the reference computes for an element in a round."""

    name: str
    value: int
    round: int
    text: str
    #: (op, names of the data it reads) for each way a slot may compute it.
    ways: tuple[tuple[str, frozenset[str]], ...] = ()


def _ref(r: int, i: int, key: str, k: int | None = None) -> str:
    return f'ref({r}, {i}, "{key}"{"" if k is None else f", {k}"})'


def _apply(op: str, x: int, y: int) -> int:
    if op == "+":
        return (x + y) & MASK
    if op == "^":
        return x ^ y
    if op == "<<":
        return (x << y) & MASK
    if op == ">>":
        return x >> y
    raise KeyError(op)


def _way(op: str, *names: str) -> tuple[str, frozenset[str]]:
    return (op, frozenset(names))


def element_entries(problem: Problem, i: int) -> list[Entry]:
    """Every value element i goes through, round by round, in the order it is computed."""
    trace = problem.value_trace
    forest_p = problem.initial[4]
    n_nodes = problem.n_nodes
    out: list[Entry] = []
    for r in range(problem.rounds):

        def add(name: str, value: int, text: str, *ways: tuple[str, frozenset[str]], r: int = r) -> None:
            out.append(Entry(name, value & MASK, r, text, tuple(ways)))

        idx, val, node = trace[(r, i, "idx")], trace[(r, i, "val")], trace[(r, i, "node_val")]
        t_idx, t_val, t_node = _ref(r, i, "idx"), _ref(r, i, "val"), _ref(r, i, "node_val")
        add("idx", idx, t_idx, _way("select", "cmp", "next"), _way("select", "cmp"), _way("-", "idx+1"))
        add(
            "idx+1",
            idx + 1,
            f"{t_idx} + 1",
            _way("+", "idx"),
            _way("select", "cmp"),
            _way("select", "cmp", "next+1"),
        )
        add("val", val, t_val)
        add("addr", forest_p + idx, f"forest_values_p + {t_idx}", _way("+", "idx"), _way("+", "idx+1"))
        add(
            "node_val",
            node,
            t_node,
            _way("load"),
            _way("select", "idx"),
            _way("select", "bit"),
            _way("select", "idx+1"),
        )
        a = val ^ node
        prev, prev_text = "a0", f"{t_val} ^ {t_node}"
        add(prev, a, prev_text, _way("^", "val", "node_val"))
        for k, (op1, c, op2, op3, shift) in enumerate(HASH_STAGES):
            h1, h2 = _apply(op1, a, c), _apply(op3, a, shift)
            add(f"s{k}.1", h1, f"{prev_text} {op1} {c:#x}", _way(op1, prev))
            add(f"s{k}.2", h2, f"{prev_text} {op3} {shift}", _way(op3, prev))
            ways = [_way(op2, f"s{k}.1", f"s{k}.2")]
            if op2 == "+" and op3 == "<<":
                mul = 1 + (1 << shift)
                add(f"s{k}.m", a * mul, f"{prev_text} * {mul}", _way("*", prev))
                ways += [_way("multiply_add", prev), _way("+", f"s{k}.m")]
            a = _apply(op2, h1, h2)
            name = "hashed" if k == len(HASH_STAGES) - 1 else f"hs{k}"
            text = _ref(r, i, "hashed_val") if name == "hashed" else _ref(r, i, "hash_stage", k)
            add(name, a, text, *ways)
            prev, prev_text = name, text
        bit = a & 1
        t_hashed = prev_text
        add("bit", bit, f"{t_hashed} & 1", _way("&", "hashed"), _way("%", "hashed"))
        add(
            "even", 1 - bit, f"{t_hashed} % 2 == 0", _way("==", "bit"), _way("==", "hashed"), _way("^", "bit")
        )
        add(
            "offset",
            1 + bit,
            f"1 + ({t_hashed} & 1)",
            _way("+", "bit"),
            _way("select", "even"),
            _way("select", "bit"),
        )
        add("2idx", 2 * idx, f"2 * {t_idx}", _way("*", "idx"), _way("+", "idx"), _way("<<", "idx"))
        add(
            "2idx+1",
            2 * idx + 1,
            f"2 * {t_idx} + 1",
            _way("multiply_add", "idx"),
            _way("+", "2idx"),
            _way("|", "2idx"),
        )
        add(
            "2idx+2",
            2 * idx + 2,
            f"2 * ({t_idx} + 1)",
            _way("*", "idx+1"),
            _way("+", "idx+1"),
            _way("<<", "idx+1"),
        )
        nxt, t_next = trace[(r, i, "next_idx")], _ref(r, i, "next_idx")
        add(
            "next",
            nxt,
            t_next,
            _way("+", "2idx+1", "bit"),
            _way("+", "2idx", "offset"),
            _way("multiply_add", "idx", "offset"),
            _way("multiply_add", "idx", "bit"),
        )
        add(
            "next+1",
            nxt + 1,
            f"{t_next} + 1",
            _way("multiply_add", "idx+1", "bit"),
            _way("+", "2idx+2", "bit"),
            _way("+", "next"),
        )
        add("cmp", int(nxt < n_nodes), f"{t_next} < n_nodes", _way("<", "next"), _way("<", "next+1"))
        wrapped = trace[(r, i, "wrapped_idx")]
        t_wrapped = _ref(r, i, "wrapped_idx")
        add(
            "wrapped",
            wrapped,
            t_wrapped,
            _way("select", "cmp", "next"),
            _way("select", "cmp"),
            _way("*", "cmp", "next"),
            _way("-", "next+1"),
        )
        add(
            "wrapped+1",
            wrapped + 1,
            f"{t_wrapped} + 1",
            _way("select", "cmp", "next+1"),
            _way("select", "cmp"),
            _way("+", "wrapped"),
        )
    return out


class RefIndex:
    """The entries of each element, by value, built when an element is first asked about."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self._by_element: dict[int, dict[int, list[Entry]]] = {}
        self._everyone: dict[int, list[tuple[int, Entry]]] | None = None

    def _table(self, element: int) -> dict[int, list[Entry]]:
        table = self._by_element.get(element)
        if table is None:
            table = {}
            for entry in element_entries(self.problem, element):
                table.setdefault(entry.value, []).append(entry)
            self._by_element[element] = table
        return table

    def matches(self, element: int, value: int, rounds: Iterable[int] | None = None) -> list[Entry]:
        """The entries of the element with this value, in the given rounds (all by default),
        latest round first."""
        found = self._table(element).get(value, [])
        if rounds is not None:
            allowed = set(rounds)
            found = [e for e in found if e.round in allowed]
        return sorted(found, key=lambda e: (-e.round, " " in e.text))

    def made_by(self, element: int, rounds: Iterable[int], op: str, names: Iterable[set[str]]) -> list[Entry]:
        """The element's entries in those rounds that a slot with this op, reading data whose
        candidate names are `names` (one set per data input), would make."""
        family = op_family(op)
        inputs = [n for n in names if n]
        allowed = set(rounds)
        out = []
        for entries in self._table(element).values():
            for entry in entries:
                if entry.round not in allowed:
                    continue
                for way_op, way_names in entry.ways:
                    if way_op != family:
                        continue
                    if all(n & way_names for n in inputs) and all(
                        any(w in n for n in inputs) for w in way_names
                    ):
                        out.append(entry)
                        break
        return out

    def owners(self, value: int) -> list[tuple[int, Entry]]:
        """(element, entry) of every element whose reference has this value: used to place a
        scratch word whose element is not known from an address."""
        if self._everyone is None:
            everyone: dict[int, list[tuple[int, Entry]]] = {}
            for element in range(self.problem.batch_size):
                for v, entries in self._table(element).items():
                    for entry in entries:
                        everyone.setdefault(v, []).append((element, entry))
            self._everyone = everyone
        return self._everyone.get(value, [])


#: id(problem) -> (a weak reference to it, its index); a problem is a dataclass, so unhashable.
_indexes: dict[int, tuple[weakref.ref[Problem], RefIndex]] = {}


def ref_index(problem: Problem) -> RefIndex:
    """The problem's index, made once and dropped with the problem."""
    found = _indexes.get(id(problem))
    if found is not None and found[0]() is problem:
        return found[1]
    index = RefIndex(problem)
    key = id(problem)
    _indexes[key] = (weakref.ref(problem, lambda _, table=_indexes: table.pop(key, None)), index)
    return index
