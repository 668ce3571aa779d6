"""The command language: one table of commands that feeds the parser, `help`, completion
and the app's palette.

Every command is parsed and validated in full before it touches the session, so a bad
command or argument is one line of error and changes nothing. Moves return the session's
Stop, whose one-line message is the command's output.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from machine.isa import OPERAND_ROLES
from vliwdbg.commands.insight import INSIGHT_COMMANDS, InsightCommand, InsightError
from vliwdbg.core.expr import Expr, ExprError, Location
from vliwdbg.core.history import Cancel, Progress
from vliwdbg.core.stops import Stop, location_words
from vliwdbg.loading.loader import KernelLoadError, kernel_spec

if TYPE_CHECKING:
    from vliwdbg.core.session import CommandResult, LoadReport, Session

PROMPT = "(vliwdbg) "
#: Most words `info mem` shows; more is an error, not a flood.
MAX_WORDS = 4096
WORDS_PER_ROW = 8


class CommandError(ValueError):
    """A bad command or argument: one line, nothing changed."""


@dataclass
class Args:
    """A command's argument text, where it starts in the line (for column numbers), and the
    /FMT suffix of the command word if any."""

    text: str
    offset: int
    fmt: str | None = None
    cancel: Cancel | None = None
    progress: Progress | None = None


@dataclass
class Reply:
    output: list[str] = field(default_factory=list)
    stop: Stop | None = None
    failed: bool = False
    quit: bool = False
    #: What --record writes for this command, when not the command as typed.
    record: str | None = None


Handler = Callable[["Session", Args], Reply]


@dataclass(frozen=True)
class Command:
    """One row of the table. `name` is one or two words ("goto cycle"); `syntax` shows the
    arguments; `completes` says what the arguments are made of ("expr", "location",
    "scratch" or "command") so completion can offer names."""

    name: str
    syntax: str
    summary: str
    help: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    completes: str | None = None


# --- argument parsing ---------------------------------------------------------------------

_NUMBER = re.compile(r"^(0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$")


def parse_int(token: str, what: str) -> int:
    if not _NUMBER.match(token):
        raise CommandError(f"expected {what}, got {token!r}")
    return int(token, 0) if token[:2].lower() == "0x" else int(token, 10)


def _count(args: Args, what: str = "a count") -> int:
    """An optional positive count, 1 by default."""
    if not args.text:
        return 1
    words = args.text.split()
    if len(words) > 1:
        raise CommandError(f"expected one number, got {args.text!r}")
    n = parse_int(words[0], what)
    if n < 1:
        raise CommandError(f"{what} must be at least 1")
    return n


def _one_number(args: Args, what: str) -> int:
    words = args.text.split()
    if len(words) != 1:
        raise CommandError(f"expected {what}" + (f", got {args.text!r}" if args.text else ""))
    return parse_int(words[0], what)


def _no_args(args: Args) -> None:
    if args.text:
        raise CommandError(f"takes no arguments, got {args.text!r}")


def _ids(session: Session, args: Args) -> list[int]:
    """The ids named (all of them when none is), each checked to exist before any is used."""
    words = args.text.split()
    if not words:
        return [bp.id for bp in session.breakpoints]
    ids = [parse_int(w, "a breakpoint number") for w in words]
    for bp_id in ids:
        if session.stops.get(bp_id) is None:
            raise CommandError(f"no breakpoint or watchpoint {bp_id}")
    return ids


def _expr(session: Session, args: Args, text: str | None = None, offset: int | None = None) -> Expr:
    """Parse an expression of the argument text; errors point at the column in the line."""
    text = args.text if text is None else text
    offset = args.offset if offset is None else offset
    if not text.strip():
        raise CommandError("expected an expression")
    try:
        return session.parse(text)
    except ExprError as exc:
        raise _placed(exc, offset) from None


def _evaluate(session: Session, expr: Expr, offset: int) -> int | list[int]:
    try:
        return session.evaluate(expr)
    except ExprError as exc:
        raise _placed(exc, offset) from None


def _placed(exc: ExprError, offset: int) -> CommandError:
    if exc.col is None:
        return CommandError(exc.detail)
    return CommandError(f"column {offset + exc.col + 1}: {exc.detail}")


def _location(session: Session, args: Args) -> Location:
    if not args.text:
        raise CommandError("expected a location: a scratch name, s[A], m[A], s[A:B], m[A:B] or values[i]")
    try:
        return session.locate(args.text)
    except ExprError as exc:
        raise _placed(exc, args.offset) from None


def fmt_value(value: int | list[int], fmt: str | None) -> str:
    def one(v: int) -> str:
        if fmt == "x":
            return f"-0x{-v:x}" if v < 0 else f"0x{v:x}"
        return str(v)

    if isinstance(value, list):
        return "[" + ", ".join(one(v) for v in value) + "]"
    return one(value)


# --- moves --------------------------------------------------------------------------------


def _moved(stop: Stop) -> Reply:
    """A move's reply. An interrupted move is recorded as the goto that lands where it
    stopped, since replaying the move itself would run on to its real stop."""
    record = f"goto step {stop.step}" if stop.kind == "interrupted" else None
    return Reply([stop.message], stop=stop, record=record)


def cmd_step(session: Session, args: Args) -> Reply:
    n = _count(args)
    return _moved(session.forward(n, cancel=args.cancel, progress=args.progress))


def cmd_back(session: Session, args: Args) -> Reply:
    n = _count(args)
    return _moved(session.backward(n, cancel=args.cancel, progress=args.progress))


def cmd_next(session: Session, args: Args) -> Reply:
    n = _count(args, "a cycle count")
    return _moved(session.next_cycles(n, cancel=args.cancel, progress=args.progress))


def cmd_continue(session: Session, args: Args) -> Reply:
    _no_args(args)
    return _moved(session.resume(cancel=args.cancel, progress=args.progress))


def cmd_advance(session: Session, args: Args) -> Reply:
    pc = _one_number(args, "a pc")
    return _moved(session.advance(pc, cancel=args.cancel, progress=args.progress))


def cmd_rcontinue(session: Session, args: Args) -> Reply:
    _no_args(args)
    return _moved(session.reverse(cancel=args.cancel, progress=args.progress))


def cmd_goto_cycle(session: Session, args: Args) -> Reply:
    n = _one_number(args, "a cycle number")
    return _moved(session.goto_cycle(n, cancel=args.cancel, progress=args.progress))


def cmd_goto_step(session: Session, args: Args) -> Reply:
    n = _one_number(args, "a step number")
    return _moved(session.goto_step(n, cancel=args.cancel, progress=args.progress))


def cmd_restart(session: Session, args: Args) -> Reply:
    _no_args(args)
    stop = session.restart()
    return Reply([stop.message], stop=stop)


# --- breakpoints --------------------------------------------------------------------------

_IF = re.compile(r"\s+if(\s+|$)")


def cmd_break_pc(session: Session, args: Args) -> Reply:
    m = _IF.search(args.text)
    head = args.text[: m.start()] if m else args.text
    pc = _one_number(Args(head.strip(), args.offset), "a pc")
    if not 0 <= pc < len(session.program):
        raise CommandError(f"pc {pc} is outside the program (pcs 0..{len(session.program) - 1})")
    condition = None
    if m:
        cond_text = args.text[m.end() :]
        condition = _expr(session, args, cond_text, args.offset + m.end())
        if condition.is_list:
            raise CommandError(
                f"column {args.offset + m.end() + 1}: a condition must be a number, not a list"
            )
    bp = session.stops.add("pc", args.text, pc=pc, condition=condition)
    return Reply([f"{bp.label()} at pc {pc}" + (f" if {condition.text}" if condition else "")])


def cmd_break_cycle(session: Session, args: Args) -> Reply:
    n = _one_number(args, "a cycle number")
    if n < 1:
        raise CommandError("the cycle count starts at 0; a cycle breakpoint needs 1 or more")
    bp = session.stops.add("cycle", args.text, cycle=n)
    return Reply([f"{bp.label()} at cycle {n}"])


_KNOWN_OPS = sorted({op for ops in OPERAND_ROLES.values() for op in ops})


def cmd_break_op(session: Session, args: Args) -> Reply:
    words = args.text.split()
    if len(words) != 1:
        raise CommandError("expected one op name, e.g. break op vload")
    op = words[0]
    pcs = session.stops.pcs_with_op(op)
    if op not in _KNOWN_OPS and not pcs:
        close = difflib.get_close_matches(op, _KNOWN_OPS, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CommandError(f"unknown op {op!r}{hint}")
    bp = session.stops.add("op", args.text, op=op)
    where = f"{len(pcs)} bundles" if pcs else "no bundle of this program has it"
    return Reply([f"{bp.label()} on op {op} ({where})"])


def _watch(kind: str) -> Handler:
    def handler(session: Session, args: Args) -> Reply:
        loc = _location(session, args)
        bp = session.stops.add(kind, loc.text, location=loc)
        raw = location_words(loc)
        return Reply([f"{bp.label()}: {loc.text}" + (f" ({raw})" if raw != loc.text else "")])

    return handler


def cmd_delete(session: Session, args: Args) -> Reply:
    ids = _ids(session, args)
    session.stops.delete(ids)
    if not ids:
        return Reply(["no breakpoints to delete"])
    return Reply([f"deleted {', '.join(map(str, ids))}"])


def _enabler(enabled: bool) -> Handler:
    def handler(session: Session, args: Args) -> Reply:
        ids = _ids(session, args)
        session.stops.set_enabled(ids, enabled)
        word = "enabled" if enabled else "disabled"
        return Reply([f"{word} {', '.join(map(str, ids))}" if ids else "no breakpoints"])

    return handler


def cmd_info_breakpoints(session: Session, args: Args) -> Reply:
    _no_args(args)
    entries = session.breakpoints
    if not entries:
        return Reply(["no breakpoints or watchpoints"])
    lines = [f"{'id':<4}{'type':<17}{'on':<4}{'hits':>6}  what"]
    for bp in entries:
        what = bp.text if bp.kind in ("watch", "rwatch") else f"{bp.kind} {bp.text}"
        lines.append(f"{bp.id:<4}{bp.type_name:<17}{'y' if bp.enabled else 'n':<4}{bp.hits:>6}  {what}")
    return Reply(lines)


# --- looking at the state -------------------------------------------------------------------


def cmd_print(session: Session, args: Args) -> Reply:
    expr = _expr(session, args)
    return Reply([fmt_value(_evaluate(session, expr, args.offset), args.fmt)])


def cmd_expect(session: Session, args: Args) -> Reply:
    expr = _expr(session, args)
    value = _evaluate(session, expr, args.offset)
    held = bool(value) if isinstance(value, int) else any(value)
    if held:
        return Reply(["ok"])
    if expr.sides is None:
        return Reply([f"expect failed: {expr.text} is {fmt_value(value, None)}"], failed=True)
    shown = [
        f"{side.text} is {fmt_value(_evaluate(session, side, args.offset), None)}"
        for side in expr.sides
        if not _NUMBER.match(side.text)
    ]
    return Reply([f"expect failed: {expr.text}" + (": " + ", ".join(shown) if shown else "")], failed=True)


def _rows(values: Sequence[int], start: int, label: Callable[[int], str]) -> list[str]:
    lines = []
    for i in range(0, len(values), WORDS_PER_ROW):
        row = values[i : i + WORDS_PER_ROW]
        lines.append(f"{label(start + i)}: " + " ".join(str(v) for v in row))
    return lines


def cmd_info_scratch(session: Session, args: Args) -> Reply:
    words = args.text.split()
    if len(words) > 1:
        raise CommandError("expected at most one scratch name")
    scratch = session.scratch
    if words:
        name = words[0]
        entry = session.scratch_names.get(name)
        if entry is None:
            close = difflib.get_close_matches(name, list(session.scratch_names), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CommandError(f"no scratch name {name!r}{hint}")
        return Reply(_scratch_entry(name, *entry, scratch))
    if not session.scratch_names:
        lines = ["the kernel names no scratch words; nonzero rows:"]
        for base in range(0, len(scratch), WORDS_PER_ROW):
            row = scratch[base : base + WORDS_PER_ROW]
            if any(row):
                lines.append(f"s[{base}:{base + len(row)}]: " + " ".join(map(str, row)))
        return Reply(lines)
    lines = []
    for name, (addr, length) in sorted(session.scratch_names.items(), key=lambda kv: kv[1]):
        lines.extend(_scratch_entry(name, addr, length, scratch))
    return Reply(lines)


def _scratch_entry(name: str, addr: int, length: int, scratch: Sequence[int]) -> list[str]:
    values = list(scratch[addr : addr + length])
    head = f"{name} (s[{addr}]" + (f", {length} words)" if length > 1 else ")")
    if length <= WORDS_PER_ROW:
        return [f"{head}: " + " ".join(map(str, values))]
    return [head + ":"] + ["  " + line for line in _rows(values, 0, lambda i: f"[{i}]")]


def cmd_info_mem(session: Session, args: Args) -> Reply:
    words = args.text.split()
    if not 1 <= len(words) <= 2:
        raise CommandError(
            "expected A [N]: an address (a number or an expression without spaces) and a count"
        )
    expr = _expr(session, args, words[0], args.offset)
    start = _evaluate(session, expr, args.offset)
    if isinstance(start, list):
        raise CommandError(f"{words[0]} is a list of words, not an address")
    n = parse_int(words[1], "a word count") if len(words) == 2 else WORDS_PER_ROW
    size = len(session.mem)
    if not 1 <= n <= MAX_WORDS:
        raise CommandError(f"the count must be 1..{MAX_WORDS}")
    if not 0 <= start < size:
        raise CommandError(f"address {start} is outside memory (0..{size - 1})")
    end = min(size, start + n)
    values = list(session.mem[start:end])

    def label(addr: int) -> str:
        name = session.word_name("m", addr)
        return f"m[{addr}]" + (f" {name}" if not name.startswith("m[") else "")

    lines = _rows(values, start, label)
    if start + n > size:
        lines.append(f"(memory ends at {size - 1})")
    return Reply(lines)


def cmd_info_bundle(session: Session, args: Args) -> Reply:
    pc = _one_number(args, "a pc") if args.text else session.pc
    n = len(session.program)
    if not 0 <= pc < n:
        raise CommandError(f"pc {pc} is outside the program (pcs 0..{n - 1})")
    bundle = session.program[pc]
    costs = any(engine != "debug" for engine in bundle)
    tag = "next, " if pc == session.pc else ""
    lines = [f"pc {pc} ({tag}{'costs a cycle' if costs else 'no cycle'}):"]
    for engine, slots in bundle.items():
        for i, _slot in enumerate(slots):
            lines.append(f"  {engine} {i}: {session.named_slot(pc, engine, i)}")
    if len(lines) == 1:
        lines.append("  (empty bundle)")
    return Reply(lines)


def cmd_info_reference(session: Session, args: Args) -> Reply:
    _no_args(args)
    lines = []
    for report in session.reference_report():
        if not report.differ:
            lines.append(f"{report.name}: all {report.length} equal the reference's final {report.name}")
        else:
            i = report.differ[0]
            now = session.mem[report.start + i]
            ref = session.problem.final[report.start + i]
            lines.append(
                f"{report.name}: {len(report.differ)} of {report.length} differ from the reference's final"
                f" {report.name}: {_ranges(report.differ)}; first {report.name}[{i}] = {now}, reference {ref}"
            )
        if report.reached is not None and session.problem.rounds:
            counts: dict[int | None, int] = {}
            for r in report.reached.values():
                counts[r] = counts.get(r, 0) + 1
            parts = []
            for r in sorted((k for k in counts if k is not None), reverse=True):
                label = "initial" if r == 0 else f"round {r}"
                parts.append(f"{label}: {counts[r]}")
            if None in counts:
                parts.append(f"no round: {counts[None]}")
            lines.append("  values hold the result of " + ", ".join(parts))
    return Reply(lines)


def _ranges(indices: Sequence[int]) -> str:
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def cmd_info_occupancy(session: Session, args: Args) -> Reply:
    words = args.text.split()
    if len(words) not in (0, 2):
        raise CommandError("expected no arguments or FROM TO (a range of cycles)")
    lo, hi = (parse_int(w, "a cycle number") for w in words) if words else (None, None)
    if lo is not None and hi is not None and hi < lo:
        raise CommandError(f"the range {lo}..{hi} runs backward")
    return Reply(session.occupancy(lo, hi).lines())


def cmd_info_program(session: Session, args: Args) -> Reply:
    _no_args(args)
    state = session.state.name.lower()
    lines = [f"{session.kernel.name}: {len(session.program)} bundles; {state} at {session.where()}"]
    if session.last_stop is not None and session.last_stop.kind not in ("steps", "cycle"):
        lines.append(f"last stop: {session.last_stop.message}")
    lines.append(f"store check: {_STORE_CHECK[session.check_stores]}")
    return Reply(lines)


_STORE_CHECK = {
    True: "on (a store to values or indices that the reference never makes there stops)",
    False: "off (`set check-stores on` to stop at stores the reference never makes)",
}


def cmd_set_check_stores(session: Session, args: Args) -> Reply:
    words = args.text.split()
    if len(words) != 1 or words[0] not in ("on", "off"):
        raise CommandError("expected on or off" + (f", got {args.text!r}" if args.text else ""))
    session.set_check_stores(words[0] == "on")
    return Reply([f"store check: {_STORE_CHECK[session.check_stores]}"])


# --- the session ---------------------------------------------------------------------------


def cmd_load(session: Session, args: Args) -> Reply:
    if not args.text:
        raise CommandError("expected a kernel: three-lane, baseline, vector, or the path to a kernel file")
    reply = _loaded("loaded", lambda: session.load(args.text, cancel=args.cancel))
    reply.record = f"load {kernel_spec(session.kernel)}"
    return reply


def cmd_reload(session: Session, args: Args) -> Reply:
    _no_args(args)
    return _loaded("reloaded", lambda: session.reload(cancel=args.cancel))


def _loaded(verb: str, load: Callable[[], LoadReport]) -> Reply:
    """A load's reply: the kernel, its notes, what the breakpoints carried over should
    tell, and the stop at step 0. The loader's one-line error is the command's."""
    try:
        report = load()
    except KernelLoadError as exc:
        raise CommandError(str(exc)) from None
    kernel = report.kernel
    lines = [f"{verb} {kernel.name}: {len(kernel.program)} bundles", *kernel.notes, *report.notes]
    return Reply([*lines, report.stop.message], stop=report.stop)


def cmd_quit(session: Session, args: Args) -> Reply:
    _no_args(args)
    return Reply(quit=True)


def cmd_help(session: Session, args: Args) -> Reply:
    if not args.text:
        width = max(len(c.syntax) for c in COMMANDS)
        lines = [f"{c.syntax:<{width}}  {c.summary}" for c in COMMANDS]
        lines.append("# starts a comment. `help COMMAND` tells more, with the aliases.")
        return Reply(lines)
    words = args.text.split()
    group = GROUP_ALIASES.get(words[0], words[0])
    if len(words) == 1 and group in _GROUPS:
        family = [c for c in COMMANDS if c.name.startswith(group + " ")]
        width = max(len(c.syntax) for c in family)
        return Reply([f"{c.syntax:<{width}}  {c.summary}" for c in family])
    command, _rest, _fmt = lookup(args.text)
    lines = [command.syntax, f"  {command.summary}"]
    lines += [f"  {line}" for line in command.help.splitlines()]
    if command.aliases:
        lines.append("  aliases: " + ", ".join(command.aliases))
    return Reply(lines)


def _insight(row: InsightCommand) -> Command:
    """A row of vliwdbg.insight's commands (their answers live there), errors made CommandErrors."""

    def handler(session: Session, args: Args) -> Reply:
        try:
            return Reply(row.run(session, args))
        except InsightError as exc:
            raise CommandError(str(exc)) from None

    return Command(row.name, row.syntax, row.summary, row.help, handler, row.aliases, completes=row.completes)


COMMANDS: tuple[Command, ...] = (
    Command(
        "step",
        "step [N]",
        "run N bundles (default 1)",
        "Stops early at a breakpoint, watchpoint, divergence, fault, pause or the end.\n"
        "Starting on a breakpoint or a divergence, that bundle runs first (its compares skipped).",
        cmd_step,
        ("s", "si", "stepi"),
    ),
    Command(
        "back",
        "back [N]",
        "go back N bundles (default 1)",
        "The state is exactly what it was. Stops early at a breakpoint or watchpoint on the way\n"
        "(the positions where a forward run would stop), or at the start of history.",
        cmd_back,
        ("bs", "rs", "rsi", "reverse-step", "reverse-stepi"),
    ),
    Command(
        "next",
        "next [N]",
        "run until the cycle count has grown by N (default 1)",
        "Debug-only bundles cost no cycle, so they are run through. Stops early like step.",
        cmd_next,
        ("n", "ni", "nexti"),
    ),
    Command(
        "continue",
        "continue",
        "run to the next stop",
        "A breakpoint, watchpoint, divergence, fault, pause or the end. A program that runs\n"
        "away stops after --max-steps bundles (default 50,000,000).",
        cmd_continue,
        ("c", "cont"),
    ),
    Command(
        "advance",
        "advance N",
        "run until the bundle at pc N is next",
        "Stops earlier at a breakpoint, watchpoint, divergence, fault, pause or the end, like\n"
        "continue; makes no breakpoint. At pc N already, that bundle runs first and the move goes\n"
        "on to the next time pc N comes (a loop's next pass), as gdb's advance does.",
        cmd_advance,
        ("until", "u"),
    ),
    Command(
        "rcontinue",
        "rcontinue",
        "run backward to the latest stop before here",
        "Stops where a forward run would have stopped (breakpoints, watchpoints, divergences,\n"
        "pauses), else at the start of history.",
        cmd_rcontinue,
        ("rc", "reverse-continue"),
    ),
    Command(
        "goto cycle",
        "goto cycle N",
        "go to the first step with cycle count N",
        "Forward or back, ignoring breakpoints. Past the end of the program is an error.",
        cmd_goto_cycle,
    ),
    Command(
        "goto step",
        "goto step N",
        "go to step N (bundles executed since the start)",
        "Forward or back, ignoring breakpoints. Past the end of the program is an error.",
        cmd_goto_step,
    ),
    Command(
        "break pc",
        "break pc N [if EXPR]",
        "stop before the bundle at pc N (when EXPR holds)",
        "EXPR is evaluated before the bundle runs. `break N` is short for `break pc N`.",
        cmd_break_pc,
        completes="expr",
    ),
    Command(
        "break cycle",
        "break cycle N",
        "stop when the cycle count reaches N",
        "The stop is at the first step with that cycle count.",
        cmd_break_cycle,
    ),
    Command(
        "break op",
        "break op NAME",
        "stop before any bundle with an op NAME",
        "NAME is an op of any engine: vload, multiply_add, +, compare, ...",
        cmd_break_op,
    ),
    Command(
        "watch",
        "watch LOC",
        "stop after a bundle that changed LOC",
        "LOC: a scratch name (its whole register), name[i], s[A], s[A:B], m[A], m[A:B],\n"
        "or a region element such as values[3]. The stop shows old -> new.",
        _watch("watch"),
        completes="location",
    ),
    Command(
        "rwatch",
        "rwatch LOC",
        "stop before a bundle that reads LOC",
        "LOC as for watch. Reads are the words the bundle's slots actually read.",
        _watch("rwatch"),
        completes="location",
    ),
    Command(
        "delete",
        "delete [ID...]",
        "delete breakpoints and watchpoints (all when no ID)",
        "IDs are the numbers `info breakpoints` shows.",
        cmd_delete,
        ("d",),
    ),
    Command("disable", "disable [ID...]", "disable breakpoints (all when no ID)", "", _enabler(False)),
    Command("enable", "enable [ID...]", "enable breakpoints (all when no ID)", "", _enabler(True)),
    Command(
        "info breakpoints",
        "info breakpoints",
        "list breakpoints and watchpoints",
        "With their ids, whether enabled, and how often each stopped a move.",
        cmd_info_breakpoints,
        ("info b", "info break", "info watchpoints"),
    ),
    Command(
        "print",
        "print[/x] EXPR",
        "show an expression's value (/x: in hex)",
        "Numbers (decimal, 0x hex), scratch names (name, name[i]), s[A], s[A:B], m[A], m[A:B],\n"
        "header[k], forest[i], indices[i], values[i], pc, cycle, step,\n"
        'ref(ROUND, I, "KEY"), ref(ROUND, I, "hash_stage", K), + - * // % ** & | ^ ~ << >>,\n'
        "comparisons, and/or/not, parentheses.",
        cmd_print,
        ("p", "inspect"),
        formats=("x", "d"),
        completes="expr",
    ),
    Command(
        "expect",
        "expect EXPR",
        "check that EXPR holds (a failure makes --replay exit 1)",
        "A failed comparison shows both sides' values. The script goes on.",
        cmd_expect,
        completes="expr",
    ),
    Command(
        "info scratch",
        "info scratch [NAME]",
        "show named scratch words (all, or NAME)",
        "Without a scratch map, shows the nonzero rows of scratch.",
        cmd_info_scratch,
        ("info registers", "info reg"),
        completes="scratch",
    ),
    Command(
        "info mem",
        "info mem A [N]",
        "show N memory words from address A (default 8)",
        "A is a number or an expression without spaces, such as header[6]+4.",
        cmd_info_mem,
        ("info memory", "x"),
        completes="expr",
    ),
    Command(
        "info bundle",
        "info bundle [PC]",
        "show a bundle with its operands named (default: the next one)",
        "Each slot as pseudo-code: val = val ^ node, m[addr] = val, ...",
        cmd_info_bundle,
    ),
    Command(
        "info occupancy",
        "info occupancy [FROM TO]",
        "slots used per engine over the run so far (or cycles FROM..TO)",
        "Against each engine's limit, with the lower bound the slot counts alone imply.",
        cmd_info_occupancy,
        ("info occ",),
    ),
    Command(
        "info reference",
        "info reference",
        "values and indices against the reference: which elements differ",
        "Against the reference's final memory; for values, which round's result each holds.",
        cmd_info_reference,
        ("info ref",),
    ),
    Command(
        "info program",
        "info program",
        "where the run stands, and the last stop",
        "Also whether the store check is on (`set check-stores`).",
        cmd_info_program,
        ("where",),
    ),
    Command(
        "set check-stores",
        "set check-stores on|off",
        "stop after a store the reference never makes (default on)",
        "A store that changes a word of values or indices must write the reference's value for\n"
        "that element at the round whose value the old word holds, or at a later round; anything\n"
        "else is a divergence, reported after the bundle like a watchpoint, and found by\n"
        "rcontinue too. It needs no debug compares in the kernel. Turn it off for a kernel that\n"
        "keeps other words in those regions. `info program` shows the setting.",
        cmd_set_check_stores,
    ),
    *(_insight(row) for row in INSIGHT_COMMANDS),
    Command(
        "load",
        "load KERNEL",
        "open another kernel: three-lane, baseline, vector, or a file's path",
        "Built for the same problem and options; the session goes back to step 0 with a fresh\n"
        "history. Breakpoints stay (those past the end of the program or on a bundle whose ops\n"
        "changed are reported); a watchpoint whose location no longer resolves is disabled.\n"
        "A kernel that fails to load changes nothing.",
        cmd_load,
        ("file",),
    ),
    Command(
        "reload",
        "reload",
        "build the current kernel again, as its file says now",
        "After an edit: like load with the same kernel. In a --replay script, reload builds what\n"
        "the file says when the script runs.",
        cmd_reload,
    ),
    Command(
        "restart",
        "restart",
        "go back to step 0 (breakpoints stay)",
        "The history stays too: the run is the same run.",
        cmd_restart,
        ("run", "r"),
    ),
    Command("quit", "quit", "leave the debugger", "", cmd_quit, ("q", "exit")),
    Command(
        "help",
        "help [COMMAND]",
        "list the commands, or tell more about one",
        "",
        cmd_help,
        ("h", "?"),
        completes="command",
    ),
)

#: Group words and their short forms: `b 57`, `i b`.
GROUP_ALIASES = {"b": "break", "br": "break", "i": "info", "g": "goto"}
#: A group word followed by something that is no subcommand: `break 57` is `break pc 57`.
GROUP_DEFAULTS = {"break": "break pc"}


def _index() -> dict[str, Command]:
    index: dict[str, Command] = {}
    for command in COMMANDS:
        for name in (command.name, *command.aliases):
            assert name not in index, f"command name {name!r} used twice"
            index[name] = command
    return index


_BY_NAME = _index()
_GROUPS = {c.name.split()[0] for c in COMMANDS if " " in c.name}


def lookup(text: str) -> tuple[Command, int, str | None]:
    """The command a line starts with, where its arguments start, and its /FMT if any."""
    m = re.match(r"\s*(\S+)", text)
    if m is None:
        raise CommandError("empty command")
    first, fmt = m.group(1), None
    if "/" in first and first != "/":
        first, fmt = first.split("/", 1)
    first = GROUP_ALIASES.get(first, first)
    end = m.end()
    if first in _GROUPS:
        m2 = re.match(r"\s+(\S+)", text[end:])
        sub = m2.group(1) if m2 else ""
        command = _BY_NAME.get(f"{first} {sub}")
        if command is not None:
            end += m2.end()  # type: ignore[union-attr]
        elif first in GROUP_DEFAULTS and sub[:1].isdigit():
            command = _BY_NAME[GROUP_DEFAULTS[first]]
        else:
            subs = sorted(c.name.split()[1] for c in COMMANDS if c.name.startswith(first + " "))
            what = f"{first} {sub}: unknown" if sub else f"{first}: expected"
            raise CommandError(f"{what} subcommand; one of {', '.join(subs)}")
    else:
        command = _BY_NAME.get(first)
        if command is None:
            close = difflib.get_close_matches(first, list(_BY_NAME), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else "; `help` lists the commands"
            raise CommandError(f"unknown command {first!r}{hint}")
    if fmt is not None and fmt not in command.formats:
        allowed = ", ".join("/" + f for f in command.formats) or "none"
        raise CommandError(f"{command.name}: unknown format /{fmt} (formats: {allowed})")
    return command, end, fmt


def strip_comment(line: str) -> str:
    """The command part of a line: `#` starts a comment (no expression uses it)."""
    return line.split("#", 1)[0].strip()


def run_line(
    session: Session, line: str, *, cancel: Cancel | None = None, progress: Progress | None = None
) -> CommandResult:
    from vliwdbg.core.session import CommandResult, SessionError

    text = strip_comment(line)
    if not text:
        return CommandResult(text, [])
    try:
        command, start, fmt = lookup(text)
    except CommandError as exc:
        return CommandResult(text, [], error=str(exc))
    rest = text[start:]
    args = Args(rest.strip(), start + len(rest) - len(rest.lstrip()), fmt, cancel, progress)
    try:
        reply = command.handler(session, args)
    except (CommandError, SessionError) as exc:
        return CommandResult(text, [], error=f"{command.name}: {exc}")
    session.recorded.append(reply.record or text)
    return CommandResult(text, reply.output, reply.stop, None, reply.quit, reply.failed)


# --- completion ----------------------------------------------------------------------------


def complete(session: Session, text: str) -> list[str]:
    """Whole-line completions of `text`: command names first, then, inside arguments made
    of expressions or locations, scratch names and the built-in names."""
    if not text.strip() or " " not in text.lstrip():
        word = text.strip()
        names = sorted({c.name.split()[0] for c in COMMANDS} | set(_BY_NAME))
        return [n + " " for n in names if n.startswith(word) and " " not in n]
    try:
        command, _start, _fmt = lookup(text)
    except CommandError:
        head, _, word = text.rpartition(" ")
        group = GROUP_ALIASES.get(head.strip(), head.strip())
        subs = [c.name.split()[1] for c in COMMANDS if c.name.startswith(group + " ")]
        return [f"{head} {s} " for s in subs if s.startswith(word)]
    prefix = re.search(r"[A-Za-z_0-9]*$", text).group(0)
    if prefix[:1].isdigit():
        return []
    if command.completes == "command":
        candidates = sorted({c.name.split()[0] for c in COMMANDS})
    elif command.completes in ("expr", "location", "scratch"):
        candidates = sorted(session.scratch_names)
        if command.completes != "scratch":
            candidates += ["header", "forest", "indices", "values", "s", "m"]
        if command.completes == "expr":
            candidates += ["pc", "cycle", "step", "ref"]
    else:
        return []
    base = text[: len(text) - len(prefix)]
    return [base + c for c in candidates if c.startswith(prefix)]
