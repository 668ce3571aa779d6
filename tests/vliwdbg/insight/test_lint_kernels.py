"""The shipped kernels lint clean (status 0), at a small size that has every structure the
standard size has (the kernels are unrolled; a bigger problem only repeats their bundles).
Their deliberate stale reads are marked with ("comment", "lint: reads-old")."""

import pytest

from machine.problem import ProblemSize
from vliwdbg.insight.lint import lint_report
from vliwdbg.loading.loader import load_kernel

HEIGHT, ROUNDS, BATCH = 3, 2, 16


@pytest.mark.parametrize("name", ["baseline", "three-lane", "vector"])
def test_shipped_kernel_lints_with_status_0(name):
    kernel = load_kernel(name, ProblemSize(height=HEIGHT, batch_size=BATCH, rounds=ROUNDS))
    report = lint_report(kernel.program, scratch_map=kernel.scratch_map)
    assert [f.line() for f in report.findings if f.severity != "note"] == []
    assert report.status == 0


@pytest.mark.parametrize("name", ["baseline", "three-lane", "vector"])
def test_slot_accesses_is_iter_slots_and_slot_access_in_one_pass(name):
    from vliwdbg.insight.access import iter_slots, slot_access
    from vliwdbg.insight.lint import slot_accesses

    kernel = load_kernel(name, ProblemSize(height=HEIGHT, batch_size=BATCH, rounds=ROUNDS))
    odd_compares = [("compare", True, (0, 0, "idx")), ("compare", 3, ["unhashable"]), ("compare", 2.0, 1)]
    program = [
        *kernel.program,
        {"alu": [("frob", 1, 2, 3)], "debug": "not a list"},
        {"debug": odd_compares},
        ["not a dict"],
    ]
    expected = [
        [(e, i, s, a) for e, i, s in iter_slots(bundle) if (a := slot_access(e, s)) is not None]
        for bundle in program
    ]
    assert slot_accesses(program) == expected
