"""The DAP face on a user-shaped kernel file, through the source map: line breakpoints
(moved to the next line that made a slot, or unverified with the reason), the stack of the
slot a stop is about, a line step, a step out, and disassembly with source places."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vliwdbg.faces.dap.client import DapClient

FOLDER = Path(__file__).resolve().parents[3] / "fixtures" / "kernels" / "dap"
GROUPED = FOLDER / "grouped.py"
WRONG = FOLDER / "grouped_wrong_parity.py"
SMALL = {"height": 3, "rounds": 2, "batch": 16, "noPause": True, "stopOnEntry": False}


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture
def client():
    c = DapClient()
    yield c
    c.close()


def launch(client: DapClient, kernel: Path) -> None:
    client.ok("initialize", {"adapterID": "vliwdbg"})
    client.ok("launch", {"type": "vliwdbg", "request": "launch", "name": "t", "kernel": str(kernel), **SMALL})
    client.event("initialized")


def stack(client: DapClient) -> list[tuple[str, str, int]]:
    frames = client.ok("stackTrace", {"threadId": 1})["stackFrames"]
    return [(Path(f["source"]["path"]).name, f["name"], f["line"]) for f in frames]


def move(client: DapClient, request: str) -> dict:
    client.ok(request, {"threadId": 1})
    return client.event("stopped")


def test_line_breakpoints_the_stack_and_source_steps(client) -> None:
    launch(client, GROUPED)
    hash_line = line_of(GROUPED, "self.hash(val)")
    alloc_line = line_of(GROUPED, "node, addrs = self.alloc")  # makes no slot
    made = client.ok(
        "setBreakpoints",
        {"source": {"path": str(GROUPED)}, "breakpoints": [{"line": hash_line}, {"line": alloc_line}]},
    )["breakpoints"]
    assert made[0]["verified"] and made[0]["line"] == hash_line
    assert made[1]["verified"] and made[1]["line"] > alloc_line and "moved" in made[1]["message"]
    elsewhere = client.ok(
        "setBreakpoints",
        {"source": {"path": str(FOLDER.parent / "wrong_store.py")}, "breakpoints": [{"line": 3}]},
    )["breakpoints"]
    assert not elsewhere[0]["verified"] and "made no slot" in elsewhere[0]["message"]
    # The second breakpoint is not wanted: setting the file's breakpoints again replaces them.
    (only,) = client.ok(
        "setBreakpoints", {"source": {"path": str(GROUPED)}, "breakpoints": [{"line": hash_line}]}
    )["breakpoints"]
    client.ok("configurationDone")
    stopped = client.event("stopped")
    assert stopped["reason"] == "breakpoint" and stopped["hitBreakpointIds"] == [only["id"]]
    here = stack(client)
    assert ("grouped.py", "build_kernel", hash_line) in here
    assert here[0][:2] == ("emit.py", "vop")  # innermost first: the helper that appended it

    before = stack(client)
    move(client, "next")
    assert stack(client) != before
    # Out of hash, to the bundle after this call of it (with no breakpoint on the way).
    client.ok("setBreakpoints", {"source": {"path": str(GROUPED)}, "breakpoints": []})
    move(client, "stepOut")
    after = stack(client)
    assert all(name != "hash" for _file, name, _line in after)
    assert ("grouped.py", "build_kernel", line_of(GROUPED, 'self.vop("%", parity, val, two)')) in after

    pc = int(client.ok("evaluate", {"expression": "pc", "context": "watch"})["result"])
    (instruction,) = client.ok("disassemble", {"memoryReference": str(pc), "instructionCount": 1})[
        "instructions"
    ]
    assert instruction["address"] == str(pc) and Path(instruction["location"]["path"]).name == "emit.py"


def test_a_divergent_store_shows_the_line_of_the_store(client) -> None:
    launch(client, WRONG)
    client.ok("configurationDone")
    stopped = client.event("stopped")
    assert stopped["reason"] == "exception" and stopped["text"].startswith("divergence: store to indices[0]")
    frames = client.ok("stackTrace", {"threadId": 1})["stackFrames"]
    store_line = line_of(WRONG, '("vstore", i_addr, idx)')
    assert (Path(frames[0]["source"]["path"]).name, frames[0]["line"]) == (
        "grouped_wrong_parity.py",
        store_line,
    )
    pc = int(client.ok("evaluate", {"expression": "pc", "context": "watch"})["result"])
    assert all(f["instructionPointerReference"] == str(pc - 1) for f in frames)  # the store's bundle
