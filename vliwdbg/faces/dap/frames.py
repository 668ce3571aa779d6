"""Where the machine is, in the kernel's own files: the stack of the next bundle, the
disassembly, and what a source-level step means on a machine that runs bundles.

A bundle has many slots, each made by a chain of kernel lines (innermost first, from the
session's source map). The stack shows one chain: that of the slot the stop is about (the
slot under the line breakpoint that hit, the store that diverged, the compare or the slot
that faulted), else the bundle's first slot that has a source. The others are in the
Bundle scope.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vliwdbg.core.session import Session
    from vliwdbg.core.source import Frame, SourceMap
    from vliwdbg.core.stops import Stop

Chain = tuple["Frame", ...]


def source_map(session: Session) -> SourceMap | None:
    """The session's map once it is made (waited for), or None when the kernel has none."""
    return session.wait_for_source_map()


def bundle_chains(session: Session, pc: int) -> list[tuple[str, int, Chain]]:
    """(engine, index, chain) of every slot of the bundle at pc; chains are () without a map."""
    found = source_map(session)
    if found is not None:
        return found.slot_chains(pc)
    bundle = session.program[pc]
    return [(engine, index, ()) for engine, slots in bundle.items() for index in range(len(slots))]


def first_chain(session: Session, pc: int) -> Chain:
    """The chain of the bundle's first slot that has a source, () when none has."""
    if not 0 <= pc < len(session.program):
        return ()
    return next((chain for _e, _i, chain in bundle_chains(session, pc) if chain), ())


def slot_of_stop(
    session: Session, stop: Stop | None, places: Callable[[int], tuple[str, int] | None]
) -> tuple[int, Chain]:
    """(pc, chain) for the stack: the slot the stop is about, where the stop says; else the
    next bundle's first slot with a source. `places` gives a line breakpoint's place."""
    pc = session.pc
    if stop is not None and stop.step == session.step:
        slot = stop.details.get("slot")
        found = source_map(session)
        if slot is not None and found is not None and slot[1] is not None and slot[2] is not None:
            chain = found.chain(slot[0], slot[1], slot[2])
            if chain:
                return slot[0], chain
        for bp_id in stop.ids:
            place = places(bp_id)
            if place is not None and 0 <= pc < len(session.program):
                for _engine, _index, chain in bundle_chains(session, pc):
                    if any((f.file, f.line) == place for f in chain):
                        return pc, chain
    return pc, first_chain(session, pc)


def stack_frames(
    session: Session, stop: Stop | None, places: Callable[[int], tuple[str, int] | None]
) -> list[dict[str, Any]]:
    """The DAP stackFrames, innermost first; one frame naming the pc when there is no source."""
    pc, chain = slot_of_stop(session, stop, places)
    reference = str(pc)
    if not chain:
        where = "past the end" if pc >= len(session.program) else "no source"
        return [
            {
                "id": 0,
                "name": f"pc {pc} ({where})",
                "line": 0,
                "column": 0,
                "instructionPointerReference": reference,
                "presentationHint": "subtle",
            }
        ]
    folder = kernel_folder(session)
    frames = []
    for k, frame in enumerate(chain):
        frames.append(
            {
                "id": k,
                "name": frame.func,
                "source": source(folder, frame.file),
                "line": frame.line,
                "column": 1,
                "instructionPointerReference": reference,
            }
        )
    return frames


def kernel_folder(session: Session) -> Path | None:
    path = session.kernel.path
    return None if path is None else Path(path).resolve().parent


def source(folder: Path | None, file: str) -> dict[str, Any]:
    """A DAP Source for a file of the map (its path made absolute from the kernel's folder)."""
    out: dict[str, Any] = {"name": Path(file).name}
    if folder is not None:
        out["path"] = str(folder / file)
    return out


def map_file(session: Session, path: str) -> str | None:
    """The map's name for an editor's absolute path, or None when the map has no such file."""
    found = source_map(session)
    folder = kernel_folder(session)
    if found is None:
        return None
    files = found.files()
    if folder is not None:
        try:
            relative = Path(path).resolve().relative_to(folder).as_posix()
        except ValueError:
            relative = None
        if relative in files:
            return relative
    return None


# --- source-level steps -------------------------------------------------------------------


def line_of(session: Session, pc: int) -> tuple[tuple[str, int], ...] | None:
    """The source line of the bundle at pc as the stack shows it: its innermost line, with
    the lines that called it. The callers count because users emit every slot through a
    few helpers: the helper's one line, called from another line of the kernel, is the
    next line the user means."""
    chain = first_chain(session, pc)
    return tuple((frame.file, frame.line) for frame in chain) if chain else None


def next_line(session: Session) -> Callable[[int], bool]:
    """`next`: true at the first bundle whose line differs from the current one (bundles
    with no source are run through)."""
    start = line_of(session, session.pc)

    def arrived(pc: int) -> bool:
        here = line_of(session, pc) if 0 <= pc < len(session.program) else None
        return here is not None and here != start

    return arrived


def out_of_function(session: Session) -> Callable[[int], bool] | None:
    """`stepOut`: true at the first bundle none of whose slots was made by this call of
    the current function (the same function, called from the same lines). None when the
    current bundle has no source.

    The current function is the innermost frame's, unless that frame is a helper every
    slot passes through: a frame whose line made more bundles than the line that called
    it is shared by many callers (`vop` appending a tuple), and stepping out of one of its
    one-slot calls would only be a step; the caller is then the current function."""
    found = source_map(session)
    chain = first_chain(session, session.pc)
    if found is None or not chain:
        return None
    depth = 0
    while depth + 1 < len(chain) and len(found.pcs_at(chain[depth].file, chain[depth].line)) > len(
        found.pcs_at(chain[depth + 1].file, chain[depth + 1].line)
    ):
        depth += 1
    func, callers = (chain[depth].file, chain[depth].func), chain[depth + 1 :]

    def inside(other: Chain) -> bool:
        above = len(other) - len(callers)
        if above < 1 or tuple(other[above:]) != tuple(callers):
            return False
        frame = other[above - 1]
        return (frame.file, frame.func) == func

    def arrived(pc: int) -> bool:
        if not 0 <= pc < len(session.program):
            return True
        return not any(inside(c) for _e, _i, c in bundle_chains(session, pc) if c)

    return arrived


# --- disassembly ----------------------------------------------------------------------------


def disassemble(session: Session, first: int, count: int) -> list[dict[str, Any]]:
    """`count` instructions from pc `first`, one per bundle (address = pc), with the source
    place of its first slot that has one; pcs outside the program are padding, as DAP asks."""
    folder = kernel_folder(session)
    out = []
    for pc in range(first, first + count):
        if not 0 <= pc < len(session.program):
            out.append({"address": str(pc), "instruction": "", "presentationHint": "invalid"})
            continue
        bundle = session.program[pc]
        text = " ; ".join(
            session.named_slot(pc, engine, index)
            for engine, slots in bundle.items()
            for index in range(len(slots))
        )
        item: dict[str, Any] = {"address": str(pc), "instruction": text or "(empty bundle)"}
        chain = first_chain(session, pc)
        if chain:
            item["location"] = source(folder, chain[0].file)
            item["line"] = chain[0].line
            item["symbol"] = chain[0].func
        out.append(item)
    return out
