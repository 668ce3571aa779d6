"""Heavy bundles composed from shared slot functions, for dense kernels.

A dense kernel's bundles (20 slots, six of them 8-lane vector ops) almost never share a
shape, so compiling each into its own function costs Python's compiler a millisecond or
two per bundle, and running a thousand distinct large functions once each is slow too
(their code is never warm in the caches). Here a bundle is instead a short runner that
calls one small function per slot; the slot functions share about forty code objects (one
per op and variant) and carry their operands as default arguments.

Reads-before-writes and fault atomicity come from a static analysis of the bundle
(`plan_phases`): every slot that can fault or that must see the state before the bundle
computes its result first ("pre"), then the remaining pure slots compute and write in
visiting order ("fused"), then the pre results are written in visiting order. A pure slot
is fused only if no address it writes is written by another slot and it reads nothing an
earlier fused slot wrote. Scratch operands are all static, so this is exact; memory is
only touched by pre slots.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from machine.isa import VLEN
from machine.opexpr import ALU_EXPR, lane_expr

_M = "4294967295"
_LANES = range(VLEN)
_FALLIBLE_ALU = frozenset({"//", "cdiv", "%"})


def _lanes_src(op: str) -> str:
    return ", ".join(lane_expr(op, f"s[a{i}]", f"s[b{i}]", _M) for i in _LANES)


def _params(*roles: str) -> str:
    return ", ".join(f"{r}{i}" for r in roles for i in _LANES)


# Slot templates: (engine, op) -> (parameter list, fused body or None, pre body).
# A fused body writes s itself; a pre body returns the value(s) to write later.
def _templates() -> dict[tuple[str, str], tuple[str, str | None, str]]:
    out: dict[tuple[str, str], tuple[str, str | None, str]] = {}
    for op in ALU_EXPR:
        scalar = lane_expr(op, "s[a]", "s[b]", _M)
        fused = None if op in _FALLIBLE_ALU else f"s[d] = {scalar}"
        out["alu", op] = ("d, a, b", fused, f"return {scalar}")
        vfused = None if op in _FALLIBLE_ALU else f"s[d:e] = ({_lanes_src(op)})"
        out["valu", op] = ("d, e, " + _params("a", "b"), vfused, f"return [{_lanes_src(op)}]")
    madd = ", ".join(f"(s[a{i}] * s[b{i}] + s[c{i}]) & {_M}" for i in _LANES)
    out["valu", "multiply_add"] = (
        "d, e, " + _params("a", "b", "c"),
        f"s[d:e] = ({madd})",
        f"return [{madd}]",
    )
    out["valu", "vbroadcast"] = ("d, e, a", "s[d:e] = [s[a]] * 8", "return [s[a]] * 8")
    out["load", "const"] = ("d, x", "s[d] = x", "return x")
    vsel = ", ".join(f"s[a{i}] if s[c{i}] else s[b{i}]" for i in _LANES)
    out["flow", "select"] = ("d, c, a, b", "s[d] = s[a] if s[c] else s[b]", "return s[a] if s[c] else s[b]")
    out["flow", "vselect"] = ("d, e, " + _params("c", "a", "b"), f"s[d:e] = ({vsel})", f"return [{vsel}]")
    out["flow", "add_imm"] = ("d, a, x", f"s[d] = (s[a] + x) & {_M}", f"return (s[a] + x) & {_M}")
    out["flow", "coreid"] = ("d", None, "return k.core_id")
    out["load", "load"] = ("d, a", None, "return m[s[a]]")
    out["load", "vload"] = ("d, e, a", None, "b = s[a]\nm[b + 7]\nreturn m[b : b + 8]")
    out["store", "store"] = ("a, v", None, "b = s[a]\nm[b]\nreturn b, s[v]")
    out["store", "vstore"] = ("a, v, w", None, "b = s[a]\nm[b + 7]\nreturn b, s[v:w]")
    out["debug", "compare"] = ("l, key", None, "if s[l] != k.value_trace[key]:\n    raise Reject")
    vcmp = ", ".join(f"vt[k{i}]" for i in _LANES)
    out["debug", "vcompare"] = (
        "l, e, " + _params("k"),
        None,
        f"vt = k.value_trace\nif s[l:e] != [{vcmp}]:\n    raise Reject",
    )
    for op in ("trace_write", "cond_jump", "cond_jump_rel", "jump_indirect"):
        out["flow", op] = ("a" if op in ("trace_write", "jump_indirect") else "a, t", None, "return s[a]")
    out["flow", "jump"] = ("t", None, "return None")
    out["flow", "halt"] = ("", None, "return None")
    out["flow", "pause"] = ("", None, "return None")
    return out


_TEMPLATES = _templates()

#: What a pre slot's result is for the commit phase, by (engine, op).
_COMMIT = {
    **{("alu", op): "s" for op in ALU_EXPR},
    **{("valu", op): "v" for op in ALU_EXPR},
    ("valu", "multiply_add"): "v",
    ("valu", "vbroadcast"): "v",
    ("load", "const"): "s",
    ("load", "load"): "s",
    ("load", "load_offset"): "s",
    ("load", "vload"): "v",
    ("flow", "select"): "s",
    ("flow", "vselect"): "v",
    ("flow", "add_imm"): "s",
    ("flow", "coreid"): "s",
    ("store", "store"): "m",
    ("store", "vstore"): "M",
    ("debug", "compare"): "-",
    ("debug", "vcompare"): "-",
    ("flow", "trace_write"): "trace",
    ("flow", "cond_jump"): "cond",
    ("flow", "cond_jump_rel"): "cond",
    ("flow", "jump_indirect"): "indirect",
    ("flow", "jump"): "jump",
    ("flow", "halt"): "halt",
    ("flow", "pause"): "pause",
}


class SlotCode:
    """The shared code objects of slot functions, made on first use."""

    def __init__(self, globals_: dict[str, Any]) -> None:
        self.globals = globals_
        self._code: dict[tuple[str, str, bool], types.CodeType] = {}

    def function(self, engine: str, op: str, fused: bool, operands: tuple) -> Callable:
        key = (engine, "load" if op == "load_offset" else op, fused)
        code = self._code.get(key)
        if code is None:
            params, fused_body, pre_body = _TEMPLATES[key[0], key[1]]
            body = fused_body if fused else pre_body
            assert body is not None
            header = (
                f"def slot(s, {params}):" if fused else f"def slot(s, m, k{', ' if params else ''}{params}):"
            )
            source = header + "\n" + "".join(f"    {line}\n" for line in body.splitlines())
            namespace: dict[str, Any] = {}
            exec(compile(source, f"<slot {engine} {op}>", "exec"), namespace)
            code = self._code[key] = namespace["slot"].__code__
        return types.FunctionType(code, self.globals, None, operands)


def can_fuse(engine: str, op: str) -> bool:
    return _TEMPLATES[engine, "load" if op == "load_offset" else op][1] is not None


def plan_phases(slots: list[tuple[str, str, set[int], set[int]]]) -> list[bool]:
    """For each slot (engine, op, scratch reads, scratch writes), in visiting order: fused?"""
    written_by: dict[int, int] = {}
    for _, _, _, writes in slots:
        for addr in writes:
            written_by[addr] = written_by.get(addr, 0) + 1
    fused_writes: set[int] = set()
    out = []
    for engine, op, reads, writes in slots:
        fused = (
            can_fuse(engine, op)
            and all(written_by[addr] == 1 for addr in writes)
            and not (reads & fused_writes)
        )
        if fused:
            fused_writes |= writes
        out.append(fused)
    return out


def commit_kind(engine: str, op: str) -> str:
    return _COMMIT[engine, op]


def runner_source(kinds: tuple, costs: bool) -> str:
    """The runner of a composed bundle: `kinds` lists each slot's (fused, commit kind) in
    visiting order. Parameters: p<i> the slot functions, d<i> the scalar or vector
    destination (or jump target) where one is needed."""
    params: list[str] = []
    pre: list[str] = []
    fused: list[str] = []
    commit: list[str] = []
    after: list[str] = []
    next_pc = "pc + 1"
    for i, (is_fused, kind) in enumerate(kinds):
        params.append(f"p{i}")
        if is_fused:
            fused.append(f"p{i}(s)")
            continue
        call = f"p{i}(s, m, k)"
        if kind == "s":
            params.append(f"d{i}")
            pre.append(f"v{i} = {call}")
            commit.append(f"s[d{i}] = v{i}")
        elif kind == "v":
            params.append(f"d{i}")
            pre.append(f"v{i} = {call}")
            commit.append(f"s[d{i} : d{i} + 8] = v{i}")
        elif kind in ("m", "M"):
            pre.append(f"a{i}, v{i} = {call}")
            commit.append(f"m[a{i}] = v{i}" if kind == "m" else f"m[a{i} : a{i} + 8] = v{i}")
        elif kind == "-":
            pre.append(call)
        elif kind == "trace":
            pre.append(f"v{i} = {call}")
            after.append(f"k.trace_buf.append(v{i})")
        elif kind == "cond":
            params.append(f"d{i}")
            pre.append(f"v{i} = {call}")
            next_pc = f"d{i} if v{i} else pc + 1"
        elif kind == "indirect":
            pre.append(f"v{i} = {call}")
            next_pc = f"v{i}"
        elif kind == "jump":
            params.append(f"d{i}")
            next_pc = f"d{i}"
        elif kind == "halt":
            after += ["k.state = STOPPED", "raise Stopped(pc + 1, 'halt')"]
        elif kind == "pause":
            after += ["if k.enable_pause:", "    k.state = PAUSED", "    raise Stopped(pc + 1, 'pause')"]
    lines = pre + fused + commit + after
    if not costs:
        lines.append("k.free_steps += 1")
    lines.append(f"return {next_pc}")
    header = ", ".join(["pc", "s", "m", "k", *params])
    return f"def bundle({header}):\n" + "".join(f"    {line}\n" for line in lines)
