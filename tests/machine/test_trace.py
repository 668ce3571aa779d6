"""The trace-event file: the layout of ISA.md, strictly valid JSON, and the events of a real run."""

from __future__ import annotations

import json

import pytest

from machine import BASE_ADDR_TID, SLOT_LIMITS, DebugInfo, Machine
from machine.isa import OPERAND_ROLES, VLEN
from machine.trace import TraceWriter, named_slot, slot_tids

SCRATCH_MAP = {0: ("a", 1), 8: ("vec", 8), 20: ("b", 1), 30: ("pair", 2)}
ENGINES = ("alu", "valu", "load", "store", "flow")


def strict_json(text: str) -> list[dict]:
    """Parse as JSON proper: NaN, Infinity and trailing commas are errors."""

    def reject(token: str) -> float:
        raise ValueError(f"not strict JSON: {token}")

    events = json.loads(text, parse_constant=reject)
    assert isinstance(events, list)
    return events


def thread_names(events: list[dict], pid: int) -> dict[int, str]:
    return {
        e["tid"]: e["args"]["name"]
        for e in events
        if e["ph"] == "M" and e["name"] == "thread_name" and e["pid"] == pid
    }


def process_names(events: list[dict]) -> dict[int, str]:
    return {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}


def test_slot_threads_are_numbered_in_slot_limits_order():
    tids = slot_tids()
    expected = [(e, i) for e in SLOT_LIMITS if e != "debug" for i in range(SLOT_LIMITS[e])]
    assert list(tids) == expected
    assert list(tids.values()) == list(range(1, len(expected) + 1))
    assert tids[("flow", 0)] == 23


@pytest.mark.parametrize("n_cores", [1, 2])
def test_layout_of_an_empty_trace(n_cores):
    events = strict_json(TraceWriter(n_cores, SCRATCH_MAP).dumps())
    names = process_names(events)
    assert names == {c: f"Core {c}" for c in range(n_cores)} | {
        n_cores + c: f"Core {c} Scratch" for c in range(n_cores)
    }
    slot_threads = {t: f"{e}-{i}" for (e, i), t in slot_tids().items()}
    for c in range(n_cores):
        assert thread_names(events, c) == slot_threads
        inits = [e for e in events if e["ph"] == "X" and e["pid"] == c]
        assert sorted(e["tid"] for e in inits) == sorted(slot_threads)
        assert all((e["name"], e["ts"], e["dur"]) == ("init", 0, 0) for e in inits)
        assert thread_names(events, n_cores + c) == {
            BASE_ADDR_TID + addr: f"{name}-{length}" for addr, (name, length) in SCRATCH_MAP.items()
        }


def test_a_bundle_makes_one_event_per_slot_and_one_per_written_entry():
    w = TraceWriter(1, SCRATCH_MAP)
    bundle = {
        "alu": [("+", 0, 20, 20), ("*", 31, 0, 0)],
        "debug": [("compare", 0, "k"), ("comment", "x")],
        "load": [("const", 20, 8)],
        "valu": [("vbroadcast", 8, 0)],
    }
    scratch = list(range(100, 164))
    w.add_bundle(0, 41, bundle, [0, 31, 20, *range(8, 16)], scratch)
    events = [e for e in strict_json(w.dumps()) if e["ph"] == "X" and e["name"] != "init"]
    slots = [e for e in events if e["pid"] == 0]
    tids = slot_tids()
    assert [(e["name"], e["tid"]) for e in slots] == [
        ("+", tids[("alu", 0)]),
        ("*", tids[("alu", 1)]),
        ("const", tids[("load", 0)]),
        ("vbroadcast", tids[("valu", 0)]),
    ]
    for e in slots:
        assert (e["cat"], e["ts"], e["dur"]) == ("op", 41, 1)
    assert slots[0]["args"] == {"slot": "('+', 0, 20, 20)", "named": "('+', 'a', 'b', 'b')"}
    assert slots[1]["args"]["named"] == "('*', 31, 'a', 'a')"
    assert slots[2]["args"] == {"slot": "('const', 20, 8)", "named": "('const', 'b', 8)"}
    assert slots[3]["args"]["named"] == "('vbroadcast', 'vec', 'a')"
    entries = [e for e in events if e["pid"] == 1]
    assert [(e["tid"] - BASE_ADDR_TID, e["name"]) for e in entries] == [
        (0, "100"),
        (8, ", ".join(str(v) for v in range(108, 116))),
        (20, "120"),
        (30, "130, 131"),
    ]
    assert all((e["ts"], e["dur"], e["ph"]) == (41, 1, "X") for e in entries)
    assert len(w) == len(events)


def test_an_entry_written_in_one_word_shows_all_its_words_and_unnamed_words_show_nothing():
    w = TraceWriter(2, SCRATCH_MAP)
    w.add_bundle(1, 3, {"alu": [("+", 13, 50, 50)]}, [13, 50], [7] * 64)
    events = [e for e in strict_json(w.dumps()) if e["ph"] == "X" and e["name"] != "init"]
    assert [(e["pid"], e["tid"], e["name"]) for e in events] == [
        (1, 1, "+"),
        (3, BASE_ADDR_TID + 8, ", ".join(["7"] * 8)),
    ]


def test_a_bundle_of_debug_slots_makes_no_events():
    w = TraceWriter(1, SCRATCH_MAP)
    w.add_bundle(0, 0, {"debug": [("compare", 0, "k")]}, [], [0] * 64)
    assert len(w) == 0


def test_core_id_is_checked():
    with pytest.raises(ValueError, match="core id 2"):
        TraceWriter(2, {}).add_bundle(2, 0, {}, [], [])


@pytest.mark.parametrize(
    "engine,slot,named",
    [
        ("load", ("const", 8, 8), ("const", "vec", 8)),
        ("load", ("load_offset", 0, 8, 20), ("load_offset", "a", "vec", 20)),
        ("flow", ("jump", 0), ("jump", 0)),
        ("flow", ("cond_jump", 20, 0), ("cond_jump", "b", 0)),
        ("flow", ("add_imm", 20, 20, 20), ("add_imm", "b", "b", 20)),
        ("valu", ("multiply_add", 8, 9, 8, 0), ("multiply_add", "vec", 9, "vec", "a")),
        ("debug", ("compare", 0, (0, 0, "val")), ("compare", "a", (0, 0, "val"))),
        ("debug", ("comment", 0), ("comment", 0)),
        ("alu", ("frob", 0, 0, 0), ("frob", 0, 0, 0)),
        ("alu", ("+", 0, 0), ("+", 0, 0)),
    ],
)
def test_named_slot_renames_only_scratch_operands(engine, slot, named):
    assert named_slot(engine, slot, SCRATCH_MAP) == named


# ---- Machine(trace=True) ----

PROGRAM = [
    {"load": [("const", 0, 3), ("const", 20, 1)]},
    {"valu": [("vbroadcast", 8, 0)], "debug": [("comment", "loop")]},
    {"alu": [("-", 0, 0, 20), ("+", 40, 40, 20)], "flow": [("cond_jump_rel", 0, -2)]},
    {"debug": [("comment", "done")]},
    {"flow": [("pause",)], "store": [("store", 40, 0)]},
    {"load": [("load_offset", 30, 20, 1)], "flow": [("trace_write", 40)]},
]


def written_words(bundle: dict) -> set[int]:
    """The scratch words a bundle writes, worked out from the op table (not from the machine)."""
    words = set()
    for engine, slots in bundle.items():
        for slot in slots:
            roles = OPERAND_ROLES[engine].get(slot[0], "")
            for role, operand in zip(roles, slot[1:], strict=False):
                if role == "w":
                    words.add(operand + (slot[3] if slot[0] == "load_offset" else 0))
                elif role == "W":
                    words.update(range(operand, operand + VLEN))
    return words


def expected_events(program: list[dict], executed: list[tuple[int, int]]) -> list[tuple]:
    tids = slot_tids()
    out = []
    for pc, ts in executed:
        bundle = program[pc]
        for engine, slots in bundle.items():
            if engine != "debug":
                out += [(0, tids[(engine, i)], slot[0], ts) for i, slot in enumerate(slots)]
        words = written_words(bundle)
        for base, (_name, length) in SCRATCH_MAP.items():
            if words & set(range(base, base + length)):
                out.append((1, BASE_ADDR_TID + base, None, ts))
    return out


def test_machine_trace_true_writes_trace_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    m = Machine([0] * 8, PROGRAM, DebugInfo(scratch_map=SCRATCH_MAP), trace=True)
    assert strict_json((tmp_path / "trace.json").read_text())
    m.run()
    first = strict_json((tmp_path / "trace.json").read_text())
    m.run()
    events = strict_json((tmp_path / "trace.json").read_text())
    assert events[: len(first)] == first
    # pc 0, then the loop 1-2 four times (the jump reads s[0] before its decrement lands: 3, 2,
    # 1, then 0 falls through), 3 (debug only: no event, no cycle), 4 (the pause), 5.
    executed = [(0, 0), (1, 1), (2, 2), (1, 3), (2, 4), (1, 5), (2, 6), (1, 7), (2, 8), (4, 9), (5, 10)]
    got = [
        (e["pid"], e["tid"], e["name"] if e["pid"] == 0 else None, e["ts"])
        for e in events
        if e["ph"] == "X" and e["name"] != "init"
    ]
    assert got == expected_events(PROGRAM, executed)
    assert m.cycle == 11
    counters = [e["name"] for e in events if e.get("tid") == BASE_ADDR_TID + 0 and e["ph"] == "X"]
    assert counters == ["3", "2", "1", "0", str(2**32 - 1)]
    pair = [e["name"] for e in events if e.get("tid") == BASE_ADDR_TID + 30 and e["ph"] == "X"]
    assert pair == ["0, 0"]


def test_machine_trace_matches_a_run_without_trace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    traced = Machine([0] * 8, PROGRAM, DebugInfo(scratch_map=SCRATCH_MAP), trace=True)
    plain = Machine([0] * 8, PROGRAM, DebugInfo(scratch_map=SCRATCH_MAP))
    for m in (traced, plain):
        m.run()
        m.run()
    assert (traced.mem, traced.cycle, traced.cores) == (plain.mem, plain.cycle, plain.cores)


def test_machine_trace_without_debug_info(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    m = Machine([0] * 8, PROGRAM, None, trace=True)
    m.run()
    events = strict_json((tmp_path / "trace.json").read_text())
    assert process_names(events) == {0: "Core 0", 1: "Core 0 Scratch"}
    assert not [e for e in events if e["pid"] == 1 and e["ph"] == "X"]


def test_machine_trace_with_two_cores(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    program = [
        {"flow": [("coreid", 0)]},
        {"flow": [("cond_jump", 0, 3)]},
        {"alu": [("+", 20, 0, 0)]},
        {"load": [("const", 20, 5)]},
    ]
    m = Machine([0], program, DebugInfo(scratch_map={0: ("me", 1), 20: ("b", 1)}), n_cores=2, trace=True)
    m.run()
    events = strict_json((tmp_path / "trace.json").read_text())
    assert process_names(events) == {0: "Core 0", 1: "Core 1", 2: "Core 0 Scratch", 3: "Core 1 Scratch"}
    got = [(e["pid"], e["tid"], e["name"], e["ts"]) for e in events if e["ph"] == "X" and e["name"] != "init"]
    flow, alu, load = slot_tids()[("flow", 0)], slot_tids()[("alu", 0)], slot_tids()[("load", 0)]
    me, b = BASE_ADDR_TID, BASE_ADDR_TID + 20
    assert got == [
        (0, flow, "coreid", 0),
        (2, me, "0", 0),
        (1, flow, "coreid", 0),
        (3, me, "1", 0),
        (0, flow, "cond_jump", 1),
        (1, flow, "cond_jump", 1),
        (0, alu, "+", 2),
        (2, b, "0", 2),
        (1, load, "const", 2),
        (3, b, "5", 2),
        (0, load, "const", 3),
        (2, b, "5", 3),
    ]
    assert m.cycle == 4
