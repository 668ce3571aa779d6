"""`why` on dense kernels shaped like real ones (tests/fixtures/kernels/dense): no compares,
one final store per group, helper emitters, a list scheduler, fused hash stages. Each
buggy variant differs from its correct one by one slip; `why` must name the slot with the
slip, and say "matches" on the correct kernels."""

from pathlib import Path

import pytest

from machine.problem import ProblemSize
from vliwdbg.commands.console import Console
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session

DENSE = Path(__file__).parents[2] / "fixtures" / "kernels" / "dense"
OPTIONS = RunOptions(ProblemSize(height=4, rounds=6, batch_size=24))


def _open(name: str) -> tuple[Session, Console]:
    session = Session.open(str(DENSE / f"{name}.py"), OPTIONS)
    return session, Console(session)


def _slot_ops(session: Session, line: str) -> tuple:
    """The slot a `first wrong value: pc P ENGINE N ...` line names."""
    words = line.split()
    pc, engine, index = int(words[4]), words[5], int(words[6])
    return session.program[pc][engine][index]


@pytest.mark.parametrize(
    ("name", "op", "constant"),
    [
        ("bug_hash_const", "^", 0xC761C23C ^ 0x10),  # stage 1's constant, one bit off
        ("bug_fused_const", "multiply_add", 1 << 5),  # stage 2 fused with 32, not 33
        ("bug_fused_const_wide", "multiply_add", 1 << 5),
        ("bug_derived_const", "+", None),  # node base forest_p + 1, not - 1
    ],
)
def test_why_names_the_slip(name: str, op: str, constant: int | None) -> None:
    session, console = _open(name)
    stop = session.resume()
    while stop.kind != "divergence":
        stop = session.resume()
    step = session.step
    lines = console.run("why").output
    assert session.step == step  # the position did not move
    last = lines[-1]
    assert last.startswith("first wrong value: pc ")
    slot = _slot_ops(session, last)
    assert slot[0] == op
    if constant is not None:
        names = session.kernel.scratch_map
        operands = [names.get(a, ("", 0))[0] for a in slot[2:]]
        assert f"v{constant:x}" in operands
    else:
        base = session.scratch_names["vnode_base"][0]
        assert base in slot[2:]


def _slots(session: Session, op: str, dest: str, operand: str) -> list[tuple[int, str, int]]:
    """(pc, engine, index) of every slot with this op writing register `dest` and reading
    register `operand`, in program order: found from the kernel's own names, not from why."""
    names = session.scratch_names
    want_dest, want_operand = names[dest][0], names[operand][0]
    found = []
    for pc, bundle in enumerate(session.program):
        for engine, slots in bundle.items():
            for index, slot in enumerate(slots):
                if slot[0] == op and slot[1] == want_dest and want_operand in slot[2:]:
                    found.append((pc, engine, index))
    return found


def _first_round(session: Session, element: int, differs) -> int:
    """The first round whose reference values make the slip change element's result."""
    trace = session.problem.value_trace
    return next(r for r in range(session.problem.rounds) if differs(trace, r, element))


def _mask_differs(trace, r, i):
    h = trace[(r, i, "hashed_val")]
    return (h & 1) != (h & 2)


def _wrap_differs(trace, r, i):
    return 24 <= trace[(r, i, "next_idx")] < 31  # wraps at batch_size (24), not n_nodes (31)


def _pass_steps(session: Session) -> int:
    """Bundles one pass of the loop kernel runs: from its top to its cond_jump."""
    jump = next(
        pc for pc, b in enumerate(session.program) if any(s[0] == "cond_jump" for s in b.get("flow", ()))
    )
    top = session.program[jump]["flow"][0][2]
    return jump + 1 - top


@pytest.mark.parametrize(
    ("name", "op", "dest", "operand", "element", "rounds"),
    [
        ("bug_hash_const", "^", "t10", f"v{0xC761C23C ^ 0x10:x}", 0, None),
        ("bug_fused_const", "multiply_add", "val0", "v20", 0, None),
        ("bug_fused_const_wide", "multiply_add", "val0", "v20", 0, None),
        ("bug_derived_const", "+", "addr0", "vnode_base", 0, None),
        ("bug_mask", "&", "bit0", "v2", 0, _mask_differs),
        ("bug_wrap_bound", "<", "cond", "vbound", 1, _wrap_differs),
        ("bug_select_swap", "vselect", "idx", "cond", 0, None),
    ],
)
def test_why_names_the_exact_slot_and_step(name, op, dest, operand, element, rounds) -> None:
    """The slot with the slip, in the round it first changes the element's result: for a
    straight-line kernel the r-th slot of its kind, for the loop kernel the pass r of it."""
    session, console = _open(name)
    while session.resume().kind != "divergence":
        pass
    last = console.run("why").output[-1]
    r = 0 if rounds is None else _first_round(session, element, rounds)
    candidates = _slots(session, op, dest, operand)
    loop = name.endswith(("wrap_bound", "select_swap"))
    pc, engine, index = candidates[element // 8] if loop else candidates[r]
    step = pc + r * _pass_steps(session) if loop else pc
    assert last.startswith(f"first wrong value: pc {pc} {engine} {index} wrote {dest}[{element % 8}] = ")
    assert f"(step {step}, cycle " in last


@pytest.mark.parametrize("name", ["correct_wide", "correct_plus1", "correct_loop", "correct_loop_mixed"])
def test_correct_kernels_match_and_never_stop(name: str) -> None:
    session, console = _open(name)
    kinds = set()
    while True:
        stop = session.resume()
        kinds.add(stop.kind)
        if stop.kind == "end":
            break
    assert "divergence" not in kinds
    for loc in ("values[5]", "values[17]", "indices[7]"):
        assert console.run(f"why {loc}").output[-1].startswith(f"{loc} matches the reference (")


def test_why_with_no_loc_on_a_correct_run_says_so() -> None:
    session, console = _open("correct_wide")
    while session.resume().kind != "end":
        pass
    result = console.run("why")
    assert result.error is not None and "every output word matches the reference" in result.error


def test_the_first_wrong_value_line_names_the_source_line_when_the_session_knows_it() -> None:
    """`first wrong value: pc P ENGINE N wrote WORD = V (step S, cycle C) at FILE:LINE; ...`:
    the place comes from session.slot_where (the source map), asked for the slot named."""
    session, console = _open("bug_hash_const")
    while session.resume().kind != "divergence":
        pass
    asked = []

    def slot_where(pc: int, engine: str, index: int) -> str:
        asked.append((pc, engine, index))
        return f" at builder.py:{pc}"

    session.slot_where = slot_where  # what the source map answers, once it has one
    last = console.run("why").output[-1]
    pc, engine, index = _slots(session, "^", "t10", f"v{0xC761C23C ^ 0x10:x}")[0]
    assert (pc, engine, index) in asked
    assert last.startswith(f"first wrong value: pc {pc} {engine} {index} wrote t10[0] = ")
    assert f"(step {pc}, cycle {pc}) at builder.py:{pc}; it read " in last


OTHER_SIZES = [ProblemSize(2, 5, 8, 13), ProblemSize(3, 16, 16, 2), ProblemSize(5, 9, 16, 8)]


@pytest.mark.parametrize("size", OTHER_SIZES)
@pytest.mark.parametrize(
    ("name", "op", "operand"),
    [
        ("bug_hash_const", "^", f"v{0xC761C23C ^ 0x10:x}"),
        ("bug_hash_const_loop", "^", f"v{0xC761C23C ^ 0x10:x}"),
        ("bug_fused_const", "multiply_add", "v20"),
        ("bug_derived_const", "+", "vnode_base"),
        ("bug_mask", "&", "v2"),
        ("bug_wrap_bound", "<", "vbound"),
        ("bug_select_swap", "vselect", "cond"),
    ],
)
def test_why_names_a_slot_with_the_slip_at_other_sizes_and_seeds(name, op, operand, size):
    """Other trees, round counts and seeds put the coincidences elsewhere (a wrong index
    equal to some round's idx+1, a node the reference reads in another round): the slot
    named still holds the slip."""
    session = Session.open(str(DENSE / f"{name}.py"), RunOptions(size))
    console = Console(session)
    while session.resume().kind != "divergence":
        pass
    last = console.run("why").output[-1]
    assert last.startswith("first wrong value: pc ")
    slot = _slot_ops(session, last)
    assert slot[0] == op and session.scratch_names[operand][0] in slot[1:]


def test_why_on_a_scratch_temporary_mid_run_finds_its_element_on_the_way_back() -> None:
    """t10 is a temporary of the hash, with no address to say which element it serves; the
    walk learns the element from the first value on its way that only one element has."""
    session, console = _open("bug_mask")
    r = _first_round(session, 0, _mask_differs)
    pc, engine, index = _slots(session, "&", "bit0", "v2")[r]
    console.run(f"goto step {pc + 25}")
    last = console.run("why t10[0]").output[-1]
    assert last.startswith(f"first wrong value: pc {pc} {engine} {index} wrote bit0[0] = ")


def test_a_right_word_shows_the_slot_that_wrote_it() -> None:
    session, console = _open("correct_wide")
    console.run("goto step 10")
    first = console.run("why val0[3]").output[0]
    val0 = session.scratch_names["val0"][0]
    loads = [(pc, slot) for pc, bundle in enumerate(session.program) for slot in bundle.get("load", ())]
    vload = next(pc for pc, slot in loads if slot[:2] == ("vload", val0))
    assert first.startswith(f"val0[3] = {session.problem.initial[session.regions['values'][0] + 3]}: step ")
    assert f"pc {vload} load[" in first


def test_a_missing_wrap_names_the_slot_that_left_the_index_past_the_tree() -> None:
    """broken_three_lane never wraps: the last slot that made the stored index made the
    round's next index, where the reference has the wrapped one."""
    fixture = Path(__file__).parents[2] / "fixtures" / "kernels" / "broken_three_lane.py"
    options = RunOptions(ProblemSize(height=2, rounds=3, batch_size=8), debug=False)
    session = Session.open(str(fixture), options)
    while session.resume().kind != "divergence":
        pass
    trace, n_nodes = session.problem.value_trace, session.problem.n_nodes
    r = next(r for r in range(3) if trace[(r, 0, "next_idx")] >= n_nodes)
    last = Console(session).run("why indices[0]").output[-1]
    assert f"wrote idx_a = {trace[(r, 0, 'next_idx')]} " in last
    assert last.endswith(f'the reference has 0 = ref({r}, 0, "wrapped_idx") there')
