"""The `launch` request's arguments: ours, checked one by one with a one-line message for
the first that is wrong, and the editors' own (type, request, name, __sessionId, ...)
accepted and left alone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from machine.problem import ProblemSize
from vliwdbg.core.options import RunOptions
from vliwdbg.core.quoting import quote

#: What editors put in every launch configuration, which means nothing to us.
EDITOR_KEYS = frozenset({"type", "request", "name", "cwd", "console", "internalConsoleOptions"})


class LaunchError(ValueError):
    """A launch argument we cannot use, in one line."""


@dataclass(frozen=True)
class LaunchOptions:
    kernel: str | None = None
    height: int = 10
    rounds: int = 16
    batch: int = 256
    seed: int = 123
    pause: bool = True
    compares: bool = True
    check_stores: bool = True
    stop_on_entry: bool = True
    no_debug: bool = False

    def run_options(self) -> RunOptions:
        """What Session.open takes."""
        size = ProblemSize(self.height, self.rounds, self.batch, self.seed)
        return RunOptions(size, pause=self.pause, debug=self.compares, check_stores=self.check_stores)


_NUMBERS = {"height": 0, "rounds": 0, "batch": 1, "seed": None}
_FLAGS = {
    "noPause": "pause",
    "noCompares": "compares",
    "checkStores": "check_stores",
    "stopOnEntry": "stop_on_entry",
    "noDebug": "no_debug",
}
_NEGATED = frozenset({"noPause", "noCompares"})


def parse_launch(arguments: dict[str, Any]) -> tuple[LaunchOptions, list[str]]:
    """The options, and a note for each key we do not know (a typo should not pass in
    silence, nor stop a launch an editor decorated with keys of its own)."""
    values: dict[str, Any] = {}
    notes = []
    for key, value in arguments.items():
        if key == "kernel":
            if value is not None and not isinstance(value, str):
                raise LaunchError(
                    f"kernel must be a path or one of our kernel names, not {quote(str(value))}"
                )
            values["kernel"] = _kernel_path(value, arguments.get("cwd"))
        elif key in _NUMBERS:
            values[key] = _number(key, value, _NUMBERS[key])
        elif key in _FLAGS:
            if not isinstance(value, bool):
                raise LaunchError(f"{key} must be true or false, not {quote(str(value))}")
            values[_FLAGS[key]] = not value if key in _NEGATED else value
        elif key not in EDITOR_KEYS and not key.startswith("__"):
            notes.append(f"launch argument {quote(key)} is not one of vliwdbg's; ignored")
    return LaunchOptions(**values), notes


def _number(key: str, value: Any, low: int | None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise LaunchError(f"{key} must be a whole number, not {quote(str(value))}")
    if low is not None and value < low:
        raise LaunchError(f"{key} must be at least {low}, got {value}")
    return value


def _kernel_path(value: str | None, cwd: Any) -> str | None:
    """A relative kernel path is taken from the launch configuration's `cwd` when it names
    a file there; our kernels' names stay names."""
    if value is None or os.path.isabs(value) or not isinstance(cwd, str):
        return value
    candidate = os.path.join(cwd, value)
    return candidate if os.path.exists(candidate) else value
