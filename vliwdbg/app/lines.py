"""The base of every list-like pane: rows rendered one at a time on Textual's Line API.

A pane holds tens of thousands of rows (the baseline program has 196,887 bundles), so it
never builds them all: it tells Textual how many there are (the virtual size) and renders
only the rows on screen, each as a `Strip`, when Textual asks for them. A step then costs
the visible rows of each pane, whatever the program's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: A row as pieces of text, each with its style (None: the pane's own).
Cells = list[tuple[str, Style | None]]

#: Width of a word printed in decimal (4294967295) or in hex (0xffffffff).
WORD_WIDTH = 10


def format_word(value: int, hex_mode: bool) -> str:
    """A word right-aligned in WORD_WIDTH cells, so columns line up in both radixes."""
    if hex_mode:
        return f"0x{value:08x}"
    return f"{value:>{WORD_WIDTH}}"


class LinePane(ScrollView, can_focus=True):
    """A scrolling pane whose rows come from `render_row`, one visible row at a time.

    Subclasses keep a snapshot of what they show (taken from the session when the app
    refreshes them) and implement `row_count` and `render_row`; nothing here reads the
    session, so a pane redraws consistently even while a run is under way in a worker.
    """

    DEFAULT_CSS = """
    LinePane {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    """

    _frame_base: Style | None = None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles: dict[str, Style] = {}

    #: Component classes that paint a background: their style is taken whole (blended
    #: over the pane's own background), as a partial style would paint a translucent
    #: colour as if nothing were behind it.
    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset()

    def style(self, name: str) -> Style:
        """The Rich style of one of this pane's component classes, kept until the CSS
        that applies to the pane changes (focus, theme)."""
        found = self._styles.get(name)
        if found is None:
            partial = name not in self.BACKGROUND_CLASSES
            found = self._styles[name] = self.get_component_rich_style(name, partial=partial)
        return found

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Render the visible rows, working out the pane's own colours once for all of them
        (Textual computes a widget's style by walking its ancestors: a cost worth paying
        once a frame, not once a row)."""
        self._frame_base = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_base = None

    def row_count(self) -> int:
        raise NotImplementedError

    def render_row(self, index: int, width: int) -> Cells:
        """Row `index` as (text, style) pieces; the base adds the pane's colours, pads, and
        cuts a row too long for the pane with an ellipsis."""
        raise NotImplementedError

    def update_rows(self) -> None:
        """Call after the row count or every row may have changed."""
        self.virtual_size = Size(0, self.row_count())
        self.refresh()

    def refresh_rows(self, rows: Iterable[int]) -> None:
        """Redraw only these rows (those on screen): a step changes a handful of rows, and
        redrawing a whole pane costs Textual a full pass of its compositor over it."""
        top = self.scroll_offset.y
        bottom = top + self.rows_visible
        for row in set(rows):
            if top <= row < bottom:
                self.refresh_line(row)

    @property
    def rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self._frame_base or self.rich_style
        if index >= self.row_count() or width <= 0:
            return Strip.blank(width, base)
        segments = [
            Segment(text, base + style if style else base) for text, style in self.render_row(index, width)
        ]
        strip = Strip(segments)
        if strip.cell_length > width:
            strip = Strip([*strip.crop(0, width - 1), Segment("…", base)])
        return strip.adjust_cell_length(width, base)

    def scroll_row_into_view(self, index: int, *, center: bool = False) -> None:
        """Scroll so row `index` is visible; a row far off screen lands a third of the way down."""
        top = self.scroll_offset.y
        height = self.rows_visible
        if not center and top <= index < top + height:
            return
        if center or index < top - height or index >= top + 2 * height:
            target = index - height // 3
        elif index < top:
            target = index
        else:
            target = index - height + 1
        self.scroll_to(y=max(0, target), animate=False, immediate=True, force=True)


def fitting_words_per_line(room: int) -> int:
    """How many words (8, 4, 2 or 1, so vectors split evenly) fit in `room` cells."""
    for count in (8, 4, 2):
        if count * (WORD_WIDTH + 1) <= room:
            return count
    return 1


def word_cells(
    values: Sequence[int],
    start: int,
    count: int,
    changed: Set[int],
    hex_mode: bool,
    changed_style: Style,
) -> Cells:
    """`count` words from address `start`, each one space-led, changed ones highlighted."""
    cells: Cells = []
    end = min(start + count, len(values))
    for addr in range(start, end):
        cells.append((" " + format_word(values[addr], hex_mode), changed_style if addr in changed else None))
    return cells


def wrap_cells(cells: Cells, width: int) -> list[Cells]:
    """Cut a line into rows of at most `width` cells, at a space where the row has one (a
    word that would be cut starts the next row instead, when it fits there); rows after the
    first are indented."""
    width = max(width, 8)
    rows: list[Cells] = [[]]
    used = 0
    for text, style in cells:
        while used + len(text) > width:
            room = width - used
            space = text.rfind(" ", 0, room + 1)
            first_word = text.find(" ") if " " in text else len(text)
            if space > 0:
                rows[-1].append((text[:space], style))
                text = text[space + 1 :]
            elif space < 0 and used > 2 and first_word <= width - 2:
                pass  # the word moves whole to the next row
            else:
                rows[-1].append((text[:room], style))
                text = text[room:]
            rows.append([("  ", None)])
            used = 2
        if text:
            rows[-1].append((text, style))
            used += len(text)
    return rows


def overlay(cells: Cells, style: Style, width: int) -> Cells:
    """Lay a highlight under every piece of a row and its padding, keeping each piece's colour."""
    used = sum(len(text) for text, _ in cells)
    out: Cells = [(text, style + own if own else style) for text, own in cells]
    if used < width:
        out.append((" " * (width - used), style))
    return out
