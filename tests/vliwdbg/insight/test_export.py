"""Trace export: the file parses as JSON and holds the events of the range asked for."""

import json

import pytest

from machine.problem import ProblemSize, make_problem
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.insight.export import ExportError, export_trace
from vliwdbg.loading.loader import LoadedKernel

PROBLEM = make_problem(height=1, rounds=1, batch_size=2, seed=3)
PROGRAM = [
    {"load": [("const", 0, 3), ("const", 1, 4)]},  # cycle 0
    {"debug": [("comment", "free")]},  # no cycle, no events
    {"alu": [("+", 2, 0, 1), ("*", 3, 0, 1)]},  # cycle 1
    {"flow": [("pause",)]},  # cycle 2
    {"valu": [("vbroadcast", 8, 2)]},  # cycle 3
    {"flow": [("halt",)]},  # cycle 4
]
NAMES = {0: ("a", 1), 1: ("b", 1), 2: ("sum", 1), 8: ("v", 8)}


def open_session() -> Session:
    return Session(LoadedKernel("t", None, PROGRAM, dict(NAMES), [], 0.0), PROBLEM, checkpoint_interval=2)


def ops(events: list[dict]) -> list[tuple]:
    """(cycle, op, thread) of the slot events; threads: alu 1-12, valu 13-18, load 19-20,
    store 21-22, flow 23."""
    return [
        (e["ts"], e["name"], e["tid"]) for e in events if e.get("cat") == "op" and e["pid"] == 0 and e["dur"]
    ]


def test_whole_run_parses_back_with_slot_and_scratch_events(tmp_path):
    session = open_session()
    path = tmp_path / "t.json"
    done = export_trace(session, path)
    events = json.loads(path.read_text())
    assert ops(events) == [
        (0, "const", 19),
        (0, "const", 20),
        (1, "+", 1),
        (1, "*", 2),
        (2, "pause", 23),
        (3, "vbroadcast", 13),
        (4, "halt", 23),
    ]
    scratch = [(e["ts"], e["name"], e["tid"]) for e in events if e.get("pid") == 1 and e.get("ph") == "X"]
    assert scratch == [
        (0, "3", 100000),
        (0, "4", 100001),
        (1, "7", 100002),
        (3, "7, 7, 7, 7, 7, 7, 7, 7", 100008),
    ]
    first = events[0]
    assert first == {"name": "process_name", "ph": "M", "pid": 0, "tid": 0, "args": {"name": "Core 0"}}
    assert (done.from_cycle, done.to_cycle, done.bundles) == (0, 5, 5)
    assert done.line().startswith(f"wrote {path}: cycles 0..5, 5 bundles")
    assert session.step == 0


def test_a_range_of_cycles_from_anywhere_in_history(tmp_path):
    session = open_session()
    session.goto_step(6)
    path = tmp_path / "r.json"
    done = export_trace(session, path, 1, 3)
    assert ops(json.loads(path.read_text())) == [(1, "+", 1), (1, "*", 2), (2, "pause", 23)]
    assert (done.from_cycle, done.to_cycle) == (1, 3)
    assert session.step == 6


def test_bad_ranges_and_paths_are_one_line_errors(tmp_path):
    session = open_session()
    with pytest.raises(ExportError, match="empty"):
        export_trace(session, tmp_path / "x.json", 3, 3)
    with pytest.raises(ExportError, match="is a directory"):
        export_trace(session, tmp_path)
    with pytest.raises(ExportError, match="cannot write"):
        export_trace(session, tmp_path / "missing" / "x.json")


@pytest.mark.parametrize("kernel", ["hand-built", "baseline", "three-lane"])
def test_the_whole_run_matches_the_drop_in_machines_trace(tmp_path, monkeypatch, kernel):
    from machine import DebugInfo
    from machine.simulator import Machine

    if kernel == "hand-built":
        session = Session(LoadedKernel("t", None, PROGRAM, dict(NAMES), [], 0.0), PROBLEM)
    else:
        session = Session.open(kernel, RunOptions(ProblemSize(height=2, rounds=1, batch_size=4)))
    monkeypatch.chdir(tmp_path)
    machine = Machine(
        session.problem.initial, session.program, DebugInfo(session.kernel.scratch_map), trace=True
    )
    machine.enable_debug = False
    for _ in range(3):  # through both pauses to the end, as the harness does
        machine.run()
    theirs = json.loads((tmp_path / "trace.json").read_text())
    export_trace(session, tmp_path / "ours.json")
    ours = json.loads((tmp_path / "ours.json").read_text())
    # Our events also carry the kernel line that made each slot; the rest is theirs exactly.
    sources = [event["args"].pop("source") for event in ours if "source" in event.get("args", {})]
    assert ours == theirs
    ops = [event for event in theirs if "slot" in event.get("args", {})]
    if kernel == "hand-built":
        assert sources == []
    else:
        assert len(sources) == len(ops) and all(":" in source for source in sources)


def stepwise_export(session: Session, path, from_cycle=None, to_cycle=None):
    """The export as it was written before it walked the core (`Core.walk`): one
    `step_over` per bundle. Kept here as the oracle of the faster walk."""
    from machine.isa import CoreState
    from machine.trace import TraceWriter
    from vliwdbg.insight.export import Exported, _scratch_writes
    from vliwdbg.insight.sidecore import side_core_at_cycle, step_over

    writer = TraceWriter(1, session.kernel.scratch_map)
    program = session.program
    core = side_core_at_cycle(session, from_cycle or 0)
    begin, budget, bundles = core.cycle, core.steps + session.options.max_steps, 0
    smap = session.source_map
    if smap is None and session.source_waits:
        smap = session.wait_for_source_map(None)
    while (to_cycle is None or core.cycle < to_cycle) and core.steps < budget:
        pc = core.pc
        if core.state == CoreState.STOPPED or not 0 <= pc < len(program):
            break
        cycle = core.cycle
        if not step_over(core):
            break
        written = _scratch_writes(program[pc])
        if written is not None:
            sources = None
            if smap is not None:
                sources = {(e, i): str(chain[0]) for e, i, chain in smap.slot_chains(pc) if chain}
            writer.add_bundle(0, cycle, program[pc], written, core.scratch, sources)
            bundles += 1
    writer.write(path)
    return Exported(path, begin, core.cycle, bundles, len(writer))


FAULTS_LATE = [
    {"load": [("const", 0, 3), ("const", 1, 0)]},
    {"debug": [("compare", 0, (0, 0, "idx"))]},  # fails: the reference's idx is 0
    {"alu": [("+", 2, 0, 1)], "flow": [("pause",)]},
    {"alu": [("//", 3, 0, 1)]},  # divides by zero
    {"alu": [("+", 4, 0, 0)]},
]


@pytest.mark.parametrize(
    ("kernel", "span"),
    [
        ("hand-built", (None, None)),
        ("hand-built", (1, 4)),
        ("faults late", (None, None)),
        ("baseline", (None, None)),
        ("baseline", (40, 300)),
        ("three-lane", (None, None)),
        ("vector", (5, 90)),
    ],
)
def test_the_walk_writes_what_stepping_wrote(tmp_path, kernel, span):
    if kernel == "hand-built":
        session = open_session()
    elif kernel == "faults late":
        session = Session(LoadedKernel("f", None, FAULTS_LATE, {}, [], 0.0), PROBLEM)
    else:
        session = Session.open(kernel, RunOptions(ProblemSize(height=2, rounds=1, batch_size=8)))
    old = stepwise_export(session, tmp_path / "old.json", *span)
    new = export_trace(session, tmp_path / "new.json", *span)
    assert (tmp_path / "new.json").read_bytes() == (tmp_path / "old.json").read_bytes()
    assert (new.from_cycle, new.to_cycle, new.bundles, new.events) == (
        old.from_cycle,
        old.to_cycle,
        old.bundles,
        old.events,
    )
