"""Origin and uses on hand-built programs whose answers are known."""

import pytest

from machine.problem import make_problem
from vliwdbg.core.expr import Location
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.insight import provenance
from vliwdbg.insight.provenance import ProvenanceError, origin, origin_lines, uses, uses_lines
from vliwdbg.loading.loader import LoadedKernel

PROBLEM = make_problem(height=1, rounds=1, batch_size=2, seed=3)
ADDR = 10  # a memory word inside the 14-word image

NAMES = {0: ("a", 1), 1: ("b", 1), 2: ("sum", 1), 3: ("sq", 1), 4: ("pick", 1), 5: ("ptr", 1), 6: ("got", 1)}

PROGRAM = [
    {"load": [("const", 0, 3), ("const", 1, 4)]},  # step 0: a = 3, b = 4
    {"alu": [("+", 2, 0, 1)]},  # 1: sum = 7
    {"alu": [("*", 3, 2, 2)]},  # 2: sq = 49
    {"alu": [("+", 2, 3, 0)]},  # 3: sum = 52 (the 7 is overwritten)
    {"flow": [("select", 4, 0, 3, 1)]},  # 4: pick = sq (a != 0): reads a and sq, not b
    {"load": [("const", 5, ADDR)]},  # 5: ptr = 10
    {"store": [("store", 5, 4)]},  # 6: m[10] = pick
    {"load": [("load", 6, 5)]},  # 7: got = m[10]
    {"alu": [("^", 7, 6, 0)]},  # 8: s[7] = got ^ a
    {"load": [("const", 8, 1)]},  # 9: s[8] = 1 ...
    {"load": [("const", 8, 2)]},  # 10: ... overwritten unread
    {"debug": [("compare", 8, (0, 0, "idx"))], "alu": [("+", 9, 8, 8)]},  # 11
]


def open_session(interval: int = 4) -> Session:
    kernel = LoadedKernel("test", None, PROGRAM, dict(NAMES), [], 0.0)
    return Session(kernel, PROBLEM, RunOptions(PROBLEM.size, debug=False), checkpoint_interval=interval)


def at(step: int, interval: int = 4) -> Session:
    session = open_session(interval)
    session.goto_step(step)
    assert session.step == step
    return session


def s(addr: int, length: int = 1) -> Location:
    return Location("s", addr, length, f"s[{addr}]")


def m(addr: int) -> Location:
    return Location("m", addr, 1, f"m[{addr}]")


def shape(node) -> tuple:
    """(words, step, slot, children...) of an origin tree, for comparing with hand answers."""
    return (node.space, node.words, node.step, node.engine, tuple(shape(c) for c in node.children))


def test_origin_follows_scratch_memory_and_the_chosen_select_operand():
    session = at(9)
    before = (session.step, list(session.scratch), list(session.mem), session.pc)
    [root] = origin(session, s(7), depth=10)
    const_a = ("s", (0,), 0, "load", ())
    const_ptr = ("s", (5,), 5, "load", ())
    sum7 = ("s", (2,), 1, "alu", (const_a, ("s", (1,), 0, "load", ())))
    pick = ("s", (4,), 4, "flow", (const_a, ("s", (3,), 2, "alu", (sum7,))))
    stored = ("m", (ADDR,), 6, "store", (const_ptr, pick))
    got = ("s", (6,), 7, "load", (const_ptr, stored))
    assert shape(root) == ("s", (7,), 8, "alu", (got, const_a))
    assert root.values == (49 ^ 3,)
    # the ptr const is reached twice: the second time it is marked, not expanded again
    assert root.children[0].children[1].children[0].repeated
    # the session did not move
    assert (session.step, list(session.scratch), list(session.mem), session.pc) == before


def test_origin_text_is_a_tree_with_names_and_slots():
    session = at(9)
    lines = origin_lines(session, origin(session, s(7), depth=1))
    assert lines[0] == "s[7] = 50: step 8 (cycle 8), pc 8 alu[0]: s[7] = got ^ a"
    assert lines[1] == "├─ got = 49: step 7 (cycle 7), pc 7 load[0]: " + session.named_slot(7, "load", 0)
    assert lines[2] == "│  └─ ... (deeper: ask `info origin` at that step)"
    assert lines[3] == "└─ a = 3: step 0 (cycle 0), pc 0 load[0]: " + session.named_slot(0, "load", 0)


def test_origin_of_words_never_written():
    session = at(3)
    [node] = origin(session, s(20))
    assert node.step is None
    assert origin_lines(session, [node]) == ["s[20] = 0: never written (scratch starts at 0)"]
    [mem] = origin(session, m(3))
    assert mem.step is None and mem.values == (PROBLEM.initial[3],)
    assert "never stored to" in origin_lines(session, [mem])[0]


@pytest.mark.parametrize(("window", "fine"), [(2, 1), (3, 2), (8192, 64)])
def test_origin_searches_back_across_windows_and_checkpoints(monkeypatch, window, fine):
    monkeypatch.setattr(provenance, "WINDOW", window)
    monkeypatch.setattr(provenance, "FINE", fine)
    session = at(12, interval=2)
    [root] = origin(session, m(ADDR), depth=0)
    assert (root.step, root.engine, root.pc) == (6, "store", 6)
    [deep] = origin(session, s(7), depth=10)
    assert shape(deep) == shape(origin(at(9), s(7), depth=10)[0])
    [a] = origin(session, s(0), depth=0)
    assert a.step == 0
    assert session.step == 12


def test_origin_groups_a_vector_by_writer():
    program = [
        {"load": [("const", 0, 5)]},
        {"valu": [("vbroadcast", 8, 0)]},
        {"alu": [("+", 10, 0, 0)]},
    ]
    kernel = LoadedKernel("vec", None, program, {8: ("v", 8)}, [], 0.0)
    session = Session(kernel, PROBLEM, checkpoint_interval=4)
    session.goto_step(3)
    nodes = origin(session, Location("s", 8, 8, "v"))
    assert [(n.words, n.step) for n in nodes] == [((8, 9, 11, 12, 13, 14, 15), 1), ((10,), 2)]
    lines = origin_lines(session, nodes)
    assert lines[0].startswith("v[0:2], v[3:8] = [5, 5, 5, 5, 5, 5, 5]: step 1 (cycle 1), pc 1 valu[0]")
    assert lines[2].startswith("v[2] = 10: step 2 (cycle 2), pc 2 alu[0]")


def test_uses_until_overwritten():
    session = at(2)
    report = uses(session, s(2))
    assert [(u.step, u.engine) for u in report.uses] == [(2, "alu")]
    assert [(w.step, w.engine) for w in report.overwrites] == [(3, "alu")]
    assert report.ended == "overwritten"
    text = uses_lines(session, report)
    assert text[0] == "sum = 7 at step 2; read by:"
    assert text[-1].startswith("overwritten at step 3 (cycle 3) by pc 3 alu[0]")
    assert session.step == 2


def test_uses_skip_the_select_candidate_not_chosen():
    report = uses(at(1), s(1))
    assert [u.step for u in report.uses] == [1]  # the select at step 4 reads sq, not b
    assert report.open_words == (1,) and report.ended == "end"


def test_uses_of_memory_and_of_a_dead_value():
    report = uses(at(7), m(ADDR))
    assert [(u.step, u.engine) for u in report.uses] == [(7, "load")]
    session = at(10)
    dead = uses(session, s(8))
    assert dead.uses == [] and [w.step for w in dead.overwrites] == [10]
    assert uses_lines(session, dead)[-1] == "a dead value: no slot reads it before it is overwritten"


def test_uses_list_compares_apart_and_stops_at_the_limit():
    session = at(11)
    report = uses(session, s(8))
    assert [(u.step, u.engine, u.debug) for u in report.uses] == [(11, "debug", True), (11, "alu", False)]
    limited = uses(at(2), s(0), limit=2)
    assert len(limited.uses) == 2 and limited.more


def test_too_many_words_is_refused():
    with pytest.raises(ProvenanceError, match="at most 64"):
        uses(at(0), Location("m", 0, 65, "m[0:65]"))
