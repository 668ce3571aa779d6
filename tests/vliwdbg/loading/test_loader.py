"""Loading kernels: ours by name, and users' messy files in a child process.

Each file load starts a process (about 0.1 s), so the fixtures are few and each covers
several habits of real kernel files at once.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

import machine
from machine.problem import ProblemSize
from vliwdbg.loading import loader as loader_module
from vliwdbg.loading.child import ProgramShapeError, plain_program, plain_scratch_map
from vliwdbg.loading.loader import KernelLoadError, LoadedKernel, load_kernel

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kernels"
ROOT = Path(__file__).resolve().parents[3]
SMALL = ProblemSize(height=2, rounds=1, batch_size=4)


def load(path: Path | str, **kw: object) -> LoadedKernel:
    return load_kernel(str(path), SMALL, **kw)


def load_error(path: Path | str, **kw: object) -> str:
    with pytest.raises(KernelLoadError) as info:
        load(path, **kw)
    message = str(info.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


# --- users' files -----------------------------------------------------------------------


def test_messy_kernel_loads_with_problem_answered_by_our_machine() -> None:
    kernel = load(FIXTURES / "messy" / "messy_kernel.py")
    assert kernel.name == "messy_kernel.py"
    assert kernel.path == str(FIXTURES / "messy" / "messy_kernel.py")
    assert kernel.notes == []
    assert kernel.scratch_map == {0: ("tmp", 1), 1: ("vec", 8)}
    first, broadcast, debug, halt = kernel.program
    assert type(first) is dict
    assert first == {"load": [("const", 0, 0), ("load", 0, 0)], "alu": [("+", 0, 0, 0)] * 12}
    assert broadcast == {"valu": [("vbroadcast", 1, 0)], "flow": [("pause",)]}
    assert halt == {"flow": [("halt",)]}
    compare, vcompare, modules, limit, lanes = debug["debug"]
    assert compare == ("compare", 0, (0, 0, "idx"))
    assert vcompare == ("vcompare", 1, tuple((0, i, "val") for i in range(8)))
    # `import problem` and `import frozen_problem` were our machine, not the decoys beside it
    assert modules == ("comment", "machine", "machine")
    # the kernel's tampering happened in its own process ...
    assert limit == ("comment", "alu limit seen by the kernel", 99)
    assert lanes == ("comment", "lanes", tuple(range(1, 9)))
    # ... and never reached ours
    assert machine.SLOT_LIMITS["alu"] == 12
    assert machine.myhash is machine.problem.myhash
    if hasattr(machine, "Machine"):
        assert machine.Machine.run.__name__ == "run"


def test_kernel_without_debug_info_and_with_an_extra_parameter() -> None:
    kernel = load(FIXTURES / "messy" / "no_debug_info.py")
    assert kernel.program == [{"flow": [("pause",)]}, {"flow": [("pause",)]}]
    assert kernel.scratch_map == {}
    assert kernel.notes == ["the kernel has no debug_info(): no scratch names"]


def test_slow_kernel_whose_debug_info_returns_none() -> None:
    kernel = load(FIXTURES / "messy" / "slow_no_names.py")
    assert kernel.program == [{"load": [("const", 0, SMALL.batch_size)]}, {"flow": [("halt",)]}]
    assert kernel.scratch_map == {}
    assert kernel.notes == ["debug_info() returned None: no scratch names"]
    assert kernel.build_seconds >= 0.5


@pytest.mark.parametrize(
    ("info", "note"),
    [
        ("{}", "debug_info() gave an empty scratch map: no scratch names"),
        (
            "type('Info', (), {'scratch_map': {}})()",
            "debug_info() gave an empty scratch map: no scratch names",
        ),
        ("type('Info', (), {})()", "debug_info() gave no scratch_map: no scratch names"),
    ],
)
def test_a_debug_info_without_names_is_said(tmp_path: Path, info: str, note: str) -> None:
    kernel_file = tmp_path / "kernel.py"
    kernel_file.write_text(
        "class KernelBuilder:\n"
        "    def build_kernel(self, height, n_nodes, batch_size, rounds):\n"
        "        self.instrs = [{'flow': [('halt',)]}]\n"
        "    def debug_info(self):\n"
        f"        return {info}\n"
    )
    kernel = load(kernel_file)
    assert kernel.scratch_map == {} and kernel.notes == [note]


def test_kernel_needing_its_own_problem_py_is_built_with_it_and_says_so() -> None:
    kernel = load(FIXTURES / "own_problem" / "wide_kernel.py")
    assert kernel.program == [{"load": [("const", 0, 16)]}]
    assert kernel.scratch_map == {0: ("wide", 1)}
    (note,) = kernel.notes
    assert "own_problem/problem.py" in note
    assert "WIDE_LANES" in note


def test_loading_from_another_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "messy")
    kernel = load("no_debug_info.py")
    assert kernel.name == "no_debug_info.py"
    assert len(kernel.program) == 2


BROKEN = FIXTURES / "broken"


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("import_raises.py", "import_raises.py:3: import failed: ValueError: invalid literal for int()"),
        (
            "uses_bad_helper.py",
            "bad_helper.py:3: import failed: NameError: name 'UNDEFINED_CONSTANT' is not defined "
            "(loading {dir}/uses_bad_helper.py)",
        ),
        ("no_builder.py", "no_builder.py: defines no class KernelBuilder"),
        ("build_raises.py", "build_raises.py:7: build_kernel failed: IndexError: list index out of range"),
        ("not_a_list.py", "not_a_list.py: self.instrs is a dict, not a list of bundles"),
        ("bad_bundle.py", "bad_bundle.py: bundle 2 is a list, not a dict of engine -> slots"),
        ("bad_operand.py", "bad_operand.py: bundle 1, alu slot 0 holds a Register object, not plain data"),
        ("exits.py", "exits.py: the build process ended with status 3 before sending a program"),
        ("wants_name.py", "wants_name.py:3: uses SUPER_VLEN from problem, which vliwdbg's machine does not"),
    ],
)
def test_broken_files_give_one_line_naming_file_and_line_or_bundle(file: str, expected: str) -> None:
    message = load_error(BROKEN / file)
    assert message.startswith(str(BROKEN) + "/")
    assert expected.format(dir=BROKEN) in message


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    kernel = tmp_path / "typo.py"
    kernel.write_text("class KernelBuilder:\n    def build_kernel(self, h, n, b, r)\n        pass\n")
    assert load_error(kernel) == f"{kernel}:2: syntax error: expected ':'"


def test_a_runaway_build_is_stopped() -> None:
    assert load_error(BROKEN / "runaway.py", timeout=0.5).endswith(
        "runaway.py: building took longer than 0.5 s and was stopped"
    )


def test_missing_file_and_folder() -> None:
    assert load_error("no/such/kernel.py") == "no/such/kernel.py: no such file"
    assert (
        load_error("thre-lane")
        == "thre-lane: no such file (the kernels we ship: three-lane, baseline, vector)"
    )
    assert load_error(BROKEN) == f"{BROKEN}: is a folder, not a kernel file"


# --- plain data rules (no child process) ------------------------------------------------


class Index:
    """An integer-like operand, as numpy's int64 is."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def test_plain_program_normalises_what_the_take_home_accepts() -> None:
    bundle = defaultdict(list)
    bundle["alu"].append(["+", Index(3), 1, True])
    bundle["debug"].append(("vcompare", 8, [[0, i, "val"] for i in range(2)]))
    program = plain_program(({"flow": (("halt",),)}, bundle))
    assert program == [
        {"flow": [("halt",)]},
        {"alu": [("+", 3, 1, 1)], "debug": [("vcompare", 8, ((0, 0, "val"), (0, 1, "val")))]},
    ]
    assert [type(b) for b in program] == [dict, dict]
    assert type(program[1]["alu"][0][1]) is int


@pytest.mark.parametrize(
    ("instrs", "message"),
    [
        ("halt", "self.instrs is a str, not a list of bundles"),
        ([{}, ("flow", "halt")], "bundle 1 is a tuple, not a dict"),
        ([{1: []}], "bundle 0: engine name 1 is not a string"),
        ([{"flow": "halt"}], "bundle 0, flow: slots are a str, not a list"),
        ([{"flow": ["halt"]}], "bundle 0, flow slot 0 is a str, not a tuple"),
        ([{}, {}, {"alu": [("+", 0, object(), 0)]}], "bundle 2, alu slot 0 holds a object object"),
    ],
)
def test_plain_program_refuses_what_is_not_a_program(instrs: object, message: str) -> None:
    with pytest.raises(ProgramShapeError, match=None) as info:
        plain_program(instrs)
    assert message in str(info.value)


def test_scratch_map_entries_that_are_not_name_and_length_are_skipped() -> None:
    names, notes = plain_scratch_map(
        {0: ("a", 1), 1: ("v", Index(8)), 9: "junk", 10: (None, 1), -1: ("n", 1)}
    )
    assert names == {0: ("a", 1), 1: ("v", 8)}
    assert notes == ["3 scratch_map entries are not (name, length) and were skipped"]
    assert plain_scratch_map([1, 2]) == ({}, ["scratch_map is a list, not a dict: no scratch names"])


# --- our kernels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "name", "module"),
    [
        (None, "three-lane", "kernels.three_lane"),
        ("three-lane", "three-lane", "kernels.three_lane"),
        ("baseline", "baseline", "kernels.baseline"),
        ("vector", "vector", "kernels.vector"),
    ],
)
def test_our_kernels_by_name(spec: str | None, name: str, module: str) -> None:
    kernel = load_kernel(spec, ProblemSize(height=3, batch_size=8, rounds=2))
    assert kernel.name == name
    assert kernel.path == str(ROOT / (module.replace(".", "/") + ".py"))
    assert kernel.program and all(type(b) is dict for b in kernel.program)
    assert kernel.scratch_map
    assert all(isinstance(n, str) and length >= 1 for n, length in kernel.scratch_map.values())


def test_a_missing_kernel_of_ours_is_a_load_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(loader_module.OUR_KERNELS, "vector", "kernels.not_there")
    message = load_error("vector")
    assert message == "vector: this kernel is not available (kernels/not_there.py is missing)"


def test_our_baseline_as_a_file_builds_the_same_program_as_by_name() -> None:
    by_name = load_kernel("baseline", SMALL)
    by_file = load(ROOT / "kernels" / "baseline.py")
    assert by_file.name == "baseline.py"
    assert by_file.program == by_name.program
    assert by_file.scratch_map == by_name.scratch_map
    assert by_file.notes == []


def test_a_long_exception_message_is_cut_to_one_short_line(tmp_path: Path) -> None:
    kernel = tmp_path / "loud.py"
    kernel.write_text("raise ValueError('x' * 5000 + '\\nsecond line')\n")
    message = load_error(kernel)
    assert message.startswith(f"{kernel}:1: import failed: ValueError: xxx")
    assert message.endswith("...")
    assert len(message) - len(str(kernel)) < 250


def test_fresh_imports_a_kernel_of_ours_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`reload` and `load` in a session pass fresh: an edited kernel of ours is built as it
    is now; without it, the module imported once is used again."""
    source = tmp_path / "edited_kernel_mod.py"

    def write(bundles: int) -> None:
        source.write_text(
            "class KernelBuilder:\n"
            "    def build_kernel(self, forest_height, n_nodes, batch_size, rounds):\n"
            f"        self.instrs = [{{'flow': [('pause',)]}}] * {bundles}\n"
        )

    write(1)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(loader_module.OUR_KERNELS, "vector", "edited_kernel_mod")
    try:
        assert len(load_kernel("vector", SMALL).program) == 1
        write(12)
        assert len(load_kernel("vector", SMALL).program) == 1
        assert len(load_kernel("vector", SMALL, fresh=True).program) == 12
    finally:
        sys.modules.pop("edited_kernel_mod", None)
