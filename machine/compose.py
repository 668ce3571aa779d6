"""Bundles composed from shared slot code: dense bundles, and the first of each shape.

A dense kernel's bundles (20 slots, six of them 8-lane vector ops) almost never share a
shape, and Python's compiler needs a millisecond or two for each one, far more than the
bundle will ever save on a handful of runs. So a bundle that is not worth its own code is
*composed*: a runner calls one shared function per slot, each given the slot's operands as
a tuple, then lands the results. Nothing here is compiled per bundle:

- slot functions: one per (engine, op), `f(s, m, t) -> value`, made on first use;
- runners: one per *count signature* (how many slots write scratch, write memory, check a
  compare, and which control op if any), so the few dozen signatures of a whole program
  share their code; a bundle's runner is that code with the bundle's slot functions,
  operand tuples and destinations bound as default arguments.

Every slot computes before any slot writes, so a fault (any exception) leaves the state
untouched, and the engine asks `machine.diagnose` which one it is. Scratch writes land in
visiting order (a later write to the same word wins), then memory writes; control acts
last. A destination is an address or a `slice` of eight, so scalar and vector writes share
one line of the runner.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from machine.isa import MASK, SLOT_LIMITS, VLEN
from machine.operands import Unfit, integer, scalar, target_pc, vector
from machine.opexpr import ALU_EXPR, lane_expr

_M = "4294967295"
_LANES = range(VLEN)


#: How many code objects this module and `machine.compile` have generated (a caller that
#: rations Python's compiler counts them).
generated = [0]


class NoNewCode(Exception):
    """Composing the bundle needs code not made yet, and the caller said not to make any."""


class Uncomposable(Exception):
    """The slot has no composed form (coreid needs the core); the bundle is compiled."""


def _names(*roles: str) -> str:
    return ", ".join(f"{r}{i}" for r in roles for i in _LANES)


def _templates() -> dict[tuple[str, str], str]:
    """(engine, op) -> the body of `f(s, m, t)`; `t` holds the slot's operands."""
    out: dict[tuple[str, str], str] = {}
    for op in ALU_EXPR:
        out["alu", op] = "a, b = t\nreturn " + lane_expr(op, "s[a]", "s[b]", _M)
        lanes = ", ".join(lane_expr(op, f"s[a{i}]", f"s[b{i}]", _M) for i in _LANES)
        out["valu", op] = f"{_names('a', 'b')} = t\nreturn [{lanes}]"
    madd = ", ".join(f"(s[a{i}] * s[b{i}] + s[c{i}]) & {_M}" for i in _LANES)
    out["valu", "multiply_add"] = f"{_names('a', 'b', 'c')} = t\nreturn [{madd}]"
    out["valu", "vbroadcast"] = "return [s[t]] * 8"
    out["load", "load"] = "return m[s[t]]"
    out["load", "vload"] = "b = s[t]\nm[b + 7]\nreturn m[b : b + 8]"
    out["load", "const"] = "return t"
    out["store", "store"] = "a, v = t\nb = s[a]\nm[b]\nreturn b, s[v]"
    out["store", "vstore"] = "a, v, e = t\nb = s[a]\nm[b + 7]\nreturn slice(b, b + 8), s[v:e]"
    out["flow", "select"] = "c, a, b = t\nreturn s[a] if s[c] else s[b]"
    vsel = ", ".join(f"s[a{i}] if s[c{i}] else s[b{i}]" for i in _LANES)
    out["flow", "vselect"] = f"{_names('c', 'a', 'b')} = t\nreturn [{vsel}]"
    out["flow", "add_imm"] = f"a, x = t\nreturn (s[a] + x) & {_M}"
    # Compares get the core as `m`: they need its value trace, not the memory.
    out["debug", "compare"] = "a, key = t\nif s[a] != m.value_trace[key]:\n    raise Reject"
    expected = ", ".join(f"vt[k{i}]" for i in _LANES)
    out["debug", "vcompare"] = (
        f"a, e, {_names('k')} = t\nvt = m.value_trace\nif s[a:e] != [{expected}]:\n    raise Reject"
    )
    return out


_TEMPLATES = _templates()

#: Code made so far, shared by every composer (it depends on its key alone): runners by
#: count signature, slot functions by (engine, op).
_RUNNERS: dict[tuple, types.CodeType] = {}
_SLOT_CODE: dict[tuple[str, str], types.CodeType] = {}

#: Flow ops that steer: the runner reads their operand itself and acts after the writes.
_CONTROL = {
    "trace_write": "trace",
    "cond_jump": "cond",
    "cond_jump_rel": "cond",
    "jump": "jump",
    "jump_indirect": "indirect",
    "halt": "halt",
    "pause": "pause",
}


def forget_code() -> None:
    """Forget the runners and slot functions made so far."""
    _RUNNERS.clear()
    _SLOT_CODE.clear()


class Composer:
    """Composes bundles for one scratch size and debug setting; caches slot and runner code.

    Planning validates each slot as `machine.compile` does: a slot that could fault on its
    static operands, or has an unusual form, raises and the bundle stays interpreted.
    Operand tuples and slices are interned by their addresses: a kernel reuses its
    registers, so sharing them keeps a composed program small enough to stay in the
    processor's caches, and makes planning mostly dict lookups.
    """

    def __init__(self, scratch_size: int, debug: bool, globals_: dict[str, Any]) -> None:
        self.size = scratch_size
        self.debug = debug
        self.globals = globals_
        self._slot_functions: dict[str, dict[str, Callable]] = {}
        self._runners = _RUNNERS
        self._lanes = tuple(range(scratch_size + VLEN))
        self._vectors: dict[tuple, tuple] = {}
        self._slices: dict[int, slice] = {}
        self._interned: dict[tuple, tuple] = {}
        self._new_code = True
        #: engine -> slot -> its planned part: (function, operands, destination) for a slot
        #: that writes scratch, (function, operands) for a store. Kernels repeat their slots
        #: (a register reused round after round), so a repeated slot is planned once.
        self._parts: dict[str, dict[tuple, tuple]] = {
            engine: {} for engine in ("alu", "valu", "load", "store", "flow")
        }

    def compose(self, bundle: Any, pc: int, new_code: bool = True) -> Callable:
        """The runner of the bundle at pc. Raises Uncomposable for a slot it has no form
        for, NoNewCode when it would need new code and new_code is false, and another
        exception for a bundle that must stay interpreted."""
        self._new_code = new_code
        if type(bundle) is not dict:
            raise Unfit
        if not new_code and self._needs_code(bundle):
            raise NoNewCode
        scratch: list = []
        memory: list = []
        checks: list = []
        control: tuple = ()
        costs = False
        for engine, slots in bundle.items():
            if type(slots) is not list and type(slots) is not tuple:
                raise Unfit
            if engine == "debug":
                if self.debug:
                    for slot in slots:
                        self._plan_check(slot, checks)
                continue
            if len(slots) > SLOT_LIMITS[engine]:
                raise Unfit
            costs = True
            parts = self._parts.get(engine)
            if parts is None:
                raise Unfit
            for slot in slots:
                part = parts.get(slot) if type(slot) is tuple else None
                if part is not None and (
                    type(slot[1]) is int and type(slot[2]) is int and type(slot[3]) is int
                    if len(slot) == 4
                    else _exact(slot)
                ):
                    if engine == "store":
                        memory += part
                    else:
                        scratch += part
                    continue
                if type(slot) is not tuple:
                    raise Unfit
                op = slot[0]
                if engine == "flow" and op in _CONTROL:
                    control = (_CONTROL[op], *_PLANS[engine, op](self, slot, pc))
                    continue
                part = self._plan_slot(engine, op, slot, pc)
                if (
                    type(slot[1]) is int and type(slot[2]) is int and type(slot[3]) is int
                    if len(slot) == 4
                    else _exact(slot)
                ):
                    parts[slot] = part
                if engine == "store":
                    memory += part
                else:
                    scratch += part
        key = (len(scratch) // 3, len(memory) // 2, len(checks) // 2, control[:1], costs)
        code = self._runners.get(key)
        if code is None:
            if not new_code:
                raise NoNewCode
            generated[0] += 1
            namespace: dict[str, Any] = {}
            exec(compile(runner_source(*key), "<composed bundle>", "exec"), namespace)
            code = self._runners[key] = namespace["bundle"].__code__
        return types.FunctionType(code, self.globals, None, (*scratch, *memory, *checks, *control[1:]))

    def _needs_code(self, bundle: dict) -> bool:
        """Whether composing the bundle would need a runner or slot function not made yet,
        found from its ops alone, before paying for planning its operands. A bundle that
        planning would reject says False: planning then rejects it."""
        n_scratch = n_memory = n_checks = 0
        control: tuple = ()
        costs = False
        for engine, slots in bundle.items():
            if type(slots) is not list and type(slots) is not tuple:
                return False
            if engine == "debug":
                if self.debug:
                    for slot in slots:
                        if type(slot) is tuple and slot and slot[0] in ("compare", "vcompare"):
                            n_checks += 1
                            if ("debug", slot[0]) not in _SLOT_CODE:
                                return True
                continue
            costs = True
            for slot in slots:
                if type(slot) is not tuple or not slot or type(slot[0]) is not str:
                    return False
                op = slot[0]
                if engine == "flow" and op in _CONTROL:
                    control = (_CONTROL[op],)
                    continue
                if (engine, op) not in _SLOT_CODE:
                    return True
                if engine == "store":
                    n_memory += 1
                else:
                    n_scratch += 1
        return (n_scratch, n_memory, n_checks, control, costs) not in self._runners

    def _plan_slot(self, engine: str, op: str, slot: tuple, pc: int) -> tuple:
        """The part of one slot that is not a control op: (function, operands, destination)
        for a slot that writes scratch, (function, operands) for a store."""
        functions = self._functions(engine)
        if engine == "alu":
            op, d, a, b = slot
            size = self.size
            if not (
                type(d) is int
                and type(a) is int
                and type(b) is int
                and 0 <= d < size
                and 0 <= a < size
                and 0 <= b < size
            ):
                raise Unfit
            pair = (a, b)
            operands = self._interned.get(pair) or self._interned.setdefault(pair, pair)
            return (functions.get(op) or self._function("alu", op), operands, d)
        if engine == "valu" and len(slot) == 4 and op in ALU_EXPR:
            _, d, a, b = slot
            _ints(a, b)
            lanes = self._vectors.get((a, b)) or self.lanes(a, b)
            dest = self._slices.get(d) if type(d) is int else None
            return (functions.get(op) or self._function(engine, op), lanes, dest or self.dest(d))
        plan = _PLANS[engine, op]
        function = functions.get(op) or self._function(engine, op)
        if engine == "store":
            return (function, plan(self, slot, pc))
        return (function, *plan(self, slot, pc))

    def _plan_check(self, slot: Any, checks: list) -> None:
        if type(slot) is not tuple or not slot:
            raise Unfit
        op = slot[0]
        if op not in ("compare", "vcompare"):
            return
        if len(slot) < 3:
            raise Unfit
        loc, key = slot[1], slot[2]
        if op == "compare":
            operands: tuple = (scalar(loc, self.size), key)
        else:
            if (type(key) is not list and type(key) is not tuple) or len(key) != VLEN:
                raise Unfit
            operands = (vector(loc, self.size), loc + VLEN, *key)
        hash(operands)
        checks += (self._functions("debug").get(op) or self._function("debug", op), operands)

    def _functions(self, engine: str) -> dict[str, Callable]:
        """The slot functions made so far for an engine, by op."""
        functions = self._slot_functions.get(engine)
        if functions is None:
            functions = self._slot_functions[engine] = {}
        return functions

    def _function(self, engine: str, op: str) -> Callable:
        body = _TEMPLATES.get((engine, "load" if op == "load_offset" else op))
        if body is None:
            raise Uncomposable(op) if (engine, op) in _PLANS else Unfit
        code = _SLOT_CODE.get((engine, op))
        if code is None:
            if not self._new_code:
                raise NoNewCode
            generated[0] += 1
            source = "def slot(s, m, t):\n" + "".join(f"    {line}\n" for line in body.splitlines())
            namespace: dict[str, Any] = {}
            exec(compile(source, f"<slot {engine} {op}>", "exec"), namespace)
            code = _SLOT_CODE[engine, op] = namespace["slot"].__code__
        function = types.FunctionType(code, self.globals)
        self._functions(engine)[op] = function
        return function

    # ---- operands, validated on first sight and then shared

    def lanes(self, *starts: int) -> tuple:
        """The lane addresses of the vectors at these starts, one vector after the other.
        The starts must be ints already (an equal float must not find a cached entry)."""
        found = self._vectors.get(starts)
        if found is None:
            size, lanes = self.size, self._lanes
            out: tuple = ()
            for start in starts:
                out += lanes[vector(start, size) : start + VLEN]
            found = self._vectors[starts] = out
        return found

    def dest(self, start: Any) -> slice:
        """The slice a vector result lands in."""
        found = self._slices.get(start) if type(start) is int else None
        if found is None:
            found = self._slices[start] = slice(vector(start, self.size), start + VLEN)
        return found

    def scalars(self, *addrs: Any) -> tuple:
        """Scratch addresses, checked, as one shared tuple."""
        size = self.size
        for addr in addrs:
            scalar(addr, size)
        return self._interned.setdefault(addrs, addrs)


def runner_source(n_scratch: int, n_memory: int, n_checks: int, control: tuple, costs: bool) -> str:
    """The code of a composed bundle with this count signature. Parameters, in order:
    (function, operands, destination) per scratch write, (function, operands) per store and
    per compare, then the control op's operands (its scratch address and/or its target)."""
    params: list[str] = []
    compute: list[str] = []
    land: list[str] = []
    after: list[str] = []
    for i in range(n_scratch):
        params += [f"f{i}", f"t{i}", f"d{i}"]
        compute.append(f"v{i} = f{i}(s, m, t{i})")
        land.append(f"s[d{i}] = v{i}")
    for i in range(n_memory):
        params += [f"g{i}", f"u{i}"]
        compute.append(f"a{i}, w{i} = g{i}(s, m, u{i})")
        land.append(f"m[a{i}] = w{i}")
    for i in range(n_checks):
        params += [f"h{i}", f"r{i}"]
        compute.append(f"h{i}(s, k, r{i})")
    next_pc = "pc + 1"
    kind = control[0] if control else None
    if kind in ("trace", "cond", "indirect"):
        params.append("x")
        compute.append("j = s[x]")
    if kind in ("cond", "jump"):
        params.append("target")
    if kind == "trace":
        after.append("k.trace_buf.append(j)")
    elif kind == "cond":
        next_pc = "target if j else pc + 1"
    elif kind == "jump":
        next_pc = "target"
    elif kind == "indirect":
        next_pc = "j"
    elif kind == "halt":
        after += ["k.state = STOPPED", "raise Stopped(pc + 1, 'halt')"]
    elif kind == "pause":
        after += ["if k.enable_pause:", "    k.state = PAUSED", "    raise Stopped(pc + 1, 'pause')"]
    lines = compute + land + after
    if not costs:
        lines.append("k.free_steps += 1")
    lines.append(f"return {next_pc}")
    header = ", ".join(["pc", "s", "m", "k", *params])
    return f"def bundle({header}):\n" + "".join(f"    {line}\n" for line in lines)


# ---- planners: (composer, slot, pc) -> (operands, destination) for a slot that writes
# scratch, the operands alone for a store, the control operands for a steering flow op.
# A wrong arity fails the unpacking, which keeps the bundle interpreted like any Unfit.


def _exact(slot: tuple) -> bool:
    """Whether every operand is an int: only then does an equal slot mean the same slot
    (("+", 1.0, 2, 3) equals ("+", 1, 2, 3), hashes alike, and faults)."""
    return all(type(value) is int for value in slot[1:])


def _ints(*values: Any) -> None:
    for value in values:
        if type(value) is not int:
            raise Unfit


def _alu(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, b = slot
    return c.scalars(a, b), scalar(d, c.size)


def _valu(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, b = slot
    _ints(a, b)
    return c.lanes(a, b), c.dest(d)


def _multiply_add(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, b, x = slot
    _ints(a, b, x)
    return c.lanes(a, b, x), c.dest(d)


def _vselect(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, cond, a, b = slot
    _ints(cond, a, b)
    return c.lanes(cond, a, b), c.dest(d)


def _vbroadcast(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a = slot
    return scalar(a, c.size), c.dest(d)


def _load(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a = slot
    return scalar(a, c.size), scalar(d, c.size)


def _load_offset(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, offset = slot
    _ints(d, a, offset)
    return scalar(a + offset, c.size), scalar(d + offset, c.size)


def _vload(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a = slot
    return scalar(a, c.size), c.dest(d)


def _const(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, value = slot
    return integer(value) & MASK, scalar(d, c.size)


def _store(c: Composer, slot: tuple, pc: int) -> tuple:
    _, a, v = slot
    return c.scalars(a, v)


def _vstore(c: Composer, slot: tuple, pc: int) -> tuple:
    _, a, v = slot
    return (scalar(a, c.size), vector(v, c.size), v + VLEN)


def _select(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, cond, a, b = slot
    return c.scalars(cond, a, b), scalar(d, c.size)


def _add_imm(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, imm = slot
    return (scalar(a, c.size), integer(imm)), scalar(d, c.size)


def _no_operands(c: Composer, slot: tuple, pc: int) -> tuple:
    (_,) = slot
    return ()


def _read(c: Composer, slot: tuple, pc: int) -> tuple:
    _, a = slot
    return (scalar(a, c.size),)


def _cond_jump(c: Composer, slot: tuple, pc: int) -> tuple:
    _, cond, target = slot
    return scalar(cond, c.size), target_pc(integer(target))


def _cond_jump_rel(c: Composer, slot: tuple, pc: int) -> tuple:
    _, cond, offset = slot
    return scalar(cond, c.size), target_pc(pc + 1 + integer(offset))


def _jump(c: Composer, slot: tuple, pc: int) -> tuple:
    _, target = slot
    return (target_pc(integer(target)),)


_PLANS: dict[tuple[str, str], Callable[[Composer, tuple, int], tuple]] = {
    **{("alu", op): _alu for op in ALU_EXPR},
    **{("valu", op): _valu for op in ALU_EXPR},
    ("valu", "vbroadcast"): _vbroadcast,
    ("valu", "multiply_add"): _multiply_add,
    ("load", "load"): _load,
    ("load", "load_offset"): _load_offset,
    ("load", "vload"): _vload,
    ("load", "const"): _const,
    ("store", "store"): _store,
    ("store", "vstore"): _vstore,
    ("flow", "select"): _select,
    ("flow", "vselect"): _vselect,
    ("flow", "add_imm"): _add_imm,
    ("flow", "coreid"): _read,
    ("flow", "halt"): _no_operands,
    ("flow", "pause"): _no_operands,
    ("flow", "trace_write"): _read,
    ("flow", "cond_jump"): _cond_jump,
    ("flow", "cond_jump_rel"): _cond_jump_rel,
    ("flow", "jump"): _jump,
    ("flow", "jump_indirect"): _read,
}
