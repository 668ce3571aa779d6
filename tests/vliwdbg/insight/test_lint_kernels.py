"""The shipped kernels lint clean (status 0), at a small size that has every structure the
standard size has (the kernels are unrolled; a bigger problem only repeats their bundles)."""

import pytest

from vliwdbg.insight.lint import lint_report
from vliwdbg.loader import load_kernel

HEIGHT, ROUNDS, BATCH = 3, 2, 16


def lint_kernel(name: str):
    kernel = load_kernel(name, height=HEIGHT, n_nodes=2 ** (HEIGHT + 1) - 1, batch_size=BATCH, rounds=ROUNDS)
    return lint_report(kernel.program, scratch_map=kernel.scratch_map)


@pytest.mark.parametrize("name", ["baseline", "vector"])
def test_shipped_kernel_lints_with_status_0(name):
    report = lint_kernel(name)
    assert [f.line() for f in report.findings if f.severity != "note"] == []
    assert report.status == 0


@pytest.mark.xfail(
    strict=True,
    reason="three-lane's packer reads old values on purpose (pointer bumps, pipelined lanes) and does"
    " not yet mark those bundles with ('comment', 'lint: reads-old')",
)
def test_three_lane_lints_with_status_0():
    assert lint_kernel("three-lane").status == 0


def test_three_lane_has_no_errors_and_no_double_writes():
    report = lint_kernel("three-lane")
    serious = [
        f.line() for f in report.findings if f.severity != "note" and "it sees the old value" not in f.message
    ]
    assert serious == []
