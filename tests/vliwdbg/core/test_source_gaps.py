"""The source map on slots no tuple display of the kernel makes: helper emitters taking the
slot as `*slot` (tests/fixtures/kernels/dense), `tuple(words)` of a list the kernel grew,
and slot makers in a library outside the kernel's folder (tests/fixtures/kernels/madeby).
Expected lines are found by searching the fixture's text for the statement, never taken
from the map."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from machine.problem import ProblemSize
from vliwdbg.commands.console import Console
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.core.source import Frame
from vliwdbg.loading import capture

KERNELS = Path(__file__).parents[2] / "fixtures" / "kernels"
DENSE = KERNELS / "dense"
MADEBY = KERNELS / "madeby" / "kernel"
SMALL = RunOptions(ProblemSize(height=4, rounds=6, batch_size=24))
DENSE_KERNELS = sorted(p.stem for p in DENSE.glob("*.py") if p.stem.startswith(("bug_", "correct_")))


def lines_with(path: Path, text: str) -> list[int]:
    return [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]


def line_of(path: Path, text: str) -> int:
    found = lines_with(path, text)
    assert len(found) == 1, (path, text, found)
    return found[0]


def mapped(path: Path) -> Session:
    session = Session.open(str(path), SMALL)
    assert session.wait_for_source_map() is not None, session.source_status
    return session


def all_slots(session: Session):
    for pc, bundle in enumerate(session.program):
        for engine, slots in bundle.items():
            for index in range(len(slots)):
                yield pc, engine, index


BUILDER = DENSE / "builder.py"


@pytest.mark.parametrize("name", DENSE_KERNELS)
def test_every_slot_a_star_args_emitter_made_names_the_emitter_then_its_caller(name: str) -> None:
    session = mapped(DENSE / f"{name}.py")
    smap = session.source_map
    assert smap is not None and smap.mapped == smap.total > 0
    emit = Frame("builder.py", line_of(BUILDER, "def emit(self, engine, *slot):"), "emit")
    callers = set(lines_with(BUILDER, "self.emit("))
    # vop and fma: one statement passing their parameters on to emit
    forwarding = {
        line_of(BUILDER, 'self.emit("valu", op, dest, a, b)'),
        line_of(BUILDER, 'self.emit("valu", "multiply_add", dest, a, b, c)'),
    }
    instrs_lines = set(lines_with(BUILDER, "self.instrs.append("))
    through_emit = 0
    for pc, engine, index in all_slots(session):
        chain = smap.chain(pc, engine, index)
        if chain[0] == emit:
            through_emit += 1
            assert chain[1].file == "builder.py" and chain[1].line in callers, (pc, chain)
            made = chain[2] if chain[1].line in forwarding else chain[1]
            assert made.line not in forwarding and made.func not in ("vop", "fma")
            assert smap.made_at(pc, engine, index) == made
            assert session.slot_where(pc, engine, index) == f" at builder.py:{made.line}"
        else:  # a pause or a jump, a display appended as a bundle of its own
            assert chain[0].line in instrs_lines and session.program[pc][engine][index][0] in (
                "pause",
                "cond_jump",
            )
    assert through_emit > smap.total - 4
    header = line_of(BUILDER, 'self.emit("load", "const", regs[name], word)')
    out = Console(session).run("info source 0").output
    assert out[0].startswith(f"load 0: builder.py:{emit.line} in emit < builder.py:{header} in header < ")
    # `list` shows the lines around the one that built the slot, not the emitter's def
    numbers = [row[1:].split()[0] for row in Console(session).run("list 0").output[1:] if row[1:].strip()]
    assert str(header) in numbers and str(emit.line) not in numbers


@pytest.mark.parametrize(
    ("name", "wrote", "statement"),
    [
        ("bug_select_swap", " flow 0 wrote idx[", 'self.emit("flow", "vselect", idx, cond, keep, reset)'),
        ("bug_hash_const", " valu 0 wrote t10[", "self.vop(op1, tmp1, val, self.vconst(c))"),
        ("bug_fused_const", " valu 0 wrote val0[", "self.fma(val, val, self.vconst(mul), self.vconst(c))"),
        ("bug_mask", " valu 0 wrote bit0[", 'self.vop("&", bit, val, mask)'),
    ],
)
def test_why_names_the_line_that_emitted_the_wrong_slot(name: str, wrote: str, statement: str) -> None:
    session = mapped(DENSE / f"{name}.py")
    console = Console(session)
    while session.resume().kind != "divergence":
        pass
    last = console.run("why").output[-1]
    assert last.startswith("first wrong value: pc ") and wrote in last
    assert f") at builder.py:{line_of(BUILDER, statement)}; it read " in last


def test_a_helper_line_calling_the_emitter_breaks_where_its_slots_run() -> None:
    session = mapped(DENSE / "correct_wide.py")
    smap = session.source_map
    assert smap is not None
    mask = line_of(BUILDER, 'self.vop("&", bit, val, mask)')
    pcs = smap.pcs_at("builder.py", mask)
    expected = sorted({pc for pc, e, i in all_slots(session) if session.program[pc][e][i][0] == "&"})
    assert pcs == expected and pcs


TUPLED = MADEBY / "tupled.py"


@pytest.fixture(scope="module")
def tupled() -> Session:
    return mapped(TUPLED)


def slots_with(session: Session, op: str) -> list[tuple[int, str, int]]:
    return [(pc, e, i) for pc, e, i in all_slots(session) if session.program[pc][e][i][0] == op]


def test_slots_made_by_tuple_of_a_list_keep_the_line_that_wrote_the_list(tupled: Session) -> None:
    smap = tupled.source_map
    assert smap is not None and smap.mapped == smap.total and smap.files() == ["tupled.py"]
    vload = line_of(TUPLED, 'self.put("load", ["vload", idx, i_addr])')
    idx_addr = tupled.scratch_names["idx"][0]
    loads = [s for s in slots_with(tupled, "vload") if tupled.program[s[0]]["load"][s[2]][1] == idx_addr]
    assert len(loads) == SMALL.size.batch_size // 8
    for slot in loads:
        assert smap.chain(*slot) == (Frame("tupled.py", vload, "build_kernel"),)
    # a list grown by extend, then turned into a tuple by the put helper
    grown = line_of(TUPLED, 'words = ["const"]')
    header = Frame("tupled.py", line_of(TUPLED, 'self.put("load", ["const", reg, word])'), "build_kernel")
    consts = [smap.chain(*slot) for slot in slots_with(tupled, "const")]
    assert sum(chain == (header,) for chain in consts) == 3
    grown_chains = [chain for chain in consts if chain != (header,)]
    assert grown_chains and all(chain[0] == Frame("tupled.py", grown, "const") for chain in grown_chains)
    put = line_of(TUPLED, "self.instrs.append({engine: [tuple(words)]})")
    assert all(put not in [f.line for f in smap.chain(*s)] for s in all_slots(tupled))


def test_slots_a_library_outside_the_folder_made_name_the_kernel_line_that_called_it(
    tupled: Session,
) -> None:
    smap = tupled.source_map
    assert smap is not None
    gather = line_of(TUPLED, "vecops.gather(self.instrs, node, addrs)")
    xor = line_of(TUPLED, 'self.put("valu", vecops.valu("^", val, val, node))')
    fused_stage = line_of(TUPLED, 'self.put("valu", vecops.fused(val, val, x, y))')
    fused_index = line_of(TUPLED, 'self.put("valu", vecops.fused(idx, idx, two, bit))')
    lane_loads = slots_with(tupled, "load_offset")
    assert len(lane_loads) == SMALL.size.batch_size * SMALL.size.rounds
    assert {smap.chain(*s) for s in lane_loads} == {(Frame("tupled.py", gather, "build_kernel"),)}
    node = tupled.scratch_names["node"][0]
    mixes = [s for s in slots_with(tupled, "^") if tupled.program[s[0]][s[1]][s[2]][3] == node]
    assert len(mixes) == SMALL.size.batch_size // 8 * SMALL.size.rounds
    assert {smap.chain(*s) for s in mixes} == {(Frame("tupled.py", xor, "build_kernel"),)}
    assert {smap.innermost(*s).line for s in slots_with(tupled, "multiply_add")} == {fused_stage, fused_index}
    # the library's own `*slot` helper: its frame is no part of the chain
    compare = line_of(TUPLED, 'vecops.vop(self.instrs, "<", bit, idx, nodes)')
    compares = slots_with(tupled, "<")
    assert {smap.chain(*s) for s in compares} == {(Frame("tupled.py", compare, "build_kernel"),)}
    assert tupled.slot_where(*compares[0]) == f" at tupled.py:{compare}"
    value_store = line_of(TUPLED, 'self.instrs.append({"store": [Store("vstore", v_addr, val)]})')
    val_addr = tupled.scratch_names["v_addr"][0]
    stores = [s for s in slots_with(tupled, "vstore") if tupled.program[s[0]][s[1]][s[2]][1] == val_addr]
    assert len(stores) == SMALL.size.batch_size // 8
    assert {smap.chain(*s) for s in stores} == {(Frame("tupled.py", value_store, "build_kernel"),)}
    pc = lane_loads[0][0]
    assert Console(tupled).run(f"info source {pc}").output == [f"load 0: tupled.py:{gather} in build_kernel"]


def test_the_correct_kernel_runs_clean_and_the_slip_is_named_at_its_store_line(tupled: Session) -> None:
    kinds = [Console(tupled).run("continue").stop.kind for _ in range(3)]
    assert kinds == ["pause", "pause", "end"]
    wrong = mapped(MADEBY / "tupled_wrong_parity.py")
    console = Console(wrong)
    assert console.run("continue").stop.kind == "pause"
    stop = console.run("continue").stop
    assert stop is not None and stop.kind == "divergence"
    store = line_of(TUPLED, 'self.put("store", ["vstore", i_addr, idx])')
    assert f"store slot 0 at tupled.py:{store};" in stop.message


def run_rewritten(tmp_path: Path, text: str) -> tuple[capture.Recorder, dict]:
    """Compile `text` as a kernel module of tmp_path, run it, and return the recorder and
    the module's namespace; the recorder's names are taken out of builtins afterwards."""
    path = tmp_path / "mod.py"
    path.write_text(text)
    recorder = capture.Recorder(lambda f: f == str(path), lambda f: "mod.py", ["valu", "alu"])
    names = (capture.RECORD, capture.RECORD_FRESH, capture.RECORD_RESULT, capture.RECORD_ARGS)
    names += (capture.RECORD_CONVERTED,)
    recorder.install()
    try:
        namespace: dict = {}
        exec(capture.rewrite(text, str(path), recorder.engines), namespace)
    finally:
        for name in names:
            delattr(builtins, name)
    return recorder, namespace


def test_star_args_are_recorded_after_the_docstring_and_in_a_lambda(tmp_path: Path) -> None:
    text = (
        "ops = []\n"
        "def vop(*slot):\n"
        '    """Why vop exists."""\n'
        '    ops.append(("valu", slot))\n'
        "alu = lambda *slot: ops.append(('alu', slot))\n"
        'vop("+", 1, 2, 3)\n'
        'alu("-", 4, 5, 6)\n'
        "def scheduled(words):\n"
        "    return tuple(words)\n"
        'copied = scheduled(["*", 7, 8, 9])\n'
    )
    recorder, namespace = run_rewritten(tmp_path, text)
    assert namespace["vop"].__doc__ == "Why vop exists."
    program = [{engine: [slot]} for engine, slot in namespace["ops"]]
    program.append({"alu": [namespace["copied"]]})
    data = recorder.source_map(program)
    frames = [(line, func) for _file, line, func in data["frames"]]
    chains = [[frames[n] for n in chain] for chain in data["chains"]]
    assert chains == [[(2, "vop"), (6, "<module>")], [(5, "<lambda>"), (7, "<module>")], [(10, "<module>")]]
    assert data["entries"] == [0, 1] and data["mapped"] == 3


def test_only_the_users_own_folders_outside_the_kernels_are_compiled_to_record(tmp_path: Path) -> None:
    import json as stdlib_module

    import pytest as installed

    from vliwdbg.loading import child

    root = Path(__file__).parents[3]
    kernel = tmp_path / "k" / "kernel.py"
    where = child.Where(
        str(kernel), "kernel.py", str(kernel.parent), (str(root / "machine"), str(root / "vliwdbg"))
    )
    assert child._a_library_of_the_users(str(tmp_path / "lib" / "vecops.py"), where)
    assert not child._a_library_of_the_users(str(kernel.parent / "emit.py"), where)  # the kernel's own
    assert not child._a_library_of_the_users(stdlib_module.__file__, where)
    assert not child._a_library_of_the_users(installed.__file__, where)
    assert not child._a_library_of_the_users(str(root / "machine" / "problem.py"), where)


def test_only_one_statement_functions_passing_their_parameters_on_forward() -> None:
    text = (
        "def vop(self, op, d, a, b):\n"
        '    """Doc."""\n'
        '    self.emit("valu", op, d, a, b)\n'
        "def fma(self, d, *srcs, **how):\n"
        '    return self.emit("valu", "multiply_add", d, *srcs, **how)\n'
        "def gather(self, node, addrs):\n"
        '    self.vop("+", addrs, node, addrs)\n'
        "    self.flush()\n"
        "def scaled(self, op, d, a):\n"
        '    self.emit("valu", op, d, a, self.scale)\n'
    )
    forwarding: set[int] = set()
    capture.rewrite(text, "mod.py", frozenset({"valu"}), True, forwarding)
    assert forwarding == {3, 5}


def test_a_display_inside_a_multi_line_star_args_lambda_keeps_its_own_line(tmp_path: Path) -> None:
    text = 'ops = []\nvop = lambda *s: ops.append(\n    ("valu", ("+", *s))\n)\nvop(1, 2, 3)\n'
    recorder, namespace = run_rewritten(tmp_path, text)
    data = recorder.source_map([{"valu": [namespace["ops"][0][1]]}])
    frames = [(line, func) for _file, line, func in data["frames"]]
    assert [[frames[n] for n in chain] for chain in data["chains"]] == [[(3, "<lambda>"), (5, "<module>")]]
