"""The Debug Adapter Protocol's wire format: JSON messages behind a `Content-Length`
header, numbered by `seq`, a response naming the request it answers by `request_seq`.

Writes come from two threads (the reader answers `pause` at once while the worker runs a
move), so sending is locked; reading happens on one thread only.
"""

from __future__ import annotations

import json
import threading
from typing import Any, BinaryIO


class ProtocolError(ValueError):
    """A message that cannot be read: a bad header or body. The stream stays usable when
    the header's length was readable."""


class Connection:
    """One client on a pair of byte streams."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO) -> None:
        self._reader = reader
        self._writer = writer
        self._lock = threading.Lock()
        self._seq = 0

    # --- reading ----------------------------------------------------------------------------

    def read(self) -> dict[str, Any] | None:
        """The next message, or None at the end of the stream. Raises ProtocolError."""
        length = None
        while True:
            line = self._reader.readline()
            if not line:
                return None
            text = line.decode("ascii", errors="replace").strip()
            if not text:
                if length is None:
                    continue  # stray blank lines between messages
                break
            name, _, value = text.partition(":")
            if name.strip().lower() == "content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    raise ProtocolError(f"bad Content-Length {value.strip()[:20]!r}") from None
        body = self._reader.read(length)
        if len(body) < length:
            return None
        try:
            message = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProtocolError(f"a message that is not JSON ({exc})") from None
        if not isinstance(message, dict):
            raise ProtocolError("a message that is not a JSON object")
        return message

    # --- writing ----------------------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            message = {"seq": self._seq, **message}
            body = json.dumps(message).encode("utf-8")
            self._writer.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
            self._writer.flush()

    def respond(self, request: dict[str, Any], body: dict[str, Any] | None = None) -> None:
        self.send(
            {
                "type": "response",
                "request_seq": request.get("seq", 0),
                "success": True,
                "command": request.get("command", ""),
                **({"body": body} if body is not None else {}),
            }
        )

    def fail(self, request: dict[str, Any], message: str) -> None:
        """An error response with our one-line message (shown to the user by the editor)."""
        self.send(
            {
                "type": "response",
                "request_seq": request.get("seq", 0),
                "success": False,
                "command": request.get("command", ""),
                "message": message,
                "body": {"error": {"id": 1, "format": message, "showUser": True}},
            }
        )

    def event(self, name: str, body: dict[str, Any] | None = None) -> None:
        self.send({"type": "event", "event": name, **({"body": body} if body is not None else {})})
