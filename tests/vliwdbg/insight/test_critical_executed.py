"""The critical path of an executed run: exact memory addresses, loops unrolled by running."""

import pytest

from machine.problem import ProblemSize, make_problem
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.insight.critical_path import executed_critical_path, static_critical_path
from vliwdbg.loading.loader import LoadedKernel

PROBLEM = make_problem(height=1, rounds=1, batch_size=2, seed=3)


def open_session(program: list[dict]) -> Session:
    return Session(LoadedKernel("test", None, program, {}, [], 0.0), PROBLEM, checkpoint_interval=4)


def test_known_addresses_break_the_conservative_memory_chain():
    program = [
        {"load": [("const", 0, 10), ("const", 1, 11)]},
        {"load": [("const", 2, 5)]},
        {"store": [("store", 0, 2)]},  # m[10] = 5
        {"load": [("load", 3, 1)]},  # reads m[11]: independent of the store
        {"alu": [("+", 4, 3, 3)]},
    ]
    assert static_critical_path(program, 0, 4).length == 4
    session = open_session(program)
    path = executed_critical_path(session)
    assert path.length == 3
    assert [(link.step, link.engine) for link in path.chain] == [(0, "load"), (3, "load"), (4, "alu")]
    assert path.lines()[0].startswith("cycles 0..the end (steps 0..4): 5 cycles; latency bound 3")
    assert session.step == 0


def test_a_loop_is_followed_as_it_ran():
    program = [
        {"load": [("const", 1, 1), ("const", 2, 3)]},  # one, limit
        {"alu": [("+", 0, 0, 1)]},  # i += 1
        {"alu": [("<", 3, 0, 2)]},  # more = i < limit
        {"flow": [("cond_jump", 3, 1)]},
        {"flow": [("halt",)]},
    ]
    session = open_session(program)
    session.goto_step(5)
    path = executed_critical_path(session)
    assert path.length == 6
    assert [link.step for link in path.chain] == [0, 1, 4, 7, 8, 9]
    assert path.cycles == 11
    assert path.resource_bound == 4 and path.busiest_engine == "flow"
    assert path.verdict == "latency-bound"
    assert session.step == 5
    window = executed_critical_path(session, 4, 8)
    assert (window.first, window.last, window.cycles) == (4, 7, 4)
    assert window.length == 3  # steps 4, 5, 6: i += 1, then i < limit, then the jump


def stepwise_critical_path(session: Session, start: int = 0, end: int | None = None):
    """The executed critical path as it was computed before it walked the core
    (`Core.walk`) and planned bundles without a generator: one `step_over` per bundle.
    Kept here as the oracle of both."""
    from machine.isa import CoreState
    from vliwdbg.insight.access import iter_slots, slot_access
    from vliwdbg.insight.critical_path import _MEMORY_OPS, SlotEvent, _with_addresses, analyse
    from vliwdbg.insight.sidecore import side_core_at_cycle, step_over

    def _plan(pc, bundle):
        plan = []
        for engine, index, slot in iter_slots(bundle):
            if engine == "debug":
                continue
            access = slot_access(engine, slot)
            if access is None:
                continue
            if (engine, slot[0]) in _MEMORY_OPS:
                plan.append((pc, engine, index, slot, access))
            else:
                plan.append(SlotEvent(pc, engine, index, slot, access.reads, access.writes))
        return any(e != "debug" for e in bundle), plan

    core = side_core_at_cycle(session, start)
    program = session.program
    budget = core.steps + session.options.max_steps
    first = core.steps
    last = [first - 1]

    def bundles():
        while (end is None or core.cycle < end) and core.steps < budget:
            pc = core.pc
            if core.state == CoreState.STOPPED or not 0 <= pc < len(program):
                return
            costs, plan = _plan(pc, program[pc])
            events = [item if isinstance(item, SlotEvent) else _with_addresses(item, core) for item in plan]
            step = core.steps
            yield step, costs, events
            if not step_over(core):
                return
            last[0] = step

    path = analyse(bundles(), first, first, unit="step")
    path.last = last[0]
    stop = "the end" if end is None or core.cycle < end else str(core.cycle)
    path.span = f"cycles {start}..{stop} (steps {first}..{path.last})"
    return path


FAULTS_LATE = [
    {"load": [("const", 0, 3), ("const", 1, 0)]},
    {"debug": [("compare", 0, (0, 0, "idx"))]},  # fails: the reference's idx is 0
    {"store": [("store", 1, 0)], "flow": [("pause",)]},
    {"load": [("load", 2, 1)]},
    {"alu": [("//", 3, 0, 1)]},  # divides by zero
    {"alu": [("+", 4, 0, 0)]},
]


@pytest.mark.parametrize(
    ("kernel", "span"),
    [
        ("faults late", (0, None)),
        ("faults late", (1, 3)),
        ("baseline", (0, None)),
        ("baseline", (40, 300)),
        ("three-lane", (0, None)),
        ("vector", (5, 90)),
        ("vector", (0, None)),
    ],
)
def test_the_walk_finds_what_stepping_found(kernel, span):
    if kernel == "faults late":
        session = open_session(FAULTS_LATE)
    else:
        session = Session.open(kernel, RunOptions(ProblemSize(height=2, rounds=1, batch_size=8)))
    old = stepwise_critical_path(session, *span)
    new = executed_critical_path(session, *span)
    assert new.lines() == old.lines()
    assert (new.length, new.last, new.span, new.chain) == (old.length, old.last, old.span, old.chain)
