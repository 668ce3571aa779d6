"""`vliwdbg --dap` driven over its real stdin/stdout by a small client that speaks the
protocol: launch, breakpoints of each family, moves both ways, variables, evaluate,
memory, disassembly, pause, the end, and bad requests that must not kill it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from machine.problem import make_problem
from tests.vliwdbg.faces.dap.client import DapClient

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "kernels"
SMALL = {"height": 2, "rounds": 1, "batch": 8}
EDITOR = {"type": "vliwdbg", "request": "launch", "name": "Debug kernel", "__sessionId": "x"}


@pytest.fixture
def client():
    c = DapClient()
    yield c
    c.close()


def launch(client: DapClient, **arguments) -> dict:
    caps = client.ok("initialize", {"adapterID": "vliwdbg", "linesStartAt1": True})
    client.ok("launch", {**EDITOR, **SMALL, **arguments})
    client.event("initialized")
    return caps


def children(client: DapClient, ref: int) -> list[dict]:
    return client.ok("variables", {"variablesReference": ref})["variables"]


def evaluate(client: DapClient, text: str, context: str = "watch") -> str:
    return client.ok("evaluate", {"expression": text, "context": context})["result"]


def test_instruction_breakpoints_steps_both_ways_and_variables(client) -> None:
    caps = launch(client, kernel="baseline")
    for capability in ("supportsStepBack", "supportsInstructionBreakpoints", "supportsDataBreakpoints"):
        assert caps[capability] is True
    made = client.ok("setInstructionBreakpoints", {"breakpoints": [{"instructionReference": "5"}]})
    (bp,) = made["breakpoints"]
    assert bp["verified"] and bp["instructionReference"] == "5"
    client.ok("configurationDone")
    assert client.event("stopped")["reason"] == "entry"

    client.ok("continue", {"threadId": 1})
    stopped = client.event("stopped")
    assert stopped["reason"] == "instruction breakpoint" and stopped["hitBreakpointIds"] == [bp["id"]]
    assert any(
        e["event"] == "output" and e["body"]["output"].startswith(f"breakpoint {bp['id']}: pc 5")
        for e in client.events
    )
    found = client.ok("stackTrace", {"threadId": 1})["stackFrames"]
    assert found and all(frame["instructionPointerReference"] == "5" for frame in found)

    client.ok("stepIn", {"threadId": 1})
    assert client.event("stopped")["reason"] == "step"
    assert evaluate(client, "pc") == "6" and evaluate(client, "step") == "6"
    client.ok("stepBack", {"threadId": 1})
    client.event("stopped")
    assert evaluate(client, "pc") == "5"

    scopes = {s["name"]: s["variablesReference"] for s in client.ok("scopes", {"frameId": 0})["scopes"]}
    assert set(scopes) >= {"Machine", "Scratch", "Memory", "Reference"}
    machine = {
        v["name"]: v["value"]
        for v in client.ok("variables", {"variablesReference": scopes["Machine"]})["variables"]
    }
    assert machine["pc"] == "5" and machine["step"] == "5"
    memory = {
        v["name"]: v for v in client.ok("variables", {"variablesReference": scopes["Memory"]})["variables"]
    }
    problem = make_problem(2, 1, 8, 123)
    values = client.ok("variables", {"variablesReference": memory["values"]["variablesReference"]})[
        "variables"
    ]
    start = problem.regions["values"][0]
    assert [v["name"] for v in values] == [f"values[{i}]" for i in range(8)]
    final = problem.final[start : start + 8]
    assert [v["value"] for v in values] == [
        f"{now} (reference at the end: {ref}, holds round 0)"
        for now, ref in zip(problem.initial[start : start + 8], final, strict=True)
    ]

    # The REPL takes our command lines; a bad expression is an error response, and the
    # adapter goes on.
    assert "pc 5" in evaluate(client, "info breakpoints", "repl")
    bad = client.request("evaluate", {"expression": "val_aa +", "context": "watch"})
    assert not bad["success"] and bad["message"].startswith("column ")
    assert evaluate(client, "header[0]") == str(problem.initial[0])
    client.ok("reverseContinue", {"threadId": 1})
    client.event("stopped")
    assert evaluate(client, "step") == "0"


def test_data_breakpoints_memory_and_disassembly(client) -> None:
    launch(client, kernel="baseline")
    info = client.ok("dataBreakpointInfo", {"name": "values[0]"})
    assert info["dataId"] == "values[0]" and "write" in info["accessTypes"]
    assert client.ok("dataBreakpointInfo", {"name": "no_such_name"})["dataId"] is None
    (bp,) = client.ok("setDataBreakpoints", {"breakpoints": [{"dataId": "values[0]"}]})["breakpoints"]
    assert bp["verified"]
    client.ok("configurationDone")
    client.event("stopped")
    client.ok("continue", {"threadId": 1})
    stopped = client.event("stopped")
    while stopped["reason"] == "pause":  # the kernel's own pause comes first
        client.ok("continue", {"threadId": 1})
        stopped = client.event("stopped")
    assert stopped["reason"] == "data breakpoint" and stopped["hitBreakpointIds"] == [bp["id"]]
    assert "values[0]" in stopped["text"]

    problem = make_problem(2, 1, 8, 123)
    read = client.ok("readMemory", {"memoryReference": "m:0", "count": 12})
    data = base64.b64decode(read["data"])
    assert [int.from_bytes(data[k : k + 4], "little") for k in range(0, 12, 4)] == problem.initial[:3]
    refused = client.request("readMemory", {"memoryReference": "m:999999", "count": 4})
    assert not refused["success"] and "outside memory" in refused["message"]

    instructions = client.ok("disassemble", {"memoryReference": "0", "instructionCount": 3})["instructions"]
    assert [i["address"] for i in instructions] == ["0", "1", "2"]
    assert all(i["instruction"] for i in instructions)


def test_pause_interrupts_a_long_continue_and_step_back_works_after(client) -> None:
    launch(client, kernel=str(FIXTURES / "spin.py"))
    client.ok("configurationDone")
    client.event("stopped")
    client.ok("continue", {"threadId": 1})
    client.ok("pause", {"threadId": 1})
    stopped = client.event("stopped")
    assert stopped["reason"] == "pause" and "interrupted" in stopped["text"]
    step = int(evaluate(client, "step"))
    client.ok("stepBack", {"threadId": 1})
    client.event("stopped")
    assert int(evaluate(client, "step")) == step - 1


def test_a_divergence_stops_as_an_exception_and_the_end_exits_with_the_verdict(client) -> None:
    launch(client, kernel=str(FIXTURES / "wrong_store.py"), height=2, rounds=3, batch=8, stopOnEntry=False)
    client.ok("configurationDone")
    assert client.event("stopped")["reason"] == "pause"
    client.ok("continue", {"threadId": 1})
    stopped = client.event("stopped")
    assert stopped["reason"] == "exception" and stopped["text"].startswith("divergence: store to values[3]")
    info = client.ok("exceptionInfo", {"threadId": 1})
    assert info["exceptionId"] == "divergence"
    while True:
        client.ok("continue", {"threadId": 1})
        message = client.wait_for(
            lambda m: m.get("type") == "event" and m.get("event") in ("stopped", "exited")
        )
        if message["event"] == "exited":
            break
    assert message["body"]["exitCode"] == 1
    client.event("terminated")


def test_no_debug_runs_to_the_end_and_exits_0_when_correct(client) -> None:
    launch(client, kernel="baseline", noDebug=True)
    client.ok("configurationDone")
    assert client.event("exited")["exitCode"] == 0
    client.event("terminated")


def test_bad_requests_get_one_line_errors_and_the_adapter_lives_on(client) -> None:
    client.ok("initialize", {"adapterID": "vliwdbg"})
    early = client.request("threads")
    assert early["success"]
    too_soon = client.request("stackTrace", {"threadId": 1})
    assert not too_soon["success"] and "launch" in too_soon["message"]
    unknown = client.request("launch", {**EDITOR, "kernel": "no-such-kernel", **SMALL})
    assert not unknown["success"] and "no such file" in unknown["message"]
    typo = client.request("launch", {**EDITOR, "kernel": "baseline", "height": "two"})
    assert not typo["success"] and typo["message"] == "height must be a whole number, not 'two'"
    assert not client.request("goto", {"threadId": 1, "targetId": 1})["success"]
    client.send_raw(b"Content-Length: 5\r\n\r\n{oops")  # not JSON: skipped
    client.ok("launch", {**EDITOR, "kernel": "baseline", **SMALL})
    client.event("initialized")
    client.ok("configurationDone")
    client.event("stopped")
    assert evaluate(client, "cycle") == "0"
    assert client.close() == 0


def test_the_console_runs_our_commands_and_restart_and_terminate_end_cleanly(client) -> None:
    launch(client, kernel="baseline")
    client.ok("configurationDone")
    client.event("stopped")
    said = evaluate(client, "step 3", "repl")
    assert said == "step 3, cycle 3, pc 3"
    assert client.event("stopped")["reason"] == "step"
    assert evaluate(client, "step") == "3"
    assert evaluate(client, "values[0] == values[0]", "repl") == "1"  # no command: an expression
    refused = client.request("evaluate", {"expression": "break pc 999999", "context": "repl"})
    assert not refused["success"] and refused["message"].startswith("break pc: pc 999999 is outside")
    client.ok("restart")
    assert client.event("stopped")["reason"] == "entry"
    assert evaluate(client, "step") == "0"
    client.ok("terminate")
    client.event("exited")
    client.event("terminated")
