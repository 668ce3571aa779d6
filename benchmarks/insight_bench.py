"""Figures for the insight tools on the shipped kernels at the standard size.

    python benchmarks/insight_bench.py [KERNEL ...]

Prints wall-clock seconds for lint, the static occupancy profile, the source map, origin and
uses of a value mid-run (first call, which pays for replaying, and a second one), the
executed critical path of the whole run, and trace export of 1,000 cycles and of the whole
run. Figures, not pass/fail: the machine may be shared.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vliwdbg.core.expr import parse_location
from vliwdbg.core.session import Session
from vliwdbg.insight.critical_path import executed_critical_path
from vliwdbg.insight.export import export_trace
from vliwdbg.insight.lint import lint_report
from vliwdbg.insight.occupancy import Profile
from vliwdbg.insight.provenance import origin, uses
from vliwdbg.insight.served import SourceMap

KERNELS = ("baseline", "three-lane", "vector")


def timed(label: str, work: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = work()
    print(f"  {label:<34}{time.perf_counter() - start:8.2f} s")
    return result


def bench(name: str) -> None:
    session = Session.open(name)
    program = session.program
    print(f"{name}: {len(program):,} bundles")
    timed("lint", lambda: lint_report(program, scratch_map=session.kernel.scratch_map))
    timed("static occupancy profile", lambda: Profile.static(program).report())
    timed("source map", lambda: SourceMap(program))
    session.goto_step(len(program) * 2 // 3)
    loc = parse_location(
        "values[5]",
        session.scratch_names,
        session.regions,
        scratch_size=len(session.scratch),
        mem_size=len(session.mem),
    )
    for attempt in ("first", "again"):
        timed(f"origin values[5] ({attempt})", lambda: origin(session, loc))
        timed(f"uses values[5] ({attempt})", lambda: uses(session, loc))
    path = timed("critical path, whole run", lambda: executed_critical_path(session))
    print(f"    {path.lines()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "trace.json"
        timed("trace export, 1,000 cycles", lambda: export_trace(session, out, 0, 1000))
        done = timed("trace export, whole run", lambda: export_trace(session, out))
        print(f"    {done.events:,} events, {out.stat().st_size / 1e6:.1f} MB")


def main(argv: list[str]) -> int:
    for name in argv or KERNELS:
        bench(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
