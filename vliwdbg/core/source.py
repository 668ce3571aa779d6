"""The source map: for every slot of the program, the lines of the kernel's own files that
made it, innermost first; and the background job that makes it.

Users write Python that emits slots, and schedulers pack them into dense bundles, so a
bundle's slots come from many places. The map is made by a second build of the kernel
(see vliwdbg.loading.sources) while the session is already usable; until it is ready the
session says "mapping sources".
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from vliwdbg.loading.sources import NoSourceMap, SourceData, map_sources

MAPPING = "mapping sources"
READY = "ready"


class SourceError(ValueError):
    """A file or place the map does not know, in one line."""


@dataclass(frozen=True)
class Frame:
    """One frame of a slot's chain: a line of a file (relative to the kernel's folder) in
    a function."""

    file: str
    line: int
    func: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} in {self.func}"

    @property
    def place(self) -> str:
        return f"{self.file}:{self.line}"


class SourceMap:
    """Where each slot of one program was made; see the module docstring."""

    def __init__(self, data: SourceData, program: list[dict]) -> None:
        self._data = data
        self._program = program
        frames = [Frame(*f) for f in data.frames]
        self._chains: list[tuple[Frame, ...]] = [_folded([frames[i] for i in chain]) for chain in data.chains]
        forwarding = {frames[i] for i in data.forwarding}
        self._made: list[Frame | None] = [
            _made_at(chain, number in data.entries, forwarding) for number, chain in enumerate(self._chains)
        ]
        starts = array("i", [0])
        total = 0
        for bundle in program:
            for slots in bundle.values():
                total += len(slots)
            starts.append(total)
        self._starts = starts
        self._slots = data.slots
        self._by_place: dict[tuple[str, int], list[int]] | None = None
        self._one_place: Frame | bool | None = False
        self._lock = threading.Lock()
        self.mapped = data.mapped
        self.total = total

    # --- the shared interface -------------------------------------------------------------

    def chain(self, pc: int, engine: str, index: int) -> tuple[Frame, ...]:
        """The frames that made the slot, innermost first; () when it has no source."""
        number = self._number(pc, engine, index)
        return () if number < 0 else self._chains[number]

    def innermost(self, pc: int, engine: str, index: int) -> Frame | None:
        chain = self.chain(pc, engine, index)
        return chain[0] if chain else None

    def made_at(self, pc: int, engine: str, index: int) -> Frame | None:
        """The frame whose line built the slot's tuple: the innermost, except that a slot a
        helper took as `*args` (`def emit(*slot)`) was built by the call's packing, on the
        line that called the helper; and when that line is the one statement of a function
        passing its own parameters on (`def vop(self, op, d, a, b): self.emit("valu", op,
        d, a, b)`), the slot's words were written by the line that called that function."""
        number = self._number(pc, engine, index)
        return None if number < 0 else self._made[number]

    def pcs_at(self, file: str, line: int) -> list[int]:
        """The pcs whose bundles hold a slot whose chain includes this line."""
        return list(self._places().get((file, line), ()))

    def resolve_file(self, text: str) -> str:
        """The map's name for a file: its path relative to the kernel's folder, or its
        basename when only one file has it."""
        files = self.files()
        if text in files:
            return text
        stripped = text[2:] if text.startswith("./") else text
        if stripped in files:
            return stripped
        matches = [f for f in files if f.rsplit("/", 1)[-1] == stripped or f.endswith("/" + stripped)]
        if len(matches) == 1:
            return matches[0]
        shown = text if len(text) <= 40 else text[:37] + "..."
        if matches:
            raise SourceError(f"{shown} is ambiguous: {', '.join(matches)}")
        raise SourceError(f"no file {shown} made any slot (files: {', '.join(files) or 'none'})")

    def lines(self, file: str) -> list[str]:
        """The file's text as it was when the kernel was built."""
        return self._data.texts.get(file, "").splitlines()

    def files(self) -> list[str]:
        return list(self._data.files)

    # --- beyond it ------------------------------------------------------------------------

    def slot_chains(self, pc: int) -> list[tuple[str, int, tuple[Frame, ...]]]:
        """(engine, index, chain) for every slot of the bundle at pc, in the bundle's order."""
        bundle = self._program[pc]
        start = self._starts[pc]
        out = []
        for engine, slots in bundle.items():
            for index in range(len(slots)):
                number = self._slots[start]
                out.append((engine, index, () if number < 0 else self._chains[number]))
                start += 1
        return out

    def one_place(self) -> Frame | None:
        """The frame that built every mapped slot (see made_at), when all share one: the
        kernel rebuilt its slot tuples there, so the map cannot see past it."""
        if self._one_place is False:
            used = set(self._slots) - {-1}
            inner = {self._made[n] for n in used if self._chains[n]}
            self._one_place = inner.pop() if len(inner) == 1 else None
        return self._one_place

    def function_line(self, name: str) -> tuple[str, int] | None:
        """Where `def NAME` is in the map's files (the first, in the map's file order)."""
        pattern = re.compile(rf"^\s*(async\s+)?def\s+{re.escape(name)}\s*\(")
        for file in self.files():
            for number, text in enumerate(self.lines(file), 1):
                if pattern.match(text):
                    return file, number
        return None

    def lines_made(self, file: str) -> list[int]:
        """The lines of `file` that are in some slot's chain."""
        return sorted(line for f, line in self._places() if f == file)

    def _number(self, pc: int, engine: str, index: int) -> int:
        if not 0 <= pc < len(self._program):
            return -1
        offset = self._starts[pc]
        for name, slots in self._program[pc].items():
            if name == engine:
                return self._slots[offset + index] if 0 <= index < len(slots) else -1
            offset += len(slots)
        return -1

    def _places(self) -> dict[tuple[str, int], list[int]]:
        """(file, line) -> sorted pcs, made once when first asked for."""
        with self._lock:
            if self._by_place is None:
                self._by_place = self._index()
            return self._by_place

    def _index(self) -> dict[tuple[str, int], list[int]]:
        pcs_of_chain: list[list[int]] = [[] for _ in self._chains]
        starts, slots = self._starts, self._slots
        for pc in range(len(starts) - 1):
            for number in slots[starts[pc] : starts[pc + 1]]:
                if number >= 0:
                    found = pcs_of_chain[number]
                    if not found or found[-1] != pc:
                        found.append(pc)
        by_place: dict[tuple[str, int], set[int]] = {}
        for number, pcs in enumerate(pcs_of_chain):
            if not pcs:
                continue
            for frame in {(f.file, f.line) for f in self._chains[number]}:
                by_place.setdefault(frame, set()).update(pcs)
        return {place: sorted(pcs) for place, pcs in by_place.items()}


def _made_at(chain: tuple[Frame, ...], entry: bool, forwarding: set[Frame]) -> Frame | None:
    """See SourceMap.made_at."""
    if not chain:
        return None
    if not entry:
        return chain[0]
    k = 1
    while k + 1 < len(chain) and chain[k] in forwarding:
        k += 1
    return chain[min(k, len(chain) - 1)]


#: The functions Python runs a comprehension in (a frame of its own before 3.12).
_COMPREHENSIONS = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})


def _folded(chain: list[Frame]) -> tuple[Frame, ...]:
    """The chain without a comprehension's frame that sits on the same line as the
    function around it: it says nothing the next frame does not."""
    kept = []
    for k, frame in enumerate(chain):
        outer = chain[k + 1] if k + 1 < len(chain) else None
        if frame.func in _COMPREHENSIONS and outer is not None and outer.place == frame.place:
            continue
        kept.append(frame)
    return tuple(kept)


def map_now(request: dict | None, program: list[dict]) -> SourceMap:
    """The map, made here and now (for a face that needs it before it goes on, as --lint
    does). Raises SourceError saying why there is none."""
    if request is None:
        raise SourceError("the kernel was given as a program, not built from a file")
    try:
        return SourceMap(map_sources(request, program), program)
    except NoSourceMap as exc:
        raise SourceError(str(exc)) from None


def place_suffix(smap: SourceMap, pc: int, engine: str | None, index: int | None) -> str:
    """` at FILE:LINE` of the line that built a slot (see SourceMap.made_at), or "" (the
    suffix every message that names a slot carries)."""
    frame = None if engine is None or index is None else smap.made_at(pc, engine, index)
    return "" if frame is None else f" at {frame.place}"


class SourceJob:
    """Makes one program's source map on a thread of its own; `status` says where it is."""

    def __init__(self, request: dict | None, program: list[dict], *, start: bool = True) -> None:
        self._request = request
        self._program = program
        self._done = threading.Event()
        self._cancelled = False
        self.map: SourceMap | None = None
        self.status = MAPPING
        if request is None:
            self.status = "no source map: the kernel was given as a program, not built from a file"
            self._done.set()
        elif start:
            threading.Thread(target=self._run, name="vliwdbg-sources", daemon=True).start()

    def _run(self) -> None:
        assert self._request is not None
        try:
            data = map_sources(self._request, self._program, cancel=lambda: self._cancelled)
            self.map = SourceMap(data, self._program)
            self.status = READY
        except NoSourceMap as exc:
            self.status = f"no source map: {exc}"
        except Exception as exc:  # a bug here must not take the session down
            self.status = f"no source map: mapping failed ({type(exc).__name__}: {exc})"
        finally:
            self._done.set()

    def wait(self, cancel: Callable[[], bool] | None = None) -> SourceMap | None:
        """The map once mapping ends (None if there is none); returns early, with None,
        when `cancel()` says so."""
        while not self._done.wait(0.05):
            if cancel is not None and cancel():
                return None
        return self.map

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> None:
        """Stop the mapping build (the session moved on to another program)."""
        self._cancelled = True
