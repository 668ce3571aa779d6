"""The critical path of an executed run: exact memory addresses, loops unrolled by running."""

from machine.problem import make_problem
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
