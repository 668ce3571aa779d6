"""The engine's run API: every stop condition, snapshots, recorded writes, reads and writes
of a bundle, skipping a divergence, and the prepared-program cache."""

from __future__ import annotations

import pytest

from machine.check import check_program
from machine.engine import Core, Prepared, StopSpec, Write, prepare
from machine.faults import CompareFault, MachineFault
from machine.isa import CoreState

# A small loop, six turns: s[0] counts up, s[4] = (old s[0] < 5), m[40] gets the count.
LOOP = [
    {"load": [("const", 0, 0), ("const", 1, 1)]},  # 0
    {"load": [("const", 3, 5), ("const", 2, 40)]},  # 1
    {"alu": [("+", 0, 0, 1), ("<", 4, 0, 3)], "valu": [("+", 8, 8, 16)]},  # 2
    {"valu": [("vbroadcast", 16, 0)], "debug": [("comment", "free")]},  # 3
    {"store": [("store", 2, 0)], "flow": [("cond_jump_rel", 4, -3)]},  # 4
    {"flow": [("pause",)]},  # 5
    {"load": [("load", 5, 2)]},  # 6
    {"flow": [("halt",)]},  # 7
    {"alu": [("+", 6, 6, 6)]},  # 8 (never reached)
]
MEM = [0] * 64


def loop_core(compiled: bool = False, **kwargs) -> Core:
    prepared = Prepared(LOOP)
    if compiled:
        prepared.compile_all(kwargs.get("enable_debug", True))
    return Core(prepared, MEM, **kwargs)


@pytest.fixture(params=[False, True], ids=["interpreted", "compiled"])
def compiled(request):
    return request.param


def test_runs_to_pause_then_halt(compiled):
    core = loop_core(compiled)
    result = core.run(StopSpec())
    assert (result.reason, core.pc, core.state) == ("pause", 6, CoreState.PAUSED)
    assert result.steps == 2 + 6 * 3 + 1
    assert core.mem[40] == 6 and core.scratch[0] == 6
    result = core.run(StopSpec())
    assert (result.reason, result.steps, core.pc, core.state) == ("halt", 2, 8, CoreState.STOPPED)
    assert core.scratch[5] == 6
    assert core.run(StopSpec()).reason == "halt"
    assert core.step() is None and core.pc == 8


def test_cycles_skip_debug_only_bundles_but_count_empty_engines():
    program = [{"debug": [("comment", "x")]}, {}, {"alu": []}, {"debug": []}, {"load": [("const", 0, 1)]}]
    core = Core(prepare(program), [0])
    assert core.run().reason == "end"
    assert (core.cycle, core.steps, core.pc) == (2, 5, 5)


def test_stop_at_pc_never_on_the_first_bundle(compiled):
    core = loop_core(compiled)
    result = core.run(StopSpec(pcs=frozenset({2})))
    assert (result.reason, result.steps, core.pc) == ("pc", 2, 2)
    result = core.run(StopSpec(pcs=frozenset({2})))
    assert (result.reason, result.steps, core.pc, core.scratch[0]) == ("pc", 3, 2, 1)


def test_max_steps_and_cycle(compiled):
    core = loop_core(compiled)
    result = core.run(StopSpec(max_steps=4))
    assert (result.reason, result.steps, core.steps, core.pc) == ("steps", 4, 4, 4)
    result = core.run(StopSpec(cycle=7))
    assert result.reason == "cycle" and core.cycle == 7
    before = core.steps
    result = core.run(StopSpec(cycle=7))
    assert result.reason == "cycle" and result.steps == 1 and core.steps == before + 1
    assert core.run(StopSpec(max_steps=0)).steps == 0


def test_cycle_stop_counts_only_costly_bundles():
    program = [{"debug": [("comment", "x")]}] * 3 + [{"load": [("const", 0, 1)]}] * 3
    core = Core(Prepared(program), [0])
    result = core.run(StopSpec(cycle=2))
    assert (result.reason, result.steps, core.cycle) == ("cycle", 5, 2)


def test_watch_scratch_and_memory_stop_after_a_change(compiled):
    core = loop_core(compiled)
    result = core.run(StopSpec(watch_scratch=frozenset({4})))
    assert (result.reason, result.steps, core.pc) == ("watch", 3, 3)
    assert result.changes == [Write("s", 4, 0, 1)]
    # s[4] is written 1 again on the next turns (no change), then 0 when the loop ends.
    result = core.run(StopSpec(watch_scratch=frozenset({4})))
    assert (result.reason, core.pc, result.changes) == ("watch", 3, [Write("s", 4, 1, 0)])
    core = loop_core(compiled)
    result = core.run(StopSpec(watch_mem=frozenset({40})))
    assert (result.reason, core.pc, result.changes) == ("watch", 2, [Write("m", 40, 0, 1)])
    result = core.run(StopSpec(watch_mem=frozenset({41})))
    assert result.reason == "pause" and result.changes == []


def test_read_watch_stops_before_the_reading_bundle(compiled):
    core = loop_core(compiled)
    result = core.run(StopSpec(read_scratch=frozenset({16})))
    assert (result.reason, core.pc, result.steps) == ("read", 2, 2)
    result = core.run(StopSpec(read_scratch=frozenset({16})))
    assert (result.reason, core.pc) == ("read", 2)
    core = loop_core(compiled)
    core.run()
    assert core.run(StopSpec(read_mem=frozenset({40}))).reason == "halt"
    program = [{"load": [("const", 0, 5)]}, {"load": [("const", 1, 6)]}, {"load": [("load", 2, 0)]}]
    core = Core(Prepared(program), list(range(8)))
    result = core.run(StopSpec(read_mem=frozenset({5})))
    assert (result.reason, core.pc) == ("read", 2)
    core = Core(Prepared(program), list(range(8)))
    assert core.run(StopSpec(read_mem=frozenset({6}))).reason == "end"


def test_predicate_is_checked_before_each_bundle_but_the_first(compiled):
    core = loop_core(compiled)
    seen = []

    def predicate(c: Core) -> bool:
        seen.append(c.pc)
        return c.scratch[0] == 3

    result = core.run(StopSpec(predicate=predicate))
    assert result.reason == "predicate" and core.scratch[0] == 3 and core.pc == 3
    assert seen[0] == 1
    assert core.run(StopSpec(predicate=lambda c: True)).steps == 1


def test_faults_are_returned_with_the_state_before_the_bundle(compiled):
    program = [{"load": [("const", 0, 7)]}, {"alu": [("+", 1, 0, 0)], "store": [("store", 0, 0)]}]
    prepared = Prepared(program)
    if compiled:
        prepared.compile_all()
    core = Core(prepared, [0] * 4)
    result = core.run()
    assert (result.reason, result.steps, result.fault.pc, result.fault.engine) == ("fault", 1, 1, "store")
    assert (core.pc, core.cycle, core.steps, core.scratch[1], core.state) == (1, 1, 1, 0, CoreState.RUNNING)
    with pytest.raises(MachineFault):
        core.step()
    assert (core.pc, core.cycle, core.steps) == (1, 1, 1)


def test_a_faulting_bundle_that_is_never_reached_does_not_stop_a_run():
    program = [{"flow": [("jump", 2)]}, {"alu": [("+", 1, 2, 5000)]}, {"flow": [("halt",)]}]
    assert Core(prepare(program), [0]).run().reason == "halt"
    assert [f.pc for f in prepare(program).findings] == [1]


TRACE = {("a",): 7, ("b",): 1}
DIVERGES = [
    {"load": [("const", 0, 7)]},
    {"debug": [("compare", 0, ("a",))]},
    {"debug": [("compare", 0, ("b",))], "alu": [("+", 1, 0, 0)]},
    {"load": [("const", 2, 3)]},
]


def test_compare_stops_before_its_bundle_and_skip_debug_steps_over_it(compiled):
    prepared = Prepared(DIVERGES)
    if compiled:
        prepared.compile_all()
    core = Core(prepared, [0], value_trace=TRACE)
    result = core.run()
    assert result.reason == "compare" and isinstance(result.fault, CompareFault)
    assert (result.fault.key, result.fault.found, result.fault.expected, core.pc) == (("b",), 7, 1, 2)
    assert core.scratch[1] == 0
    result = core.run(StopSpec(skip_first_debug=True))
    assert (result.reason, core.scratch[1:3], core.cycle) == ("end", [14, 3], 3)
    core = Core(prepared, [0], value_trace=TRACE)
    core.run()
    assert core.step(skip_debug=True) is None and core.pc == 3
    core = Core(prepared, [0], value_trace=TRACE, enable_debug=False)
    assert core.run().reason == "end"


def test_step_record_gives_effective_writes_in_order():
    program = [
        {"load": [("const", 5, 9), ("const", 6, 2)]},
        {"alu": [("+", 1, 5, 5), ("-", 2, 5, 5), ("*", 1, 5, 6)], "valu": [("vbroadcast", 8, 5)]},
        {"store": [("store", 6, 5), ("vstore", 6, 8)], "load": [("const", 2, 0)]},
    ]
    core = Core(prepare(program), [1] * 16)
    assert core.step(record=True) == [Write("s", 5, 0, 9), Write("s", 6, 0, 2)]
    writes = core.step(record=True)
    assert writes[:2] == [Write("s", 1, 0, 18), Write("s", 2, 0, 0)]
    assert [w.addr for w in writes[2:]] == list(range(8, 16))
    assert all(w.new == 9 for w in writes[2:])
    writes = core.step(record=True)
    assert writes[0] == Write("s", 2, 0, 0)
    assert writes[1:] == [Write("m", 2 + i, 1, 9) for i in range(8)]
    assert core.step(record=True) == [] and core.state == CoreState.STOPPED


def test_snapshot_restore_round_trips(compiled):
    core = loop_core(compiled)
    start = core.snapshot()
    core.run(StopSpec(max_steps=7))
    middle = core.snapshot()
    core.run()
    core.run()
    end = core.snapshot()
    scratch, mem = core.scratch, core.mem
    core.restore(middle)
    assert core.scratch is scratch and core.mem is mem
    assert (core.pc, core.steps, core.state) == (middle.pc, 7, CoreState.RUNNING)
    core.run()
    core.run()
    assert core.snapshot() == end
    core.restore(start)
    assert core.snapshot() == start and core.scratch == [0] * len(core.scratch)
    core.restore(end)
    assert core.snapshot() == end


def test_snapshot_keeps_the_trace_buffer():
    program = [{"load": [("const", 0, 3)]}, {"flow": [("trace_write", 0)]}, {"flow": [("trace_write", 0)]}]
    core = Core(prepare(program), [0])
    first = core.snapshot()
    core.run()
    assert core.trace_buf == [3, 3]
    last = core.snapshot()
    core.restore(first)
    assert core.trace_buf == []
    core.restore(last)
    assert core.trace_buf == [3, 3]


def test_reads_and_bundle_writes():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 1)]},
        {
            "alu": [("+", 2, 0, 1)],
            "flow": [("select", 3, 1, 4, 5)],
            "load": [("load", 6, 0), ("vload", 8, 1)],
            "store": [("vstore", 0, 16)],
            "debug": [("compare", 7, ("k",))],
        },
    ]
    core = Core(prepare(program), list(range(32)))
    assert core.reads() == (set(), set())
    assert core.bundle_writes() == ({0, 1}, set())
    core.step()
    rs, rm = core.reads()
    assert rs == {0, 1, 4} | set(range(16, 24))
    assert rm == {5} | set(range(1, 9))
    ws, wm = core.bundle_writes()
    assert ws == {2, 3, 6} | set(range(8, 16))
    assert wm == set(range(5, 13))
    assert core.reads(pc=0) == (set(), set()) and core.reads(pc=99) == (set(), set())


def test_prepare_caches_per_program_and_notices_changes():
    program = [{"load": [("const", 0, 1)]}, {"alu": [("+", 1, 0, 0)]}]
    prepared = prepare(program)
    assert prepare(program) is prepared
    prepared.compile_all()
    core = Core(prepare(program), [0])
    core.run()
    assert core.scratch[1] == 2
    program[1]["alu"][0] = ("*", 1, 0, 0)
    changed = prepare(program)
    assert changed is not prepared
    core = Core(changed, [0])
    core.run()
    assert core.scratch[1] == 1
    assert prepare(list(program)) is not changed
    assert prepare(program, scratch_size=64) is not changed
    program.append({"load": [("const", 2, 5)]})
    core = Core(prepare(program), [0])
    core.run()
    assert (core.scratch[2], core.pc) == (5, 3)


def test_memory_must_hold_words():
    with pytest.raises(ValueError, match="address 1"):
        Core(prepare([]), [0, -1])


def test_core_id_is_what_coreid_gives():
    program = [{"flow": [("coreid", 0)]}]
    core = Core(prepare(program), [0], core_id=3)
    core.run()
    assert core.scratch[0] == 3


def test_check_program_findings():
    program = [
        {"alu": [("+", 1, 2, 3)]},
        ["not a bundle"],
        {"vector": []},
        {"alu": [("nope", 1, 2, 3), ("+", 1, 2), ("+", 1, "x", 2), ("+", -1, 2, 1536)]},
        {"valu": [("+", 1529, 0, 8)], "load": [("load_offset", 0, 1530, 7)]},
        {"load": [("const", 0, 1)] * 3},
        {"flow": [("select", 0, 1, 2, 5000)]},
        {"flow": [("jump", -1)]},
        {"flow": [("cond_jump_rel", 0, -10)]},
        {"debug": [("compare", 5000, ("k",)), ("vcompare", 0, [1, 2]), ("comment", "fine")]},
    ]
    findings = check_program(program)
    where = [(f.pc, f.engine, f.slot_index, f.severity) for f in findings]
    assert where == [
        (1, None, None, "error"),
        (2, "vector", None, "error"),
        (3, "alu", 0, "error"),
        (3, "alu", 1, "error"),
        (3, "alu", 2, "error"),
        (3, "alu", 3, "error"),
        (3, "alu", 3, "error"),
        (4, "valu", 0, "error"),
        (4, "load", 0, "error"),
        (5, "load", None, "error"),
        (6, "flow", 0, "warning"),
        (7, "flow", 0, "error"),
        (8, "flow", 0, "error"),
        (9, "debug", 0, "error"),
        (9, "debug", 1, "error"),
    ]
    messages = [f.message for f in findings]
    assert messages[2] == "unknown alu op 'nope'"
    assert messages[3] == "+ takes 3 operands, got 2"
    assert "1529..1536" in messages[7] and "1537" in messages[8]
    assert "jump target -1" in messages[11] and "negative pc -1" in messages[12]
    assert str(findings[2]).startswith("pc 3, alu slot 0 ('nope', 1, 2, 3): ")
    assert check_program({"not": "a list"})[0].message.startswith("a program is a list")


def test_a_paused_core_that_faults_on_step_stays_paused():
    program = [{"flow": [("pause",)]}, {"alu": [("//", 0, 0, 0)]}]
    core = Core(prepare(program), [0])
    assert core.run().reason == "pause"
    with pytest.raises(MachineFault):
        core.step()
    assert (core.state, core.pc, core.cycle) == (CoreState.PAUSED, 1, 1)
