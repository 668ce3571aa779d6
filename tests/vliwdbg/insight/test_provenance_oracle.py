"""Origin and uses on the shipped kernels, against a plain forward run that records every
write and read (the engine's own record of writes, and its reads of each bundle)."""

import pytest

from machine.engine import Core
from machine.faults import CompareFault
from machine.problem import ProblemSize
from vliwdbg.core.expr import Location
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.insight import provenance
from vliwdbg.insight.provenance import origin, uses

SIZES = RunOptions(ProblemSize(height=2, rounds=2, batch_size=8))


def history(session: Session) -> list[tuple[int, set, set]]:
    """Per step: (pc, words written, words read by non-debug slots), from a fresh run."""
    core = Core(session.prepared, session.problem.initial, value_trace=session.problem.value_trace)
    steps = []
    while True:
        pc = core.pc
        if pc >= len(session.program):
            return steps
        rs, rm = core.reads()
        try:
            writes = core.step(record=True)
        except CompareFault:
            writes = core.step(record=True, skip_debug=True)
        if core.steps == len(steps):
            return steps
        read = {("s", a) for a in rs} | {("m", a) for a in rm}
        steps.append((pc, {(w.space, w.addr) for w in writes}, read))


@pytest.mark.parametrize("name", ["three-lane", "vector", "baseline"])
def test_origin_and_uses_agree_with_a_recorded_run(monkeypatch, name):
    monkeypatch.setattr(provenance, "WINDOW", 50)
    session = Session.open(name, SIZES)
    steps = history(session)
    words = sorted({w for _, written, _ in steps for w in written})
    probes = words[:: max(1, len(words) // 40)]
    for at in (len(steps) // 3, 2 * len(steps) // 3):
        session.goto_step(at)
        for space, addr in probes:
            loc = Location(space, addr, 1, f"{space}[{addr}]")
            expected = max((k for k in range(at) if (space, addr) in steps[k][1]), default=None)
            [root] = origin(session, loc, depth=0)
            assert root.step == expected, (space, addr, at)
            report = uses(session, loc, limit=100_000)
            end = next((k for k in range(at, len(steps)) if (space, addr) in steps[k][1]), len(steps))
            readers = [
                k for k in range(at, end + 1 if end < len(steps) else end) if (space, addr) in steps[k][2]
            ]
            assert sorted({u.step for u in report.uses if not u.debug}) == readers
            if end < len(steps):
                assert report.overwrites[0].step == end
        assert session.step == at
