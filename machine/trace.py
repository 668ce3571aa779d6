"""The Chrome trace-event JSON that the take-home's trace viewer (and Perfetto) reads.

The layout follows ISA.md so that users keep their existing workflow: per core a process
with one thread per slot, each slot that executes an "X" event one cycle long, and per core
a "Scratch" process with one thread per scratch_map entry that shows the entry's words
whenever a bundle writes any of them. Unlike the take-home's file, ours is strictly valid
JSON (no trailing comma, closed array), so ordinary JSON tools can read it too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from machine.isa import BASE_ADDR_TID, OPERAND_ROLES, SLOT_LIMITS, TRACE_ENGINES

ScratchMap = Mapping[int, tuple[str, int]]

_SCRATCH_ROLES = frozenset("wWrR")


def named_slot(engine: str, slot: Sequence[Any], scratch_map: ScratchMap) -> tuple:
    """The slot with each scratch-address operand that starts a scratch_map entry replaced by
    the entry's name.

    Only operands that the op uses as scratch addresses are renamed: a literal such as a
    `const` value or a jump target that happens to equal a named address stays a number.
    A slot whose op is unknown is returned as it is.
    """
    roles = OPERAND_ROLES.get(engine, {}).get(slot[0]) if slot else None
    if roles is None or len(roles) != len(slot) - 1:
        return tuple(slot)
    out: list[Any] = [slot[0]]
    for role, operand in zip(roles, slot[1:], strict=True):
        entry = scratch_map.get(operand) if role in _SCRATCH_ROLES and isinstance(operand, int) else None
        out.append(entry[0] if entry is not None else operand)
    return tuple(out)


def named_bundle(bundle: Mapping[str, Sequence], scratch_map: ScratchMap) -> dict[str, list[tuple]]:
    """The bundle with every slot passed through `named_slot`."""
    return {
        engine: [named_slot(engine, slot, scratch_map) for slot in slots] for engine, slots in bundle.items()
    }


def slot_tids() -> dict[tuple[str, int], int]:
    """Thread ids of the slot threads of one core: 1, 2, ... in SLOT_LIMITS order, debug left out."""
    tids: dict[tuple[str, int], int] = {}
    for engine in TRACE_ENGINES:
        for i in range(SLOT_LIMITS[engine]):
            tids[(engine, i)] = len(tids) + 1
    return tids


class TraceWriter:
    """Collects executed bundles of one or more cores and writes them as a trace file.

    Events are encoded as they are added, so a long run costs a string per event rather
    than a dict. A program executes the same slots and writes the same entries over and over,
    so the text of each event, all but its timestamp, is made once and reused. Bundles may be
    added for any range of cycles (the debugger exports a window of a run); each event
    carries its own cycle as the timestamp.
    """

    def __init__(self, n_cores: int = 1, scratch_map: ScratchMap | None = None) -> None:
        self.n_cores = n_cores
        self.scratch_map: dict[int, tuple[str, int]] = dict(scratch_map or {})
        self._tids = slot_tids()
        self._entries_of: dict[int, list[int]] = {}
        for base, (_name, length) in self.scratch_map.items():
            for addr in range(base, base + length):
                self._entries_of.setdefault(addr, []).append(base)
        self._order = {base: n for n, base in enumerate(self.scratch_map)}
        self._slot_text: dict[tuple, tuple[str, str]] = {}
        self._entry_text: dict[tuple, list[tuple[int, int, str]]] = {}
        self._lines: list[str] = []

    def __len__(self) -> int:
        """The number of events added so far (metadata and init events not counted)."""
        return len(self._lines)

    def add_bundle(
        self,
        core_id: int,
        cycle: int,
        bundle: Mapping[str, Sequence],
        written: Iterable[int],
        scratch: Sequence[int],
        sources: Mapping[tuple[str, int], str] | None = None,
    ) -> None:
        """Record one executed bundle.

        `cycle` is the cycle count before the bundle, `written` the scratch addresses the
        bundle wrote (whether or not the value changed, as on the take-home) and `scratch`
        the core's scratch after the bundle. `sources` gives, by (engine, slot index), the
        line of the kernel's source that made a slot, shown in its event's args.
        """
        if not 0 <= core_id < self.n_cores:
            raise ValueError(f"core id {core_id} is outside 0..{self.n_cores - 1}")
        ts = str(cycle)
        lines = self._lines
        for engine, slots in bundle.items():
            if engine == "debug":
                continue
            for i, slot in enumerate(slots):
                source = sources.get((engine, i), "") if sources else ""
                head, tail = self._slot_event(core_id, engine, i, slot, source)
                lines.append(head + ts + tail)
        for base, length, head in self._entry_events(core_id, tuple(written)):
            values = ", ".join(map(str, scratch[base : base + length]))
            lines.append(f'{{"name": "{values}", {head}{ts}, "dur": 1}}')

    def _slot_event(
        self, core_id: int, engine: str, index: int, slot: Sequence, source: str = ""
    ) -> tuple[str, str]:
        """The event of a slot as text before and after its timestamp."""
        try:
            key = (core_id, engine, index, tuple(slot), source)
            cached = self._slot_text.get(key)
        except TypeError:
            key, cached = None, None
        if cached is None:
            named = named_slot(engine, slot, self.scratch_map)
            head = json.dumps(
                {"name": slot[0], "cat": "op", "ph": "X", "pid": core_id, "tid": self._tids[(engine, index)]}
            )
            fields = {"slot": str(tuple(slot)), "named": str(named)}
            if source:
                fields["source"] = source
            args = json.dumps(fields)
            cached = (head[:-1] + ', "ts": ', f', "dur": 1, "args": {args}}}')
            if key is not None:
                self._slot_text[key] = cached
        return cached

    def _entry_events(self, core_id: int, written: tuple[int, ...]) -> list[tuple[int, int, str]]:
        """The scratch_map entries that the written words touch, in scratch_map order, each
        with its event's text from after the name up to the timestamp."""
        key = (core_id, written)
        cached = self._entry_text.get(key)
        if cached is None:
            touched = {base for addr in written for base in self._entries_of.get(addr, ())}
            pid = self.n_cores + core_id
            cached = [
                (
                    base,
                    self.scratch_map[base][1],
                    f'"cat": "op", "ph": "X", "pid": {pid}, "tid": {BASE_ADDR_TID + base}, "ts": ',
                )
                for base in sorted(touched, key=self._order.__getitem__)
            ]
            self._entry_text[key] = cached
        return cached

    def _header(self) -> list[str]:
        """Process and thread names, and the zero-length events that make every slot show."""
        events: list[dict[str, Any]] = []
        for c in range(self.n_cores):
            events.append(_name_event("process_name", c, 0, f"Core {c}"))
            for (engine, i), tid in self._tids.items():
                events.append(_name_event("thread_name", c, tid, f"{engine}-{i}"))
        for c in range(self.n_cores):
            for tid in self._tids.values():
                events.append(
                    {"name": "init", "cat": "op", "ph": "X", "pid": c, "tid": tid, "ts": 0, "dur": 0}
                )
        for c in range(self.n_cores):
            pid = self.n_cores + c
            events.append(_name_event("process_name", pid, 0, f"Core {c} Scratch"))
            for base, (name, length) in self.scratch_map.items():
                events.append(_name_event("thread_name", pid, BASE_ADDR_TID + base, f"{name}-{length}"))
        return [json.dumps(e) for e in events]

    def dumps(self) -> str:
        """The whole trace as a JSON array, one event per line."""
        return "[\n" + ",\n".join(self._header() + self._lines) + "\n]\n"

    def write(self, path: str | Path) -> None:
        """Write the trace file (replacing it)."""
        Path(path).write_text(self.dumps(), encoding="utf-8")


def _name_event(kind: str, pid: int, tid: int, name: str) -> dict[str, Any]:
    return {"name": kind, "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}
