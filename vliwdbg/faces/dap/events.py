"""What the adapter tells the editor unasked: a stop (`stopped` with DAP's reason, and the
stop's one line as `output`), and the end of the session (`exited` with 0 when every value
is correct, else 1, then `terminated`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vliwdbg.core.stops import Stop
from vliwdbg.faces.dap.protocol import Connection

THREAD_ID = 1

#: DAP's stopped reason for each of our stop kinds (a breakpoint's depends on who made it).
REASONS = {
    "watchpoint": "data breakpoint",
    "divergence": "exception",
    "fault": "exception",
    "max-steps": "exception",
    "interrupted": "pause",
    "pause": "pause",
    "start": "entry",
}

#: A breakpoint's family ("line", "instruction", "data"), or None for one typed in the console.
Family = Callable[[int], "str | None"]


class Events:
    def __init__(self, connection: Connection) -> None:
        self.conn = connection
        self.finished = False

    def stopped(
        self, stop: Stop, family: Family, plain: str, *, force: str | None = None, echo: bool = True
    ) -> None:
        """A stop as the editor sees it: its line as output, then `stopped` with the
        reason, or, at the end of the program, `exited` and `terminated`."""
        if echo:
            self.output(stop.message)
        if stop.kind == "end":
            self.end(stop)
            return
        body: dict[str, Any] = {
            "reason": force or reason(stop, family, plain),
            "description": stop.kind,
            "text": stop.message,
            "threadId": THREAD_ID,
            "allThreadsStopped": True,
        }
        if stop.ids:
            body["hitBreakpointIds"] = list(stop.ids)
        self.conn.event("stopped", body)

    def end(self, stop: Stop | None) -> None:
        """`exited` (0 when every value is correct, else 1) and `terminated`, once."""
        if self.finished:
            return
        self.finished = True
        correct = stop is not None and bool(stop.details.get("correct"))
        self.conn.event("exited", {"exitCode": 0 if correct else 1})
        self.conn.event("terminated")

    def output(self, text: str, category: str = "console") -> None:
        self.conn.event("output", {"category": category, "output": text + "\n"})


def reason(stop: Stop, family: Family, plain: str) -> str:
    """DAP's reason: a line breakpoint's (or one typed in the console) is "breakpoint",
    then instruction, then data; other kinds by REASONS; a plain arrival is `plain`."""
    if stop.kind == "breakpoint":
        families = {family(i) for i in stop.ids}
        if "line" in families or None in families:
            return "breakpoint"
        if "instruction" in families:
            return "instruction breakpoint"
        return "data breakpoint" if "data" in families else "breakpoint"
    return REASONS.get(stop.kind, plain)
