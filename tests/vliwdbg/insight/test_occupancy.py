"""Occupancy figures against counts done by hand."""

import pytest

from vliwdbg.insight.occupancy import Profile, SlotTable

ALU12 = [("+", 10 + i, 0, 1) for i in range(12)]

PROGRAM = [
    {"load": [("const", 0, 1), ("const", 1, 2)]},  # cycle 0: load full
    {"alu": [("+", 2, 0, 1)] * 3, "valu": [("+", 16, 0, 8)]},  # cycle 1
    {"debug": [("comment", "free")]},  # no cycle
    {"flow": [("add_imm", 3, 0, 4)], "alu": ALU12},  # cycle 2: flow and alu full
    {"store": [("store", 0, 1)]},  # cycle 3
]


def test_static_figures_match_hand_counts():
    report = Profile.static(PROGRAM).report()
    assert report.cycles == 4
    alu = report.engine("alu")
    assert (alu.slots, alu.capacity, alu.full_bundles, alu.bound) == (15, 48, 1, 2)
    assert alu.full_share == 0.25
    load = report.engine("load")
    assert (load.slots, load.capacity, load.full_bundles, load.bound) == (2, 8, 1, 1)
    assert report.engine("flow").full_bundles == 1
    assert report.engine("valu").slots == 1
    assert report.engine("store").slots == 1
    assert report.lower_bound == 2
    assert report.binding_engine == "alu"
    text = "\n".join(report.lines())
    assert "lower bound: 2 cycles (set by alu); 2 cycles above it (2.00x)" in text


def test_cycle_range_counts_bundles_that_ran_in_it():
    profile = Profile.static(PROGRAM)
    report = profile.report(1, 3)
    assert report.cycles == 2
    assert report.engine("alu").slots == 15
    assert report.engine("load").slots == 0
    assert profile.report(3, 100).cycles == 1
    assert profile.report(4, 9).cycles == 0


def test_executed_pcs_count_repeats_and_grow_incrementally():
    table = SlotTable(PROGRAM)
    profile = Profile(table, [0, 1])
    assert profile.report().engine("alu").slots == 3
    profile.extend([1, 1, 3])
    report = profile.report()
    assert report.cycles == 5
    assert report.engine("alu").slots == 3 * 3 + 12
    assert report.engine("alu").bound == 2
    assert profile.report(1, 4).engine("alu").slots == 9
    profile.truncate(2)
    assert profile.report().cycles == 2
    assert profile.report().engine("alu").slots == 3


def test_strip_gives_per_cycle_counts_in_engine_order():
    profile = Profile.static(PROGRAM)
    assert profile.strip(0, 10) == [(0, 0, 2, 0, 0), (3, 1, 0, 0, 0), (12, 0, 0, 0, 1), (0, 0, 0, 1, 0)]
    assert profile.strip(2, 3) == [(12, 0, 0, 0, 1)]


def test_pc_outside_program_is_refused_whole():
    profile = Profile(SlotTable(PROGRAM), [0])
    with pytest.raises(ValueError, match="step 2: pc 9 is outside the program"):
        profile.extend([1, 9])
    assert profile.steps == 1
