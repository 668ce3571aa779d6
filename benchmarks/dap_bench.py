"""What an editor waits for over `vliwdbg --dap`: the launch, a step, a step back, the
requests an editor sends at every stop (stack, scopes, the registers), and a continue.

    .venv/bin/python benchmarks/dap_bench.py [KERNEL ...] [--steps N]

Each KERNEL (default: three-lane and baseline at the full problem size) is launched in a
fresh adapter process, driven by the small protocol client the tests use. Times are wall
clock from the request to its response or the `stopped` event, medians over N steps.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.vliwdbg.faces.dap.client import DapClient


def timed(action) -> float:
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def bench(kernel: str, steps: int) -> dict[str, float]:
    client = DapClient()
    try:
        figures: dict[str, float] = {}

        def launch() -> None:
            client.ok("initialize", {"adapterID": "vliwdbg"})
            client.ok("launch", {"kernel": kernel})
            client.event("initialized")

        figures["launch"] = timed(launch)

        def stopped(request: str) -> None:
            client.ok(request, {"threadId": 1})
            client.event("stopped")

        figures["entry"] = timed(lambda: stopped("configurationDone"))

        def at_stop() -> None:
            client.ok("stackTrace", {"threadId": 1})
            scopes = client.ok("scopes", {"frameId": 0})["scopes"]
            scratch = next(s for s in scopes if s["name"] == "Scratch")
            client.ok("variables", {"variablesReference": scratch["variablesReference"]})

        figures["first stack+scopes+scratch"] = timed(at_stop)
        figures["step"] = statistics.median(timed(lambda: stopped("stepIn")) for _ in range(steps))
        figures["stack+scopes+scratch"] = statistics.median(timed(at_stop) for _ in range(steps))
        figures["step back"] = statistics.median(timed(lambda: stopped("stepBack")) for _ in range(steps))
        figures["continue"] = timed(lambda: stopped("continue"))
        return figures
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=["three-lane", "baseline"])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    for kernel in args.kernels:
        figures = bench(kernel, args.steps)
        shown = ", ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in figures.items())
        print(f"{kernel}: {shown}")


if __name__ == "__main__":
    main()
