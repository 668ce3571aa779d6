"""The engine's tiers against the oracle: a bundle runs interpreted, then compiled by shape,
composed from shared slot code, shared with equal bundles, or as the free bundle of a
debug-only bundle with compares off. Every run of the same prepared program, whichever
forms its bundles have reached, must end in the literal interpreter's state with its fault.
"""

from __future__ import annotations

import random

import pytest

from machine import engine
from machine.engine import Core, Prepared, StopSpec, prepare
from machine.faults import MachineFault
from machine.isa import ALU_OPS, MASK, VLEN
from machine.literal import LiteralMachine

from .test_engine_api import fault_of, state_of


def literal_run(program, mem, **kwargs):
    m = LiteralMachine(program, list(mem), **kwargs)
    try:
        m.run()
    except MachineFault as exc:
        return m, exc
    return m, None


def engine_runs(prepared, mem, times=4, **kwargs):
    """Run the same prepared program `times` times on fresh cores: each run finds the
    bundles in the forms the earlier runs left them in."""
    out = []
    for _ in range(times):
        core = Core(prepared, list(mem), **kwargs)
        result = core.run(StopSpec())
        out.append((state_of(core), fault_of(result.fault)))
    return out


def assert_every_run_matches(program, mem, scratch_size=1536, **kwargs):
    lit, fault = literal_run(program, mem, scratch_size=scratch_size, **kwargs)
    expected = (state_of(lit), fault_of(fault))
    lazily = engine_runs(Prepared(program, scratch_size), mem, **kwargs)
    assert lazily == [expected] * len(lazily)
    # Runs again that compile every bundle at once, and a fifth of the program a run.
    for spread in (1, 5):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "_SPREAD", spread)
            runs = engine_runs(Prepared(program, scratch_size), mem, times=6, **kwargs)
        assert runs == [expected] * len(runs)
    eager = Prepared(program, scratch_size)
    eager.compile_all(kwargs.get("enable_debug", True))
    assert engine_runs(eager, mem, times=1, **kwargs) == [expected]


def test_an_operand_equal_to_an_int_is_not_one():
    """("+", 1.0, 2, 2) equals ("+", 1, 2, 2) and hashes alike, but faults: a bundle must
    not run as the code made for its int twin (it used to, once the twin was compiled)."""
    program = [{"load": [("const", 2, 5)]}]
    program += [{"alu": [("+", 1, 2, 2)]}] * 3
    program += [{"alu": [("+", 1.0, 2, 2)]}, {"alu": [("+", True, 2, 2)]}]
    assert_every_run_matches(program, [0] * 8)
    _, fault = literal_run(program, [0] * 8)
    assert fault is not None and fault.pc == 4


def test_equal_one_slot_bundles_of_a_loop_share_their_code_and_still_run_exactly():
    program = [{"load": [("const", i, 3 * i + 1)]} for i in range(8)]
    program += [{"load": [("const", 12, 2)]}, {"load": [("const", 13, 1)]}]
    top = len(program)
    program += [{"alu": [("*", 9, i % 4, (i + 1) % 4)]} for i in range(40)]
    program += [{"store": [("store", 0, 9)]}, {"flow": [("add_imm", 10, 9, -7)]}] * 5
    program += [{"alu": [("-", 12, 12, 13)]}, {"flow": [("cond_jump", 12, top)]}]
    assert_every_run_matches(program, [0] * 16)
    prepared = Prepared(program)
    engine_runs(prepared, [0] * 16, times=1)
    compiler = prepared.table(True).compiler
    assert 0 < len(compiler.by_content) < 20


def test_a_program_run_again_compiles_its_bundles_a_share_a_run():
    program = [{"load": [("const", i, 3 * i + 1)]} for i in range(8)]
    program += [{"alu": [("+", 9, 1, 2), ("*", 10, 3, i)], "load": [("const", 11, 5)]} for i in range(12)]
    program += [{"store": [("store", 0, 9)]}]
    prepared = Prepared(program)
    table = prepared.table(True)
    engine_runs(prepared, [0] * 16, times=1)
    assert all(f in table.fresh for f in table.code)
    promoted = []
    for _ in range(4):
        engine_runs(prepared, [0] * 16, times=1)
        promoted.append(sum(f not in table.fresh for f in table.code[8:20]))
    assert 0 < promoted[0] < 12  # at most a third of the program's bundles a run
    assert promoted == sorted(promoted) and promoted[-1] == 12
    # A share is 21 // 4 + 1 = 6 bundles a run, and a light bundle counts twice.
    assert promoted == [3, 6, 9, 12]
    assert all(f not in table.fresh for f in table.code)  # one-slot ones in the second run
    assert_every_run_matches(program, [0] * 16)


def test_a_bundle_compiled_in_a_later_run_faults_whole_and_lands_later_writes_last():
    consts = [{"load": [("const", a, v)]} for a, v in ((64, 3), (72, 4), (80, 5), (81, 7), (83, 1000))]
    writes_twice = {"alu": [("+", 9, 80, 80), ("-", 9, 81, 80)], "load": [("const", 9, 99)]}
    faults_late = {"alu": [("+", 90, 80, 82)], "load": [("load", 91, 83)], "flow": [("halt",)]}
    jumps = {"alu": [("+", 92, 80, 80)], "flow": [("cond_jump", 80, len(consts) + 3)]}
    assert_every_run_matches([*consts, writes_twice, jumps, {"flow": [("halt",)]}, {"alu": []}], [0] * 16)
    assert_every_run_matches([*consts, faults_late], [0] * 16)


def test_a_composed_slot_is_not_shared_with_its_float_twin():
    pair = {"alu": [("+", 1, 2, 2), ("+", 3, 2, 2)]}
    twin = {"alu": [("+", 1.0, 2, 2), ("+", 3, 2, 2)]}
    program = [{"load": [("const", 2, 5)]}, pair, pair, twin]
    assert_every_run_matches(program, [0] * 8)
    _, fault = literal_run(program, [0] * 8)
    assert fault is not None and fault.pc == 3


@pytest.mark.parametrize("debug", [False, True])
def test_debug_only_bundles_are_free_and_a_change_to_them_is_noticed(debug):
    trace = {("k", 0): 0, ("k", 1): 5}
    program = [
        {"debug": [("compare", 0, ("k", 0))]},
        {"load": [("const", 0, 5)]},
        {"debug": [("compare", 0, ("k", 1)), ("comment", "done")]},
        {"debug": []},
    ]
    assert_every_run_matches(program, [0] * 4, value_trace=trace, enable_debug=debug)
    prepared = prepare(program)
    engine_runs(prepared, [0] * 4, times=2, value_trace=trace, enable_debug=debug)
    assert prepare(program) is prepared
    program[3]["debug"].append(("comment", "a debug slot more changes nothing that runs"))
    if not debug:
        assert prepare(program) is prepared
    program[3]["alu"] = [("+", 1, 0, 0)]
    # Kept only if nothing was made from the old bundle (interpreted, it is read afresh).
    again = prepare(program)
    lit, fault = literal_run(program, [0] * 4, value_trace=trace, enable_debug=debug)
    expected = (state_of(lit), fault_of(fault))
    assert engine_runs(again, [0] * 4, times=3, value_trace=trace, enable_debug=debug) == [expected] * 3
    assert_every_run_matches(program, [0] * 4, value_trace=trace, enable_debug=debug)
    program[2] = {"load": [("const", 0, 7)]}
    assert_every_run_matches(program, [0] * 4, value_trace=trace, enable_debug=debug)


def dense_bundle(rng: random.Random, scratch: int) -> dict:
    """A bundle with several vector slots, so that it is composed, and overlapping writes."""

    def vec() -> int:
        return VLEN * rng.randrange(scratch // VLEN)

    def word() -> int:
        return rng.randrange(scratch)

    valu = []
    for _ in range(rng.randrange(2, 7)):
        kind = rng.randrange(4)
        if kind == 0:
            valu.append(("multiply_add", vec(), vec(), vec(), vec()))
        elif kind == 1:
            valu.append(("vbroadcast", vec(), word()))
        else:
            valu.append((rng.choice(ALU_OPS), vec(), vec(), vec()))
    bundle = {
        "valu": valu,
        "alu": [(rng.choice(ALU_OPS), word(), word(), word()) for _ in range(rng.randrange(13))],
        "load": [("load", word(), word()), ("vload", vec(), word())][: rng.randrange(3)],
    }
    if rng.random() < 0.5:
        bundle["store"] = [("store", word(), word()), ("vstore", word(), vec())][: rng.randrange(1, 3)]
    flow = [
        ("vselect", vec(), vec(), vec(), vec()),
        ("select", word(), word(), word(), word()),
        ("trace_write", word()),
        ("add_imm", word(), word(), rng.randrange(-9, 9)),
    ]
    if rng.random() < 0.5:
        bundle["flow"] = [rng.choice(flow)]
    return bundle


@pytest.mark.parametrize("seed", range(12))
def test_composed_bundles_match_the_oracle(seed):
    rng = random.Random(seed)
    scratch, mem_words = 48, 24
    program = [{"load": [("const", a, rng.randrange(mem_words))]} for a in range(scratch)]
    program += [dense_bundle(rng, scratch) for _ in range(10)]
    program.append({"flow": [("cond_jump", rng.randrange(scratch), scratch + 3)]})
    mem = [
        rng.randrange(MASK + 1) if rng.random() < 0.3 else rng.randrange(mem_words) for _ in range(mem_words)
    ]
    assert_every_run_matches(program, mem, scratch_size=scratch)
    prepared = Prepared(program, scratch)
    prepared.compile_all()
    made = [getattr(f, "__code__", None) for f in prepared.table(True).code]
    assert any(code is not None and code.co_filename == "<composed bundle>" for code in made)


def test_a_composed_bundle_lands_later_writes_last_and_faults_whole():
    vadd = [("+", 8 * i, 64, 72) for i in range(6)]
    writes_twice = {
        "valu": [*vadd, ("vbroadcast", 8, 80)],
        "alu": [("+", 9, 80, 80), ("-", 9, 81, 80)],
        "load": [("const", 10, 99)],
    }
    faults_late = {"valu": vadd, "alu": [("//", 90, 80, 82)], "load": [("load", 91, 83)]}
    consts = [{"load": [("const", a, v)]} for a, v in ((64, 3), (72, 4), (80, 5), (81, 7), (83, 1000))]
    assert_every_run_matches([*consts, writes_twice], [0] * 16)
    _, fault = literal_run([*consts, faults_late], [0] * 16)
    assert fault is not None and (fault.pc, fault.engine) == (len(consts), "alu")
    assert_every_run_matches([*consts, faults_late], [0] * 16)


def test_a_composed_bundle_padded_to_a_shared_runner_keeps_its_write_to_word_zero():
    """Six scratch writes run on the runner made for eight: the two padding slots rewrite
    word 0 with its old value, and must land before the bundle's own write to it."""
    consts = [{"load": [("const", a, v)]} for a, v in ((0, 1), (64, 3), (72, 4), (80, 5), (81, 7))]
    six = {"valu": [("+", 8 * i, 64, 72) for i in range(1, 6)], "alu": [("+", 0, 80, 81)]}
    program = [*consts, six]
    assert_every_run_matches(program, [0] * 16)
    prepared = Prepared(program)
    prepared.compile_all(False)
    code = prepared.table(False).code[len(consts)]
    assert code.__code__.co_filename == "<composed bundle>"
    core = Core(prepared, [0] * 16, enable_debug=False)
    core.run(StopSpec())
    assert core.scratch[0] == 12 and core.scratch[8:16] == [7] + [0] * 7


def test_a_compare_compiled_with_compares_on_stays_guarded_after_running_with_them_off():
    trace = {("k", 0): 0, ("k", 1): 9}
    program = [{"debug": [("compare", 0, ("k", 0))]}, {"load": [("const", 0, 9)]}]
    prepared = prepare(program)
    prepared.compile_all(True)
    engine_runs(prepared, [0] * 4, times=2, value_trace=trace)
    engine_runs(prepared, [0] * 4, times=2, value_trace=trace, enable_debug=False)
    program[0]["debug"][0] = ("compare", 0, ("k", 1))
    assert prepare(program) is not prepared
    assert_every_run_matches(program, [0] * 4, value_trace=trace)
