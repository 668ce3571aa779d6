"""The source map of a small program with compares in known places."""

import pytest

from vliwdbg.insight.served import SourceMap, parse_step

ALU = {"alu": [("+", 1, 0, 0)]}
PROGRAM = [
    {"load": [("const", 0, 1)]},  # 0 set-up
    {"flow": [("pause",)]},  # 1
    ALU,  # 2
    {"debug": [("compare", 0, (0, 0, "idx"))]},  # 3
    ALU,  # 4
    {"debug": [("compare", 0, (0, 0, "val"))]},  # 5
    ALU,  # 6
    {
        "alu": [("+", 1, 0, 0)],
        "debug": [("vcompare", 8, [(0, i, "hash_stage", 2) for i in range(1, 9)])],
    },  # 7
    ALU,  # 8
    {"debug": [("compare", 0, (1, 0, "idx")), ("comment", "x")]},  # 9
    {"flow": [("pause",)]},  # 10
    ALU,  # 11
]


def test_where_names_rounds_elements_and_steps():
    m = SourceMap(PROGRAM)
    assert m.where(3) == "round 0, element 0, idx"
    assert m.where(7) == "round 0, elements 1-8, hash stage 2"
    assert m.where(4) == "round 0, element 0, between idx and val"
    assert m.where(6) == "between round 0, element 0, val and round 0, elements 1-8, hash stage 2"
    assert m.where(2) == "before round 0, element 0, idx"
    assert m.where(0).startswith("outside the source map")
    assert m.where(10).startswith("outside the source map")
    assert m.where(11).startswith("outside the source map")


def test_bundles_between_compares_serve_both_neighbours():
    m = SourceMap(PROGRAM)
    served = m.serves(8)
    assert served.rounds == {0, 1}
    assert served.elements == set(range(9))
    assert m.serves(0) is None
    assert m.label(7) == "r0 e1-8 hash_stage 2"


def test_first_serving_element_round_and_step():
    m = SourceMap(PROGRAM)
    assert m.first_serving(0) == 2
    assert m.first_serving(0, round=1) == 8
    assert m.first_serving(0, 0, ("val",)) == 4
    assert m.first_serving(3, step=("hash_stage", 2)) == 6
    assert m.first_serving(3, round=1) is None
    assert m.first_serving(99) is None


def test_kernel_without_compares_has_no_map():
    m = SourceMap([ALU, ALU])
    assert not m
    assert m.where(0) == "no source map: the kernel has no debug compares"


@pytest.mark.parametrize(
    ("words", "step"),
    [
        (["val"], ("val",)),
        (["node_val"], ("node_val",)),
        (["hash_stage", "2"], ("hash_stage", 2)),
        (["hash_stage:5"], ("hash_stage", 5)),
        (["hash", "stage", "0"], ("hash_stage", 0)),
        (["wrapped", "idx"], ("wrapped_idx",)),
    ],
)
def test_parse_step_forms(words, step):
    assert parse_step(words) == step


def test_parse_step_errors_say_what_is_accepted():
    with pytest.raises(ValueError, match="unknown step 'foo'"):
        parse_step(["foo"])
    with pytest.raises(ValueError, match="hash stage 6 does not exist"):
        parse_step(["hash_stage", "6"])
