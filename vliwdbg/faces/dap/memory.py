"""`readMemory`: the machine's words as the bytes DAP speaks, four to a word, little-endian.

A memory reference names a space and a word: `m:ADDR` (main memory), `s:ADDR` (scratch),
or a bare number for main memory; the request's offset and count are in bytes. A read
wholly outside the space is refused with the message expressions give; one running past
its end returns what exists and counts the rest as unreadable, as DAP asks.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from vliwdbg.core.quoting import quote

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

WORD_BYTES = 4
#: The most bytes one request may read (a hex view asks for a page or a few at a time).
MAX_BYTES = 1 << 20


class MemoryRefused(ValueError):
    """A memory reference or range we refuse, in one line."""


def parse_reference(text: str) -> tuple[str, int]:
    space, _, number = text.partition(":") if ":" in text else ("m", "", text)
    if space not in ("m", "s"):
        raise MemoryRefused(f"memory reference {quote(text)}: expected m:ADDR, s:ADDR or ADDR")
    try:
        addr = int(number, 0)
    except ValueError:
        raise MemoryRefused(f"memory reference {quote(text)}: expected m:ADDR, s:ADDR or ADDR") from None
    return space, addr


def read(session: Session, reference: str, offset: int, count: int) -> dict[str, Any]:
    space, addr = parse_reference(reference)
    words = session.mem if space == "m" else session.scratch
    what = "memory" if space == "m" else "scratch"
    if not 0 <= count <= MAX_BYTES:
        raise MemoryRefused(f"count {count}: read at most {MAX_BYTES} bytes at once")
    start = addr * WORD_BYTES + offset
    end = start + count
    limit = len(words) * WORD_BYTES
    if count and (start < 0 or start >= limit):
        first = start // WORD_BYTES
        raise MemoryRefused(f"{space}[{first}] is outside {what} (0..{len(words) - 1})")
    readable = max(0, min(end, limit) - start)
    data = bytearray()
    for word_index in range(start // WORD_BYTES, (start + readable + WORD_BYTES - 1) // WORD_BYTES):
        data += (words[word_index] & 0xFFFFFFFF).to_bytes(WORD_BYTES, "little")
    skip = start % WORD_BYTES
    chunk = bytes(data[skip : skip + readable])
    body: dict[str, Any] = {
        "address": f"{space}:{start // WORD_BYTES}",
        "data": base64.b64encode(chunk).decode("ascii"),
    }
    if readable < count:
        body["unreadableBytes"] = count - readable
    return body
