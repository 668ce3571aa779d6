"""Source-level commands: info source, list, break FILE:LINE, info line. The answers come
from the session's source map (vliwdbg.core.source)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vliwdbg.commands.base import Args, Command, CommandError, Reply, expr_arg, parse_int
from vliwdbg.core.source import MAPPING, SourceError, SourceMap

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

#: FILE:LINE, FILE being any text without spaces.
PLACE = re.compile(r"^(\S+):([0-9]+)$")
_IF = re.compile(r"\s+if(\s+|$)")
#: Lines `list` shows around its place.
LIST_BEFORE, LIST_AFTER = 5, 5
#: Pcs `info line` lists before it says how many more.
MAX_LISTED_PCS = 20


def looks_like_place(text: str) -> bool:
    """Whether a word is FILE:LINE (so `break foo.py:12` is a line breakpoint)."""
    return PLACE.match(text) is not None


def need_map(session: Session, args: Args) -> SourceMap:
    """The session's source map: waited for in a face without a screen, else an error
    that says it is still being made (or why there is none)."""
    found = session.source_map
    if found is None and session.source_waits:
        found = session.wait_for_source_map(args.cancel)
    if found is not None:
        return found
    status = session.source_status
    if status == MAPPING:
        raise CommandError("the source map is still being made (mapping sources); try again in a moment")
    raise CommandError(status)


def place_arg(smap: SourceMap, text: str) -> tuple[str, int]:
    """FILE:LINE resolved against the map's files."""
    m = PLACE.match(text)
    if m is None:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise CommandError(f"expected FILE:LINE, got {shown!r}")
    try:
        file = smap.resolve_file(m.group(1))
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    return file, int(m.group(2))


def _pc_arg(session: Session, text: str) -> int:
    pc = parse_int(text, "a pc")
    n = len(session.program)
    if not 0 <= pc < n:
        raise CommandError(f"pc {pc} is outside the program (pcs 0..{n - 1})")
    return pc


def cmd_info_source(session: Session, args: Args) -> Reply:
    words = args.text.split()
    if len(words) > 1:
        raise CommandError(f"expected at most one pc, got {args.text!r}")
    pc = _pc_arg(session, words[0]) if words else session.pc
    smap = need_map(session, args)
    if not 0 <= pc < len(session.program):
        return Reply([f"pc {pc}: past the end of the program"])
    lines = []
    for engine, index, chain in smap.slot_chains(pc):
        where = " < ".join(str(frame) for frame in chain) if chain else "no source"
        lines.append(f"{engine} {index}: {where}")
    if not lines:
        lines.append(f"pc {pc}: empty bundle")
    one = smap.one_place()
    if one is not None:
        lines.append(
            f"every slot of the program was made at {one}: the kernel rebuilds its slot tuples"
            " there, so the map cannot see further back"
        )
    return Reply(lines)


def _marked_lines(session: Session, smap: SourceMap, pc: int) -> dict[str, set[int]]:
    """file -> the lines of the chains of the bundle at pc's slots."""
    marked: dict[str, set[int]] = {}
    if 0 <= pc < len(session.program):
        for _engine, _index, chain in smap.slot_chains(pc):
            for frame in chain:
                marked.setdefault(frame.file, set()).add(frame.line)
    return marked


def cmd_list(session: Session, args: Args) -> Reply:
    smap = need_map(session, args)
    text = args.text.strip()
    marked = _marked_lines(session, smap, session.pc)
    if not text or text.isdigit() or text[:2].lower() == "0x":
        pc = _pc_arg(session, text) if text else session.pc
        if text:
            marked = _marked_lines(session, smap, pc)
        inner = next((smap.made_at(pc, e, i) for e, i, chain in smap.slot_chains(pc) if chain), None)
        if inner is None:
            raise CommandError(f"pc {pc}: no slot of this bundle has a source line")
        file, line = inner.file, inner.line
    elif PLACE.match(text):
        file, line = place_arg(smap, text)
    elif text.isidentifier():
        found = smap.function_line(text)
        if found is None:
            raise CommandError(f"no function {text} in the kernel's files that made slots")
        file, line = found
    else:
        raise CommandError(f"expected a pc, FILE:LINE or a function name, got {text[:40]!r}")
    source = smap.lines(file)
    if not source:
        raise CommandError(f"{file}: its text was not kept when the kernel was built")
    if not 1 <= line <= len(source):
        raise CommandError(f"{file} has {len(source)} lines, not {line}")
    first, last = max(1, line - LIST_BEFORE), min(len(source), line + LIST_AFTER)
    here = marked.get(file, set())
    lines = [f"{file}:"]
    for number in range(first, last + 1):
        mark = ">" if number in here else " "
        lines.append(f"{mark}{number:>5}  {source[number - 1]}".rstrip())
    return Reply(lines)


def cmd_break_line(session: Session, args: Args) -> Reply:
    m = _IF.search(args.text)
    head = (args.text[: m.start()] if m else args.text).strip()
    if not head:
        raise CommandError("expected FILE:LINE")
    smap = need_map(session, args)
    file, line = place_arg(smap, head)
    pcs = smap.pcs_at(file, line)
    if not pcs:
        near = [n for n in smap.lines_made(file) if n > line][:1]
        hint = f"; the next line that did is {file}:{near[0]}" if near else ""
        raise CommandError(f"{file}:{line} made no slot of this program{hint}")
    condition = None
    if m:
        cond_text = args.text[m.end() :]
        condition = expr_arg(session, args, cond_text, args.offset + m.end())
        if condition.is_list:
            raise CommandError(
                f"column {args.offset + m.end() + 1}: a condition must be a number, not a list"
            )
    text = f"{file}:{line}" + (f" if {condition.text}" if condition else "")
    bp = session.stops.add("line", text, condition=condition, pcs=frozenset(pcs))
    return Reply([f"{bp.label()} at {file}:{line} ({_bundles(len(pcs))})"])


def _bundles(n: int) -> str:
    return f"{n} bundle" + ("" if n == 1 else "s")


def cmd_info_line(session: Session, args: Args) -> Reply:
    smap = need_map(session, args)
    file, line = place_arg(smap, args.text.strip())
    pcs = smap.pcs_at(file, line)
    if not pcs:
        return Reply([f"{file}:{line} made no slot of this program"])
    listed = ", ".join(map(str, pcs[:MAX_LISTED_PCS]))
    more = len(pcs) - MAX_LISTED_PCS
    tail = f" and {more} more" if more > 0 else ""
    return Reply([f"{file}:{line}: {_bundles(len(pcs))}: pc {listed}{tail}"])


ROWS: tuple[Command, ...] = (
    Command(
        "info source",
        "info source [PC]",
        "the kernel lines that made each slot of a bundle",
        "One line per slot: ENGINE I: FILE:LINE in FUNC < FILE:LINE in FUNC < ...,\n"
        "innermost first, FILE relative to the kernel's folder (a helper taking the slot\n"
        "as *slot shows its def line, then the line that called it); or `no source` for a\n"
        "slot made while no line of the kernel ran (by the standard library, say).",
        cmd_info_source,
    ),
    Command(
        "list",
        "list [PC | FILE:LINE | FUNC]",
        "the kernel source around a place (the next bundle's lines marked >)",
        "With no argument, around the line that made the next bundle's first slot.\n"
        "The text is the file as it was when the kernel was built.",
        cmd_list,
        ("l",),
    ),
    Command(
        "break line",
        "break FILE:LINE [if EXPR]",
        "stop before any bundle holding a slot that line made",
        "FILE may be its basename when that is unambiguous. A line that calls a helper\n"
        "stops where the helper's slots run. `info line FILE:LINE` lists the bundles.",
        cmd_break_line,
        completes="expr",
    ),
    Command(
        "info line",
        "info line FILE:LINE",
        "the pcs whose bundles hold slots that line made",
        "",
        cmd_info_line,
    ),
)
