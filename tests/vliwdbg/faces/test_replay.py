"""--replay: the transcript, the exit statuses, script errors as SCRIPT:LINE, and --record
scripts that replay to the same state."""

from __future__ import annotations

import io

from tests.vliwdbg.core_fixtures import LOOP_NAMES, loop_program, session, state
from vliwdbg.commands.recording import script_header, write_script
from vliwdbg.faces.replay import run_script


def replay(lines: list[str], s=None) -> tuple[int, str, str, object]:
    s = s or session(loop_program(4), LOOP_NAMES)
    out, err = io.StringIO(), io.StringIO()
    status = run_script(s.console, lines, "demo.txt", out, err)
    return status, out.getvalue(), err.getvalue(), s


def test_a_transcript_echoes_each_command_then_its_output() -> None:
    status, out, err, _ = replay(
        ["# set up", "", "break pc 5   # the loop's test", "continue", "c", "print i"]
    )
    assert status == 0 and err == ""
    assert out.splitlines() == [
        "(vliwdbg) break pc 5",
        "breakpoint 1 at pc 5",
        "(vliwdbg) continue",
        "pause 1 of 2 (before the first round): values match the reference's (step 4, cycle 4, pc 4)",
        "(vliwdbg) c",
        "breakpoint 1: pc 5 (step 5, cycle 5, pc 5)",
        "(vliwdbg) print i",
        "1",
    ]


def test_a_failed_expect_exits_1_and_the_script_goes_on() -> None:
    status, out, _, s = replay(["expect step == 1", "step 3", "expect step == 3"])
    assert status == 1
    assert out.splitlines()[1] == "expect failed: step == 1: step is 0"
    assert s.step == 3 and out.splitlines()[-1] == "ok"


def test_a_script_error_exits_2_at_its_line_and_stops() -> None:
    status, out, err, s = replay(["# comment", "step", "", "stpe 2", "step"])
    assert status == 2
    assert err == "demo.txt:4: unknown command 'stpe'; did you mean step, stepi?\n"
    assert s.step == 1
    assert out.splitlines()[-1] == "(vliwdbg) stpe 2"


def test_a_script_error_after_a_failed_expect_still_exits_2() -> None:
    status, _, err, _ = replay(["expect 0", "print nope"])
    assert status == 2 and err.startswith("demo.txt:2: print: column 7: unknown name 'nope'")


def test_quit_ends_the_script() -> None:
    status, out, _, s = replay(["step", "quit", "step"])
    assert status == 0 and s.step == 1
    assert out.splitlines()[-1] == "(vliwdbg) quit"


def test_a_recording_replays_to_the_same_state(tmp_path) -> None:
    program = loop_program(200)
    s = session(program, LOOP_NAMES)
    polls = iter([False, False, True])
    for line in [
        "break pc 5 if i == 3",
        "continue",
        "c",
        "watch values[0]",
        "c",
        "stpe",
        "back 2",
        "delete 1",
        "disable 2",
    ]:
        s.execute(line)
    s.execute("continue", cancel=lambda: next(polls, True))
    s.execute("print i")
    assert s.last_stop.kind == "interrupted"
    assert "stpe" not in s.recorded and s.recorded[-2] == f"goto step {s.step}"
    path = tmp_path / "session.txt"
    write_script(path, s.recorded, script_header(s, path))
    text = path.read_text()
    assert text.startswith(
        f"# replay with: vliwdbg --replay {path} test --height 2 --rounds 1 --batch 8 --seed 5"
        " --no-check-stores\n"
    )
    status, _, err, fresh = replay(text.splitlines(), session(program, LOOP_NAMES))
    assert status == 0, err
    assert state(fresh) == state(s) and fresh.step == s.step
    assert [(b.id, b.kind, b.text, b.enabled) for b in fresh.breakpoints] == [
        (b.id, b.kind, b.text, b.enabled) for b in s.breakpoints
    ]
