"""How fast the app is: launch to first full screen, and a step from key to end of render.

    .venv/bin/python benchmarks/app_bench.py [--steps N] [--kernel K ...]

Prints figures; it is not a test. A step is timed from the moment the key reaches the app
(the `s` binding's action) to the moment the screen has been redrawn for the new position
(a hook the app calls after the refresh that follows its panes' update), not with Pilot's
`press`, which costs about 80 ms by itself. Goals: first screen under 1.5 s; a step under
35 ms on average and 60 ms at the 95th percentile, at 160x48, on the baseline program and
on the vector kernel (dense bundles: the bundle pane shows 20-odd slots with their values).
"""

from __future__ import annotations

import time

LAUNCH = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402

SIZE = (160, 48)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def first_screen(kernel: str | None) -> dict[str, float]:
    """Seconds from the start of this script (Python's own start-up, about 0.03 s, not
    included) to the first full screen, and its parts, along the path the `vliwdbg` command
    takes: its module's imports, then the app, which opens the session in a worker behind
    its build screen and draws the panes once it is open."""
    import vliwdbg.faces.cli  # noqa: F401  (what the command imports before it opens the session)
    from vliwdbg.app.app import DebuggerApp
    from vliwdbg.core.session import Session

    imported = time.perf_counter()
    opened = 0.0

    def opener(cancel):
        nonlocal opened
        session = Session.open(kernel, cancel=cancel)
        opened = time.perf_counter()
        return session

    app = DebuggerApp(opener=opener, kernel=kernel)
    shown = asyncio.Event()
    app.after_render.append(shown.set)
    async with app.run_test(size=SIZE):
        await shown.wait()
        drawn = time.perf_counter()
    return {
        "imports (the command's and the app's)": imported - LAUNCH,
        "session open, in the app's worker (kernel build, problem, reference)": opened - imported,
        "then to the first full screen": drawn - opened,
        "total": drawn - LAUNCH,
    }


async def steps(kernel: str, count: int) -> tuple[list[float], list[float]]:
    """Milliseconds per step, key to end of render, after the program-wide figures are
    ready; and the UI thread's CPU time in each (what the step costs when no other process
    competes for the two cores, as other work on a shared machine does)."""
    from vliwdbg.app.app import DebuggerApp, keep_out_of_collections
    from vliwdbg.core.session import Session

    session = Session.open(kernel)
    keep_out_of_collections()
    app = DebuggerApp(session)
    rendered = asyncio.Event()
    app.after_render.append(rendered.set)
    times: list[float] = []
    cpu: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        while app.views.insight is None or app.busy:
            await asyncio.sleep(0.05)
        await pilot.pause()
        for _ in range(count):
            rendered.clear()
            start, start_cpu = time.perf_counter(), time.thread_time()
            app.action_key_command("step")
            await rendered.wait()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            await asyncio.sleep(0.02)
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument(
        "--kernel",
        action="append",
        help="program for the step timing (repeatable; default baseline and vector)",
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    launch = asyncio.run(first_screen(None))
    print("launch (default kernel, 160x48):")
    for part, seconds in launch.items():
        print(f"  {part:<50} {seconds:6.2f} s")
    print(f"  goal: total under 1.50 s -> {'met' if launch['total'] < 1.5 else 'NOT met'}")
    for kernel in args.kernel or ["baseline", "vector"]:
        times, cpu = asyncio.run(steps(kernel, args.steps))
        mean, p95 = statistics.mean(times), percentile(times, 0.95)
        print(f"step, key to end of render ({kernel}, 160x48, {len(times)} steps):")
        median = statistics.median(times)
        print(
            f"  mean {mean:5.1f} ms   median {median:5.1f} ms   p95 {p95:5.1f} ms   max {max(times):5.1f} ms"
        )
        met = "met" if mean < 35 and p95 < 60 else "NOT met"
        print(f"  goal: mean under 35 ms and p95 under 60 ms -> {met}")
        cpu_mean, cpu_p95 = statistics.mean(cpu), percentile(cpu, 0.95)
        print(f"  UI thread CPU per step: mean {cpu_mean:5.1f} ms   p95 {cpu_p95:5.1f} ms")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} over the minute before the run")


if __name__ == "__main__":
    main()
