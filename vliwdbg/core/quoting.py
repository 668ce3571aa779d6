"""Quoting what the user typed inside a one-line error, at most a short prefix of it: a
pasted 100,000-character line must not come back as a 100,000-character message."""

from __future__ import annotations

#: The most characters of user text an error message quotes.
QUOTE_LIMIT = 40
#: The same for a file name, which is legitimately longer (a path under a temporary folder).
PATH_LIMIT = 200


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """The text, or its first `limit` characters and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`'text'`, or `'its first characters'... (N characters)` when it is longer than limit."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def os_reason(exc: Exception) -> str:
    """Why the system refused a file, without the file name it repeats in full (the caller
    quotes a prefix of it): `File name too long`, `embedded null byte`."""
    return getattr(exc, "strerror", None) or str(exc)


def clip_path(path: object) -> str:
    """A file name as an error quotes it: whole unless it is longer than PATH_LIMIT."""
    return clip(str(path), PATH_LIMIT)
