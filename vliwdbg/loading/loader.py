"""Loading kernels: ours by name, a user's take-home-style file by path.

A user's file is built in a child process (see `vliwdbg.loading.child`), the way its author runs it:
its folder on sys.path and as the working directory, `import problem` and `import
frozen_problem` answered by our `machine`. Nothing of it survives in the debugger's process
but its program and scratch names as plain data, checked again here, so no kernel can reach
the machine the session runs. A kernel that needs names only its own modified problem.py
defines is built again with that problem.py, and a note says so.

The kernels we ship are trusted and built in-process, which keeps opening a session cheap;
what they build is cached across runs (see `build_cache`), so a launch usually reads the
default kernel's program back instead of building it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from machine.problem import ProblemSize
from vliwdbg.cancel import Cancel, Cancelled
from vliwdbg.loading import cache as build_cache
from vliwdbg.loading.child import (
    ProgramShapeError,
    Where,
    paused_gc,
    plain_program,
    plain_scratch_map,
    run_builder,
)

#: The kernels we ship: the name users type -> the module under kernels/.
OUR_KERNELS = {
    "three-lane": "kernels.three_lane",
    "baseline": "kernels.baseline",
    "vector": "kernels.vector",
}
DEFAULT_KERNEL = "three-lane"

_ROOT = Path(__file__).resolve().parents[2]
_CHILD = Path(__file__).resolve().with_name("child.py")
#: How often a build in a child process looks whether it was interrupted, in seconds.
_POLL_SECONDS = 0.05


@dataclass
class LoadedKernel:
    name: str
    path: str | None
    program: list[dict]
    scratch_map: dict[int, tuple[str, int]]
    notes: list[str] = field(default_factory=list)
    build_seconds: float = 0.0
    #: Read back from the build cache rather than built (build_seconds is then the read).
    from_cache: bool = False
    #: How to build it again to map its sources (see vliwdbg.loading.sources); None when
    #: it came as a program.
    source_request: dict | None = None


class KernelLoadError(Exception):
    """A kernel that cannot be loaded; str() is one line naming the file and the line or
    the bundle at fault."""


def kernel_spec(kernel: LoadedKernel) -> str:
    """What `load_kernel` takes to build this kernel again: ours by name, a file by its
    absolute path (a kernel handed over as a program, with no path, by its name)."""
    if kernel.name in OUR_KERNELS or kernel.path is None:
        return kernel.name
    return kernel.path


def load_kernel(
    spec: str | None,
    size: ProblemSize,
    *,
    timeout: float = 120.0,
    fresh: bool = False,
    cancel: Cancel | None = None,
) -> LoadedKernel:
    """Build a kernel for a problem of this size (the seed plays no part in a build).

    `spec` is None (the default, three-lane), the name of one of ours (three-lane,
    baseline, vector), or the path to a kernel file; a name with a slash or ending in .py
    is always a path. A file is built afresh each time; one of ours is imported once, and
    imported again with `fresh` (a kernel edited since: its own module, not the helpers it
    imports), and what it builds is cached across runs (see `build_cache`; any edit to our
    sources misses). `cancel` is polled during a file's build; it stops the build. Raises
    KernelLoadError.
    """
    args = size.build_args()
    started = time.perf_counter()
    name = DEFAULT_KERNEL if spec is None else spec
    ours = name.replace("_", "-")
    if ours in OUR_KERNELS and not _looks_like_path(name):
        kernel = _load_ours(ours, args, fresh)
    else:
        kernel = _load_file(name, args, timeout, cancel)
    kernel.build_seconds = time.perf_counter() - started
    return kernel


def _looks_like_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or os.sep in spec


def _load_ours(name: str, args: tuple[int, int, int, int], fresh: bool) -> LoadedKernel:
    module_name = OUR_KERNELS[name]
    file_name = module_name.replace(".", "/") + ".py"
    where = Where(str(_ROOT / file_name), file_name, str(_ROOT / "kernels"))
    # Found without importing the kernel, so that a hit costs none of its imports.
    module_file = _module_file(module_name)
    entry = (
        None if module_file is None else build_cache.Entry.for_kernel(name, Path(module_file), args, _ROOT)
    )
    if entry is not None:
        cached = entry.read()
        if cached is not None:
            return LoadedKernel(
                name,
                module_file,
                cached.program,
                cached.scratch_map,
                cached.notes,
                from_cache=True,
                source_request=_our_source_request(name, module_file, file_name, args),
            )

    def fail(exc: BaseException, phase: str) -> dict:
        return {"ok": False, "error": where.describe(exc, phase)}

    try:
        loaded = sys.modules.get(module_name)
        module = importlib.reload(loaded) if fresh and loaded else importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise KernelLoadError(f"{name}: this kernel is not available ({file_name} is missing)") from None
        raise KernelLoadError(where.describe(exc, "import")) from None
    except Exception as exc:
        raise KernelLoadError(where.describe(exc, "import")) from None
    result = run_builder(module, args, where, fail)
    if not result["ok"]:
        raise KernelLoadError(result["error"])
    program, scratch_map, notes = result["program"], result["scratch_map"], result["notes"]
    if entry is not None:
        entry.write(build_cache.Build(program, scratch_map, notes))
    kernel = LoadedKernel(name, module.__file__, program, scratch_map, notes)
    if module.__file__:
        kernel.source_request = _our_source_request(name, module.__file__, file_name, args)
    return kernel


def _our_source_request(name: str, module_file: str, display: str, args: tuple[int, ...]) -> dict:
    """The request that maps one of our kernels: built as a user's file would be, its
    folder kernels/, and the build cache's entry to keep the map in."""
    request = _request(Path(module_file), display, args, False)
    request["ours"] = name
    return request


def _request(path: Path, display: str, args: tuple[int, ...], own_problem: bool) -> dict:
    return {
        "root": str(_ROOT),
        "path": str(path),
        "display": display,
        "args": list(args),
        "own_problem": own_problem,
    }


def _module_file(module_name: str) -> str | None:
    """The source file an import of `module_name` would run, or None if there is none."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    return spec.origin


def _load_file(
    spec: str, args: tuple[int, int, int, int], timeout: float, cancel: Cancel | None
) -> LoadedKernel:
    path = Path(spec).expanduser()
    if not path.exists():
        hint = "" if _looks_like_path(spec) else f" (the kernels we ship: {', '.join(OUR_KERNELS)})"
        raise KernelLoadError(f"{spec}: no such file{hint}")
    if path.is_dir():
        raise KernelLoadError(f"{spec}: is a folder, not a kernel file")
    path = path.resolve()
    deadline = time.monotonic() + timeout
    own_problem = False
    result = _build_in_child(path, spec, args, False, deadline, timeout, cancel)
    notes: list[str] = []
    if not result["ok"] and result.get("missing"):
        missing = result["missing"]
        own_problem = True
        result = _build_in_child(path, spec, args, True, deadline, timeout, cancel)
        own = os.path.join(os.path.dirname(spec), "problem.py")
        notes.append(f"built with the kernel's own {own}: it uses {missing}, which vliwdbg's machine lacks")
    if not result["ok"]:
        raise KernelLoadError(result["error"])
    try:
        with paused_gc():
            program = plain_program(result["program"])
        scratch_map, map_notes = plain_scratch_map(result["scratch_map"])
        notes += [str(n) for n in result["notes"]] + map_notes
    except (ProgramShapeError, KeyError, TypeError) as exc:
        raise KernelLoadError(f"{spec}: the build sent back a malformed result ({exc})") from None
    kernel = LoadedKernel(path.name, str(path), program, scratch_map, notes)
    kernel.source_request = _request(path, spec, args, own_problem)
    return kernel


def _build_in_child(
    path: Path,
    display: str,
    args: tuple[int, int, int, int],
    own_problem: bool,
    deadline: float,
    timeout: float,
    cancel: Cancel | None,
) -> dict:
    return build_request(_request(path, display, args, own_problem), deadline, timeout, cancel)


def build_request(request: dict, deadline: float, timeout: float, cancel: Cancel | None) -> dict:
    """Run child.py on `request` and return its checked result. Raises KernelLoadError.
    Every build runs with the same hash seed, so that a kernel iterating over a set builds
    the same program each time (its source map comes from a second build)."""
    path, display = Path(request["path"]), request["display"]
    try:
        proc = subprocess.Popen(
            [sys.executable, "-P", str(_CHILD), json.dumps(request)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=path.parent,
            start_new_session=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    except OSError as exc:
        raise KernelLoadError(f"{display}: cannot start the build process: {exc}") from None
    try:
        out, err = _wait(proc, deadline, cancel)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise KernelLoadError(f"{display}: building took longer than {timeout:g} s and was stopped") from None
    except Cancelled:
        _kill(proc)
        raise KernelLoadError(f"{display}: the build was interrupted") from None
    except BaseException:
        _kill(proc)
        raise
    if not out:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise KernelLoadError(
            f"{display}: the build process ended with status {proc.returncode} before sending a program "
            f"({last[0]})"
        )
    try:
        with paused_gc():
            result = _PlainUnpickler(io.BytesIO(out)).load()
    except Exception as exc:
        raise KernelLoadError(
            f"{display}: the build sent back something that is not plain data ({exc})"
        ) from None
    if not isinstance(result, dict) or not isinstance(result.get("ok"), bool):
        raise KernelLoadError(f"{display}: the build sent back a malformed result")
    if not result["ok"] and not isinstance(result.get("error"), str):
        raise KernelLoadError(f"{display}: the build failed without saying why")
    return result


def _wait(proc: subprocess.Popen, deadline: float, cancel: Cancel | None) -> tuple[bytes, bytes]:
    """The build's output, looking every _POLL_SECONDS whether the caller wants to stop
    (retrying `communicate` after its timeout loses no output)."""
    while True:
        left = max(0.0, deadline - time.monotonic())
        try:
            return proc.communicate(timeout=left if cancel is None else min(left, _POLL_SECONDS))
        except subprocess.TimeoutExpired:
            if cancel is None or deadline <= time.monotonic():
                raise
            if cancel():
                raise Cancelled from None


def _kill(proc: subprocess.Popen) -> None:
    """Stop the build and anything it started (it leads a process group of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles only built-in containers and scalars: any class or function is refused,
    so what the child sends back can only be data."""

    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"refused {module}.{name}")
