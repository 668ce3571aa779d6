"""Looking at the state: print, expect, and the info commands about scratch, memory, bundles,
the reference, occupancy and the program, with the store check's setting."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from machine.isa import costs_cycle
from vliwdbg.commands.base import (
    NUMBER,
    Args,
    Command,
    CommandError,
    Reply,
    evaluate_arg,
    expr_arg,
    fmt_value,
    no_args,
    one_number,
    parse_int,
)
from vliwdbg.core.reference import reference_report
from vliwdbg.insight.occupancy import run_occupancy

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

#: Most words `info mem` shows; more is an error, not a flood.
MAX_WORDS = 4096


WORDS_PER_ROW = 8


def cmd_print(session: Session, args: Args) -> Reply:
    expr = expr_arg(session, args)
    return Reply([fmt_value(evaluate_arg(session, expr, args.offset), args.fmt)])


def cmd_expect(session: Session, args: Args) -> Reply:
    expr = expr_arg(session, args)
    value = evaluate_arg(session, expr, args.offset)
    held = bool(value) if isinstance(value, int) else any(value)
    if held:
        return Reply(["ok"])
    if expr.sides is None:
        return Reply([f"expect failed: {expr.text} is {fmt_value(value, None)}"], failed=True)
    shown = [
        f"{side.text} is {fmt_value(evaluate_arg(session, side, args.offset), None)}"
        for side in expr.sides
        if not NUMBER.match(side.text)
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
    expr = expr_arg(session, args, words[0], args.offset)
    start = evaluate_arg(session, expr, args.offset)
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
    pc = one_number(args, "a pc") if args.text else session.pc
    n = len(session.program)
    if not 0 <= pc < n:
        raise CommandError(f"pc {pc} is outside the program (pcs 0..{n - 1})")
    bundle = session.program[pc]
    costs = costs_cycle(bundle)
    tag = "next, " if pc == session.pc else ""
    lines = [f"pc {pc} ({tag}{'costs a cycle' if costs else 'no cycle'}):"]
    for engine, slots in bundle.items():
        for i, _slot in enumerate(slots):
            where = session.slot_where(pc, engine, i)
            lines.append(f"  {engine} {i}: {session.named_slot(pc, engine, i)}{where}")
    if len(lines) == 1:
        lines.append("  (empty bundle)")
    return Reply(lines)


def cmd_info_reference(session: Session, args: Args) -> Reply:
    no_args(args)
    lines = []
    for report in reference_report(session):
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
    now = session.cycle
    if lo is not None and lo >= now and lo > 0:
        raise CommandError(
            f"cycles {lo}..{hi} have not run yet: the run stands at cycle {now}, and info occupancy"
            " counts the cycles run so far (go past them first, or ask info critical FROM TO)"
        )
    lines = run_occupancy(session, lo, hi).lines()
    if hi is not None and hi > now:
        lines.append(f"(counted up to cycle {now}, where the run stands: cycles past it have not run yet)")
    return Reply(lines)


def cmd_info_program(session: Session, args: Args) -> Reply:
    no_args(args)
    lines = [
        f"{session.kernel.name}: {len(session.program)} bundles; {session.state_word} at {session.where()}"
    ]
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


ROWS: tuple[Command, ...] = (
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
)
