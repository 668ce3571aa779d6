"""Bundles composed from shared slot code: dense bundles, and the first of each shape.

A dense kernel's bundles (20 slots, six of them 8-lane vector ops) almost never share a
shape, and Python's compiler needs a millisecond or two for each one, far more than the
bundle will ever save on a handful of runs. So a bundle that is not worth its own code is
*composed*: a runner calls one shared function per slot, each given the slot itself (a store
or a compare, its checked operands), then lands the results. Nothing here is compiled per
bundle, and planning a slot is a few checks and look-ups (a repeated slot, one: its plan is
kept), so composing a bundle costs about as much as interpreting it once or twice:

- slot functions: one per (engine, op), `f(s, m, t) -> value`, made on first use;
- runners: one per *count signature* (how many slots write scratch, rounded up to a
  multiple of four with padding slots that change nothing, how many write memory or check
  a compare, and which control op if any), so a whole program shares a handful; a
  bundle's runner is that code with the bundle's slot functions, operands and
  destinations bound as default arguments.

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

from machine.isa import SLOT_LIMITS, VLEN
from machine.operands import Unfit, integer, scalar, target_pc, vector
from machine.opexpr import ALU_EXPR, lane_expr

_M = "4294967295"
_LANES = range(VLEN)


#: How much code this module and `machine.compile` have generated, in units of about one
#: small function's compile time (a caller that rations Python's compiler counts them).
generated = [0]


def _padded(n_scratch: int) -> int:
    """The scratch-writing slots a runner is made for: a bigger bundle's count rounded up
    to a multiple of four, so that a program's bundles share a few runners (Python's
    compiler needs about half a millisecond for a big one) at the cost of a call or three
    per bundle."""
    return n_scratch if n_scratch <= 4 else (n_scratch + 3) & ~3


def _runner_weight(n_scratch: int, n_memory: int, n_checks: int, control: tuple, costs: bool) -> int:
    """A runner's compile time in `generated` units (it grows with its slots)."""
    return 1 + (n_scratch + n_memory + n_checks) // 4


def _keep_word(s: list[int], m: list[int], t: int) -> int:
    """A padding slot: reads scratch word t, and its write lands first, before every
    real write, so it changes nothing."""
    return s[t]


#: One padding slot's part: (function, operand, destination).
_PAD = [_keep_word, 0, 0]


class NoNewCode(Exception):
    """Composing the bundle needs code not made yet, and the caller said not to make any."""


class Uncomposable(Exception):
    """The slot has no composed form (coreid needs the core); the bundle is compiled."""


def _names(*roles: str) -> str:
    return ", ".join(f"{r}{i}" for r in roles for i in _LANES)


def _vec(role: str, operand: str) -> str:
    """Unpack the eight lanes of a vector operand from one slice of scratch: one slice
    costs less than eight subscripts, and a static check made sure it is in range."""
    return f"{_names(role)} = s[{operand} : {operand} + 8]"


def _templates() -> dict[tuple[str, str], str]:
    """(engine, op) -> the body of `f(s, m, t)`. `t` is the slot tuple itself for the ops
    that write scratch (planning only checks it, so composing costs little more than a
    look-up per slot), and the planned operands for stores and compares."""
    out: dict[tuple[str, str], str] = {}
    for op in ALU_EXPR:
        out["alu", op] = "_, d, a, b = t\nreturn " + lane_expr(op, "s[a]", "s[b]", _M)
        lanes = ", ".join(lane_expr(op, f"a{i}", f"b{i}", _M) for i in _LANES)
        out["valu", op] = f"_, d, a, b = t\n{_vec('a', 'a')}\n{_vec('b', 'b')}\nreturn [{lanes}]"
    madd = ", ".join(f"(a{i} * b{i} + c{i}) & {_M}" for i in _LANES)
    out["valu", "multiply_add"] = (
        f"_, d, a, b, c = t\n{_vec('a', 'a')}\n{_vec('b', 'b')}\n{_vec('c', 'c')}\nreturn [{madd}]"
    )
    out["valu", "vbroadcast"] = "return [s[t[2]]] * 8"
    out["load", "load"] = "return m[s[t[2]]]"
    out["load", "load_offset"] = "return m[s[t[2] + t[3]]]"
    out["load", "vload"] = "b = s[t[2]]\nm[b + 7]\nreturn m[b : b + 8]"
    out["load", "const"] = f"return t[2] & {_M}"
    out["store", "store"] = "a, v = t\nb = s[a]\nm[b]\nreturn b, s[v]"
    out["store", "vstore"] = "a, v, e = t\nb = s[a]\nm[b + 7]\nreturn slice(b, b + 8), s[v:e]"
    out["flow", "select"] = "_, d, c, a, b = t\nreturn s[a] if s[c] else s[b]"
    vsel = ", ".join(f"a{i} if c{i} else b{i}" for i in _LANES)
    out["flow", "vselect"] = (
        f"_, d, c, a, b = t\n{_vec('c', 'c')}\n{_vec('a', 'a')}\n{_vec('b', 'b')}\nreturn [{vsel}]"
    )
    out["flow", "add_imm"] = f"return (s[t[2]] + t[3]) & {_M}"
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
    static operands, or has an unusual form, raises and the bundle stays interpreted. A slot
    that writes scratch is then passed to its function as it is, with its destination (an
    address, or a slice interned by its start); so composing a bundle costs a few checks
    and a look-up per slot, about what interpreting it once costs.
    """

    def __init__(self, scratch_size: int, debug: bool, globals_: dict[str, Any]) -> None:
        self.size = scratch_size
        self.debug = debug
        self.globals = globals_
        self._slot_functions: dict[str, dict[str, Callable]] = {}
        self._runners = _RUNNERS
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
        size = self.size
        top = size - VLEN
        slices = self._slices
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
            functions = self._functions(engine)
            parts = self._parts[engine]
            for slot in slots:
                if type(slot) is not tuple or not slot:
                    raise Unfit
                part = parts.get(slot)
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
                op = slot[0]
                if engine == "alu":
                    _, d, a, b = slot
                    if not (
                        type(d) is int
                        and type(a) is int
                        and type(b) is int
                        and 0 <= d < size
                        and 0 <= a < size
                        and 0 <= b < size
                    ):
                        raise Unfit
                    part = (functions.get(op) or self._function(engine, op), slot, d)
                elif engine == "valu" and len(slot) == 4 and op in ALU_EXPR:
                    _, d, a, b = slot
                    if not (
                        type(d) is int
                        and type(a) is int
                        and type(b) is int
                        and 0 <= d <= top
                        and 0 <= a <= top
                        and 0 <= b <= top
                    ):
                        raise Unfit
                    dest = slices.get(d) or self.dest(d)
                    part = (functions.get(op) or self._function(engine, op), slot, dest)
                elif engine == "flow" and op in _CONTROL:
                    control = (_CONTROL[op], *_PLANS[engine, op](self, slot, pc))
                    continue
                else:
                    plan = _PLANS[engine, op]
                    function = functions.get(op) or self._function(engine, op)
                    if engine == "store":
                        part = (function, plan(self, slot, pc))
                    else:
                        part = (function, *plan(self, slot, pc))
                if _exact(slot):
                    parts[slot] = part
                if engine == "store":
                    memory += part
                else:
                    scratch += part
        n_scratch = len(scratch) // 3
        padded = _padded(n_scratch)
        if padded != n_scratch:
            scratch[:0] = _PAD * (padded - n_scratch)
        key = (padded, len(memory) // 2, len(checks) // 2, control[:1], costs)
        code = self._runners.get(key)
        if code is None:
            if not new_code:
                raise NoNewCode
            generated[0] += _runner_weight(*key)
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
        return (_padded(n_scratch), n_memory, n_checks, control, costs) not in self._runners

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
        body = _TEMPLATES.get((engine, op))
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
    n = len(slot)
    if n == 4:
        return type(slot[1]) is int and type(slot[2]) is int and type(slot[3]) is int
    if n == 3:
        return type(slot[1]) is int and type(slot[2]) is int
    return all(type(value) is int for value in slot[1:])


def _ints(*values: Any) -> None:
    for value in values:
        if type(value) is not int:
            raise Unfit


def _valu(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, b = slot
    vector(a, c.size), vector(b, c.size)
    return slot, c.dest(d)


def _multiply_add(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, b, x = slot
    vector(a, c.size), vector(b, c.size), vector(x, c.size)
    return slot, c.dest(d)


def _vselect(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, cond, a, b = slot
    vector(cond, c.size), vector(a, c.size), vector(b, c.size)
    return slot, c.dest(d)


def _vbroadcast(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a = slot
    scalar(a, c.size)
    return slot, c.dest(d)


def _load(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a = slot
    scalar(a, c.size)
    return slot, scalar(d, c.size)


def _load_offset(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, offset = slot
    _ints(d, a, offset)
    scalar(a + offset, c.size)
    return slot, scalar(d + offset, c.size)


def _vload(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a = slot
    scalar(a, c.size)
    return slot, c.dest(d)


def _const(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, value = slot
    integer(value)
    return slot, scalar(d, c.size)


def _store(c: Composer, slot: tuple, pc: int) -> tuple:
    _, a, v = slot
    return c.scalars(a, v)


def _vstore(c: Composer, slot: tuple, pc: int) -> tuple:
    _, a, v = slot
    return (scalar(a, c.size), vector(v, c.size), v + VLEN)


def _select(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, cond, a, b = slot
    c.scalars(cond, a, b)
    return slot, scalar(d, c.size)


def _add_imm(c: Composer, slot: tuple, pc: int) -> tuple:
    _, d, a, imm = slot
    scalar(a, c.size), integer(imm)
    return slot, scalar(d, c.size)


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
