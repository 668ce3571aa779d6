"""Random programs on the fast engine and on the literal interpreter: they must agree on every
word of state after every bundle, and on which bundle faults.

The programs are small and dense on purpose: a 64-word scratch (so operands and vectors run
off its end now and then), 24 words of memory, scratch preset with small numbers (so loads
and stores mostly land), every engine and op, overlapping writes, jumps both ways, pauses,
halts, compares that pass, fail or ask for a missing key, and the occasional malformed slot,
unknown op or engine, or a bundle over its slot limit.

The run is deterministic (derandomized, no example database), so CI sees the same examples
every time; set MACHINE_PROPERTY_EXAMPLES to search further locally.
"""

from __future__ import annotations

import os
import random
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import composite

from machine.engine import Core, StopSpec, prepare
from machine.faults import CompareFault, MachineFault
from machine.isa import OPERAND_ROLES, SLOT_LIMITS, VLEN, CoreState
from machine.literal import LiteralMachine

SCRATCH = 64
MEM = 24
BUDGET = 80
KEYS = [("k", n) for n in range(6)]
MISSING_KEY = ("missing",)

PROPERTY = settings(
    max_examples=int(os.environ.get("MACHINE_PROPERTY_EXAMPLES", "150")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def rarely(n: int) -> st.SearchStrategy[bool]:
    """True about once in n draws (and shrinking towards False)."""
    return st.integers(0, n - 1).map(lambda x: x == n - 1)


@cache
def ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


@cache
def choice(options: tuple) -> st.SearchStrategy:
    return st.sampled_from(options)


# Strategies are made once: building them inside every draw costs more than the run itself.
SCALAR_ADDR = st.one_of(st.integers(0, 15), st.integers(-1, SCRATCH))
VECTOR_ADDR = st.one_of(st.sampled_from([16, 24, 32, 40, 20]), st.integers(-1, SCRATCH - VLEN + 2))
NUMBER = st.one_of(st.integers(-5, 40), st.integers(-(2**34), 2**34))
DEBUG_KINDS = ("compare", "vcompare", "comment")
ANY_KEY = (*KEYS, MISSING_KEY)
OPS = {engine: tuple(sorted(roles)) for engine, roles in OPERAND_ROLES.items()}
ENGINE_ORDERS = st.permutations(list(SLOT_LIMITS))
COMMENT = st.text(max_size=5)


def draw_slot(draw, engine: str, n_bundles: int) -> tuple:
    if engine == "debug":
        kind = draw(choice(DEBUG_KINDS))
        key = choice(ANY_KEY) if draw(rarely(8)) else choice(tuple(KEYS))
        if kind == "compare":
            return ("compare", draw(SCALAR_ADDR), draw(key))
        if kind == "vcompare":
            return ("vcompare", draw(VECTOR_ADDR), [draw(key) for _ in range(VLEN)])
        return ("comment", draw(COMMENT))
    op = draw(choice(OPS[engine]))
    operands: list = []
    for role in OPERAND_ROLES[engine][op]:
        if role in "wr":
            operands.append(draw(SCALAR_ADDR))
        elif role in "WR":
            operands.append(draw(VECTOR_ADDR))
        elif role == "t":
            operands.append(draw(ints(-2, n_bundles + 1)))
        elif op == "load_offset":
            operands.append(draw(ints(-3, 12)))
        elif op == "cond_jump_rel":
            operands.append(draw(ints(-n_bundles - 2, n_bundles + 1)))
        else:
            operands.append(draw(NUMBER))
    slot = (op, *operands)
    if draw(rarely(40)):
        broken = (slot[:-1] if len(slot) > 1 else (*slot, 0), (*slot, 1), ("bogus", *slot[1:]))
        slot = broken[draw(ints(0, 2))]
    return slot


def draw_bundle(draw, n_bundles: int) -> dict:
    engines = draw(ENGINE_ORDERS)[: draw(ints(0, len(SLOT_LIMITS)))]
    if draw(rarely(60)):
        engines.append("bogus")
    bundle: dict = {}
    for engine in engines:
        limit = SLOT_LIMITS.get(engine, 1)
        count = draw(ints(0, min(limit, 3)))
        if engine != "debug" and draw(rarely(60)):
            count = limit + 1
        kind = engine if engine in OPERAND_ROLES else "alu"
        bundle[engine] = [draw_slot(draw, kind, n_bundles) for _ in range(count)]
    return bundle


def preset_words(rng: random.Random, n: int) -> list[int]:
    """Words mostly small enough to be memory addresses, now and then any word."""
    return [rng.choice((rng.randint(0, 3), rng.randrange(MEM), rng.randrange(2**32))) for _ in range(n)]


@composite
def cases(draw) -> dict:
    n = draw(st.integers(1, 10))
    # The preset words come from a seeded generator: drawing 88 words one by one through
    # hypothesis costs most of the test's time, and the program is what shrinking is for.
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    return {
        "program": [draw_bundle(draw, n) for _ in range(n)],
        "mem": preset_words(rng, MEM),
        "scratch": preset_words(rng, SCRATCH),
        "value_trace": {k: rng.randint(0, 3) for k in KEYS},
        "enable_pause": draw(st.booleans()),
        "enable_debug": draw(st.booleans()),
    }


def make_pair(case: dict) -> tuple[LiteralMachine, Core]:
    flags = {"enable_pause": case["enable_pause"], "enable_debug": case["enable_debug"]}
    lit = LiteralMachine(
        case["program"], case["mem"], value_trace=case["value_trace"], scratch_size=SCRATCH, **flags
    )
    eng = Core(
        prepare(case["program"], scratch_size=SCRATCH),
        list(case["mem"]),
        value_trace=case["value_trace"],
        **flags,
    )
    lit.scratch[:] = case["scratch"]
    eng.scratch[:] = case["scratch"]
    return lit, eng


def state(m) -> tuple:
    return (list(m.scratch), list(m.mem), m.pc, m.cycle, CoreState(m.state), list(m.trace_buf))


def same_fault(lit_fault: MachineFault | None, eng_fault: MachineFault | None) -> None:
    if lit_fault is None or eng_fault is None:
        assert lit_fault is eng_fault, (lit_fault, eng_fault)
        return
    where = (lit_fault.pc, isinstance(lit_fault, CompareFault), lit_fault.engine, lit_fault.slot_index)
    assert (
        eng_fault.pc,
        isinstance(eng_fault, CompareFault),
        eng_fault.engine,
        eng_fault.slot_index,
    ) == where, (
        str(lit_fault),
        str(eng_fault),
    )


def literal_step(lit: LiteralMachine) -> MachineFault | None:
    """One bundle as the engine's `step` does it: a paused core resumes first, and a bundle
    that faults leaves it paused (the whole state as before the call)."""
    state_before = lit.state
    if lit.state == CoreState.PAUSED:
        lit.state = CoreState.RUNNING
    try:
        lit.step()
    except MachineFault as fault:
        lit.state = state_before
        return fault
    return None


@PROPERTY
@given(cases())
def test_step_by_step_agrees_with_the_literal_interpreter(case):
    lit, eng = make_pair(case)
    for _ in range(BUDGET):
        if lit.state == CoreState.STOPPED:
            break
        before = state(eng)
        lit_fault = literal_step(lit)
        try:
            writes = eng.step(record=True)
            eng_fault = None
        except MachineFault as fault:
            writes, eng_fault = None, fault
        same_fault(lit_fault, eng_fault)
        assert state(eng) == state(lit)
        if lit_fault is not None:
            assert state(eng) == before
            break
        check_writes(before, state(eng), writes or [])


def check_writes(before: tuple, after: tuple, writes: list) -> None:
    """A recorded write's old and new values are the word before and after the bundle, and
    every word that changed was recorded."""
    recorded = {(w.space, w.addr) for w in writes}
    assert len(recorded) == len(writes)
    spaces = {"s": (before[0], after[0]), "m": (before[1], after[1])}
    for w in writes:
        old, new = spaces[w.space]
        assert (w.old, w.new) == (old[w.addr], new[w.addr])
    for space, (old, new) in spaces.items():
        changed = {(space, a) for a, (x, y) in enumerate(zip(old, new, strict=True)) if x != y}
        assert changed <= recorded


@PROPERTY
@given(cases())
def test_run_agrees_with_the_literal_interpreter(case):
    """Cold (bundles interpreted as first seen) and then warm (every bundle compiled), the
    way the debugger reruns a program."""
    run_both(*make_pair(case))
    prepare(case["program"], scratch_size=SCRATCH).compile_all(debug=case["enable_debug"])
    run_both(*make_pair(case))


def run_both(lit: LiteralMachine, eng: Core) -> None:
    remaining = BUDGET
    while remaining > 0:
        result = eng.run(StopSpec(max_steps=remaining))
        lit_steps, lit_fault = 0, None
        if lit.state == CoreState.PAUSED:
            lit.state = CoreState.RUNNING
        while lit_steps < remaining and lit.state == CoreState.RUNNING:
            if lit.pc >= len(lit.program):
                lit.state = CoreState.STOPPED
                break
            try:
                lit.step()
            except MachineFault as fault:
                lit_fault = fault
                break
            lit_steps += 1
        same_fault(lit_fault, result.fault)
        assert result.steps == lit_steps
        assert state(eng) == state(lit)
        remaining -= result.steps
        if result.fault is not None or lit.state == CoreState.STOPPED or result.reason == "steps":
            break
        assert result.reason == "pause"
