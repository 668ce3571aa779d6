"""The `--lint` and `--trace` faces of the `vliwdbg` command (rows of vliwdbg/faces/cli.py's MODES).

--lint builds the kernel and lints its program without running anything, printing one line
per finding and a summary; its exit status is 1 with errors, 0 with notes only or none, and
2 when the kernel cannot be built (so a script tells a wrong kernel from a missing one).
--trace opens a session like the app does and writes the trace of the whole run, or of
cycles --from..--to.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from vliwdbg.core.source import SourceError, map_now, place_suffix
from vliwdbg.faces.options import open_session, problem_size
from vliwdbg.insight.export import ExportError, export_trace
from vliwdbg.insight.lint import LOAD_FAILED, lint_report
from vliwdbg.loading.loader import KernelLoadError, LoadedKernel, load_kernel

PROG = "vliwdbg"


def add_lint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lint",
        action="store_true",
        help="check KERNEL's program without running it; exit 1 on errors, 0 on notes only, 2 if unloadable",
    )


def lint_selected(args: argparse.Namespace) -> bool:
    return bool(args.lint)


def run_lint(args: argparse.Namespace) -> int:
    try:
        kernel = load_kernel(args.kernel, problem_size(args))
    except KernelLoadError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return LOAD_FAILED
    for note in kernel.notes:
        print(f"{PROG}: {note}", file=sys.stderr)
    report = lint_report(kernel.program, scratch_map=kernel.scratch_map)
    source = _slot_source(kernel) if report.findings else None
    for finding in report.findings:
        print(finding.line(source))
    print(f"{kernel.name}: {len(kernel.program)} bundles; {report.summary()}")
    return report.status


def _slot_source(kernel: LoadedKernel) -> Callable[[int, str | None, int | None], str] | None:
    """` at FILE:LINE` for a slot of the kernel, from its source map; None when it has none
    (a line on stderr says why)."""
    try:
        smap = map_now(kernel.source_request, kernel.program)
    except SourceError as exc:
        print(f"{PROG}: no source lines: {exc}", file=sys.stderr)
        return None
    return lambda pc, engine, index: place_suffix(smap, pc, engine, index)


def add_trace_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trace",
        metavar="FILE",
        help="write the run as a trace-event JSON file (the take-home's trace viewer)",
    )
    parser.add_argument(
        "--from", dest="trace_from", type=int, metavar="C", help="with --trace: the first cycle"
    )
    parser.add_argument(
        "--to", dest="trace_to", type=int, metavar="C", help="with --trace: the cycle to stop before"
    )


def trace_selected(args: argparse.Namespace) -> bool:
    return args.trace is not None or args.trace_from is not None or args.trace_to is not None


def run_trace(args: argparse.Namespace) -> int:
    if args.trace is None:
        print(f"{PROG}: --from and --to need --trace FILE", file=sys.stderr)
        return 2
    session = open_session(args)
    if session is None:
        return 2
    try:
        done = export_trace(session, args.trace, args.trace_from, args.trace_to)
    except ExportError as exc:
        print(f"{PROG}: --trace: {exc}", file=sys.stderr)
        return 2
    print(done.line())
    return 0
