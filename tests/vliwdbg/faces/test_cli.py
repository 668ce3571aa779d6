"""The `vliwdbg` command line: options, --replay from a file or stdin, --record, load
errors, and handing the session to the app."""

from __future__ import annotations

import io
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
