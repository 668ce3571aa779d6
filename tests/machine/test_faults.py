"""One test per fault of ISA.md, on both interpreters: each names where and what, and leaves
the whole state as it was before the faulting bundle."""

from __future__ import annotations

import pytest

from machine.faults import CompareFault, MachineFault
from machine.isa import SCRATCH_SIZE, SLOT_LIMITS, VLEN, CoreState
from tests.machine.machines import MAKERS, snapshot


@pytest.fixture(params=sorted(MAKERS))
def make(request):
    return MAKERS[request.param]


PRELUDE = {"flow": [("trace_write", 0)], "alu": [("+", 1, 0, 0)]}


def fault_of(make, bundle, scratch=None, mem=None, **kwargs) -> MachineFault:
    """Run a program whose bundle at pc 1 faults, both by stepping and by running, and check
    that the fault changes nothing. The prelude at pc 0 leaves a cycle, a trace word and a
    scratch write behind, so that "unchanged" has something to compare."""
    m = make([PRELUDE, bundle, {"load": [("const", 2, 1)]}], list(mem or [0] * 16), **kwargs)
    m.scratch[0] = 5
    for addr, val in (scratch or {}).items():
        m.scratch[addr] = val
    m.step()
    before = snapshot(m)
    assert before[2:5] == (1, 1, CoreState.RUNNING)
    with pytest.raises(MachineFault) as stepped:
        m.step()
    assert snapshot(m) == before
    with pytest.raises(MachineFault) as ran:
        m.run()
    assert snapshot(m) == before
    assert str(ran.value) == str(stepped.value)
    err = ran.value
    assert err.pc == 1
    assert str(err)
    return err


@pytest.mark.parametrize("engine", [e for e in SLOT_LIMITS if e != "debug"])
def test_too_many_slots(make, engine):
    slot = {
        "alu": ("+", 3, 0, 0),
        "valu": ("vbroadcast", 8, 0),
        "load": ("const", 3, 1),
        "store": ("store", 0, 0),
        "flow": ("add_imm", 3, 0, 1),
    }[engine]
    err = fault_of(make, {engine: [slot] * (SLOT_LIMITS[engine] + 1)}, mem=[0] * 8)
    assert err.engine == engine


def test_debug_slot_limit_is_not_checked(make):
    m = make([{"debug": [("comment", i) for i in range(SLOT_LIMITS["debug"] * 2)]}], [0])
    m.run()
    assert (m.state, m.pc) == (CoreState.STOPPED, 1)


@pytest.mark.parametrize("bundle", [{"mystery": [("+", 0, 0, 0)]}, {"mystery": []}, {"alu": [], "Flow": []}])
def test_unknown_engine(make, bundle):
    err = fault_of(make, bundle)
    assert err.engine in ("mystery", "Flow")
    assert err.value == err.engine


@pytest.mark.parametrize("engine", ["alu", "valu", "load", "store", "flow"])
def test_unknown_op(make, engine):
    err = fault_of(make, {engine: [("frobnicate", 0, 0, 0)]})
    assert (err.engine, err.slot_index, err.value) == (engine, 0, "frobnicate")
    assert tuple(err.slot) == ("frobnicate", 0, 0, 0)


@pytest.mark.parametrize(
    "engine,slot",
    [
        ("alu", ("+", 0, 0)),
        ("alu", ("+", 0, 0, 0, 0)),
        ("valu", ("vbroadcast", 8, 0, 0)),
        ("valu", ("multiply_add", 8, 8, 8)),
        ("load", ("load_offset", 0, 0)),
        ("load", ("const", 0)),
        ("store", ("vstore", 0)),
        ("flow", ("halt", 0)),
        ("flow", ("jump",)),
        ("flow", ("select", 0, 0, 0)),
    ],
)
def test_slot_length_does_not_fit_op(make, engine, slot):
    err = fault_of(make, {engine: [("+", 3, 0, 0), slot] if engine == "alu" else [slot]})
    assert err.engine == engine
    assert err.slot_index == (1 if engine == "alu" else 0)
    assert tuple(err.slot) == slot


def test_operand_that_is_not_a_number(make):
    err = fault_of(make, {"alu": [("+", 0, "x", 0)]})
    assert (err.engine, err.slot_index) == ("alu", 0)


@pytest.mark.parametrize("jump", [("jump", -1), ("cond_jump_rel", 0, -5), ("cond_jump", 0, -3)])
def test_negative_pc_faults_when_fetched(make, jump):
    m = make([{"flow": [jump]}, {"load": [("const", 1, 1)]}], [0])
    m.scratch[0] = 1
    m.step()
    before = snapshot(m)
    assert before[2] < 0
    with pytest.raises(MachineFault) as info:
        m.step()
    assert snapshot(m) == before
    assert info.value.pc == before[2]


def test_jump_past_the_end_stops(make):
    m = make([{"flow": [("jump_indirect", 0)]}, {"load": [("const", 1, 1)]}], [0])
    m.scratch[0] = 2**32 - 1
    m.run()
    assert (m.state, m.pc, m.cycle, m.scratch[1]) == (CoreState.STOPPED, 2**32 - 1, 1, 0)


@pytest.mark.parametrize(
    "bundle,bad",
    [
        ({"alu": [("+", 3, SCRATCH_SIZE, 0)]}, SCRATCH_SIZE),
        ({"alu": [("+", 3, 0, -1)]}, -1),
        ({"alu": [("+", SCRATCH_SIZE, 0, 0)]}, SCRATCH_SIZE),
        ({"load": [("const", -2, 0)]}, -2),
        ({"valu": [("vbroadcast", SCRATCH_SIZE - 4, 0)]}, SCRATCH_SIZE),
        ({"valu": [("+", 8, SCRATCH_SIZE - 3, 8)]}, SCRATCH_SIZE),
        ({"valu": [("multiply_add", 8, 8, 8, -1)]}, -1),
        ({"load": [("vload", SCRATCH_SIZE - 1, 0)]}, SCRATCH_SIZE),
        ({"store": [("vstore", 0, SCRATCH_SIZE - 7)]}, SCRATCH_SIZE),
        ({"flow": [("trace_write", SCRATCH_SIZE)]}, SCRATCH_SIZE),
        ({"flow": [("jump_indirect", SCRATCH_SIZE + 10)]}, SCRATCH_SIZE + 10),
        ({"flow": [("cond_jump", -1, 0)]}, -1),
        ({"flow": [("coreid", SCRATCH_SIZE)]}, SCRATCH_SIZE),
        ({"flow": [("select", 3, SCRATCH_SIZE, 0, 0)]}, SCRATCH_SIZE),
        ({"flow": [("vselect", 8, 16, 0, SCRATCH_SIZE - 2)]}, SCRATCH_SIZE),
    ],
)
def test_scratch_operand_out_of_range(make, bundle, bad):
    engine = next(iter(bundle))
    err = fault_of(make, bundle)
    assert (err.engine, err.slot_index, err.value) == (engine, 0, bad)


def test_scratch_bounds_follow_scratch_size(make):
    err = fault_of(make, {"alu": [("+", 64, 0, 0)]}, scratch_size=64)
    assert err.value == 64
    err = fault_of(make, {"valu": [("vbroadcast", 60, 0)]}, scratch_size=64)
    assert err.value == 64


def test_load_offset_checks_the_offset_addresses(make):
    err = fault_of(make, {"load": [("load_offset", SCRATCH_SIZE - 2, 0, 2)]})
    assert err.value == SCRATCH_SIZE
    err = fault_of(make, {"load": [("load_offset", 0, SCRATCH_SIZE - 1, 1)]})
    assert err.value == SCRATCH_SIZE


@pytest.mark.parametrize(
    "bundle,scratch,bad",
    [
        ({"load": [("load", 3, 4)]}, {4: 16}, 16),
        ({"load": [("load_offset", 3, 4, 1)]}, {5: 99}, 99),
        ({"load": [("vload", 8, 4)]}, {4: 10}, 16),
        ({"store": [("store", 4, 0)]}, {4: 16}, 16),
        ({"store": [("vstore", 4, 8)]}, {4: 9}, 16),
    ],
)
def test_memory_address_out_of_range(make, bundle, scratch, bad):
    engine = next(iter(bundle))
    err = fault_of(make, bundle, scratch, mem=[0] * 16)
    assert (err.engine, err.slot_index, err.value) == (engine, 0, bad)


def test_out_of_range_store_lands_nothing(make):
    bundle = {"store": [("store", 4, 0), ("store", 5, 0)], "alu": [("+", 6, 0, 0)]}
    err = fault_of(make, bundle, {4: 3, 5: 16}, mem=[0] * 16)
    assert (err.engine, err.slot_index, err.value) == ("store", 1, 16)


@pytest.mark.parametrize("op", ["//", "cdiv", "%"])
@pytest.mark.parametrize("engine", ["alu", "valu"])
def test_division_by_zero(make, op, engine):
    dest = 8 if engine == "valu" else 3
    preset = {16 + i: 1 for i in range(VLEN)}
    preset[16 + 5] = 0
    divisor = 16 if engine == "valu" else 21
    err = fault_of(make, {engine: [(op, dest, 0, divisor)]}, preset)
    assert (err.engine, err.slot_index, err.value) == (engine, 0, 0)


def test_compare_mismatch(make):
    bundle = {"alu": [("+", 3, 0, 0)], "debug": [("compare", 0, (2, 7, "val"))]}
    err = fault_of(make, bundle, value_trace={(2, 7, "val"): 6})
    assert isinstance(err, CompareFault) and isinstance(err, AssertionError)
    assert (err.engine, err.slot_index, err.key, err.found, err.expected, err.loc) == (
        "debug",
        0,
        (2, 7, "val"),
        5,
        6,
        0,
    )
    assert err.value == 5
    text = str(err)
    for part in ("5", "6", "(2, 7, 'val')", "pc"):
        assert part in text


def test_vcompare_mismatch_names_the_lane(make):
    keys = [("v", i) for i in range(VLEN)]
    trace = {k: 0 for k in keys} | {("v", 3): 4}
    bundle = {"debug": [("comment", "first"), ("vcompare", 8, keys)]}
    err = fault_of(make, bundle, value_trace=trace)
    assert isinstance(err, CompareFault)
    assert (err.slot_index, err.key, err.found, err.expected, err.loc) == (1, ("v", 3), 0, 4, 11)


def test_compare_key_missing_from_the_trace(make):
    err = fault_of(make, {"debug": [("compare", 0, ("no", "such", "key"))]}, value_trace={})
    assert not isinstance(err, CompareFault)
    assert (err.engine, err.slot_index, err.value) == ("debug", 0, ("no", "such", "key"))


def test_compare_location_out_of_range(make):
    err = fault_of(make, {"debug": [("compare", SCRATCH_SIZE, "k")]}, value_trace={"k": 0})
    assert (err.engine, err.value) == ("debug", SCRATCH_SIZE)


@pytest.mark.parametrize(
    "flow,scratch",
    [
        (("halt",), {}),
        (("pause",), {}),
        (("trace_write", 0), {}),
        (("jump", 0), {}),
        (("cond_jump_rel", 0, 1), {}),
    ],
)
def test_flow_in_a_faulting_bundle_has_no_effect(make, flow, scratch):
    bundle = {"flow": [flow], "alu": [("+", 3, 0, 0), ("//", 4, 0, 10)]}
    err = fault_of(make, bundle, scratch)
    assert (err.engine, err.slot_index) == ("alu", 1)


def test_a_bad_bundle_never_reached_does_not_stop_a_run(make):
    program = [
        {"flow": [("jump", 2)]},
        {"bogus": [("nonsense",)], "alu": [("+", SCRATCH_SIZE, 0, 0)] * 20},
        {"load": [("const", 0, 1)]},
    ]
    m = make(program, [0])
    m.run()
    assert (m.state, m.pc, m.cycle, m.scratch[0]) == (CoreState.STOPPED, 3, 2, 1)
