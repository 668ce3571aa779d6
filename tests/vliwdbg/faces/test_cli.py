"""The `vliwdbg` command line: options, --replay from a file or stdin, --record, load
errors, and handing the session to the app."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path

import pytest

from vliwdbg.faces import cli

SMALL = ["--height", "2", "--rounds", "1", "--batch", "8"]


def script(tmp_path, text: str, name: str = "script.txt") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_replay_runs_a_script_on_our_kernel(tmp_path, capsys) -> None:
    path = script(tmp_path, "continue\ncontinue\nexpect values[0] == ref(0, 0, 'hashed_val')\n")
    assert cli.main(["baseline", *SMALL, "--replay", path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "(vliwdbg) continue"
    assert out[1].startswith("pause 1 of 2 (before the first round): values match the reference's")
    assert out[3].startswith("pause 2 of 2 (after the last round): values match the reference's")
    assert out[-1] == "ok"


def test_replay_exit_statuses(tmp_path, capsys) -> None:
    failing = script(tmp_path, "expect step == 1\nstep\n", "failing.txt")
    assert cli.main(["baseline", *SMALL, "--replay", failing]) == 1
    capsys.readouterr()
    broken = script(tmp_path, "step\n\ngoto nowhere\nstep\n", "broken.txt")
    assert cli.main(["baseline", *SMALL, "--replay", broken]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{broken}:3: goto nowhere: unknown subcommand; one of cycle, step\n"
    assert captured.out.count("(vliwdbg) step") == 1


def test_replay_from_stdin(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("step 3\nprint step\nbogus\n"))
    assert cli.main(["baseline", *SMALL, "--replay", "-"]) == 2
    captured = capsys.readouterr()
    assert "(vliwdbg) print step\n3\n" in captured.out
    assert captured.err.startswith("<stdin>:3: unknown command 'bogus'")


def test_no_pause_and_no_debug(tmp_path, capsys) -> None:
    path = script(tmp_path, "continue\n")
    assert cli.main(["baseline", *SMALL, "--no-pause", "--no-debug", "--replay", path]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("end of program: all 8 values correct")


def test_max_steps_stops_a_runaway_kernel_file(tmp_path, capsys) -> None:
    kernel = script(
        tmp_path,
        """
        class KernelBuilder:
            def __init__(self):
                self.instrs = []

            def build_kernel(self, forest_height, n_nodes, batch_size, rounds):
                self.instrs = [{"flow": [("jump", 0)]}]
        """,
        "runaway.py",
    )
    path = script(tmp_path, "continue\n")
    assert cli.main([kernel, *SMALL, "--max-steps", "1000", "--replay", path]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "max-steps: stopped after 1000 steps (a runaway?) (step 1000, cycle 1000, pc 0)"
    )


def test_record_writes_a_script_that_replays_to_the_same_state(tmp_path, capsys) -> None:
    first = script(tmp_path, "break pc 40\ncontinue\nc\nwatch values[1]\nc\nback 3\nnope\n", "first.txt")
    record = tmp_path / "recorded.txt"
    assert cli.main(["baseline", *SMALL, "--replay", first, "--record", str(record)]) == 2
    lines = record.read_text().splitlines()
    assert lines[0] == f"# replay with: vliwdbg --replay {record} baseline --height 2 --rounds 1 --batch 8"
    assert lines[1:] == ["break pc 40", "continue", "c", "watch values[1]", "c", "back 3"]
    capsys.readouterr()
    check = script(tmp_path, record.read_text() + "print step\nprint/x values[1]\n", "check.txt")
    assert cli.main(["baseline", *SMALL, "--replay", check]) == 0
    replayed = capsys.readouterr().out.splitlines()
    again = script(tmp_path, "\n".join(lines[1:]) + "\nprint step\nprint/x values[1]\n", "again.txt")
    assert cli.main(["baseline", *SMALL, "--replay", again]) == 0
    assert capsys.readouterr().out.splitlines()[-4:] == replayed[-4:]


def test_a_kernel_that_cannot_load_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    path = script(tmp_path, "step\n")
    assert cli.main([str(tmp_path / "missing.py"), "--replay", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vliwdbg: ") and "missing.py" in err
    broken = script(tmp_path, "def broken(:\n", "broken_kernel.py")
    assert cli.main([broken, "--replay", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken_kernel.py" in err


def test_a_missing_script_is_exit_2(tmp_path, capsys) -> None:
    assert cli.main(["baseline", *SMALL, "--replay", str(tmp_path / "nope.txt")]) == 2
    assert capsys.readouterr().err.startswith(f"vliwdbg: --replay {tmp_path / 'nope.txt'}: ")


def test_bad_options_are_refused_by_the_parser(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--height", "-1"])
    assert exc.value.code == 2
    assert "must be at least 0" in capsys.readouterr().err


def test_without_replay_the_app_gets_the_session(monkeypatch) -> None:
    seen = {}

    def fake_run_app(session=None, record=None, *, opener, kernel):
        # The app opens the session itself, behind its build screen.
        seen.update(session=opener(lambda: False), record=record, kernel=kernel)
        return 0, None

    import vliwdbg.app.app as app_module

    monkeypatch.setattr(app_module, "run_app", fake_run_app)
    assert cli.main(["baseline", *SMALL, "--record", "r.txt"]) == 0
    assert seen["session"].kernel.name == "baseline" and seen["record"] == "r.txt"
    assert seen["kernel"] == "baseline" and seen["session"].problem.height == int(SMALL[1])


def test_a_launch_the_app_could_not_open_exits_2_with_its_line(monkeypatch, capsys) -> None:
    def fake_run_app(session=None, record=None, *, opener, kernel):
        return 2, "slow.py: the build was cancelled"

    import vliwdbg.app.app as app_module

    monkeypatch.setattr(app_module, "run_app", fake_run_app)
    assert cli.main(["slow.py", *SMALL]) == 2
    assert capsys.readouterr().err == "vliwdbg: slow.py: the build was cancelled\n"


def test_without_the_app_module_the_error_is_one_line(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "vliwdbg.app.app", None)
    assert cli.main(["baseline", *SMALL]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vliwdbg: the terminal app cannot start")


def test_the_tour_script_replays_with_every_expect_holding(capsys) -> None:
    tour = Path(__file__).resolve().parents[2] / "fixtures" / "scripts" / "tour.txt"
    assert cli.main(["baseline", *SMALL, "--replay", str(tour)]) == 0
    out = capsys.readouterr().out
    assert "expect failed" not in out and out.count("\nok\n") == 7


def test_no_check_stores_opens_with_the_store_check_off_and_the_recording_says_so(tmp_path, capsys) -> None:
    wrong = str(Path(__file__).resolve().parents[2] / "fixtures" / "kernels" / "wrong_store.py")
    sizes = ["--height", "2", "--rounds", "3", "--batch", "8"]
    path = script(tmp_path, "continue\ncontinue\n")
    assert cli.main([wrong, *sizes, "--replay", path]) == 0
    assert capsys.readouterr().out.splitlines()[3].startswith("divergence: store to values[3]")
    record = tmp_path / "recorded.txt"
    assert cli.main([wrong, *sizes, "--no-check-stores", "--replay", path, "--record", str(record)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[3].startswith("pause 2 of 2 (after the last round): 1 of 8 values differ")
    assert record.read_text().splitlines()[0] == (
        f"# replay with: vliwdbg --replay {record} {wrong} --height 2 --rounds 3 --batch 8 --no-check-stores"
    )


def test_a_byte_that_is_not_utf8_is_named_by_script_line_and_column(tmp_path, capsys, monkeypatch) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"step\nprint step  # caf\xe9\nstep\n")
    assert cli.main(["baseline", *SMALL, "--replay", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{path}:2: not UTF-8 text (byte 0xe9 at column 18)\n"
    assert captured.out == ""  # nothing ran
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"step\n\xff\n")))
    assert cli.main(["baseline", *SMALL, "--replay", "-"]) == 2
    assert capsys.readouterr().err == "<stdin>:2: not UTF-8 text (byte 0xff at column 1)\n"


@pytest.mark.parametrize("name", ["r" * 5000 + ".txt", "bad\0name.txt"], ids=["too long", "NUL byte"])
def test_a_script_or_recording_name_the_system_refuses_is_one_line(tmp_path, capsys, name) -> None:
    assert cli.main(["baseline", *SMALL, "--replay", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vliwdbg: --replay ") and err.count("\n") == 1 and len(err) < 400
    good = script(tmp_path, "step\n")
    assert cli.main(["baseline", *SMALL, "--replay", good, "--record", str(tmp_path / name)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("vliwdbg: --record ") and err.count("\n") == 1 and len(err) < 400


def test_trace_to_a_name_the_system_refuses_ends_a_replay_with_one_line(tmp_path, capsys) -> None:
    path = script(tmp_path, "step\ntrace " + "t" * 5000 + ".json\nstep\n")
    assert cli.main(["baseline", *SMALL, "--replay", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:2: trace: cannot write ") and err.count("\n") == 1 and len(err) < 400


WRONG_STORE = str(Path(__file__).resolve().parents[2] / "fixtures" / "kernels" / "wrong_store.py")


def test_json_replay_is_one_object_per_command_with_the_stop_as_data(tmp_path, capsys) -> None:
    from machine.problem import make_problem

    trace = make_problem(2, 3, 8, 123).value_trace
    path = script(tmp_path, "continue\n# a comment\ncontinue\nprint values[3]\nexpect step == 1\nstep\n")
    args = [WRONG_STORE, "--height", "2", "--rounds", "3", "--batch", "8", "--replay", path, "--json"]
    assert cli.main(args) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["line"] for r in records] == [1, 3, 4, 5, 6]
    pause, diverged, printed, expected, stepped = records
    assert pause["stop"]["reason"] == "pause" and pause["stop"]["pause"] == 1 and pause["ok"]
    stop = diverged["stop"]
    assert stop["reason"] == "divergence" and stop["word"] == "values[3]"
    assert stop["found"] == trace[(1, 3, "hash_stage", 4)] and stop["expected"] == trace[(1, 3, "hashed_val")]
    assert stop["key"] == [1, 3, "hashed_val"] and stop["slot"][1:] == ["store", 0]
    assert diverged["position"] == {
        "step": stop["step"],
        "cycle": stop["cycle"],
        "pc": stop["pc"],
        "state": "ready",
    }
    assert printed["output"] == [str(trace[(1, 3, "hash_stage", 4)])] and printed["stop"] is None
    assert expected["ok"] is False and expected["error"] is None
    assert stepped["position"]["step"] == stop["step"] + 1


def test_json_replay_reports_a_script_error_in_its_object_and_on_stderr(tmp_path, capsys) -> None:
    path = script(tmp_path, "step\ncontinue now\nstep\n")
    assert cli.main(["baseline", *SMALL, "--replay", path, "--json"]) == 2
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert len(records) == 2 and records[1]["ok"] is False
    assert records[1]["error"] == "continue: takes no arguments, got 'now'"
    assert captured.err == f"{path}:2: continue: takes no arguments, got 'now'\n"


def test_json_needs_replay(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["baseline", "--json"])
    assert "--json goes with --replay" in capsys.readouterr().err
