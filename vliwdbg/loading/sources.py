"""Mapping a kernel's program to the lines of its own files that made each slot.

The map comes from a second build of the kernel, in a child process of its own, with its
modules compiled to record where each slot tuple was made (see `capture.py`); the first
build, which the session opens with, pays nothing for it. The second build must give the
same program as the first (both run with the same hash seed); when it does not, there is
no map and the reason says so. The maps of our own kernels are kept in the build cache
beside their programs.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vliwdbg.loading import cache as build_cache
from vliwdbg.loading.child import program_digest
from vliwdbg.loading.loader import KernelLoadError, build_request

Frame3 = tuple[str, int, str]


class NoSourceMap(Exception):
    """Why a kernel has no source map, in one line."""


@dataclass(frozen=True)
class SourceData:
    """A checked source map, as plain data (see capture.Recorder.source_map): `frames` as
    (file relative to the kernel's folder, line, function), `chains` as frame numbers
    innermost first, `slots` as one chain number per slot in program order (-1: no
    source), `entries` the chains whose innermost frame took the slot as `*args`, and
    `forwarding` the frames of one-statement functions passing their parameters on."""

    files: list[str]
    texts: dict[str, str]
    frames: list[Frame3]
    chains: list[list[int]]
    slots: array
    mapped: int
    #: The kernel's folder, for messages.
    folder: str
    entries: frozenset[int] = frozenset()
    #: Frame numbers on a line where a one-statement function passes its parameters on.
    forwarding: frozenset[int] = frozenset()


def map_sources(
    request: dict,
    program: list[dict],
    *,
    timeout: float = 600.0,
    cancel: Callable[[], bool] | None = None,
) -> SourceData:
    """Build the kernel `request` describes again, mapping its slots, and check the map
    against `program`. Raises NoSourceMap."""
    folder = str(Path(request["path"]).parent)
    entry = _cache_entry(request)
    if entry is not None:
        stored = entry.read_map()
        if stored is not None:
            try:
                return _checked(stored, program, folder)
            except NoSourceMap:
                pass
    started = time.monotonic()
    try:
        result = build_request({**request, "map_sources": True}, started + timeout, timeout, cancel)
    except KernelLoadError as exc:
        raise NoSourceMap(f"the second build, which maps the sources, failed: {exc}") from None
    if not result["ok"]:
        raise NoSourceMap(f"the second build, which maps the sources, failed: {result['error']}")
    raw = result.get("source")
    if result.get("digest") != program_digest(program):
        raise NoSourceMap(
            "the kernel built a different program the second time (does it depend on time or chance?)"
        )
    data = _checked(raw, program, folder)
    if data.mapped == 0 and _slot_count(program):
        raise NoSourceMap(
            "no slot was made by the kernel's code in the process that built it "
            "(does build_kernel build in a subprocess?)"
        )
    if entry is not None:
        entry.write_map(raw)
    return data


def _cache_entry(request: dict) -> build_cache.Entry | None:
    name = request.get("ours")
    if not name:
        return None
    return build_cache.Entry.for_kernel(name, Path(request["path"]), tuple(request["args"]))


def _slot_count(program: list[dict]) -> int:
    return sum(sum(map(len, bundle.values())) for bundle in program)


def _checked(raw: object, program: list[dict], folder: str) -> SourceData:
    """`raw` as SourceData if it has the map's shape and one entry per slot of `program`."""
    bad = NoSourceMap("the build sent back a malformed source map")
    if not isinstance(raw, dict):
        raise bad
    files, texts, frames, chains = raw.get("files"), raw.get("texts"), raw.get("frames"), raw.get("chains")
    slots_bytes, mapped = raw.get("slots"), raw.get("mapped")
    if not (isinstance(files, list) and all(isinstance(f, str) for f in files)):
        raise bad
    if not isinstance(texts, dict) or not all(type(k) is str and type(v) is str for k, v in texts.items()):
        raise bad
    if not isinstance(frames, list) or not isinstance(chains, list) or not isinstance(slots_bytes, bytes):
        raise bad
    if not isinstance(mapped, int) or len(slots_bytes) % array("i").itemsize:
        raise bad
    checked_frames: list[Frame3] = []
    for frame in frames:
        if not (isinstance(frame, tuple | list) and len(frame) == 3):
            raise bad
        file, line, func = frame
        if not (isinstance(file, int) and 0 <= file < len(files) and isinstance(line, int)):
            raise bad
        checked_frames.append((files[file], line, str(func)))
    for chain in chains:
        if not isinstance(chain, list) or not all(isinstance(f, int) and 0 <= f < len(frames) for f in chain):
            raise bad
    entries, forwarding = raw.get("entries", []), raw.get("forwarding", [])
    if not isinstance(entries, list) or not all(isinstance(n, int) and 0 <= n < len(chains) for n in entries):
        raise bad
    if not isinstance(forwarding, list) or not all(
        isinstance(n, int) and 0 <= n < len(frames) for n in forwarding
    ):
        raise bad
    slots = array("i")
    slots.frombytes(slots_bytes)
    if len(slots) != _slot_count(program):
        raise bad
    if slots and (max(slots) >= len(chains) or min(slots) < -1):
        raise bad
    return SourceData(
        files, texts, checked_frames, chains, slots, mapped, folder, frozenset(entries), frozenset(forwarding)
    )
