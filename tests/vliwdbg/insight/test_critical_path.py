"""Critical paths of hand-built stretches with known chains."""

from vliwdbg.insight.critical_path import (
    SlotEvent,
    analyse,
    block_of,
    blocks,
    static_critical_path,
)

CHAIN = [
    {"load": [("const", 0, 1), ("const", 1, 2)]},  # depth 1
    {"alu": [("+", 2, 0, 1), ("*", 3, 0, 0)]},  # depth 2
    {"alu": [("+", 4, 2, 3)], "debug": [("compare", 4, (0, 0, "idx"))]},  # depth 3
    {"store": [("store", 0, 4)]},  # depth 4
    {"load": [("load", 5, 1)]},  # depth 5: waits for the store (address unknown)
    {"alu": [("+", 6, 5, 5)]},  # depth 6
]


def test_chain_through_scratch_and_memory():
    path = static_critical_path(CHAIN, 0, 5)
    assert path.length == 6
    assert [(link.pc, link.engine) for link in path.chain] == [
        (0, "load"),
        (1, "alu"),
        (2, "alu"),
        (3, "store"),
        (4, "load"),
        (5, "alu"),
    ]
    assert path.cycles == 6
    assert path.slots == {"alu": 4, "valu": 0, "load": 3, "store": 1, "flow": 0}
    assert path.resource_bound == 2
    assert path.verdict == "latency-bound"
    assert "latency bound 6, resource bound 2 (load) -> latency-bound" in path.lines()[0]


def test_same_bundle_read_sees_old_value_so_adds_no_link():
    program = [
        {"load": [("const", 0, 1)]},
        {"alu": [("+", 1, 0, 0), ("+", 2, 1, 1)]},
    ]
    path = static_critical_path(program, 0, 1)
    assert path.length == 2
    assert path.chain[-1].slot == ("+", 1, 0, 0)


def test_wide_independent_work_is_resource_bound():
    program = [{"alu": [("+", i, 100, 101)]} for i in range(30)]
    path = static_critical_path(program, 0, 29)
    assert path.length == 1
    assert path.resource_bound == 3
    assert path.verdict == "resource-bound"
    assert path.busiest_engine == "alu"


def test_known_addresses_separate_memory_chains():
    def ev(pc, engine, slot, reads, writes, mr=(), mw=()):
        return SlotEvent(pc, engine, 0, slot, reads, writes, mr, mw)

    bundles = [
        (0, True, [ev(0, "store", ("store", 0, 1), (0, 1), (), mw=(50,))]),
        (1, True, [ev(1, "load", ("load", 2, 3), (3,), (2,), mr=(51,))]),
        (2, True, [ev(2, "load", ("load", 4, 3), (3,), (4,), mr=(50,))]),
    ]
    path = analyse(bundles, 0, 2, unit="step")
    assert path.length == 2
    assert [link.step for link in path.chain] == [0, 2]


def test_blocks_split_after_control_flow_and_at_targets():
    program = [
        {"load": [("const", 0, 1)]},
        {"alu": [("+", 1, 0, 0)]},
        {"flow": [("pause",)]},
        {"alu": [("+", 1, 1, 0)]},
        {"flow": [("cond_jump_rel", 1, -2)]},
        {"flow": [("jump", 1)]},
        {"alu": [("+", 2, 1, 0)]},
    ]
    assert blocks(program) == [(0, 0), (1, 2), (3, 4), (5, 5), (6, 6)]
    assert block_of(program, 4) == (3, 4)
