"""The build cache of our kernels: a hit gives exactly what a build gives, and every doubt,
on reading or writing, falls back to building.

Each test points XDG_CACHE_HOME at its own folder and starts the process's record of our
source files afresh, so neither the real home nor an earlier test's edit plays a part.
"""

from __future__ import annotations

import errno
import hashlib
import marshal
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from machine.problem import ProblemSize
from vliwdbg.loading import cache as build_cache
from vliwdbg.loading import loader as loader_module
from vliwdbg.loading.loader import LoadedKernel, load_kernel

SMALL = ProblemSize(height=3, rounds=2, batch_size=8)
SIZES = SMALL.build_args()
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """This test's cache folder (`$XDG_CACHE_HOME/vliwdbg`), not yet made."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    monkeypatch.delenv("VLIWDBG_NO_CACHE", raising=False)
    monkeypatch.setattr(build_cache, "_first_seen", {})
    monkeypatch.setattr(build_cache, "_edited_since_start", set())
    return tmp_path / "cache-home" / "vliwdbg"


def load(spec: str | None = "three-lane", **kw: object) -> LoadedKernel:
    rounds = kw.pop("rounds", SMALL.rounds)
    return load_kernel(spec, replace(SMALL, rounds=rounds), **kw)


def cached_files(home: Path) -> list[Path]:
    return sorted(home.iterdir()) if home.exists() else []


def entry(name: str = "three-lane") -> build_cache.Entry:
    module_file = loader_module._module_file(loader_module.OUR_KERNELS[name])
    assert module_file is not None
    made = build_cache.Entry.for_kernel(name, Path(module_file), SIZES, ROOT)
    assert made is not None
    return made


def assert_same_build(a: LoadedKernel, b: LoadedKernel) -> None:
    assert (a.name, a.path, a.notes) == (b.name, b.path, b.notes)
    assert a.program == b.program
    assert a.scratch_map == b.scratch_map


def built_without_cache(monkeypatch: pytest.MonkeyPatch, spec: str = "three-lane") -> LoadedKernel:
    with monkeypatch.context() as m:
        m.setenv("VLIWDBG_NO_CACHE", "1")
        return load(spec)


# --- hits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["three-lane", "baseline", "vector"])
def test_a_hit_gives_the_program_and_scratch_map_a_build_gives(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    first = load(name)
    assert not first.from_cache
    (stored,) = cached_files(home)
    assert stored.name.startswith(f"{name}-3-15-8-2-")
    hit = load(name)
    assert hit.from_cache
    assert_same_build(hit, first)
    assert_same_build(hit, built_without_cache(monkeypatch, name))
    assert all(type(b) is dict for b in hit.program)


def test_a_hit_does_not_import_the_kernel(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load("baseline")
    monkeypatch.delitem(sys.modules, "kernels.baseline", raising=False)
    assert load("baseline").from_cache
    assert "kernels.baseline" not in sys.modules


def test_each_size_is_cached_apart(home: Path) -> None:
    small, larger = load(), load(rounds=3)
    assert len(cached_files(home)) == 2
    assert load().program == small.program
    assert load(rounds=3).program == larger.program != small.program


def test_no_cache_variable_neither_reads_nor_writes(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLIWDBG_NO_CACHE", "1")
    assert not load().from_cache
    assert cached_files(home) == []
    monkeypatch.setenv("VLIWDBG_NO_CACHE", "0")
    load()
    monkeypatch.setenv("VLIWDBG_NO_CACHE", "1")
    assert not load().from_cache


def test_cache_folder_follows_xdg_and_defaults_to_the_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert build_cache.cache_dir() == tmp_path / "xdg" / "vliwdbg"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert build_cache.cache_dir() == tmp_path / "me" / ".cache" / "vliwdbg"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert build_cache.cache_dir() == tmp_path / "me" / ".cache" / "vliwdbg"


# --- reading: every doubt is a build ------------------------------------------------------


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(_flip_last_byte, id="one bit flipped"),
        # still well-formed marshal data, with one scratch name changed: only the checksum sees it
        pytest.param(lambda data: data.replace(b"lane_stride", b"lane_strid3", 1), id="a name changed"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:50], id="truncated in the header"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"\x00" * len(data), id="zeroed"),
        pytest.param(
            lambda data: data.replace(build_cache.MAGIC, b"X" * len(build_cache.MAGIC)), id="no magic"
        ),
    ],
)
def test_a_spoilt_file_falls_back_to_a_build_and_is_written_again(
    home: Path, monkeypatch: pytest.MonkeyPatch, spoil: object
) -> None:
    first = load()
    (stored,) = cached_files(home)
    stored.write_bytes(spoil(stored.read_bytes()))  # type: ignore[operator]
    again = load()
    assert not again.from_cache
    assert_same_build(again, first)
    assert load().from_cache


def _with_payload(value: object, key: str) -> bytes:
    """A file that passes every check but the shape: right magic, key and checksum."""
    payload = marshal.dumps(value)
    return build_cache.MAGIC + key.encode() + hashlib.sha256(payload).digest() + payload


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"program": []}, id="not a triple"),
        pytest.param(([{"flow": [("halt",)]}], {}, "notes"), id="notes not a list"),
        pytest.param(([("flow",)], {}, []), id="bundle not a dict"),
        pytest.param(([{"flow": [("halt",)]}], {0: ["a", 1]}, []), id="scratch entry not a tuple"),
        pytest.param(([{"flow": [("halt",)]}], {"0": ("a", 1)}, []), id="scratch address not an int"),
        pytest.param(([{"flow": [("halt",)]}], {0: ("a", 1)}, [1]), id="note not a string"),
        pytest.param(([{"flow": [("halt",)]}], {0: ("a", 1)}), id="a pair"),
    ],
)
def test_a_file_of_the_wrong_shape_falls_back_to_a_build(
    home: Path, monkeypatch: pytest.MonkeyPatch, value: object
) -> None:
    first = load()
    where = entry()
    where.path.write_bytes(_with_payload(value, where.key))
    assert where.read() is None
    again = load()
    assert not again.from_cache
    assert_same_build(again, first)


def test_a_file_with_another_key_is_a_miss(home: Path) -> None:
    load()
    where = entry()
    assert where.read() is not None
    assert build_cache.Entry(where.path, "0" * 64).read() is None


def test_a_folder_where_the_file_should_be_is_a_miss(home: Path) -> None:
    entry().path.mkdir(parents=True)
    assert not load().from_cache
    assert not load().from_cache


# --- writing: every failure is ignored -------------------------------------------------------


def test_a_folder_that_refuses_new_files_still_loads(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only cache folder answers (as root, chmod would not stop the write)."""
    home.mkdir(parents=True)

    def refuse(*args: object, **kw: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(home))

    monkeypatch.setattr(build_cache.tempfile, "mkstemp", refuse)
    first, second = load(), load()
    assert not first.from_cache and not second.from_cache
    assert_same_build(first, built_without_cache(monkeypatch))
    assert cached_files(home) == []


def test_a_cache_home_that_cannot_be_made_still_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.delenv("VLIWDBG_NO_CACHE", raising=False)
    monkeypatch.setattr(build_cache, "_first_seen", {})
    monkeypatch.setattr(build_cache, "_edited_since_start", set())
    assert not load().from_cache
    assert not load().from_cache
    assert blocker.read_text() == "not a folder\n"


def test_a_full_disk_leaves_no_partial_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_cache.os, "replace", full)
    assert not load().from_cache
    assert cached_files(home) == []


def test_a_program_that_is_not_plain_is_not_written(home: Path) -> None:
    where = entry()
    where.write(build_cache.Build([{"alu": [("+", 1, 2, 3.5)]}], {}, []))
    where.write(build_cache.Build([{"alu": [["+", 1, 2, 3]]}], {}, []))
    where.write(build_cache.Build([{"alu": [("+", 1, 2, True)]}], {}, []))
    assert cached_files(home) == []
    where.write(build_cache.Build([{"debug": [("vcompare", 8, ((0, 1, "val"),))]}], {8: ("v", 8)}, []))
    stored = where.read()
    assert stored is not None
    assert stored.program == [{"debug": [("vcompare", 8, ((0, 1, "val"),))]}]


# --- what is never cached, and edits ---------------------------------------------------------


def test_a_users_file_is_never_cached(home: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs.txt"
    kernel = tmp_path / "three_lane.py"
    kernel.write_text(
        "import pathlib\n"
        f"runs = pathlib.Path({str(runs)!r})\n"
        "runs.write_text(runs.read_text() + 'x' if runs.exists() else 'x')\n"
        "class KernelBuilder:\n"
        "    def build_kernel(self, forest_height, n_nodes, batch_size, rounds):\n"
        "        self.instrs = [{'flow': [('halt',)]}]\n"
    )
    for _ in range(2):
        assert not load(str(kernel)).from_cache
    assert runs.read_text() == "xx"
    assert cached_files(home) == []


def _tree(root: Path) -> Path:
    """A small stand-in for our sources: a kernel, a helper and a machine module."""
    (root / "kernels").mkdir(parents=True)
    (root / "machine" / "sub").mkdir(parents=True)
    (root / "kernels" / "k.py").write_text("K = 1\n")
    (root / "kernels" / "helper.py").write_text("H = 1\n")
    (root / "machine" / "sub" / "isa.py").write_text("VLEN = 8\n")
    return root / "kernels" / "k.py"


def _key(root: Path, name: str = "k", sizes: tuple[int, int, int, int] = SIZES) -> str:
    digests = build_cache.source_digests(build_cache.source_files(root, [root / "kernels" / "k.py"]))
    assert digests is not None
    return build_cache.build_key(name, sizes, digests, root)


def test_the_key_changes_with_name_sizes_python_and_every_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "src"
    _tree(root)
    key = _key(root)
    assert _key(root) == key
    assert _key(root, name="other") != key
    for k in range(4):
        assert _key(root, sizes=tuple(s + (i == k) for i, s in enumerate(SIZES))) != key  # type: ignore[arg-type]
    # the same text in a checkout elsewhere is the same build
    moved = tmp_path / "elsewhere"
    _tree(moved)
    assert _key(moved) == key
    with monkeypatch.context() as m:
        m.setattr(build_cache.sys, "version", sys.version + " other build")
        assert _key(root) != key
    keys = {key}
    for edit in ("kernels/helper.py", "machine/sub/isa.py", "kernels/k.py"):
        (root / edit).write_text((root / edit).read_text() + "# edited\n")
        keys.add(_key(root))
    (root / "kernels" / "new.py").write_text("")
    keys.add(_key(root))
    (root / "kernels" / "new.py").rename(root / "kernels" / "renamed.py")
    keys.add(_key(root))
    assert len(keys) == 6
    files = build_cache.source_files(root)
    assert ROOT / "vliwdbg" / "loading" / "child.py" in files
    assert Path(build_cache.__file__).resolve() in files


def test_our_real_sources_are_in_the_key(home: Path) -> None:
    files = build_cache.source_files(ROOT)
    for source in ("kernels/three_lane.py", "kernels/pack.py", "machine/isa.py", "machine/problem.py"):
        assert ROOT / source in files


def test_an_edit_while_running_turns_the_cache_off_for_the_process(home: Path, tmp_path: Path) -> None:
    """Modules imported before an edit may be older than their files: nothing is stored
    under the edited text's key, nor read for it, even once the edit is undone."""
    root = tmp_path / "src"
    module = _tree(root)
    assert build_cache.Entry.for_kernel("k", module, SIZES, root) is not None
    helper = root / "kernels" / "helper.py"
    original = helper.read_text()
    helper.write_text("H = 2\n")
    assert build_cache.Entry.for_kernel("k", module, SIZES, root) is None
    helper.write_text(original)
    assert build_cache.Entry.for_kernel("k", module, SIZES, root) is None


def test_an_edited_kernel_of_ours_is_built_again_by_a_fresh_load(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What `reload` does after the kernel's file is edited: the cached program of the old
    text is not used, and the new one is not stored by this process."""
    source = tmp_path / "cache_edited_mod.py"

    def write(bundles: int) -> None:
        source.write_text(
            "class KernelBuilder:\n"
            "    def build_kernel(self, forest_height, n_nodes, batch_size, rounds):\n"
            f"        self.instrs = [{{'flow': [('pause',)]}}] * {bundles}\n"
        )

    write(1)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(loader_module.OUR_KERNELS, "vector", "cache_edited_mod")
    monkeypatch.delitem(sys.modules, "cache_edited_mod", raising=False)
    try:
        assert len(load("vector").program) == 1
        hit = load("vector", fresh=True)
        assert hit.from_cache and len(hit.program) == 1
        (stored,) = cached_files(home)
        before = stored.read_bytes()
        write(12)
        rebuilt = load("vector", fresh=True)
        assert not rebuilt.from_cache and len(rebuilt.program) == 12
        assert stored.read_bytes() == before
    finally:
        sys.modules.pop("cache_edited_mod", None)
