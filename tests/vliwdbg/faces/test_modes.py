"""`vliwdbg --lint` and `vliwdbg --trace`, run as the command line runs them."""

import json
import textwrap

import pytest

from vliwdbg.faces.cli import main

SMALL = ["--height", "2", "--rounds", "1", "--batch", "4"]

KERNEL = textwrap.dedent(
    """
    from problem import DebugInfo


    class KernelBuilder:
        def __init__(self):
            self.instrs = []

        def debug_info(self):
            return DebugInfo(scratch_map={2: ("sum", 1)})

        def build_kernel(self, forest_height, n_nodes, batch_size, rounds):
            self.instrs = [
                {"load": [("const", 0, 1), ("const", 1, 2)]},
                {"alu": [("+", 2, 0, 1), ("-", 2, 0, 1)]},
                {"store": [("store", 0, 2)]},
                {"alu": [("frob", 3, 0, 1)]},
            ]
    """
)


def test_lint_of_a_shipped_kernel_is_clean(capsys):
    assert main(["--lint", "baseline", *SMALL]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("baseline: ")
    assert out[-1].endswith("0 errors, 3 notes")


def test_lint_status_is_1_with_errors_and_0_with_notes_only(tmp_path, capsys):
    path = tmp_path / "k.py"
    path.write_text(KERNEL)
    assert main(["--lint", str(path), *SMALL]) == 1
    out = capsys.readouterr().out.splitlines()
    line = next(n for n, text in enumerate(KERNEL.splitlines(), 1) if '("-", 2, 0, 1)' in text)
    assert out[0] == (
        "pc 1 alu[1] (- 2 0 1) error: writes sum, which alu[0] also writes in the same bundle;"
        f" only this later write lands at k.py:{line}"
    )
    assert out[1].startswith("pc 3 alu[0] (frob 3 0 1) error: unknown alu op 'frob'")
    assert out[-1] == "k.py: 4 bundles; 2 errors, 0 notes"
    path.write_text(KERNEL.replace('{"alu": [("frob", 3, 0, 1)]},', "").replace(', ("-", 2, 0, 1)', ""))
    assert main(["--lint", str(path), *SMALL]) == 0


def test_lint_of_a_kernel_that_cannot_be_built(tmp_path, capsys):
    assert main(["--lint", str(tmp_path / "missing.py"), *SMALL]) == 2
    assert capsys.readouterr().err.startswith("vliwdbg: ")


def test_trace_writes_the_range_asked_for(tmp_path, capsys):
    path = tmp_path / "t.json"
    assert main(["--trace", str(path), "--from", "2", "--to", "10", "baseline", *SMALL]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {path}: cycles 2..10, 8 bundles")
    events = json.loads(path.read_text())
    stamps = {e["ts"] for e in events if e.get("ph") == "X" and e.get("dur")}
    assert stamps == set(range(2, 10))


def test_trace_range_without_a_file_is_an_error(capsys):
    assert main(["--from", "3", "baseline", *SMALL]) == 2
    assert "--from and --to need --trace FILE" in capsys.readouterr().err


@pytest.mark.parametrize("flags", [["--lint", "--trace", "x.json"]])
def test_modes_do_not_combine(flags):
    with pytest.raises(SystemExit):
        main([*flags, "baseline", *SMALL])
