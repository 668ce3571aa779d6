"""Where each slot of a program was made: the chain of the kernel's own frames that built
its tuple, recorded while the kernel builds.

The kernel's modules (files under its folder, bar the machine it imports as `problem`)
are compiled through an import hook that rewrites every tuple and list display `(a, b)`
into a call that records the live frame chain for the object it made, keyed by its id
(the object is kept alive, so no other object can take that id while the build runs).
Only the frames of the kernel's own files are kept, innermost first: a helper emitter
called from forty lines gives forty chains. Walking the frames is paid once per display
that looks like a slot (a non-empty tuple or list led by a string), far cheaper than
asking tracemalloc for deep tracebacks of every allocation.

A display of constants only (`("pause",)`) is compiled once into one shared object; the
rewrite makes it a fresh copy each time it runs, so each use has its own place.

Slots made without a display are recorded too (see _Rewrite): a helper's `*args` as it
starts, `tuple(x)` / `list(x)` copies (with the chain of what they copy), and the value
of any call when it looks like a slot no line recorded. Libraries of the user's own
outside the kernel's folder go through the same rewrite, their frames left out of the
chains, so what they make maps to the kernel's line that called them.

Loaded by file path in the build's child process (see `child.py`), so it imports nothing
from vliwdbg.
"""

from __future__ import annotations

import ast
import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import sys
from array import array
from collections.abc import Callable, Iterable, Mapping
from types import CodeType, FrameType
from typing import Any

_getframe = sys._getframe
#: Code flags of frames that can be suspended and resumed from another caller.
_RESUMABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
#: How many frames _chain remembers before it starts again.
_KNOWN_FRAMES = 256

#: The names the rewritten displays call, put in builtins for the build.
RECORD = "__vliwdbg_made__"
RECORD_FRESH = "__vliwdbg_made_fresh__"
RECORD_RESULT = "__vliwdbg_made_by_call__"
RECORD_ARGS = "__vliwdbg_made_by_packing__"
RECORD_CONVERTED = "__vliwdbg_made_by_conversion__"


#: First elements of a display that cannot lead a slot (not a string).
_NOT_AN_OP = (
    ast.Tuple,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
)


class _Rewrite(ast.NodeTransformer):
    """Where the kernel's code can make a slot, a call that records it:
    - a tuple or list display in a load context becomes RECORD(display), or
      RECORD_FRESH(display) when it holds constants only. Left as they are: displays led by
      something that is not a string (a number, a tuple), and (engine, slot) pairs such as
      `("alu", (op, d, a, b))`, which name a slot made apart: no slot has two elements and
      an engine's name for its op;
    - a function taking `*args` records that tuple as it starts (after its docstring): a
      helper emitter `def vop(*slot)` makes its slot by the call's packing;
    - a call whose value is used becomes RECORD_RESULT(call), which records a slot-like
      result no one recorded yet: a slot made by a C function or by a library outside the
      kernel's folder, mapped to the line that called it. A call that is a statement of
      its own is left alone (its value goes nowhere);
    - `tuple(x)` and `list(x)` become RECORD_CONVERTED(tuple, x): the copy of a slot
      keeps the chain of the slot it copies (a list the caller wrote as a display, turned
      into a tuple by a helper or a scheduler), else it is recorded where it is made.

    `tracked` False is for a library outside the kernel's folder: its frames are no part of
    any chain, so its `*args` are recorded as any display is, at the kernel's line that
    called it."""

    def __init__(self, engines: frozenset[str], tracked: bool = True) -> None:
        self._engines = engines
        self._tracked = tracked
        #: Lines of one-statement functions that pass their own parameters on (see
        #: _forwarding_line).
        self.forwarding: set[int] = set()
        self._args_record = RECORD_ARGS if tracked else RECORD

    def _wrap(self, node: ast.Tuple | ast.List) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load) or not node.elts:
            return node
        first = node.elts[0]
        if isinstance(first, _NOT_AN_OP) or (
            isinstance(first, ast.Constant) and type(first.value) is not str
        ):
            return node
        if len(node.elts) == 2 and isinstance(first, ast.Constant) and first.value in self._engines:
            return node
        constant = isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts)
        return _called(RECORD_FRESH if constant else RECORD, node)

    visit_Tuple = _wrap
    visit_List = _wrap

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if isinstance(node.value, ast.Call):
            node.value = self._visit_call(node.value)
        else:
            self.generic_visit(node)
        return node

    def _visit_call(self, node: ast.Call) -> ast.Call:
        """The call's parts visited, the call itself left unwrapped."""
        node.func = self.visit(node.func)
        node.args = [self.visit(a) for a in node.args]
        for keyword in node.keywords:
            keyword.value = self.visit(keyword.value)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self._visit_call(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in _NEVER_SLOTS:
            return node
        if (
            isinstance(func, ast.Name)
            and func.id in ("tuple", "list")
            and len(node.args) == 1
            and not isinstance(node.args[0], ast.Starred)
            and not node.keywords
        ):
            call = ast.Call(ast.Name(RECORD_CONVERTED, ast.Load()), [func, node.args[0]], [])
            return ast.copy_location(call, node)
        return _called(RECORD_RESULT, node)

    def _entry(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        forwarding = _forwarding_line(node)
        if forwarding is not None:
            self.forwarding.add(forwarding)
        self.generic_visit(node)
        vararg = node.args.vararg
        if vararg is not None:
            record = ast.Expr(_called(self._args_record, ast.Name(vararg.arg, ast.Load())))
            for part in ast.walk(record):
                ast.copy_location(part, node)
            node.body.insert(1 if _has_docstring(node.body) else 0, record)
        return node

    visit_FunctionDef = _entry
    visit_AsyncFunctionDef = _entry

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)
        vararg = node.args.vararg
        if vararg is not None:
            name = ast.copy_location(ast.Name(vararg.arg, ast.Load()), node)
            record = ast.copy_location(_called(self._args_record, name), node)
            both = ast.copy_location(ast.Tuple([record, node.body], ast.Load()), node)
            one = ast.copy_location(ast.Constant(1), node)
            node.body = ast.copy_location(ast.Subscript(both, one, ast.Load()), node)
        return node


def _has_docstring(body: list[ast.stmt]) -> bool:
    first = body[0] if body else None
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def _forwarding_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int | None:
    """The line of the one statement of a function that only passes its own parameters
    (and constants) on to another call, `def vop(self, op, d, a, b): self.emit("valu", op,
    d, a, b)`: a slot packed there was written by the line that called the function."""
    body = node.body[1:] if _has_docstring(node.body) else node.body
    if len(body) != 1 or not isinstance(body[0], ast.Expr | ast.Return):
        return None
    call = body[0].value
    if not isinstance(call, ast.Call):
        return None
    args = node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}

    def passed(value: ast.expr) -> bool:
        if isinstance(value, ast.Starred):
            value = value.value
        return isinstance(value, ast.Constant) or (isinstance(value, ast.Name) and value.id in params)

    if all(passed(a) for a in call.args) and all(passed(k.value) for k in call.keywords):
        return call.lineno
    return None


#: Builtins whose value is never a slot: their calls are not wrapped.
_NEVER_SLOTS = frozenset(
    {
        "range",
        "len",
        "int",
        "str",
        "bool",
        "isinstance",
        "enumerate",
        "zip",
        "min",
        "max",
        "sum",
        "abs",
        "super",
        "print",
        "dict",
        "set",
        "sorted",
        "reversed",
        "iter",
        "next",
        "hasattr",
        "getattr",
        "id",
        "type",
        "format",
        "repr",
        "hash",
        "divmod",
        "float",
        "any",
        "all",
        "map",
        "filter",
        "frozenset",
    }
)


def _called(name: str, node: ast.expr) -> ast.Call:
    return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), [node], []), node)


def rewrite(
    source: str,
    filename: str,
    engines: frozenset[str] = frozenset(),
    tracked: bool = True,
    forwarding: set[int] | None = None,
) -> CodeType:
    """The module's code recording where it makes slots (`engines`: the machine's engine
    names; `tracked`: see _Rewrite); the lines of its forwarding one-statement functions
    are added to `forwarding`."""
    rewriter = _Rewrite(engines, tracked)
    tree = rewriter.visit(ast.parse(source, filename))
    if forwarding is not None:
        forwarding |= rewriter.forwarding
    ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", dont_inherit=True)


class Recorder:
    """The frame chains of the slot-like objects the kernel's code makes, and the texts of
    the files it compiled."""

    def __init__(
        self, owns: Callable[[str], bool], show: Callable[[str], str], engines: Iterable[str] = ()
    ) -> None:
        self._owns = owns
        self._show = show
        self.engines = frozenset(engines)
        #: id(obj) -> (obj, chain number): obj is held so that its id stays its own.
        self.made: dict[int, tuple[object, int]] = {}
        #: chain (id(code), line, id(code), line, ..., innermost first) -> its number.
        self.chains: dict[tuple, int] = {}
        #: id(code) -> whether it is the kernel's own; the own ones in _codes.
        self._owned_code: dict[int, bool] = {}
        self._codes: dict[int, CodeType] = {}
        #: id(frame) -> (frame, the chain above it) for frames walked lately (see _chain).
        self._above: dict[int, tuple[FrameType, tuple]] = {}
        #: The last frame that recorded, when its callers are known: the next record from
        #: it (a loop making slots) reads only its line.
        self._last_frame: Any = None
        self._first_walked: Any = None
        self._last_code = 0
        self._last_tail: tuple = ()
        #: The text of every file compiled through the hook, by its real path.
        self.texts: dict[str, str] = {}
        #: By real path, the lines where a one-statement function passes its parameters on.
        self.forwarding: dict[str, set[int]] = {}

    def record(self, obj: Any) -> Any:
        if not obj or type(obj[0]) is not str:
            return obj
        return self._record(obj, _getframe(1))

    def record_result(self, obj: Any) -> Any:
        """A call's value, recorded at the calling line when it looks like a slot and no
        line recorded it before (the line that made it says more than the one that got
        it). Subclasses count: a namedtuple can be a slot."""
        kind = type(obj)
        if (kind is tuple or kind is list or isinstance(obj, tuple | list)) and obj and type(obj[0]) is str:
            entry = self.made.get(id(obj))
            if entry is None or entry[0] is not obj:
                self._record(obj, _getframe(1))
        return obj

    def record_args(self, obj: Any) -> Any:
        """A function's `*args`, recorded as it starts: its frame is marked (its line
        negated in the key) as one that received the slot from the line that called it."""
        if not obj or type(obj[0]) is not str:
            return obj
        frame = _getframe(1)
        key = self._chain(frame)
        if key and key[0] == id(frame.f_code):
            key = (key[0], -key[1], *key[2:])
        return self._keep(obj, key)

    def record_converted(self, convert: Callable[[Any], Any], obj: Any) -> Any:
        """`convert(obj)` (tuple or list, or whatever the kernel's code binds those names
        to), which keeps obj's chain when obj was recorded."""
        made = convert(obj)
        kind = type(made)
        if (kind is tuple or kind is list) and made and type(made[0]) is str:
            entry = self.made.get(id(made))
            if entry is None or entry[0] is not made:
                source = self.made.get(id(obj))
                if source is not None and source[0] is obj:
                    self.made[id(made)] = (made, source[1])
                else:
                    self._record(made, _getframe(1))
        return made

    def _record(self, obj: Any, frame: FrameType) -> Any:
        if frame is self._last_frame:
            key = (self._last_code, frame.f_lineno, *self._last_tail)
        else:
            key = self._chain(frame)
        return self._keep(obj, key)

    def _keep(self, obj: Any, key: tuple) -> Any:
        number = self.chains.get(key)
        if number is None:
            number = self.chains[key] = len(self.chains)
        self.made[id(obj)] = (obj, number)
        return obj

    def _chain(self, frame: FrameType | None) -> tuple:
        """The kernel's own frames from `frame` out, as (id(code), line, ...). The walk ends
        at a frame seen before whose callers are known: while a frame stays on the stack,
        every frame above it stays at the same line, so only the frames below it need be
        read again. A generator's frame can be resumed from anywhere, so its callers are
        never kept."""
        owned = self._owned_code
        known = self._above
        self._first_walked = frame
        parts: list[int] = []
        seen: list[tuple[FrameType, int]] = []
        tail: tuple = ()
        while frame is not None:
            code = frame.f_code
            own = owned.get(id(code))
            if own is None:
                own = owned[id(code)] = self._first_sight(code)
            if own:
                parts.append(id(code))
                parts.append(frame.f_lineno)
            hit = known.get(id(frame))
            if hit is not None and hit[0] is frame:
                tail = hit[1]
                break
            if not code.co_flags & _RESUMABLE:
                seen.append((frame, len(parts)))
            frame = frame.f_back
        if seen:
            first, end = seen[0]
            if end == 2 and parts and first is self._first_walked:
                self._last_frame, self._last_code = first, parts[0]
                self._last_tail = tuple(parts[2:]) + tail
            if len(known) > _KNOWN_FRAMES:
                known.clear()
            for seen_frame, end in seen:
                known[id(seen_frame)] = (seen_frame, tuple(parts[end:]) + tail)
        return tuple(parts) + tail if tail else tuple(parts)

    def _first_sight(self, code: CodeType) -> bool:
        """Whether a code object is the kernel's own; the owned ones are held (their ids
        stand for them in the chains)."""
        name = code.co_filename
        if name.startswith("<") or not self._owns(name):
            return False
        self._codes[id(code)] = code
        return True

    def record_fresh(self, obj: tuple) -> tuple:
        return self._record(tuple([*obj]), _getframe(1))

    def install(self) -> None:
        """Give the rewritten code the names it calls."""
        setattr(builtins, RECORD, self.record)
        setattr(builtins, RECORD_FRESH, self.record_fresh)
        setattr(builtins, RECORD_RESULT, self.record_result)
        setattr(builtins, RECORD_ARGS, self.record_args)
        setattr(builtins, RECORD_CONVERTED, self.record_converted)

    def source_map(self, instrs: Iterable[Mapping[str, Iterable[object]]]) -> dict:
        """The map of a built program, as plain data: `files` (relative to the kernel's
        folder), `texts` (each file as compiled), `frames` ((file number, line, function)),
        `chains` (frame numbers, innermost first) and `slots` (an array of chain numbers in
        program order, bundle by bundle, engine by engine as the bundle's dict lists them,
        -1 for a slot no kernel code made). `mapped` counts the slots with a chain;
        `entries` lists the chains whose innermost frame took the slot as `*args` (the
        line that made it is the next frame's), `forwarding` the frames on a line where a
        one-statement function passes its parameters on (see _forwarding_line)."""
        made = self.made
        by_number = {number: key for key, number in self.chains.items()}
        renumbered: dict[int, int] = {}
        keys: list[tuple] = []
        slots = array("i")
        append = slots.append
        mapped = 0
        for bundle in instrs:
            for engine_slots in bundle.values():
                for slot in engine_slots:
                    entry = made.get(id(slot))
                    if entry is None or entry[0] is not slot or not by_number[entry[1]]:
                        append(-1)
                        continue
                    number = renumbered.get(entry[1])
                    if number is None:
                        number = renumbered[entry[1]] = len(keys)
                        keys.append(by_number[entry[1]])
                    append(number)
                    mapped += 1
        frame_numbers: dict[tuple[str, int, str], int] = {}
        file_numbers: dict[str, int] = {}
        chains: list[list[int]] = []
        entries = [number for number, key in enumerate(keys) if key[1] < 0]
        forwarding: set[int] = set()
        forwards_of: dict[int, set[int]] = {}
        for key in keys:
            chain = []
            for k in range(0, len(key), 2):
                code, line = self._codes[key[k]], abs(key[k + 1])
                shown = self._show(code.co_filename)
                file_numbers.setdefault(shown, len(file_numbers))
                number = frame_numbers.setdefault((shown, line, code.co_name), len(frame_numbers))
                chain.append(number)
                forwards = forwards_of.get(key[k])
                if forwards is None:
                    real = os.path.realpath(code.co_filename)
                    forwards = forwards_of[key[k]] = self.forwarding.get(real, set())
                if line in forwards:
                    forwarding.add(number)
            chains.append(chain)
        texts = {}
        for real, text in self.texts.items():
            shown = self._show(real)
            if shown in file_numbers:
                texts[shown] = text
        return {
            "files": list(file_numbers),
            "texts": texts,
            "frames": [(file_numbers[f], line, func) for (f, line, func) in frame_numbers],
            "chains": chains,
            "slots": slots.tobytes(),
            "mapped": mapped,
            "entries": entries,
            "forwarding": sorted(forwarding),
        }


class _RewritingLoader(importlib.machinery.SourceFileLoader):
    recorder: Recorder
    #: False for a library outside the kernel's folder (see _Rewrite).
    tracked = True

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        data = self.get_data(path)
        text = importlib.util.decode_source(data)
        if not self.tracked:
            return rewrite(text, path, self.recorder.engines, False)
        real = os.path.realpath(path)
        self.recorder.texts[real] = text
        forwarding = self.recorder.forwarding.setdefault(real, set())
        return rewrite(text, path, self.recorder.engines, True, forwarding)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds modules as the path finder does, and hands the kernel's own, and the
    libraries it imports from outside its folder, to the rewriting loader."""

    def __init__(
        self, recorder: Recorder, rewrites: Callable[[str], bool], outside: Callable[[str], bool]
    ) -> None:
        self._recorder = recorder
        self._rewrites = rewrites
        self._outside = outside

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        if not spec.origin:
            return spec
        tracked = self._rewrites(spec.origin)
        if not tracked and not self._outside(spec.origin):
            return spec
        loader = _RewritingLoader(fullname, spec.origin)
        loader.recorder = self._recorder
        loader.tracked = tracked
        spec.loader = loader
        return spec


def hook(
    recorder: Recorder, rewrites: Callable[[str], bool], outside: Callable[[str], bool] = lambda _: False
) -> None:
    """Compile the modules `rewrites` accepts (by file path) through the recorder, from the
    next import on; and the libraries `outside` accepts, which the kernel's code calls to
    make slots, with their displays only."""
    recorder.install()
    sys.meta_path.insert(0, _Finder(recorder, rewrites, outside))


def load_rewritten(recorder: Recorder, name: str, path: str) -> Any:
    """Import the kernel file itself (not found through sys.path) through the recorder."""
    loader = _RewritingLoader(name, path)
    loader.recorder = recorder
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
