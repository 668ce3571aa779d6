"""A cache of the programs our shipped kernels build, so a launch does not build them again.

Building the default kernel is about a third of a second of Python on every start, and its
result depends only on the kernel's sizes and on our own source files. So the built program,
scratch map and notes are kept as `marshal` data (plain containers only, about ten times
faster to read back than to build) in `$XDG_CACHE_HOME/vliwdbg/` (`~/.cache/vliwdbg/` when
unset), one file per kernel, sizes and checkout, valid only for the key stored in it: a hash
of the kernel, its sizes, the Python version and the text of every source the build can
depend on (all of kernels/ and machine/, the builder's plain-data rules, this module).

The cache may change how long a load takes, never what it gives: any doubt on reading
(missing, truncated, corrupt, another key, a wrong shape) is a miss, and any failure to
write is ignored. A user's kernel file is never cached: its Python may read anything.
`VLIWDBG_NO_CACHE=1` turns it off.

A process's modules stay as they were imported while their files change under it, so an
edit while the debugger runs turns the cache off for the rest of that process (see
`Entry.for_kernel`): a program built by stale modules is never stored under the key of the
edited sources, and one built from the edited sources is never handed to stale modules.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vliwdbg.loading.child import paused_gc

#: Bumped when what a cache file holds changes shape.
FORMAT = 1
MAGIC = b"vliwdbg build cache\n"
_KEY_BYTES = 64
_SUM_BYTES = 32
_HEADER = len(MAGIC) + _KEY_BYTES + _SUM_BYTES

_ROOT = Path(__file__).resolve().parents[2]
#: Each source file's digest when this process first read it (see the module docstring).
_first_seen: dict[Path, bytes] = {}
#: The files seen to change since: any one turns the cache off for the process.
_edited_since_start: set[Path] = set()

Program = list[dict[str, list[tuple]]]
ScratchMap = dict[int, tuple[str, int]]


@dataclass(frozen=True)
class Build:
    """What a build of one of our kernels gives, as the cache holds it."""

    program: Program
    scratch_map: ScratchMap
    notes: list[str]


def disabled() -> bool:
    """Whether VLIWDBG_NO_CACHE turns the cache off (any value but empty or 0)."""
    return os.environ.get("VLIWDBG_NO_CACHE", "") not in ("", "0")


def cache_dir() -> Path | None:
    """`$XDG_CACHE_HOME/vliwdbg`, or `~/.cache/vliwdbg`; None when there is no home to
    put it in. A relative XDG_CACHE_HOME is ignored, as the XDG spec says."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "vliwdbg"


def source_files(root: Path, extra: Iterable[Path] = ()) -> list[Path]:
    """Every source a build of our kernels can depend on: the .py files under `root`'s
    kernels/ and machine/, the builder's plain-data rules, the source mapping (its map is
    kept here too) and this module, and `extra`
    (the kernel's own module, should it live elsewhere); sorted, without repeats."""
    files = {p.resolve() for folder in ("kernels", "machine") for p in (root / folder).rglob("*.py")}
    here = Path(__file__).resolve()
    files.update(here.with_name(name) for name in ("child.py", "capture.py", "sources.py"))
    files.add(here)
    files.update(p.resolve() for p in extra)
    return sorted(files)


def source_digests(files: Iterable[Path]) -> dict[Path, bytes] | None:
    """Each file's SHA-256, or None when one cannot be read."""
    digests = {}
    for path in files:
        try:
            digests[path] = hashlib.sha256(path.read_bytes()).digest()
        except OSError:
            return None
    return digests


def build_key(name: str, sizes: tuple[int, int, int, int], digests: dict[Path, bytes], root: Path) -> str:
    """The hex key of a build: the cache format, the kernel's name, its sizes (height,
    n_nodes, batch_size, rounds), the Python version, and each source file's name (relative
    to `root` when inside it, so a moved checkout keeps its key) and text."""
    key = hashlib.sha256()
    key.update(repr((FORMAT, name, tuple(sizes), sys.version)).encode())
    for path in sorted(digests):
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        key.update(f"\0{shown}\0".encode())
        key.update(digests[path])
    return key.hexdigest()


def unchanged_in_this_process(digests: dict[Path, bytes]) -> bool:
    """Whether every file is as this process first read it (each first reading is recorded
    here). Once one has changed, this stays False for the rest of the process: modules
    imported or reloaded meanwhile may hold any of the versions, even after an edit is
    undone."""
    for path, digest in digests.items():
        if _first_seen.setdefault(path, digest) != digest:
            _edited_since_start.add(path)
    return not _edited_since_start


@dataclass(frozen=True)
class Entry:
    """Where one build is cached, and the key a stored build must carry to be used."""

    path: Path
    key: str

    @classmethod
    def for_kernel(
        cls, name: str, module_file: Path, sizes: tuple[int, int, int, int], root: Path = _ROOT
    ) -> Entry | None:
        """The entry for our kernel `name` (built by `module_file`) at these sizes, or None
        when the cache is off: VLIWDBG_NO_CACHE, no home, or sources edited since this
        process first read them."""
        if disabled():
            return None
        folder = cache_dir()
        if folder is None:
            return None
        digests = source_digests(source_files(root, [module_file]))
        if digests is None or not unchanged_in_this_process(digests):
            return None
        key = build_key(name, sizes, digests, root)
        checkout = hashlib.sha256(str(root).encode()).hexdigest()[:12]
        stem = "-".join([name, *map(str, sizes), checkout])
        return cls(folder / f"{stem}.marshal", key)

    def read(self) -> Build | None:
        """The stored build, or None for anything short of a whole, intact file with this
        entry's key and the shape of a build."""
        try:
            with open(self.path, "rb") as stream:
                header = stream.read(_HEADER)
                if len(header) < _HEADER or header[: len(MAGIC)] != MAGIC:
                    return None
                if header[len(MAGIC) : len(MAGIC) + _KEY_BYTES] != self.key.encode():
                    return None
                payload = stream.read()
        except OSError:
            return None
        if hashlib.sha256(payload).digest() != header[-_SUM_BYTES:]:
            return None
        with paused_gc():
            try:
                value = marshal.loads(payload)
            except Exception:
                return None
            return _as_build(value, every_slot=False)

    def write(self, build: Build) -> None:
        """Store `build` if it is plain data; a failure (read-only or full disk, no
        folder) only means the next load builds again, so it is ignored."""
        if _as_build((build.program, build.scratch_map, build.notes), every_slot=True) is None:
            return
        try:
            payload = marshal.dumps((build.program, build.scratch_map, build.notes))
        except ValueError:
            return
        data = MAGIC + self.key.encode() + hashlib.sha256(payload).digest() + payload
        temp = None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".", suffix=".part")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            # A reader sees the old file or the whole new one, never a part.
            os.replace(temp, self.path)
        except OSError:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)

    @property
    def map_path(self) -> Path:
        """Where the source map of this build is kept (see vliwdbg.loading.sources)."""
        return self.path.with_suffix(".srcmap")

    def read_map(self) -> object | None:
        """The stored source map as plain data, or None; shaped as a build's file is, and
        its contents left for the caller to check."""
        payload = _read_checked(self.map_path, self.key)
        if payload is None:
            return None
        try:
            return marshal.loads(payload)
        except Exception:
            return None

    def write_map(self, data: object) -> None:
        """Store a source map (plain data); failures are ignored, as for builds."""
        try:
            payload = marshal.dumps(data)
        except ValueError:
            return
        _write_atomic(self.map_path, MAGIC + self.key.encode() + hashlib.sha256(payload).digest() + payload)


def _read_checked(path: Path, key: str) -> bytes | None:
    """The payload of a cache file with this key and an intact checksum, else None."""
    try:
        with open(path, "rb") as stream:
            header = stream.read(_HEADER)
            if len(header) < _HEADER or header[: len(MAGIC)] != MAGIC:
                return None
            if header[len(MAGIC) : len(MAGIC) + _KEY_BYTES] != key.encode():
                return None
            payload = stream.read()
    except OSError:
        return None
    if hashlib.sha256(payload).digest() != header[-_SUM_BYTES:]:
        return None
    return payload


def _write_atomic(path: Path, data: bytes) -> None:
    temp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _as_build(value: object, *, every_slot: bool) -> Build | None:
    """`value` as a Build if it is (program, scratch_map, notes) in the shapes a build has,
    made only of lists, dicts, tuples, ints and strs; else None. The slots are looked at
    only with `every_slot` (before writing: 60 ms for the default kernel, more than the
    read it would guard): a file that passes the read's checks is byte for byte what this
    code wrote, since the key covers this module's own text."""
    if type(value) is not tuple or len(value) != 3:
        return None
    program, scratch_map, notes = value
    if type(program) is not list or type(scratch_map) is not dict or type(notes) is not list:
        return None
    if not all(type(note) is str for note in notes):
        return None
    for addr, entry in scratch_map.items():
        if type(addr) is not int or type(entry) is not tuple or len(entry) != 2:
            return None
        if type(entry[0]) is not str or type(entry[1]) is not int:
            return None
    if every_slot:
        if not _plain_program(program):
            return None
    elif not all(type(bundle) is dict for bundle in program):
        return None
    return Build(program, scratch_map, notes)


def _plain_program(program: list) -> bool:
    """Whether every bundle is a dict of str -> list of slot tuples holding ints, strs and
    tuples of them (a compare's key, a vcompare's keys)."""
    for bundle in program:
        if type(bundle) is not dict:
            return False
        for engine, slots in bundle.items():
            if type(engine) is not str or type(slots) is not list:
                return False
            for slot in slots:
                if type(slot) is not tuple or not _plain_tuple(slot, 3):
                    return False
    return True


def _plain_tuple(values: tuple, depth: int) -> bool:
    for x in values:
        kind = type(x)
        if (
            kind is not int
            and kind is not str
            and (kind is not tuple or depth == 0 or not _plain_tuple(x, depth - 1))
        ):
            return False
    return True
