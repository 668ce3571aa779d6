"""Building a kernel, and the plain-data rules its program must meet to leave the builder.

Run as a script (`python -P child.py REQUEST_JSON`), it builds one user kernel file in
a process of its own: a kernel's code can rebind anything in the module it imports as
`problem` (one seen in the wild rebinds `Machine.run` to report fewer cycles), so it must
never share a process with the machine the debugger runs. Only plain data (lists, dicts,
tuples, ints, strs) crosses back, pickled on the original stdout; the kernel's own prints
go to stderr so they cannot corrupt that channel.

Imported (by `vliwdbg.loading.loader`), it offers the same building steps for the kernels we ship,
which are trusted and built in-process, and the plain-data rules the loader checks again on
receipt. It imports nothing from vliwdbg, so the child starts without the debugger.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import marshal
import operator
import os
import pickle
import re
import sys
import sysconfig
import time
import traceback
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

#: The module names take-home kernel files import their machine under.
MACHINE_ALIASES = ("problem", "frozen_problem")


class ProgramShapeError(Exception):
    """The built program is not a list of dict bundles of plain slots; says which bundle."""


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a program's hundreds of thousands of small
    containers are made: it would scan them again and again for cycles they cannot have,
    doubling the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _kind(value: object) -> str:
    return f"a {type(value).__name__}"


def plain_program(instrs: object) -> list[dict[str, list[tuple]]]:
    """The program as plain data: a list of {engine: [slot tuple, ...]} dicts.

    Accepts what the take-home's machine accepts (lists or tuples, dict subclasses such as
    defaultdict, slots as lists, numpy-style integers) and normalises it; anything that is
    not data is refused with the bundle, engine and slot it sits in. Op names, arities and
    operand ranges are the machine's business, checked when it loads the program. Written
    for speed: a baseline-sized program has 200,000 bundles, and it is checked twice.
    """
    if not isinstance(instrs, list | tuple):
        raise ProgramShapeError(f"self.instrs is {_kind(instrs)}, not a list of bundles")
    program: list[dict[str, list[tuple]]] = []
    append = program.append
    for index, bundle in enumerate(instrs):
        if type(bundle) is not dict and not isinstance(bundle, Mapping):
            raise ProgramShapeError(f"bundle {index} is {_kind(bundle)}, not a dict of engine -> slots")
        plain: dict[str, list[tuple]] = {}
        for engine, slots in bundle.items():
            if type(engine) is not str:
                if not isinstance(engine, str):
                    raise ProgramShapeError(f"bundle {index}: engine name {engine!r} is not a string")
                engine = str(engine)
            if type(slots) is not list and not isinstance(slots, tuple | list):
                raise ProgramShapeError(f"bundle {index}, {engine}: slots are {_kind(slots)}, not a list")
            plain[engine] = [
                slot if type(slot) is tuple and _is_flat(slot) else _plain_slot(slot, index, engine, k)
                for k, slot in enumerate(slots)
            ]
        append(plain)
    return program


def _is_flat(slot: tuple) -> bool:
    """Whether a slot is already plain: ints and strs, or tuples of them (compare keys)."""
    for x in slot:
        kind = type(x)
        if kind is not int and kind is not str:
            if kind is not tuple:
                return False
            for y in x:
                if type(y) is not int and type(y) is not str:
                    return False
    return True


def _plain_slot(slot: object, index: int, engine: str, k: int) -> tuple:
    where = f"bundle {index}, {engine} slot {k}"
    if not isinstance(slot, tuple | list):
        raise ProgramShapeError(f"{where} is {_kind(slot)}, not a tuple")
    try:
        return tuple(_plain_value(x, where) for x in slot)
    except RecursionError:
        raise ProgramShapeError(f"{where} nests too deeply") from None


def _plain_value(value: object, where: str) -> Any:
    kind = type(value)
    if kind is int or kind is str or kind is float or value is None:
        return value
    if isinstance(value, tuple | list):
        return tuple(_plain_value(x, where) for x in value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return float(value)
    if hasattr(kind, "__index__"):
        return operator.index(value)
    raise ProgramShapeError(f"{where} holds {_kind(value)} object, not plain data (int, str or tuple)")


def plain_scratch_map(obj: object) -> tuple[dict[int, tuple[str, int]], list[str]]:
    """The scratch map as {addr: (name, length)}, and notes on what had to be dropped.

    Names are a convenience, never a reason to refuse a kernel: malformed entries are
    skipped and said so.
    """
    if obj is None:
        return {}, []
    if not isinstance(obj, Mapping):
        return {}, [f"scratch_map is {_kind(obj)}, not a dict: no scratch names"]
    result: dict[int, tuple[str, int]] = {}
    skipped = 0
    for addr, entry in obj.items():
        try:
            name, length = entry
            addr, length = operator.index(addr), operator.index(length)
        except (TypeError, ValueError):
            skipped += 1
            continue
        if name is None or addr < 0 or length < 1:
            skipped += 1
            continue
        result[addr] = (str(name), length)
    notes = [f"{skipped} scratch_map entries are not (name, length) and were skipped"] if skipped else []
    return result, notes


class Where:
    """Turns an exception into one line that points into the user's own files.

    `display` is the kernel file as the user named it; files under `folder` are theirs,
    except `excluded` folders (our own packages, installed libraries).
    """

    def __init__(self, path: str, display: str, folder: str, excluded: tuple[str, ...] = ()) -> None:
        self.path = os.path.realpath(path)
        self.display = display
        self.folder = os.path.realpath(folder)
        self.excluded = tuple(os.path.realpath(p) + os.sep for p in excluded)

    def owns(self, filename: str | None) -> bool:
        if not filename:
            return False
        real = os.path.realpath(filename)
        if not real.startswith(self.folder + os.sep) or real.startswith(self.excluded):
            return False
        parts = real.split(os.sep)
        return "site-packages" not in parts and "dist-packages" not in parts

    def show(self, filename: str) -> str:
        real = os.path.realpath(filename)
        if real == self.path:
            return self.display
        return os.path.join(os.path.dirname(self.display), os.path.relpath(real, self.folder))

    def place(self, exc: BaseException) -> str:
        """Where the exception points in the user's files: "file:line", or the kernel file."""
        if isinstance(exc, SyntaxError) and self.owns(exc.filename):
            assert exc.filename is not None
            return f"{self.show(exc.filename)}:{exc.lineno}"
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if self.owns(f.filename)]
        if not frames:
            return self.display
        return f"{self.show(frames[-1].filename)}:{frames[-1].lineno}"

    def describe(self, exc: BaseException, phase: str, detail: str | None = None) -> str:
        """One line: the place, what was being done, and the exception (or `detail`)."""
        place = self.place(exc)
        if detail is not None:
            line = f"{place}: {detail}"
        elif isinstance(exc, SyntaxError) and self.owns(exc.filename):
            line = f"{place}: syntax error: {exc.msg}"
        else:
            line = f"{place}: {phase} failed: {type(exc).__name__}"
            text = _first_line(exc)
            if text:
                line += f": {text}"
        if not place.startswith(self.display + ":") and place != self.display:
            line += f" (loading {self.display})"
        return line


def _first_line(exc: BaseException, limit: int = 200) -> str:
    try:
        lines = str(exc).strip().splitlines()
    except Exception:
        return ""
    text = lines[0] if lines else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def missing_machine_name(exc: BaseException, machine: ModuleType) -> str | None:
    """The name a kernel wanted from `problem` that our machine lacks, if that is why it failed."""
    if isinstance(exc, ImportError) and not isinstance(exc, ModuleNotFoundError):
        if exc.name in (*MACHINE_ALIASES, machine.__name__):
            found = re.search(r"cannot import name '([^']+)'", str(exc))
            return found.group(1) if found else None
        return None
    if isinstance(exc, AttributeError) and getattr(exc, "obj", None) is machine:
        return exc.name
    return None


def run_builder(
    module: ModuleType,
    args: tuple[int, int, int, int],
    where: Where,
    fail: Any,
    mapper: Any = None,
) -> dict:
    """Build with the module's KernelBuilder as the take-home's harness does, and return
    {"ok": True, "program", "scratch_map", "notes"}; `fail(exc, phase)` turns an exception
    into the failure result. `mapper(instrs)`, when given, adds "source": the source map
    of the program as built (see capture.py)."""
    builder_class = getattr(module, "KernelBuilder", None)
    if builder_class is None:
        return {"ok": False, "error": f"{where.display}: defines no class KernelBuilder"}
    try:
        builder = builder_class()
    except BaseException as exc:
        return fail(exc, "KernelBuilder()")
    build = getattr(builder, "build_kernel", None)
    if not callable(build):
        return {"ok": False, "error": f"{where.display}: KernelBuilder has no build_kernel method"}
    try:
        build(*args)
    except BaseException as exc:
        return fail(exc, "build_kernel")
    if not hasattr(builder, "instrs"):
        return {"ok": False, "error": f"{where.display}: build_kernel did not set self.instrs"}
    try:
        with paused_gc():
            program = plain_program(builder.instrs)
    except ProgramShapeError as exc:
        return {"ok": False, "error": f"{where.display}: {exc}"}
    scratch_map, notes = _scratch_names(builder, where)
    result = {"ok": True, "program": program, "scratch_map": scratch_map, "notes": notes}
    if mapper is not None:
        result["source"] = mapper(builder.instrs)
    return result


def _scratch_names(builder: object, where: Where) -> tuple[dict[int, tuple[str, int]], list[str]]:
    debug_info = getattr(builder, "debug_info", None)
    if not callable(debug_info):
        return {}, ["the kernel has no debug_info(): no scratch names"]
    try:
        info = debug_info()
    except Exception as exc:
        return {}, [f"no scratch names: {where.describe(exc, 'debug_info()')}"]
    if info is None:
        return {}, ["debug_info() returned None: no scratch names"]
    scratch_map = info if isinstance(info, Mapping) else getattr(info, "scratch_map", None)
    if scratch_map is None:
        return {}, ["debug_info() gave no scratch_map: no scratch names"]
    names, notes = plain_scratch_map(scratch_map)
    if not names and not notes:
        notes = ["debug_info() gave an empty scratch map: no scratch names"]
    return names, notes


def import_file(path: str, recorder: Any = None) -> ModuleType:
    """Import a kernel file under its own name, as `from perf_takehome import ...` would;
    through `recorder` (see capture.py) when mapping its sources."""
    name = os.path.splitext(os.path.basename(path))[0]
    if not name.isidentifier() or name in sys.modules:
        name = "_vliwdbg_kernel_" + re.sub(r"\W", "_", name)
    if recorder is not None:
        return sys.modules["_vliwdbg_capture"].load_rewritten(recorder, name, path)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def _has_module(folder: str, name: str) -> bool:
    return os.path.isfile(os.path.join(folder, name + ".py")) or os.path.isfile(
        os.path.join(folder, name, "__init__.py")
    )


def build_file(request: dict) -> dict:
    """Build the kernel file the request names, with `problem` answered by our machine (or,
    when `own_problem`, by the kernel's own problem.py), and return the plain result."""
    root, path, display = request["root"], request["path"], request["display"]
    args = tuple(request["args"])
    folder = os.path.dirname(path)
    sys.path.insert(0, root)
    import machine

    sys.path.remove(root)
    sys.path.append(root)
    own = {n for n in MACHINE_ALIASES if request["own_problem"] and _has_module(folder, n)}
    for name in MACHINE_ALIASES:
        if name not in own:
            sys.modules[name] = machine
    sys.path.insert(0, folder)
    os.chdir(folder)
    sys.argv = [path]
    where = Where(path, display, folder, (os.path.join(root, "machine"), os.path.join(root, "vliwdbg")))

    def fail(exc: BaseException, phase: str) -> dict:
        missing = None if own else missing_machine_name(exc, machine)
        if missing is None:
            return {"ok": False, "error": where.describe(exc, phase)}
        if any(_has_module(folder, n) for n in MACHINE_ALIASES):
            return {"ok": False, "error": where.describe(exc, phase), "missing": missing}
        detail = (
            f"uses {missing} from problem, which vliwdbg's machine does not define (no problem.py beside it)"
        )
        return {"ok": False, "error": where.describe(exc, phase, detail)}

    recorder = None
    if request.get("map_sources"):
        capture = _capture_module()
        machine_files = {os.path.join(os.path.realpath(folder), n + ".py") for n in MACHINE_ALIASES}

        def show(filename: str) -> str:
            return os.path.relpath(os.path.realpath(filename), where.folder)

        def rewrites(filename: str) -> bool:
            return where.owns(filename) and os.path.realpath(filename) not in machine_files

        def outside(filename: str) -> bool:
            return _a_library_of_the_users(filename, where)

        engines = importlib.import_module("machine.isa").SLOT_LIMITS
        recorder = capture.Recorder(where.owns, show, engines)
        capture.hook(recorder, rewrites, outside)
    try:
        module = import_file(path, recorder)
    except BaseException as exc:
        return fail(exc, "import")
    result = run_builder(module, args, where, fail, None if recorder is None else recorder.source_map)
    if recorder is not None and result["ok"]:
        result["digest"] = program_digest(result.pop("program"))
    return result


def _a_library_of_the_users(filename: str, where: Where) -> bool:
    """Whether a module outside the kernel's folder is one the user keeps (a folder of
    helpers put on sys.path), whose slots the map follows back to the kernel's lines; not
    the standard library, installed packages, or our own machine and debugger."""
    real = os.path.realpath(filename)
    if real.startswith((where.folder + os.sep, *where.excluded)):
        return False
    parts = real.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return False
    return not real.startswith(_STDLIB)


#: The standard library's folders, which no kernel's slot is made in.
_STDLIB = tuple(os.path.realpath(sysconfig.get_path(name)) + os.sep for name in ("stdlib", "platstdlib"))


def program_digest(program: list[dict[str, list[tuple]]]) -> str:
    """A digest of a plain program that two processes compute alike: marshal's version 0
    writes neither references nor interning, which depend on the process."""
    with paused_gc():
        return hashlib.sha256(marshal.dumps(program, 0)).hexdigest()


def _capture_module() -> ModuleType:
    """capture.py, beside this file, loaded by its path: importing it as part of vliwdbg
    would import the debugger, and putting this folder on sys.path would let its module
    names shadow the kernel's."""
    here = os.path.join(os.path.dirname(os.path.realpath(__file__)), "capture.py")
    spec = importlib.util.spec_from_file_location("_vliwdbg_capture", here)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    request = json.loads(sys.argv[1])
    result_fd = os.dup(1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    started = time.perf_counter()
    result = build_file(request)
    result["seconds"] = time.perf_counter() - started
    try:
        with paused_gc():
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        data = pickle.dumps({"ok": False, "error": f"{request['display']}: result cannot be sent: {exc}"})
    with os.fdopen(result_fd, "wb") as channel:
        channel.write(data)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # Skip interpreter shutdown: a kernel's leftover threads or atexit hooks must not hold
    # the debugger up once its program is out.
    os._exit(0)


if __name__ == "__main__":
    main()
