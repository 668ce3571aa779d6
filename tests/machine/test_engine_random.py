"""Random programs on the fast engine and the literal interpreter must agree exactly.

A small scratch (64 words) and memory (32 words) make overlapping writes, out-of-range
operands and faults common. Each program runs interpreted (a fresh prepared program), fully
compiled, and bundle by bundle with recorded writes; all must end in the oracle's state
with the oracle's fault.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from machine.engine import Core, Prepared, StopSpec
from machine.faults import MachineFault
from machine.isa import ALU_OPS, CoreState
from machine.literal import LiteralMachine

from .test_engine_api import run_literal

SCRATCH = 64
MEM = 32
STEPS = 60
TRACE = {("k", i): i * 7 % 5 for i in range(4)}

addr = st.integers(-2, SCRATCH + 2)
vaddr = st.one_of(st.integers(0, SCRATCH - 8), st.integers(SCRATCH - 10, SCRATCH))
small = st.integers(-3, 40)
keys8 = st.lists(st.sampled_from(list(TRACE)), min_size=8, max_size=8)
memories = st.lists(st.integers(0, 2**32 - 1), min_size=MEM, max_size=MEM)
ENGINES = ["alu", "valu", "load", "store", "flow", "debug"]


def slots_for(engine: str, n_bundles: int):
    target = st.integers(-1, n_bundles + 1)
    choices = {
        "alu": st.tuples(st.sampled_from(ALU_OPS), addr, addr, addr),
        "valu": st.one_of(
            st.tuples(st.sampled_from(ALU_OPS), vaddr, vaddr, vaddr),
            st.tuples(st.just("vbroadcast"), vaddr, addr),
            st.tuples(st.just("multiply_add"), vaddr, vaddr, vaddr, vaddr),
        ),
        "load": st.one_of(
            st.tuples(st.just("load"), addr, addr),
            st.tuples(st.just("load_offset"), addr, addr, st.integers(-2, 9)),
            st.tuples(st.just("vload"), vaddr, addr),
            st.tuples(st.just("const"), addr, small),
        ),
        "store": st.one_of(
            st.tuples(st.just("store"), addr, addr),
            st.tuples(st.just("vstore"), addr, vaddr),
        ),
        "flow": st.one_of(
            st.tuples(st.just("select"), addr, addr, addr, addr),
            st.tuples(st.just("vselect"), vaddr, vaddr, vaddr, vaddr),
            st.tuples(st.just("add_imm"), addr, addr, small),
            st.tuples(st.sampled_from(["halt", "pause"])),
            st.tuples(st.just("trace_write"), addr),
            st.tuples(st.just("cond_jump"), addr, target),
            st.tuples(st.just("cond_jump_rel"), addr, st.integers(-3, 3)),
            st.tuples(st.just("jump"), target),
            st.tuples(st.just("jump_indirect"), addr),
            st.tuples(st.just("coreid"), addr),
        ),
        "debug": st.one_of(
            st.tuples(st.just("compare"), addr, st.sampled_from([*TRACE, ("missing",)])),
            st.tuples(st.just("vcompare"), vaddr, keys8),
            st.tuples(st.just("comment"), st.just("x")),
        ),
    }
    limit = {"alu": 13, "valu": 7, "load": 3, "store": 3, "flow": 2, "debug": 3}[engine]
    odd = st.sampled_from([("+", 1, 2), ("nope", 1, 2, 3), ("+", 1, 2, "x"), ()])
    return st.lists(st.one_of(choices[engine], odd) if engine != "debug" else choices[engine], max_size=limit)


@st.composite
def programs(draw):
    n = draw(st.integers(1, 8))
    program = []
    for _ in range(n):
        engines = draw(st.lists(st.sampled_from(ENGINES), unique=True, max_size=4))
        bundle = {engine: draw(slots_for(engine, n)) for engine in engines}
        if draw(st.integers(0, 30)) == 0:
            bundle["bogus"] = []
        program.append(bundle)
    return program


def literal_run(program, mem, **kwargs):
    return run_literal(program, mem, STEPS, scratch_size=SCRATCH, value_trace=TRACE, **kwargs)


def engine_run(prepared, mem, stepwise=False, **kwargs):
    core = Core(prepared, mem, value_trace=TRACE, **kwargs)
    fault = None
    steps = 0
    while steps < STEPS and core.state != CoreState.STOPPED:
        if stepwise:
            if core.state == CoreState.PAUSED:
                core.state = CoreState.RUNNING
            try:
                core.step(record=True)
            except MachineFault as exc:
                fault = exc
                break
            steps += 1
            continue
        result = core.run(StopSpec(max_steps=STEPS - steps))
        steps += result.steps
        if result.fault is not None:
            fault = result.fault
            break
        if result.reason in ("end", "halt", "steps"):
            break
    return core, fault


def summary(m, fault):
    where = None
    if fault is not None:
        where = (type(fault), fault.pc, fault.engine, fault.slot_index, fault.value, str(fault))
    return (list(m.scratch), list(m.mem), m.pc, m.cycle, m.state, list(m.trace_buf), where)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), memories, st.booleans(), st.booleans())
def test_random_programs_agree_with_the_oracle(program, mem, enable_pause, enable_debug):
    kwargs = {"enable_pause": enable_pause, "enable_debug": enable_debug}
    expected = summary(*literal_run(program, mem, **kwargs))
    interpreted = Prepared(program, SCRATCH)
    assert summary(*engine_run(interpreted, mem, **kwargs)) == expected
    assert summary(*engine_run(interpreted, mem, **kwargs)) == expected
    compiled = Prepared(program, SCRATCH)
    compiled.compile_all(enable_debug)
    assert summary(*engine_run(compiled, mem, **kwargs)) == expected
    assert summary(*engine_run(compiled, mem, stepwise=True, **kwargs)) == expected


def literal_watch(program, mem, space, addr):
    """Where a run watching one word stops, found by stepping the oracle: (reason, steps)."""
    m = LiteralMachine(program, mem, scratch_size=SCRATCH, value_trace=TRACE)
    words = m.scratch if space == "s" else m.mem
    for steps in range(STEPS):
        if m.pc >= len(program):
            return "end", steps
        before = words[addr]
        try:
            m.step()
        except MachineFault as exc:
            return type(exc).__name__, steps
        if m.state == CoreState.STOPPED:
            return "halt", steps + 1
        if m.state == CoreState.PAUSED:
            return "pause", steps + 1
        if words[addr] != before:
            return "watch", steps + 1
    return "steps", STEPS


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), memories, st.sampled_from(["s", "m"]), st.integers(0, MEM - 1), st.booleans())
def test_watched_runs_stop_where_the_oracle_says(program, mem, space, addr, compiled):
    prepared = Prepared(program, SCRATCH)
    if compiled:
        prepared.compile_all()
    core = Core(prepared, mem, value_trace=TRACE)
    watch = frozenset({addr})
    spec = StopSpec(max_steps=STEPS, watch_scratch=watch if space == "s" else frozenset())
    if space == "m":
        spec = StopSpec(max_steps=STEPS, watch_mem=watch)
    result = core.run(spec)
    reason = type(result.fault).__name__ if result.fault else result.reason
    assert (reason, result.steps) == literal_watch(program, mem, space, addr)
    if reason == "watch":
        assert [(w.space, w.addr) for w in result.changes] == [(space, addr)]
