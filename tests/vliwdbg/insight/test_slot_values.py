"""What each slot reads and writes at the current position, against values worked out here."""

from __future__ import annotations

from pathlib import Path

from machine.problem import ProblemSize
from tests.vliwdbg.core_fixtures import Driven, session
from vliwdbg.core.options import RunOptions
from vliwdbg.insight.focus import location_words, stop_words
from vliwdbg.insight.slot_values import bundle_values

DENSE = Path(__file__).resolve().parents[2] / "fixtures" / "kernels" / "dense_fork"

PROGRAM = [
    {"load": [("const", 0, 5), ("const", 1, 7)]},
    {"alu": [("+", 2, 0, 1), ("*", 3, 0, 1)], "flow": [("select", 4, 0, 1, 0)]},
    {"alu": [("-", 5, 1, 0)]},
]


def test_the_next_bundle_shows_each_write_before_and_after_and_its_sources():
    s = session(PROGRAM)
    s.forward(1)
    slots = bundle_values(s, 1)
    assert [(v.engine, v.index) for v in slots] == [("alu", 0), ("alu", 1), ("flow", 0)]
    add, mul, select = slots
    assert [(w.word, w.before, w.after) for w in add.writes] == [(("s", 2), 0, 12)]
    assert [(w.word, w.before, w.after) for w in mul.writes] == [(("s", 3), 0, 35)]
    assert dict(add.reads) == {("s", 0): 5, ("s", 1): 7}
    # s[0] is 5 (nonzero), so the select takes s[1]: its sources are the condition and s[1].
    assert select.writes[0].after == 7 and set(select.writes[0].sources) == {("s", 0), ("s", 1)}
    assert s.step == 1  # the session did not move


def test_another_bundle_has_values_now_and_no_after():
    s = session(PROGRAM)
    s.forward(1)
    (sub,) = bundle_values(s, 2)
    assert [(w.word, w.before, w.after) for w in sub.writes] == [(("s", 5), 0, None)]
    assert dict(sub.reads) == {("s", 0): 5, ("s", 1): 7}
    assert bundle_values(s, 99) == []


def test_a_bundle_that_faults_has_no_after():
    bad = session([{"load": [("const", 1, 10**6)]}, {"load": [("load", 0, 1)]}])
    bad.forward(1)
    (load,) = bundle_values(bad, 1)
    assert load.writes[0].after is None


def test_a_store_check_divergence_is_about_the_element_stored():
    s = Driven.open(str(DENSE / "wrong_mul" / "perf_takehome.py"), RunOptions(ProblemSize(3, 3, 32)))
    s.execute("continue")
    stop = s.execute("continue").stop
    assert stop is not None and stop.kind == "divergence" and "indices[0]" in stop.message
    start = s.regions["indices"][0]
    assert stop_words(s)[0] == ("m", start)


def test_a_watchpoint_is_about_the_word_it_watched():
    s = Driven.open(str(DENSE / "perf_takehome.py"), RunOptions(ProblemSize(3, 3, 32)))
    s.execute("watch values[5]")
    stop = s.execute("continue").stop
    assert stop is not None and stop.kind == "watchpoint"
    assert stop_words(s) == (("m", s.regions["values"][0] + 5),)
    assert location_words(s, "values[100]") == ()
    assert location_words(s, "values[3]") == (("m", s.regions["values"][0] + 3),)


def test_a_failed_compare_is_about_its_scratch_word_and_element():
    program = [
        {"load": [("const", 0, 1)]},
        {"debug": [("compare", 0, (0, 2, "val"))]},
    ]
    s = session(program, check_stores=False)
    stop = s.execute("continue").stop
    assert stop is not None and stop.kind == "divergence"
    assert stop_words(s) == (("s", 0), ("m", s.regions["values"][0] + 2))
