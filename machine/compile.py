"""Bundles compiled into straight-line Python, sharing the work between bundles of one shape.

A bundle's *shape* is the sequence of its (engine, op) slots in visiting order. The source
of a function for a shape is generated once, from the fixed templates below and nothing
else, and compiled; each bundle of that shape then gets a function object made from the
shared code with its own operands as the default values of extra parameters:

    def bundle(pc, s, m, k, d0=..., a0=..., b0=...):
        v0 = (s[a0] + s[b0]) & 4294967295
        s[d0] = v0
        return pc + 1

Python's compiler is slow (tens of microseconds a lane), so only light shapes get code of
their own, and only once a second bundle has the shape; a dense bundle, or the first of a
shape, is composed from shared slot code instead (`machine.compose`), which needs no
compiler.

No user text reaches the generated source: operands are validated ints passed as
defaults, compare keys are passed as default objects, and the op expressions come from
`machine.opexpr`. A bundle is compiled only if it cannot fault on its static operands
(checked here and in `machine.operands`, so no scratch range check is left at run time);
memory addresses and divisors are checked by Python itself (an IndexError or
ZeroDivisionError before any write) or by a bare read of the last word a store will write.
Whatever the exception, the engine asks `machine.diagnose` for the exact fault.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from machine import compose
from machine.isa import MASK, SLOT_LIMITS, VLEN, CoreState
from machine.operands import Unfit, integer, scalar, target_pc, vector
from machine.opexpr import ALU_EXPR, lane_expr

_M = str(MASK)
_LANES = range(VLEN)


class _Slot:
    """The generated pieces of one slot: parameters, reads, writes and control."""

    def __init__(self) -> None:
        self.params: list[str] = []
        self.compute: list[str] = []
        self.write_s: list[str] = []
        self.write_m: list[str] = []
        self.after: list[str] = []
        self.next_pc: str | None = None

    def param(self, name: str) -> str:
        self.params.append(name)
        return name


#: A shape with at most this many operand values (a full set of scalar slots, or one vector
#: slot and a few scalar ones) is cheap to compile and gains most from its own code (a
#: composed bundle pays a call per slot, as much as a scalar op costs), so it gets straight-line
#: code once `SHAPE_REPEATS` bundles have it (a one-slot shape at once). A heavier shape is
#: always composed (`machine.compose`): Python's compiler needs milliseconds for its lanes,
#: which a dense bundle would win back only after thousands of runs.
LIGHT_SHAPE = 64
SHAPE_REPEATS = 2

#: What `BundleCompiler.compile` gives when it was told not to generate new code.
WAIT = object()

#: The code of every shape generated so far, shared by all compilers (it depends on the
#: shape alone): a new program object of the same kernel, as a search loop makes, reuses it.
_SHAPES: dict[tuple, types.CodeType] = {}


class BundleCompiler:
    """Compiles bundles for one scratch size and one debug setting; caches code per shape.

    One-slot bundles repeat a lot (a scalar kernel reuses its registers), so their functions
    are also kept by content.
    """

    def __init__(self, scratch_size: int, debug: bool, globals_: dict[str, Any]) -> None:
        self.size = scratch_size
        self.debug = debug
        self.globals = globals_
        self.shapes = _SHAPES
        self._seen: dict[tuple, int] = {}
        #: (engine, slot) -> (function, the copy kept against changes) of one-slot bundles.
        self.by_content: dict[tuple, tuple[Callable, dict]] = {}
        self._lanes = tuple(range(scratch_size + VLEN))
        self._composer = compose.Composer(scratch_size, debug, globals_)

    def compile(self, bundle: Any, pc: int, new_code: bool = True) -> tuple[Callable, dict] | object | None:
        """A function for the bundle at pc and a copy of the bundle it was made from (equal
        one-slot bundles share theirs), or None when the bundle must stay interpreted. With
        new_code false, a bundle that would need new code generated (for its shape, a
        composed runner or a slot function) gives WAIT: Python's compiler is the slow part
        of compiling, and a caller may ration it."""
        content = bundle_content(bundle)
        if content is not None:
            known = self.by_content.get(content)
            if known is not None:
                return known
        try:
            if heavy(bundle, self.debug):
                return self.compose(bundle, pc, new_code)
            if not new_code:
                guess = self._shape_of(bundle)
                if guess is not None and guess not in self.shapes:
                    # Code would be needed: say so before paying for planning the operands.
                    seen = self._seen.get(guess, 0) + 1
                    if seen < SHAPE_REPEATS and len(guess) > 2:
                        self._seen[guess] = seen
                        return self.compose(bundle, pc, new_code)
                    return WAIT
            shape, values = self._plan(bundle, pc)
        except Exception:
            return None
        code = self.shapes.get(shape)
        if code is None:
            seen = self._seen[shape] = self._seen.get(shape, 0) + 1
            if seen < SHAPE_REPEATS and len(shape) > 2:
                return self.compose(bundle, pc, new_code)
            if not new_code:
                self._seen[shape] -= 1
                return WAIT
            compose.generated[0] += 1 + len(shape) // 4
            code = self.shapes[shape] = self._generate(shape)
        f = types.FunctionType(code, self.globals, None, values)
        if content is None:
            return f, copy_bundle(bundle)
        engine, slot = content
        compiled = self.by_content[content] = (f, {engine: [slot]})
        return compiled

    def compose(self, bundle: Any, pc: int, new_code: bool = True) -> tuple[Callable, dict] | object | None:
        """A function for the bundle at pc composed from shared slot code (no code made for
        it), or compiled when a slot has no composed form (coreid), and the copy it was made
        from; None when it must stay interpreted, WAIT as `compile` says."""
        try:
            return self._composer.compose(bundle, pc, new_code), copy_bundle(bundle)
        except compose.NoNewCode:
            return WAIT
        except compose.Uncomposable:
            pass
        except Exception:
            return None
        try:
            shape, values = self._plan(bundle, pc)
        except Exception:
            return None
        code = self.shapes.get(shape)
        if code is None:
            if not new_code:
                return WAIT
            compose.generated[0] += 1 + len(shape) // 4
            code = self.shapes[shape] = self._generate(shape)
        return types.FunctionType(code, self.globals, None, values), copy_bundle(bundle)

    # ---- planning: validate the bundle and collect its operands

    def _plan(self, bundle: Any, pc: int) -> tuple[tuple, tuple]:
        """(shape, operand values), the values in the order of the shape's parameters."""
        if type(bundle) is not dict:
            raise Unfit
        shape: list = []
        values: list = []
        costs = False
        size = self.size
        lanes = self._lanes
        for engine, slots in bundle.items():
            if type(slots) is not list and type(slots) is not tuple:
                raise Unfit
            if engine == "debug":
                if self.debug:
                    for slot in slots:
                        self._plan_debug(slot, shape, values)
                continue
            if len(slots) > SLOT_LIMITS[engine]:
                raise Unfit
            costs = True
            if engine == "alu":
                _plan_alus(slots, size, shape, values)
                continue
            for slot in slots:
                if type(slot) is not tuple:
                    raise Unfit
                op = slot[0]
                vals = _PLANNERS[engine, op](slot, pc, size, lanes)
                shape.append((engine, op))
                values.extend(vals)
        shape.append(costs)
        return tuple(shape), tuple(values)

    def _shape_of(self, bundle: dict) -> tuple | None:
        """The shape `_plan` would give the bundle, from its ops alone; None for anything
        unusual (planning then decides)."""
        shape: list = []
        costs = False
        for engine, slots in bundle.items():
            if engine == "debug" and not self.debug:
                continue
            if type(slots) is not list and type(slots) is not tuple:
                return None
            for slot in slots:
                if type(slot) is not tuple or not slot:
                    return None
                if engine != "debug":
                    shape.append((engine, slot[0]))
                elif self.debug and slot[0] in ("compare", "vcompare"):
                    shape.append(("debug", slot[0]))
            costs = costs or engine != "debug"
        shape.append(costs)
        return tuple(shape)

    def _plan_debug(self, slot: Any, shape: list, values: list) -> None:
        if type(slot) is not tuple or not slot:
            raise Unfit
        op = slot[0]
        if op not in ("compare", "vcompare"):
            return
        if len(slot) < 3 or type(slot[1]) is not int:
            raise Unfit
        loc, key = slot[1], slot[2]
        if op == "compare":
            scalar(loc, self.size)
            hash(key)
            shape.append(("debug", "compare"))
            values.extend((loc, key))
        else:
            if (type(key) is not list and type(key) is not tuple) or len(key) != VLEN:
                raise Unfit
            vector(loc, self.size)
            for k in key:
                hash(k)
            shape.append(("debug", "vcompare"))
            values.extend((loc, loc + VLEN, *key))

    # ---- generating the shared code of a shape

    def _generate(self, shape: tuple) -> types.CodeType:
        slots = [_TEMPLATES[engine_op](i) for i, engine_op in enumerate(shape[:-1])]
        params = [p for sl in slots for p in sl.params]
        lines: list[str] = []
        if any(engine == "debug" for engine, _ in shape[:-1]):
            lines.append("vt = k.value_trace")
        for sl in slots:
            lines.extend(sl.compute)
        for sl in slots:
            lines.extend(sl.write_s)
        for sl in slots:
            lines.extend(sl.write_m)
        if not shape[-1]:
            lines.append("k.free_steps += 1")
        next_pc = "pc + 1"
        for sl in slots:
            lines.extend(sl.after)
            if sl.next_pc is not None:
                next_pc = sl.next_pc
        lines.append(f"return {next_pc}")
        header = ", ".join(["pc", "s", "m", "k", *params])
        source = f"def bundle({header}):\n" + "".join(f"    {line}\n" for line in lines)
        namespace: dict[str, Any] = {}
        exec(compile(source, f"<bundle shape {len(self.shapes)}>", "exec"), namespace)
        return namespace["bundle"].__code__


def forget_code() -> None:
    """Forget the code shared between programs here and in `machine.compose`."""
    _SHAPES.clear()
    compose.forget_code()


def copy_bundle(bundle: dict) -> dict:
    """A copy of a bundle's mutable structure (its dict and slot lists; the slots, tuples,
    are shared): what compiled code was made from, to notice later changes."""
    return dict(zip(bundle, map(list, bundle.values()), strict=True))


def heavy(bundle: dict, debug: bool) -> bool:
    """Whether a bundle has more than LIGHT_SHAPE operand values, nearly, found without
    looking at its slots (a vector slot counts its lanes; compares count when checked)."""
    weight = 0
    for engine, slots in bundle.items():
        if engine != "debug":
            weight += len(slots) * _ENGINE_WEIGHTS.get(engine, 3)
        elif debug:
            weight += 2 * len(slots)
    return weight > LIGHT_SHAPE


#: Operand values per slot, by engine (the usual op's: an ALU op 3, a vector op 24).
_ENGINE_WEIGHTS = {"alu": 3, "valu": 3 * VLEN, "load": 2, "store": 2, "flow": 4}


def bundle_content(bundle: Any) -> tuple | None:
    """The content key of a one-slot bundle (see `content_key`), else None."""
    if type(bundle) is not dict or len(bundle) != 1:
        return None
    ((engine, slots),) = bundle.items()
    if type(slots) is not list or len(slots) != 1:
        return None
    return content_key(engine, slots[0])


def content_key(engine: Any, slot: Any) -> tuple | None:
    """(engine, slot) for a one-slot bundle whose function can be shared by every bundle
    equal to it, else None. Equal is not enough on its own: ("+", 1.0, 2, 3) equals
    ("+", 1, 2, 3) and hashes alike but faults, so every operand must be an int (for a
    compare, its location; its key is only looked up, where equal keys are the same key).
    A relative jump's function depends on its pc, so it is never shared."""
    if type(slot) is not tuple or not slot:
        return None
    if engine == "debug":
        if len(slot) > 1 and type(slot[1]) is not int:
            return None
        try:
            hash(slot)
        except TypeError:
            return None
    elif slot[0] == "cond_jump_rel":
        return None
    else:
        for operand in slot[1:]:
            if type(operand) is not int:
                return None
    return engine, slot


def _arity(slot: tuple, n: int) -> None:
    if len(slot) != n:
        raise Unfit


# ---- planners: (slot, pc, scratch size, interned ints) -> operand values, in template
# parameter order. Lane addresses come from the interned table so that a program's
# compiled form shares its int objects.


def _plan_alus(slots: list | tuple, size: int, shape: list, values: list) -> None:
    """The scalar slots, most of a kernel's, planned in one loop."""
    for slot in slots:
        if type(slot) is not tuple:
            raise Unfit
        op, d, a, b = slot
        if not (
            type(d) is int
            and type(a) is int
            and type(b) is int
            and 0 <= d < size
            and 0 <= a < size
            and 0 <= b < size
        ):
            raise Unfit
        shape.append(_ALU_KEYS[op])
        values += (d, a, b)


def _plan_valu(slot, pc, size, lanes):
    _arity(slot, 4)
    _, d, a, b = slot
    vector(d, size), vector(a, size), vector(b, size)
    return (*lanes[d : d + VLEN], *lanes[a : a + VLEN], *lanes[b : b + VLEN])


def _plan_vbroadcast(slot, pc, size, lanes):
    _arity(slot, 3)
    d = vector(slot[1], size)
    return (*lanes[d : d + VLEN], scalar(slot[2], size))


def _plan_multiply_add(slot, pc, size, lanes):
    _arity(slot, 5)
    _, d, a, b, c = slot
    vector(d, size), vector(a, size), vector(b, size), vector(c, size)
    return (*lanes[d : d + VLEN], *lanes[a : a + VLEN], *lanes[b : b + VLEN], *lanes[c : c + VLEN])


def _plan_two_scalars(slot, pc, size, lanes):
    _arity(slot, 3)
    return (scalar(slot[1], size), scalar(slot[2], size))


def _plan_load_offset(slot, pc, size, lanes):
    _arity(slot, 4)
    offset = integer(slot[3])
    return (scalar(integer(slot[1]) + offset, size), scalar(integer(slot[2]) + offset, size))


def _plan_vload(slot, pc, size, lanes):
    _arity(slot, 3)
    d = vector(slot[1], size)
    return (d, d + VLEN, scalar(slot[2], size))


def _plan_const(slot, pc, size, lanes):
    _arity(slot, 3)
    return (scalar(slot[1], size), integer(slot[2]) & MASK)


def _plan_vstore(slot, pc, size, lanes):
    _arity(slot, 3)
    v = vector(slot[2], size)
    return (scalar(slot[1], size), v, v + VLEN)


def _plan_select(slot, pc, size, lanes):
    _arity(slot, 5)
    _, d, c, a, b = slot
    return (scalar(d, size), scalar(c, size), scalar(a, size), scalar(b, size))


def _plan_vselect(slot, pc, size, lanes):
    _arity(slot, 5)
    _, d, c, a, b = slot
    vector(d, size), vector(c, size), vector(a, size), vector(b, size)
    return (*lanes[d : d + VLEN], *lanes[c : c + VLEN], *lanes[a : a + VLEN], *lanes[b : b + VLEN])


def _plan_add_imm(slot, pc, size, lanes):
    _arity(slot, 4)
    return (scalar(slot[1], size), scalar(slot[2], size), integer(slot[3]))


def _plan_none(slot, pc, size, lanes):
    _arity(slot, 1)
    return ()


def _plan_one_scalar(slot, pc, size, lanes):
    _arity(slot, 2)
    return (scalar(slot[1], size),)


def _plan_cond_jump(slot, pc, size, lanes):
    _arity(slot, 3)
    return (scalar(slot[1], size), target_pc(integer(slot[2])))


def _plan_cond_jump_rel(slot, pc, size, lanes):
    _arity(slot, 3)
    return (scalar(slot[1], size), target_pc(pc + 1 + integer(slot[2])))


def _plan_jump(slot, pc, size, lanes):
    _arity(slot, 2)
    return (target_pc(integer(slot[1])),)


_PLANNERS: dict[tuple[str, str], Callable] = {
    **{("valu", op): _plan_valu for op in ALU_EXPR},
    ("valu", "vbroadcast"): _plan_vbroadcast,
    ("valu", "multiply_add"): _plan_multiply_add,
    ("load", "load"): _plan_two_scalars,
    ("load", "load_offset"): _plan_load_offset,
    ("load", "vload"): _plan_vload,
    ("load", "const"): _plan_const,
    ("store", "store"): _plan_two_scalars,
    ("store", "vstore"): _plan_vstore,
    ("flow", "select"): _plan_select,
    ("flow", "vselect"): _plan_vselect,
    ("flow", "add_imm"): _plan_add_imm,
    ("flow", "halt"): _plan_none,
    ("flow", "pause"): _plan_none,
    ("flow", "trace_write"): _plan_one_scalar,
    ("flow", "cond_jump"): _plan_cond_jump,
    ("flow", "cond_jump_rel"): _plan_cond_jump_rel,
    ("flow", "jump"): _plan_jump,
    ("flow", "jump_indirect"): _plan_one_scalar,
    ("flow", "coreid"): _plan_one_scalar,
}


#: The shape entry of each ALU op (an unknown op raises KeyError: the bundle is unfit).
_ALU_KEYS = {op: ("alu", op) for op in ALU_EXPR}


# ---- templates: slot index -> generated pieces (parameter order matches the planner)


def _t_alu(op: str) -> Callable[[int], _Slot]:
    def template(i: int) -> _Slot:
        t = _Slot()
        d, a, b = (t.param(f"{r}{i}") for r in "dab")
        t.compute.append(f"v{i} = " + lane_expr(op, f"s[{a}]", f"s[{b}]", _M))
        t.write_s.append(f"s[{d}] = v{i}")
        return t

    return template


def _lane_params(t: _Slot, role: str, i: int) -> list[str]:
    return [t.param(f"{role}{i}_{lane}") for lane in _LANES]


def _t_valu(op: str) -> Callable[[int], _Slot]:
    def template(i: int) -> _Slot:
        t = _Slot()
        d, a, b = (_lane_params(t, r, i) for r in "dab")
        for lane in _LANES:
            expr = lane_expr(op, f"s[{a[lane]}]", f"s[{b[lane]}]", _M)
            t.compute.append(f"v{i}_{lane} = {expr}")
            t.write_s.append(f"s[{d[lane]}] = v{i}_{lane}")
        return t

    return template


def _t_vbroadcast(i: int) -> _Slot:
    t = _Slot()
    d = _lane_params(t, "d", i)
    a = t.param(f"a{i}")
    t.compute.append(f"v{i} = s[{a}]")
    t.write_s.extend(f"s[{d[lane]}] = v{i}" for lane in _LANES)
    return t


def _t_multiply_add(i: int) -> _Slot:
    t = _Slot()
    d, a, b, c = (_lane_params(t, r, i) for r in "dabc")
    for lane in _LANES:
        t.compute.append(f"v{i}_{lane} = (s[{a[lane]}] * s[{b[lane]}] + s[{c[lane]}]) & {_M}")
        t.write_s.append(f"s[{d[lane]}] = v{i}_{lane}")
    return t


def _t_load(i: int) -> _Slot:
    t = _Slot()
    d, a = t.param(f"d{i}"), t.param(f"a{i}")
    t.compute.append(f"v{i} = m[s[{a}]]")
    t.write_s.append(f"s[{d}] = v{i}")
    return t


def _t_vload(i: int) -> _Slot:
    t = _Slot()
    d, d_end, a = t.param(f"d{i}"), t.param(f"e{i}"), t.param(f"a{i}")
    t.compute += [f"b{i} = s[{a}]", f"m[b{i} + 7]", f"v{i} = m[b{i} : b{i} + 8]"]
    t.write_s.append(f"s[{d}:{d_end}] = v{i}")
    return t


def _t_const(i: int) -> _Slot:
    t = _Slot()
    d, val = t.param(f"d{i}"), t.param(f"x{i}")
    t.write_s.append(f"s[{d}] = {val}")
    return t


def _t_store(i: int) -> _Slot:
    t = _Slot()
    a, v = t.param(f"a{i}"), t.param(f"v{i}")
    t.compute += [f"b{i} = s[{a}]", f"m[b{i}]", f"w{i} = s[{v}]"]
    t.write_m.append(f"m[b{i}] = w{i}")
    return t


def _t_vstore(i: int) -> _Slot:
    t = _Slot()
    a, v, v_end = t.param(f"a{i}"), t.param(f"v{i}"), t.param(f"e{i}")
    t.compute += [f"b{i} = s[{a}]", f"m[b{i} + 7]", f"w{i} = s[{v}:{v_end}]"]
    t.write_m.append(f"m[b{i} : b{i} + 8] = w{i}")
    return t


def _t_select(i: int) -> _Slot:
    t = _Slot()
    d, c, a, b = (t.param(f"{r}{i}") for r in "dcab")
    t.compute.append(f"v{i} = s[{a}] if s[{c}] else s[{b}]")
    t.write_s.append(f"s[{d}] = v{i}")
    return t


def _t_vselect(i: int) -> _Slot:
    t = _Slot()
    d, c, a, b = (_lane_params(t, r, i) for r in "dcab")
    for lane in _LANES:
        t.compute.append(f"v{i}_{lane} = s[{a[lane]}] if s[{c[lane]}] else s[{b[lane]}]")
        t.write_s.append(f"s[{d[lane]}] = v{i}_{lane}")
    return t


def _t_add_imm(i: int) -> _Slot:
    t = _Slot()
    d, a, imm = (t.param(f"{r}{i}") for r in "dax")
    t.compute.append(f"v{i} = (s[{a}] + {imm}) & {_M}")
    t.write_s.append(f"s[{d}] = v{i}")
    return t


def _t_halt(i: int) -> _Slot:
    t = _Slot()
    t.after += ["k.state = STOPPED", "raise Stopped(pc + 1, 'halt')"]
    return t


def _t_pause(i: int) -> _Slot:
    t = _Slot()
    t.after += ["if k.enable_pause:", "    k.state = PAUSED", "    raise Stopped(pc + 1, 'pause')"]
    return t


def _t_trace_write(i: int) -> _Slot:
    t = _Slot()
    a = t.param(f"a{i}")
    t.compute.append(f"v{i} = s[{a}]")
    t.after.append(f"k.trace_buf.append(v{i})")
    return t


def _t_cond_jump(i: int) -> _Slot:
    t = _Slot()
    c, target = t.param(f"c{i}"), t.param(f"t{i}")
    t.compute.append(f"j{i} = s[{c}]")
    t.next_pc = f"{target} if j{i} else pc + 1"
    return t


def _t_jump(i: int) -> _Slot:
    t = _Slot()
    t.next_pc = t.param(f"t{i}")
    return t


def _t_jump_indirect(i: int) -> _Slot:
    t = _Slot()
    a = t.param(f"a{i}")
    t.compute.append(f"j{i} = s[{a}]")
    t.next_pc = f"j{i}"
    return t


def _t_coreid(i: int) -> _Slot:
    t = _Slot()
    d = t.param(f"d{i}")
    t.write_s.append(f"s[{d}] = k.core_id")
    return t


def _t_compare(i: int) -> _Slot:
    t = _Slot()
    loc, key = t.param(f"l{i}"), t.param(f"k{i}")
    t.compute += [f"if s[{loc}] != vt[{key}]:", "    raise Reject"]
    return t


def _t_vcompare(i: int) -> _Slot:
    t = _Slot()
    loc, end = t.param(f"l{i}"), t.param(f"e{i}")
    keys = [t.param(f"k{i}_{lane}") for lane in _LANES]
    expected = ", ".join(f"vt[{key}]" for key in keys)
    t.compute += [f"if s[{loc}:{end}] != [{expected}]:", "    raise Reject"]
    return t


_TEMPLATES: dict[tuple[str, str], Callable[[int], _Slot]] = {
    **{("alu", op): _t_alu(op) for op in ALU_EXPR},
    **{("valu", op): _t_valu(op) for op in ALU_EXPR},
    ("valu", "vbroadcast"): _t_vbroadcast,
    ("valu", "multiply_add"): _t_multiply_add,
    ("load", "load"): _t_load,
    ("load", "load_offset"): _t_load,
    ("load", "vload"): _t_vload,
    ("load", "const"): _t_const,
    ("store", "store"): _t_store,
    ("store", "vstore"): _t_vstore,
    ("flow", "select"): _t_select,
    ("flow", "vselect"): _t_vselect,
    ("flow", "add_imm"): _t_add_imm,
    ("flow", "halt"): _t_halt,
    ("flow", "pause"): _t_pause,
    ("flow", "trace_write"): _t_trace_write,
    ("flow", "cond_jump"): _t_cond_jump,
    ("flow", "cond_jump_rel"): _t_cond_jump,
    ("flow", "jump"): _t_jump,
    ("flow", "jump_indirect"): _t_jump_indirect,
    ("flow", "coreid"): _t_coreid,
    ("debug", "compare"): _t_compare,
    ("debug", "vcompare"): _t_vcompare,
}


def code_globals(stopped: type[Exception], reject: type[Exception]) -> dict[str, Any]:
    """The names generated code may use besides its parameters (and no builtins)."""
    return {
        "__builtins__": {},
        "slice": slice,
        "Stopped": stopped,
        "Reject": reject,
        "STOPPED": CoreState.STOPPED,
        "PAUSED": CoreState.PAUSED,
    }
