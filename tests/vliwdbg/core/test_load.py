"""`load` and `reload`: another program in the same Session, at step 0 with a fresh history,
breakpoints carried over, and a kernel that fails to load changing nothing.

Each load of a file builds it in a child process (about 0.1 s), so the tests are few and
each covers several things.
"""

from __future__ import annotations

import io
import textwrap
import time
from pathlib import Path

from machine.problem import ProblemSize
from tests.vliwdbg.core_fixtures import LOOP_NAMES, PROBLEM, Driven, loop_program, session, state
from vliwdbg.commands.console import Console
from vliwdbg.commands.recording import script_header, write_script
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.faces.replay import run_script

SMALL = ProblemSize(height=2, rounds=1, batch_size=8, seed=5)


def write_kernel(path: Path, program: list[dict], names: dict[int, tuple[str, int]], extra: str = "") -> str:
    """A take-home-style kernel file whose build gives `program` and `names`."""
    path.write_text(
        textwrap.dedent(
            f"""\
            from problem import DebugInfo


            class KernelBuilder:
                def __init__(self):
                    self.instrs = []

                def debug_info(self):
                    return DebugInfo(scratch_map={names!r})

                def build_kernel(self, forest_height, n_nodes, batch_size, rounds):
                    {extra}
                    self.instrs = {program!r}
            """
        )
    )
    return str(path)


def open_file(path: str) -> Session:
    s = Driven.open(path, RunOptions(SMALL, check_stores=False))
    assert s.problem.value_trace == PROBLEM.value_trace
    return s


def test_reload_builds_the_edited_file_and_starts_over_with_the_breakpoints(tmp_path) -> None:
    path = write_kernel(tmp_path / "k.py", loop_program(3), LOOP_NAMES)
    s = open_file(path)
    for line in ["break pc 8", "break pc 1", "watch i", "continue", "continue"]:
        assert s.execute(line).error is None, line
    assert s.step == 4 and s.program_generation == 0
    problem, stops, old_core = s.problem, s.stops, s.core

    write_kernel(tmp_path / "k.py", [*loop_program(5)[:5], {"flow": [("halt",)]}], {7: ("i", 1)})
    result = s.execute("reload")
    assert result.error is None
    assert result.output == [
        "reloaded k.py: 6 bundles",
        "breakpoint 1 at pc 8 is past the end of the program (pcs 0..5)",
        "watchpoint 3 i: now s[7] (was s[0])",
        "start of history (step 0, cycle 0, pc 0)",
    ]
    assert result.stop is s.last_stop and s.last_stop.kind == "start"
    assert s.program_generation == 1 and s.recorded[-1] == "reload"
    assert len(s.program) == 6 and s.program[4] == {"alu": [("+", 0, 0, 1)]}
    assert (s.step, s.cycle, s.pc) == (0, 0, 0) and s.timeline.frontier == 0
    assert s.core is not old_core and s.last_changes == []
    assert s.problem is problem and s.stops is stops and s.scratch_names == {"i": (7, 1)}
    assert [bp.id for bp in s.breakpoints] == [1, 2, 3]
    assert s.execute("continue").stop.pc == 1  # breakpoint 2, still there
    assert s.execute("continue").stop.kind == "pause"
    assert s.execute("continue").stop.kind == "end"


def test_a_kernel_that_fails_to_load_changes_nothing(tmp_path) -> None:
    path = write_kernel(tmp_path / "k.py", loop_program(3), LOOP_NAMES)
    s = open_file(path)
    s.execute("break pc 5")
    s.execute("continue")
    before = (state(s), s.step, s.program, s.core, s.timeline, s.last_stop, list(s.recorded))
    (tmp_path / "k.py").write_text("def broken(:\n")
    error = s.execute("reload").error
    assert error == f"reload: {path}:1: syntax error: invalid syntax"
    error = s.execute(f"load {tmp_path / 'missing.py'}").error
    assert error == f"load: {tmp_path / 'missing.py'}: no such file"
    assert s.execute("load").error.startswith("load: expected a kernel: three-lane, baseline, vector")
    assert s.execute("reload now").error == "reload: takes no arguments, got 'now'"
    after = (state(s), s.step, s.program, s.core, s.timeline, s.last_stop, list(s.recorded))
    assert after == before and s.program_generation == 0
    assert [(bp.id, bp.pc, bp.enabled) for bp in s.breakpoints] == [(1, 5, True)]


def test_a_build_that_is_interrupted_changes_nothing(tmp_path) -> None:
    slow = write_kernel(tmp_path / "slow.py", loop_program(1), {}, extra="import time; time.sleep(30)")
    s = session(loop_program(3), LOOP_NAMES)
    polls = iter([False, False, True])
    started = time.monotonic()
    result = s.execute(f"load {slow}", cancel=lambda: next(polls, True))
    assert time.monotonic() - started < 10
    assert result.error == f"load: {slow}: the build was interrupted"
    assert len(s.program) == 10 and s.program_generation == 0


def test_load_opens_ours_for_the_same_problem_and_reload_imports_it_again() -> None:
    s = session(loop_program(3), LOOP_NAMES, check_stores=True)
    assert s.execute("reload").error == (
        "reload: test was given as a program, not loaded from a file: nothing to reload"
    )
    s.execute("break pc 3")
    result = s.execute("file baseline")
    assert result.output[0].startswith("loaded baseline: ") and s.kernel.name == "baseline"
    assert s.recorded[-1] == "load baseline" and s.program_generation == 1
    assert s.problem is PROBLEM and s.check_stores
    # The store check (still on) and the breakpoint work on the new program.
    assert s.execute("continue").stop.pc == 3
    while (stop := s.execute("continue").stop).kind not in ("end", "divergence", "fault"):
        pass
    assert stop.kind == "end" and "all 8 values correct" in stop.message
    program = s.program
    assert s.execute("reload").output[0] == f"reloaded baseline: {len(program)} bundles"
    assert s.program == program and s.program is not program and s.program_generation == 2


def test_a_recording_with_loads_replays_from_the_kernel_it_opened_with(tmp_path) -> None:
    first = write_kernel(tmp_path / "first.py", loop_program(3), LOOP_NAMES)
    s = open_file(first)
    for line in ["step 2", "break pc 6", "load baseline", "advance 40", "reload", "step 7"]:
        assert s.execute(line).error is None, line
    s.execute(f"load {first}")
    s.execute("step 5")
    assert s.recorded[-2:] == [f"load {first}", "step 5"]
    path = tmp_path / "session.txt"
    write_script(path, s.recorded, script_header(s, path))
    lines = path.read_text().splitlines()
    assert lines[0] == (
        f"# replay with: vliwdbg --replay {path} {first} --height 2 --rounds 1 --batch 8 --seed 5"
        " --no-check-stores"
    )
    fresh = open_file(first)
    out, err = io.StringIO(), io.StringIO()
    assert run_script(Console(fresh), lines, str(path), out, err) == 0, err.getvalue()
    assert state(fresh) == state(s) and fresh.program == s.program
    assert fresh.program_generation == s.program_generation == 3
    assert [(bp.id, bp.text) for bp in fresh.breakpoints] == [(1, "6")]
