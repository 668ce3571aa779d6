"""How long `why` takes at the end of a run: the vector kernel (1,111 cycles) and the
baseline (147,734 cycles), at the take-home's size. Both kernels are correct, so this times
the judging of output words (an index word is small, so its writer's inputs are looked up
in the history); a long walk back through a wrong value is not timed here yet."""

from __future__ import annotations

import statistics
import time

from vliwdbg.commands.console import Console
from vliwdbg.core.session import Session


def _bench(kernel: str, runs: int = 3) -> None:
    session = Session.open(kernel)
    while session.resume().kind != "end":
        pass
    console = Console(session)
    for loc in ("values[3]", "indices[3]"):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = console.run(f"why {loc}")
            times.append(time.perf_counter() - start)
        last = (result.output or [result.error or ""])[-1]
        print(f"{kernel:10} why {loc:11} median {statistics.median(times):.3f} s  ({last[:70]})")


if __name__ == "__main__":
    for name in ("vector", "baseline"):
        _bench(name)
