"""Trace export: a range of the run as the Chrome trace-event JSON of the take-home's viewer.

`trace FILE [FROM TO]` and `vliwdbg --trace FILE [--from C --to C]` write what the
take-home's `Machine(trace=True)` writes (machine/trace.py's TraceWriter), for the bundles
that ran while the cycle counter was in [FROM, TO), so users keep their trace-viewer or
Perfetto workflow and can aim it at the stretch they are debugging. The range is replayed
on a core of its own, started from the timeline's nearest checkpoint; the session does not
move. The scratch process shows an entry whenever a bundle writes any of its words; which
words a bundle writes is fixed by its slots, so no bundle has to be recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from machine.gc_pause import gc_paused
from machine.trace import TraceWriter
from vliwdbg.cancel import Cancel, poll
from vliwdbg.core.quoting import clip_path, os_reason
from vliwdbg.insight.access import iter_slots, slot_access
from vliwdbg.insight.sidecore import side_core_at_cycle

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


class ExportError(ValueError):
    """A trace that cannot be written, with a one-line reason."""


@dataclass(frozen=True)
class Exported:
    path: Path
    from_cycle: int
    to_cycle: int  # the cycle count after the last bundle written
    bundles: int
    events: int

    def line(self) -> str:
        return (
            f"wrote {self.path}: cycles {self.from_cycle}..{self.to_cycle}, {self.bundles} bundles,"
            f" {self.events} events"
        )


def export_trace(
    session: Session,
    path: str | Path,
    from_cycle: int | None = None,
    to_cycle: int | None = None,
    cancel: Cancel | None = None,
) -> Exported:
    """Write the trace of cycles [from_cycle, to_cycle) (default: the whole run) to path.
    Raises Cancelled (and writes nothing) when cancel() turns true."""
    start = 0 if from_cycle is None else from_cycle
    if start < 0:
        raise ExportError(f"cycle {start} is before the start")
    if to_cycle is not None and to_cycle <= start:
        raise ExportError(f"the range {start}..{to_cycle} is empty (TO must be above FROM)")
    target = Path(path)
    try:
        is_dir = target.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, or holding a NUL byte
        raise ExportError(f"cannot write {clip_path(target)}: {os_reason(exc)}") from None
    if is_dir:
        raise ExportError(f"{clip_path(target)} is a directory")
    writer = TraceWriter(1, session.kernel.scratch_map)
    program = session.program
    writes: dict[int, list[int] | None] = {}
    core = side_core_at_cycle(session, start)
    begin = core.cycle
    budget = core.steps + session.options.max_steps
    bundles = 0
    smap = session.source_map
    if smap is None and session.source_waits:
        smap = session.wait_for_source_map(cancel)
    sources: dict[int, dict[tuple[str, int], str]] = {}

    def add(ran: tuple[int, int, int]) -> int:
        """Write the events of the bundle that just ran (pc, cycle before it, steps before
        it); 1 if it made any, else 0."""
        pc, cycle, _ = ran
        if pc not in writes:
            writes[pc] = _scratch_writes(program[pc])
        written = writes[pc]
        if written is None:
            return 0
        if smap is not None and pc not in sources:
            sources[pc] = {(e, i): str(chain[0]) for e, i, chain in smap.slot_chains(pc) if chain}
        writer.add_bundle(0, cycle, program[pc], written, core.scratch, sources.get(pc))
        return 1

    # Each bundle is written down once it has run (its events show the words it wrote),
    # which is when the walk yields the next pc, or when the walk ends after it.
    ran: tuple[int, int, int] | None = None
    with gc_paused():  # events for every slot run: the collector would walk them over and over
        for pc in core.walk(max(0, budget - core.steps)):
            if ran is not None:
                bundles += add(ran)
                ran = None
            if to_cycle is not None and core.cycle >= to_cycle:
                break
            poll(cancel, core.steps)
            ran = (pc, core.cycle, core.steps)
        if ran is not None and core.steps > ran[2]:
            bundles += add(ran)
    try:
        writer.write(target)
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot write {clip_path(target)}: {os_reason(exc)}") from None
    return Exported(target, begin, core.cycle, bundles, len(writer))


def _scratch_writes(bundle: dict) -> list[int] | None:
    """The scratch words a bundle writes, or None for a debug-only bundle (it makes no events)."""
    if not any(engine != "debug" for engine in bundle):
        return None
    words: list[int] = []
    for engine, _, slot in iter_slots(bundle):
        access = slot_access(engine, slot)
        if access is not None:
            words.extend(access.writes)
    return words
