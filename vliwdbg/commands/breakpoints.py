"""Breakpoints and watchpoints: making them, and delete, disable, enable, info breakpoints."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from machine.isa import OPERAND_ROLES
from vliwdbg.commands.base import (
    Args,
    Command,
    CommandError,
    Handler,
    Reply,
    breakpoint_ids,
    expr_arg,
    location_arg,
    no_args,
    one_number,
)
from vliwdbg.core.stops import location_words

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


_IF = re.compile(r"\s+if(\s+|$)")


def cmd_break_pc(session: Session, args: Args) -> Reply:
    m = _IF.search(args.text)
    head = args.text[: m.start()] if m else args.text
    pc = one_number(Args(head.strip(), args.offset), "a pc")
    if not 0 <= pc < len(session.program):
        raise CommandError(f"pc {pc} is outside the program (pcs 0..{len(session.program) - 1})")
    condition = None
    if m:
        cond_text = args.text[m.end() :]
        condition = expr_arg(session, args, cond_text, args.offset + m.end())
        if condition.is_list:
            raise CommandError(
                f"column {args.offset + m.end() + 1}: a condition must be a number, not a list"
            )
    bp = session.stops.add("pc", args.text, pc=pc, condition=condition)
    return Reply([f"{bp.label()} at pc {pc}" + (f" if {condition.text}" if condition else "")])


def cmd_break_cycle(session: Session, args: Args) -> Reply:
    n = one_number(args, "a cycle number")
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
        loc = location_arg(session, args)
        bp = session.stops.add(kind, loc.text, location=loc)
        raw = location_words(loc)
        return Reply([f"{bp.label()}: {loc.text}" + (f" ({raw})" if raw != loc.text else "")])

    return handler


def cmd_delete(session: Session, args: Args) -> Reply:
    ids = breakpoint_ids(session, args)
    session.stops.delete(ids)
    if not ids:
        return Reply(["no breakpoints to delete"])
    return Reply([f"deleted {', '.join(map(str, ids))}"])


def _enabler(enabled: bool) -> Handler:
    def handler(session: Session, args: Args) -> Reply:
        ids = breakpoint_ids(session, args)
        session.stops.set_enabled(ids, enabled)
        word = "enabled" if enabled else "disabled"
        return Reply([f"{word} {', '.join(map(str, ids))}" if ids else "no breakpoints"])

    return handler


def cmd_info_breakpoints(session: Session, args: Args) -> Reply:
    no_args(args)
    entries = session.breakpoints
    if not entries:
        return Reply(["no breakpoints or watchpoints"])
    lines = [f"{'id':<4}{'type':<17}{'on':<4}{'hits':>6}  what"]
    for bp in entries:
        what = bp.text if bp.kind in ("watch", "rwatch") else f"{bp.kind} {bp.text}"
        if bp.kind == "line":
            what += f" ({len(bp.pcs)} bundle{'' if len(bp.pcs) == 1 else 's'})"
        lines.append(f"{bp.id:<4}{bp.type_name:<17}{'y' if bp.enabled else 'n':<4}{bp.hits:>6}  {what}")
    return Reply(lines)


ROWS: tuple[Command, ...] = (
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
)
