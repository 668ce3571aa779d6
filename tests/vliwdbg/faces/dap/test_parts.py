"""The DAP face's parts on their own: the wire format, the launch arguments, memory as
bytes, and the editors' files against the arguments the adapter takes."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest

from tests.vliwdbg.core_fixtures import LOOP_NAMES, loop_program, session
from vliwdbg.faces.dap.launch import LaunchError, LaunchOptions, parse_launch
from vliwdbg.faces.dap.memory import MemoryRefused, read
from vliwdbg.faces.dap.protocol import Connection, ProtocolError

EDITORS = Path(__file__).resolve().parents[4] / "editors"


def framed(*bodies: bytes) -> io.BytesIO:
    return io.BytesIO(b"".join(b"Content-Length: %d\r\n\r\n" % len(b) + b for b in bodies))


def test_messages_are_framed_and_numbered() -> None:
    out = io.BytesIO()
    conn = Connection(framed(b'{"seq": 1, "type": "request", "command": "threads"}'), out)
    request = conn.read()
    assert request == {"seq": 1, "type": "request", "command": "threads"}
    conn.respond(request, {"threads": []})
    conn.event("stopped", {"reason": "step"})
    conn.fail(request, "no kernel yet")
    replies = Connection(io.BytesIO(out.getvalue()), io.BytesIO())
    first, second, third = replies.read(), replies.read(), replies.read()
    assert (first["seq"], first["request_seq"], first["success"], first["body"]) == (
        1,
        1,
        True,
        {"threads": []},
    )
    assert (second["seq"], second["event"]) == (2, "stopped")
    assert (third["success"], third["message"]) == (False, "no kernel yet")
    assert replies.read() is None


def test_a_bad_message_is_an_error_and_the_next_one_is_read() -> None:
    conn = Connection(framed(b"{oops", b"[1]", b'{"seq": 2}'), io.BytesIO())
    with pytest.raises(ProtocolError):
        conn.read()
    with pytest.raises(ProtocolError):
        conn.read()
    assert conn.read() == {"seq": 2}


def test_launch_arguments() -> None:
    options, notes = parse_launch(
        {"type": "vliwdbg", "request": "launch", "name": "x", "__sessionId": "1", "kernel": "vector",
         "height": 3, "noPause": True, "noCompares": True, "checkStores": False, "stopOnEntry": False,
         "colour": "red"}
    )  # fmt: skip
    assert options == LaunchOptions(
        kernel="vector", height=3, pause=False, compares=False, check_stores=False, stop_on_entry=False
    )
    assert notes == ["launch argument 'colour' is not one of vliwdbg's; ignored"]
    run = options.run_options()
    assert (run.size.height, run.size.rounds, run.pause, run.debug, run.check_stores) == (
        3,
        16,
        False,
        False,
        False,
    )
    for bad, message in (
        ({"batch": 0}, "batch must be at least 1, got 0"),
        ({"height": True}, "height must be a whole number, not 'True'"),
        ({"noPause": "yes"}, "noPause must be true or false, not 'yes'"),
    ):
        with pytest.raises(LaunchError, match=re.escape(message)):
            parse_launch(bad)


def test_a_relative_kernel_is_found_from_the_configurations_cwd(tmp_path) -> None:
    (tmp_path / "k.py").write_text("")
    assert parse_launch({"kernel": "k.py", "cwd": str(tmp_path)})[0].kernel == str(tmp_path / "k.py")
    assert parse_launch({"kernel": "baseline", "cwd": str(tmp_path)})[0].kernel == "baseline"


def test_memory_reads_words_as_little_endian_bytes() -> None:
    s = session(loop_program(2), LOOP_NAMES)
    body = read(s, "m:1", 2, 6)  # the last two bytes of m[1], then m[2]
    data = base64.b64decode(body["data"])
    expected = s.mem[1].to_bytes(4, "little")[2:] + s.mem[2].to_bytes(4, "little")
    assert data == expected and "unreadableBytes" not in body
    end = len(s.mem)
    tail = read(s, f"m:{end - 1}", 0, 12)
    assert (
        base64.b64decode(tail["data"]) == s.mem[end - 1].to_bytes(4, "little")
        and tail["unreadableBytes"] == 8
    )
    assert base64.b64decode(read(s, "s:0", 0, 4)["data"]) == s.scratch[0].to_bytes(4, "little")
    with pytest.raises(MemoryRefused, match=re.escape(f"m[{end}] is outside memory (0..{end - 1})")):
        read(s, str(end), 0, 4)
    with pytest.raises(MemoryRefused, match="expected m:ADDR"):
        read(s, "q:1", 0, 4)


def test_the_editors_files_use_the_adapters_arguments() -> None:
    package = json.loads((EDITORS / "vscode" / "package.json").read_text())
    (debugger,) = package["contributes"]["debuggers"]
    assert debugger["type"] == "vliwdbg"
    launch = debugger["configurationAttributes"]["launch"]["properties"]
    assert parse_launch({key: spec["default"] for key, spec in launch.items()})[1] == []
    assert "--dap" in (EDITORS / "vscode" / "bin" / "vliwdbg-dap").read_text()
    example = json.loads((EDITORS / "vscode" / "example" / ".vscode" / "launch.json").read_text())
    for configuration in example["configurations"]:
        assert configuration["type"] == "vliwdbg"
        assert parse_launch(configuration)[1] == []
    lua = (EDITORS / "neovim" / "vliwdbg.lua").read_text()
    elisp = (EDITORS / "emacs" / "vliwdbg-dape.el").read_text()
    assert "'--dap'" in lua and '"--dap"' in elisp
    lua_keys = set(re.findall(r"^\s+(\w+) = ", lua, re.M)) - {"type", "request", "name"}
    elisp_keys = set(re.findall(r":(\w+) ", elisp)) - {"type", "request", "cwd"}
    assert lua_keys and elisp_keys and not (lua_keys | elisp_keys) - set(launch)
