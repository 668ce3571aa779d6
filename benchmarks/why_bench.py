"""How long `why` takes at the end of a run whose first wrong value lies a whole run back,
at the take-home's size (height 10, 16 rounds, batch 256): a dense loop kernel from the
test fixtures with a wrong hash constant (it stores and reloads every round, so the walk
goes through memory 16 times), the vector kernel (1,111 cycles) and the baseline (147,734
cycles) each with a stage-3 constant one bit off (benchmarks/slipped), and, for the plain
judging of output words, the correct vector kernel and baseline. Compares and the store
check are off so each run goes to the end; `why` with no LOC takes the first wrong word."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from vliwdbg.commands.console import Console
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

HERE = Path(__file__).parent
DENSE = HERE.parent / "tests" / "fixtures" / "kernels" / "dense"
CASES = [
    ("dense loop, hash slip", str(DENSE / "bug_hash_const_loop.py"), "why"),
    ("vector, hash slip", str(HERE / "slipped" / "vector_slip.py"), "why"),
    ("baseline, hash slip", str(HERE / "slipped" / "baseline_slip.py"), "why"),
    ("vector", "vector", "why values[3]"),
    ("baseline", "baseline", "why values[3]"),
]


def _bench(label: str, kernel: str, command: str, runs: int = 3) -> None:
    session = Session.open(kernel, RunOptions(debug=False, check_stores=False))
    while session.resume().kind != "end":
        pass
    console = Console(session)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = console.run(command)
        times.append(time.perf_counter() - start)
    lines = result.output or [result.error or ""]
    print(
        f"{label:22} {session.cycle:>7} cycles  {command:14} first {times[0]:6.3f} s"
        f"  median {statistics.median(times):6.3f} s"
        f"  path {len(lines) - 1:>4} values  {lines[-1][:60]}"
    )


if __name__ == "__main__":
    for case in CASES:
        _bench(*case)
