"""The command palette's source (ctrl+p): every command of the core's one command table.

Choosing a command that needs no argument runs it; one that needs arguments opens the
command line with its name typed, so the user fills in the rest. Either way the line goes
through the session like a typed one, and --record captures it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from vliwdbg.commands.base import Command


@dataclass(frozen=True)
class PaletteEntry:
    """One command as the palette lists it."""

    title: str  # what is shown and matched, e.g. "break pc N [if EXPR]"
    help: str
    line: str  # what is run or typed, e.g. "break pc "
    needs_input: bool


def palette_entries(commands: Iterable[Command]) -> list[PaletteEntry]:
    """The palette's entries from the core's table; a command that takes arguments (even
    optional ones) opens the command line rather than running with its defaults."""
    entries = []
    for command in commands:
        needs_input = command.syntax.strip() != command.name
        line = command.name + " " if needs_input else command.name
        entries.append(PaletteEntry(command.syntax, command.summary, line, needs_input))
    return entries


class PaletteHost(Protocol):
    """What the provider needs from the app."""

    def palette_entries(self) -> list[PaletteEntry]: ...

    def palette_chosen(self, entry: PaletteEntry) -> None: ...


class CommandsProvider(Provider):
    """Offers the core's commands; matches the query against each command's usage."""

    @property
    def _host(self) -> PaletteHost:
        return cast(PaletteHost, self.app)

    def _entries(self) -> list[PaletteEntry]:
        return self._host.palette_entries()

    async def discover(self) -> Hits:
        for entry in self._entries():
            choose = partial(self._choose, entry)
            yield DiscoveryHit(Content(entry.title), choose, entry.title, escape(entry.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score, offsets = matcher.fuzzy_search.match(matcher.query, entry.title)
            if score > 0:
                # Usages hold brackets ("step [N]"), which Textual's own highlight would read
                # as markup; the matched letters are marked on plain text instead.
                shown = Content(entry.title)
                for offset in offsets:
                    shown = shown.stylize(matcher.match_style, offset, offset + 1)
                yield Hit(score, shown, partial(self._choose, entry), entry.title, escape(entry.help))

    def _choose(self, entry: PaletteEntry) -> None:
        self._host.palette_chosen(entry)
