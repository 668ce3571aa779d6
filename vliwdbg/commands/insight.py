"""The insight commands: their table rows and their answers as lines of text.

vliwdbg/commands.py builds its Command rows from INSIGHT_COMMANDS (one table still feeds the
parser, help, completion and the palette); each `run` here takes the session and the
command's arguments and returns output lines, or raises InsightError with a one-line reason,
before anything has changed. The analyses themselves live in the modules beside this one;
this module only parses arguments, calls them, and words their answers.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from machine.engine import Prepared
from vliwdbg.cancel import Cancelled
from vliwdbg.core.expr import ExprError, Location
from vliwdbg.core.quoting import quote
from vliwdbg.insight.critical_path import executed_critical_path
from vliwdbg.insight.export import ExportError, export_trace
from vliwdbg.insight.lint import lint_report
from vliwdbg.insight.provenance import ProvenanceError, origin, origin_lines, uses, uses_lines
from vliwdbg.insight.served import SourceMap, parse_step, step_name

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

#: Findings `info lint` lists before it points to `vliwdbg --lint` for the rest.
LINT_LINES = 40


class InsightError(ValueError):
    """A bad argument or an unanswerable question: one line, nothing changed."""


@dataclass(frozen=True)
class InsightCommand:
    """One row for the command table (see vliwdbg/commands.py's Command)."""

    name: str
    syntax: str
    summary: str
    help: str
    run: Callable[[Session, Any], list[str]]
    aliases: tuple[str, ...] = ()
    completes: str | None = None


# --- the source map ---------------------------------------------------------------------------

_maps: weakref.WeakKeyDictionary[Prepared, SourceMap] = weakref.WeakKeyDictionary()


def source_map(session: Session) -> SourceMap:
    """The session's program's source map, built once (the app's listing labels use it too)."""
    found = _maps.get(session.prepared)
    if found is None:
        found = _maps[session.prepared] = SourceMap(session.program)
    return found


def info_where(session: Session, args: Any) -> list[str]:
    _no_args(args)
    pc = session.pc
    if not 0 <= pc < len(session.program):
        return [f"pc {pc} is past the end of the program"]
    return [f"pc {pc}: {source_map(session).where(pc)}"]


def break_elem(session: Session, args: Any) -> list[str]:
    element, round_, step = parse_elem(args.text)
    smap = source_map(session)
    if not smap:
        raise InsightError("the kernel has no debug compares, so no bundle is known to serve an element")
    pc = smap.first_serving(element, round_, step)
    if pc is None:
        raise InsightError(f"no compare names {_elem_text(element, round_, step)}")
    text = f"{pc} ({_elem_text(element, round_, step)})"
    bp = session.stops.add("pc", text, pc=pc)
    return [f"{bp.label()} at pc {pc}: the first bundle serving {_elem_text(element, round_, step)}"]


def parse_elem(text: str) -> tuple[int, int | None, tuple | None]:
    """'I [round R] [KEY]' -> (element, round or None, step or None). KEY as parse_step takes."""
    words = text.split()
    if not words:
        raise InsightError("expected an element number: break elem I [round R] [KEY]")
    element = _number(words[0], "an element number")
    round_ = None
    rest = words[1:]
    if rest and rest[0] == "round":
        if len(rest) < 2:
            raise InsightError("expected a round number after 'round'")
        round_ = _number(rest[1], "a round number")
        rest = rest[2:]
    step = None
    if rest:
        try:
            step = parse_step(rest)
        except ValueError as exc:
            raise InsightError(str(exc)) from None
    return element, round_, step


def _elem_text(element: int, round_: int | None, step: tuple | None) -> str:
    text = f"element {element}"
    if round_ is not None:
        text += f" in round {round_}"
    if step is not None:
        text += f" at {step_name(step)}"
    return text


# --- origin and uses ----------------------------------------------------------------------------


def info_origin(session: Session, args: Any) -> list[str]:
    loc = _location(session, args)
    try:
        return origin_lines(session, origin(session, loc))
    except ProvenanceError as exc:
        raise InsightError(str(exc)) from None


def info_uses(session: Session, args: Any) -> list[str]:
    loc = _location(session, args)
    try:
        return uses_lines(session, uses(session, loc))
    except ProvenanceError as exc:
        raise InsightError(str(exc)) from None


def _location(session: Session, args: Any) -> Location:
    if not args.text:
        raise InsightError("expected a location: a scratch name, s[A], m[A], s[A:B], m[A:B] or values[i]")
    try:
        return session.locate(args.text)
    except ExprError as exc:
        if exc.col is None:
            raise InsightError(exc.detail) from None
        raise InsightError(f"column {args.offset + exc.col + 1}: {exc.detail}") from None


# --- where the cycles go --------------------------------------------------------------------------


def info_critical(session: Session, args: Any) -> list[str]:
    lo, hi = _cycle_range(args.text)
    try:
        return executed_critical_path(session, lo, hi, args.cancel).lines(name_slot=session.named_slot)
    except Cancelled:
        raise InsightError("interrupted") from None


def info_lint(session: Session, args: Any) -> list[str]:
    _no_args(args)
    report = lint_report(session.program, len(session.scratch), session.kernel.scratch_map)
    lines = [f.line(session.slot_where) for f in report.findings[:LINT_LINES]]
    hidden = len(report.findings) - len(lines)
    if hidden:
        lines.append(f"... {hidden} more (`vliwdbg --lint KERNEL` lists them all)")
    lines.append(report.summary())
    return lines


def trace(session: Session, args: Any) -> list[str]:
    words = args.text.split()
    if len(words) not in (1, 3):
        raise InsightError("expected FILE, or FILE FROM TO (a range of cycles)")
    lo, hi = _cycle_range(" ".join(words[1:]))
    try:
        return [export_trace(session, words[0], lo, hi, args.cancel).line()]
    except ExportError as exc:
        raise InsightError(str(exc)) from None
    except Cancelled:
        raise InsightError("interrupted: no file written") from None


def _cycle_range(text: str) -> tuple[int | None, int | None]:
    words = text.split()
    if not words:
        return None, None
    if len(words) != 2:
        raise InsightError("expected no range, or FROM TO (a range of cycles)")
    lo, hi = (_number(w, "a cycle number") for w in words)
    if hi <= lo:
        raise InsightError(f"the range {lo}..{hi} is empty (TO must be above FROM)")
    return lo, hi


def _number(word: str, what: str) -> int:
    try:
        value = int(word, 0)
    except ValueError:
        raise InsightError(f"expected {what}, got {quote(word)}") from None
    if value < 0:
        raise InsightError(f"expected {what}, got {quote(word)}")
    return value


def _no_args(args: Any) -> None:
    if args.text:
        raise InsightError(f"takes no arguments, got {quote(args.text)}")


INSIGHT_COMMANDS: tuple[InsightCommand, ...] = (
    InsightCommand(
        "info origin",
        "info origin LOC",
        "which step and slot wrote LOC's value, and from what, a few levels back",
        "A tree: each word's writer (step, cycle, pc, slot) and the words that slot read then\n"
        "(the select candidate it chose, the memory word a load read), three levels deep.\n"
        "Found from history without re-running from the start; the position does not change.",
        info_origin,
        completes="location",
    ),
    InsightCommand(
        "info uses",
        "info uses LOC",
        "the next steps that read LOC's value, until it is overwritten",
        "Runs ahead on a copy of the machine (the position does not change). Debug compares are\n"
        "listed but marked; a value no slot reads before it is overwritten is called dead.",
        info_uses,
        completes="location",
    ),
    InsightCommand(
        "info where",
        "info where",
        "the rounds, elements and steps the next bundle serves",
        "From the kernel's debug compares: a compare bundle serves its keys, a bundle between\n"
        "two compares serves both (it says 'between'). Kernels without compares have no map.",
        info_where,
    ),
    InsightCommand(
        "info critical",
        "info critical [FROM TO]",
        "latency bound against resource bound, for the whole run (or cycles FROM..TO)",
        "The longest chain of read-after-write dependencies through scratch and memory (at the\n"
        "addresses the run used), against the busiest engine's slots over its limit: whichever\n"
        "is larger is what binds. Runs on a copy of the machine; the result is kept.",
        info_critical,
    ),
    InsightCommand(
        "info lint",
        "info lint",
        "static findings: errors (certainly wrong) and notes (maybe deliberate)",
        "Errors fault when run, write one word twice in a bundle, or read a word before its\n"
        "write in the straight-line code from the start; notes: a slot reading a word another\n"
        "slot of its bundle writes, reads before any write past a jump, writes never read.\n"
        "A ('comment', 'lint: reads-old') debug slot marks a bundle's stale reads as\n"
        "deliberate ('lint: overwrite' for double writes).",
        info_lint,
    ),
    InsightCommand(
        "break elem",
        "break elem I [round R] [KEY]",
        "stop at the first bundle serving element I (in round R, at step KEY)",
        "From the debug compares (see info where). KEY: idx, val, node_val, hash_stage K,\n"
        "hashed_val, next_idx, wrapped_idx. Sets a pc breakpoint on that bundle.",
        break_elem,
    ),
    InsightCommand(
        "trace",
        "trace FILE [FROM TO]",
        "write cycles FROM..TO (default: the whole run) as a trace-event JSON file",
        "The Chrome trace-event format of the take-home's trace viewer and Perfetto, as valid\n"
        "JSON. Replayed on a copy of the machine; the position does not change.",
        trace,
    ),
)
