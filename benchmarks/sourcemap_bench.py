"""What mapping a kernel's slots to its source lines costs, by two techniques.

    .venv/bin/python benchmarks/sourcemap_bench.py [KERNEL ...] [--frames 1,2,4] [--small]

For each kernel (our three and the srcmap, dense, dap and madeby fixtures by default, at
the take-home's sizes unless --small), with the build cache off:
- plain: the build a session opens with (LoadedKernel.build_seconds);
- rewrite: what vliwdbg does, the second build in a child process with tuple displays,
  `*args` and calls compiled to record their frame chain (capture.py), timed from the session's open to its
  map being ready (the child, the program check, the index), against the target of
  3 x plain + 1 s; and how many slots got a chain;
- tracemalloc N: the same build in a child with `tracemalloc.start(N)`, each slot's chain
  read from `get_object_traceback` (the kernel's own frames of its N innermost), for each
  N of --frames; skipped (with a note) past --limit seconds of plain build x 40.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine.problem import ProblemSize  # noqa: E402
from vliwdbg.core.options import RunOptions  # noqa: E402
from vliwdbg.core.session import Session  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "kernels"
DEFAULT_KERNELS = [
    "three-lane",
    "vector",
    "baseline",
    str(FIXTURES / "srcmap" / "kernel.py"),
    str(FIXTURES / "srcmap" / "rebuilt.py"),
    str(FIXTURES / "dense" / "correct_wide.py"),
    str(FIXTURES / "dense" / "correct_loop.py"),
    str(FIXTURES / "dap" / "grouped.py"),
    str(FIXTURES / "madeby" / "kernel" / "tupled.py"),
]

#: Run in a child by --inner: build one kernel as child.py does, under tracemalloc.
INNER = """
import importlib.util, json, os, sys, time, tracemalloc
request = json.loads(sys.argv[1]); frames = int(sys.argv[2]); channel = int(sys.argv[4])
spec = importlib.util.spec_from_file_location("child", sys.argv[3])
child = importlib.util.module_from_spec(spec); spec.loader.exec_module(child)
folder = os.path.realpath(os.path.dirname(request["path"]))
plain = child.plain_program
seen = {}
def traced(instrs):
    mapped = total = 0
    for bundle in instrs:
        for slots in bundle.values():
            for slot in slots:
                total += 1
                tb = tracemalloc.get_object_traceback(slot)
                if tb is not None and any(f.filename.startswith(folder) for f in tb):
                    mapped += 1
    seen["mapped"], seen["total"] = mapped, total
    return plain(instrs)
child.plain_program = traced
tracemalloc.start(frames)
t0 = time.perf_counter()
result = child.build_file(request)
seen["seconds"] = time.perf_counter() - t0
seen["ok"] = result["ok"]
os.write(channel, json.dumps(seen).encode())
"""


def tracemalloc_run(request: dict, frames: int) -> dict:
    read, write = os.pipe()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-P",
            "-c",
            INNER,
            json.dumps(request),
            str(frames),
            str(ROOT / "vliwdbg/loading/child.py"),
            str(write),
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(request["path"]).parent,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    os.close(write)
    data = os.read(read, 1 << 16)
    proc.wait()
    os.close(read)
    found = json.loads(data) if data else {"ok": False}
    found["wall"] = time.perf_counter() - started
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=DEFAULT_KERNELS)
    parser.add_argument("--frames", default="1,2,4", help="tracemalloc depths to compare")
    parser.add_argument("--small", action="store_true", help="height 4, 4 rounds, batch 32")
    parser.add_argument(
        "--limit", type=float, default=120.0, help="skip a tracemalloc run expected past this"
    )
    args = parser.parse_args()
    os.environ["VLIWDBG_NO_CACHE"] = "1"
    size = ProblemSize(height=4, rounds=4, batch_size=32) if args.small else ProblemSize()
    depths = [int(x) for x in args.frames.split(",") if x]
    print(f"sizes: height {size.height}, rounds {size.rounds}, batch {size.batch_size}")
    for name in args.kernels:
        t0 = time.perf_counter()
        session = Session.open(name, RunOptions(size))
        opened = time.perf_counter() - t0
        t1 = time.perf_counter()
        smap = session.wait_for_source_map()
        ready = time.perf_counter() - t1
        plain = session.kernel.build_seconds
        target = 3 * plain + 1
        shown = Path(name).name
        slots = f"{smap.mapped}/{smap.total} slots" if smap is not None else session.source_status
        verdict = "ok" if ready <= target else "OVER"
        print(f"{shown}: plain build {plain:.2f} s (open {opened:.2f} s, {len(session.program)} bundles)")
        print(f"  rewrite: map ready {ready:.2f} s after the open, target {target:.2f} s: {verdict}; {slots}")
        request = session.kernel.source_request
        if request is None:
            continue
        for frames in depths:
            if plain * 10 * frames > args.limit:
                print(f"  tracemalloc {frames}: skipped (expected past {args.limit:g} s)")
                continue
            found = tracemalloc_run(request, frames)
            if not found.get("ok"):
                print(f"  tracemalloc {frames}: the build failed")
                continue
            print(
                f"  tracemalloc {frames}: build {found['seconds']:.2f} s (child {found['wall']:.2f} s);"
                f" {found['mapped']}/{found['total']} slots with a kernel frame"
            )


if __name__ == "__main__":
    main()
