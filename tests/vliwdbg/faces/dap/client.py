"""A small DAP client for the tests: spawns `vliwdbg --dap`, sends requests and waits for
the responses and events (a reader thread queues every message)."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
from typing import Any

#: Generous: the tests are not timed, this only keeps a broken adapter from hanging them.
WAIT = 120.0


class DapClient:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vliwdbg", "--dap"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.seq = 0
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(stream.read(length)))

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        self.seq += 1
        message = {"seq": self.seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def _next(self) -> dict[str, Any]:
        if self._pending:
            return self._pending.pop(0)
        message = self.messages.get(timeout=WAIT)
        if message is None:
            raise AssertionError("the adapter closed its output")
        if message.get("type") == "event":
            self.events.append(message)
        return message

    def wait_for(self, match) -> dict[str, Any]:
        """The first message (in order) that `match` accepts; others stay for later."""
        skipped = []
        try:
            while True:
                message = self._next()
                if match(message):
                    return message
                skipped.append(message)
        finally:
            self._pending = skipped + self._pending

    def request(self, command: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send and wait for the response (success or not)."""
        seq = self.send(command, arguments)
        return self.wait_for(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)

    def ok(self, command: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.request(command, arguments)
        assert response["success"], response.get("message")
        return response.get("body") or {}

    def event(self, name: str) -> dict[str, Any]:
        return self.wait_for(lambda m: m.get("type") == "event" and m.get("event") == name).get("body") or {}

    def close(self) -> int:
        if self.proc.poll() is None:
            with contextlib.suppress(AssertionError, OSError, queue.Empty):
                self.request("disconnect", {})
        try:
            return self.proc.wait(timeout=WAIT)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()
