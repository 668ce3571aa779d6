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


@pytest.mark.parametrize("name", ["correct_wide", "correct_plus1", "correct_loop"])
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
