"""The README is the user's manual: it must name every command and every CLI option, and its
quick start must be the command CI runs."""

from pathlib import Path

from vliwdbg.commands.table import COMMANDS
from vliwdbg.faces.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_of_the_table_is_documented():
    missing = [c.name for c in COMMANDS if f"`{c.name}" not in README]
    assert missing == []


def test_every_cli_option_is_documented():
    options = [o for action in build_parser()._actions for o in action.option_strings if o.startswith("--")]
    missing = [o for o in options if o != "--help" and o not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    quick = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    test_command = [line for line in quick.splitlines() if line.strip()][1]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_screenshot_the_readme_shows_exists():
    shown = [part.split(")", 1)[0] for part in README.split("(screenshots/")[1:]]
    assert shown
    assert all((ROOT / "screenshots" / name).is_file() for name in shown)
