"""The engines pane: where the cycles go, for this bundle, the run so far and the program.

Per engine: the current bundle's slots against the limit as a bar, the utilization over
the run so far and over the whole program, and a strip of occupancy over cycles (one cell
a bucket of cycles, the block's height the engine's utilization there) with the current
cycle marked, so idle stretches show at a glance. Below, the bound the slot counts alone
put on the cycle count. The figures come from vliwdbg.insight.occupancy; this module only
buckets them to the pane's width and draws them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from machine.isa import SLOT_LIMITS
from vliwdbg.app.lines import Cells, LinePane
from vliwdbg.insight.occupancy import ENGINES, OccupancyReport, Profile

BLOCKS = " ▁▂▃▄▅▆▇█"
NAME_WIDTH = 7


@dataclass
class OccupancyStrip:
    """Occupancy over cycles [0, span) in `len(cells)` buckets: per bucket, per engine (in
    ENGINES order) the share of that engine's slots used. `marker` is the current cycle's
    bucket, or None when the current cycle is outside the strip."""

    span: int = 0
    cells: list[tuple[float, ...]] = field(default_factory=list)
    marker: int | None = None

    @property
    def cycles_per_cell(self) -> int:
        return math.ceil(self.span / len(self.cells)) if self.cells else 0


def occupancy_strip(profile: Profile, span: int, width: int, cycle: int) -> OccupancyStrip:
    """Bucket cycles [0, span) into at most `width` cells, from the profile's range queries.

    A bucket costs two bisections however many cycles it covers, so the strip of a
    150,000-cycle run costs the same as that of a short one. Cycles the profile has not
    reached yet are empty buckets.
    """
    if span <= 0 or width <= 0:
        return OccupancyStrip()
    per_cell = math.ceil(span / width)
    cells = []
    for start in range(0, span, per_cell):
        report = profile.report(start, start + per_cell)
        cells.append(tuple(use.slots / (use.limit * per_cell) for use in report.engines))
    marker = cycle // per_cell if 0 <= cycle < span else None
    return OccupancyStrip(span, cells, marker)


@dataclass
class EngineFigures:
    """What the pane shows; the app builds it from the session and the occupancy profile."""

    bundle: Mapping[str, int] | None
    run: OccupancyReport | None
    whole: OccupancyReport | None
    strip: OccupancyStrip
    cycle: int
    whole_label: str = "program"


class EnginesView(LinePane):
    """Slot bars, utilization and the occupancy strip, one engine a row."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "engines--title",
        "engines--name",
        "engines--used",
        "engines--unused",
        "engines--full",
        "engines--strip",
        "engines--marker",
        "engines--muted",
    }

    BACKGROUND_CLASSES: ClassVar[frozenset[str]] = frozenset({"engines--strip", "engines--marker"})

    DEFAULT_CSS = """
    EnginesView {
        & > .engines--title { color: $text-muted; }
        & > .engines--name { color: $text; text-style: bold; }
        & > .engines--used { color: $accent; }
        & > .engines--unused { color: $text-disabled; }
        & > .engines--full { color: $warning; }
        & > .engines--strip { color: $secondary; background: $boost; }
        & > .engines--marker { color: $text; background: $accent 60%; }
        & > .engines--muted { color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.figures: EngineFigures | None = None

    def show(self, figures: EngineFigures) -> None:
        """Show new figures; when only the position moved (same program-wide figures and
        strip), the title and bound rows stay as drawn."""
        previous, self.figures = self.figures, figures
        if previous is None:
            self.update_rows()
        elif previous.whole is figures.whole and previous.strip.cells is figures.strip.cells:
            self.refresh_rows(range(1, len(ENGINES) + 2))
        else:
            self.refresh()

    def strip_width(self, width: int) -> int:
        """Cells left for the occupancy strip once the fixed columns are drawn."""
        return max(0, width - self._fixed_width(width))

    def _bar_width(self, width: int) -> int:
        return max(SLOT_LIMITS[e] for e in ENGINES) + 1 if width >= 90 else 0

    def _fixed_width(self, width: int) -> int:
        return NAME_WIDTH + self._bar_width(width) + 6 + 7 + 11

    def on_resize(self) -> None:
        if self.figures is not None:
            self.update_rows()

    def _extra_rows(self) -> tuple[str, ...]:
        """The rows under the engines that fit: the bound, and above it the row that labels
        the strip's current cycle (the strip's own marked cell stays when that row does not)."""
        room = self.rows_visible - len(ENGINES) - 1
        return ("marker", "bound") if room >= 2 else ("bound",) if room == 1 else ()

    def row_count(self) -> int:
        return 0 if self.figures is None else len(ENGINES) + 1 + len(self._extra_rows())

    def render_row(self, index: int, width: int) -> Cells:
        figures = self.figures
        assert figures is not None
        if index == 0:
            return self._titles(figures, width)
        if index <= len(ENGINES):
            return self._engine_row(figures, index - 1, width)
        if self._extra_rows()[index - len(ENGINES) - 1] == "marker":
            return self._marker_row(figures, width)
        return self._bound_row(figures, width)

    def _titles(self, figures: EngineFigures, width: int) -> Cells:
        slots = self._bar_width(width) + 6
        text = f"{'engine':<{NAME_WIDTH}}{'this bundle' if slots > 11 else 'slots':<{slots}}{'run':>7}"
        text += f"{figures.whole_label:>9}  "
        strip = figures.strip
        if strip.cells:
            room = width - len(text)
            per_cell = f", {strip.cycles_per_cell:,} a cell" if strip.cycles_per_cell > 1 else ""
            for title in (
                f"occupancy over cycles 0..{strip.span:,}{per_cell}",
                f"occupancy, cycles 0..{strip.span:,}",
                "occupancy",
            ):
                if len(title) <= room:
                    text += title
                    break
        return [(text, self.style("engines--title"))]

    def _engine_row(self, figures: EngineFigures, k: int, width: int) -> Cells:
        engine = ENGINES[k]
        limit = SLOT_LIMITS[engine]
        used = 0 if figures.bundle is None else figures.bundle.get(engine, 0)
        cells: Cells = [(f"{engine:<{NAME_WIDTH}}", self.style("engines--name"))]
        bar = self._bar_width(width)
        full = used >= limit
        if bar:
            shown = min(used, limit)
            cells.append(("█" * shown, self.style("engines--full" if full else "engines--used")))
            cells.append(("░" * (limit - shown) + " " * (bar - limit), self.style("engines--unused")))
        cells.append((f"{used:>2}/{limit:<3}", self.style("engines--full") if full else None))
        cells.append((_percent(figures.run, k), None))
        cells.append(("  " + _percent(figures.whole, k) + "  ", self.style("engines--muted")))
        cells += self._strip_cells(figures.strip, k, self.strip_width(width))
        return cells

    def _strip_cells(self, strip: OccupancyStrip, k: int, room: int) -> Cells:
        if not strip.cells or room <= 0:
            return []
        levels = "".join(BLOCKS[math.ceil(cell[k] * 8)] for cell in strip.cells[:room])
        marker = strip.marker
        style = self.style("engines--strip")
        if marker is None or marker >= len(levels):
            return [(levels, style)]
        return [
            (levels[:marker], style),
            (levels[marker], self.style("engines--marker")),
            (levels[marker + 1 :], style),
        ]

    def _marker_row(self, figures: EngineFigures, width: int) -> Cells:
        marker = figures.strip.marker
        if marker is None or marker >= self.strip_width(width):
            return []
        pad = self._fixed_width(width) + marker
        label = f"▲ cycle {figures.cycle:,}"
        if pad + len(label) > width:
            label = f"cycle {figures.cycle:,} ▲"
            pad = max(0, pad - len(label) + 1)
        return [(" " * pad, None), (label, self.style("engines--title"))]

    def _bound_row(self, figures: EngineFigures, width: int) -> Cells:
        whole = figures.whole
        if whole is None or not whole.lower_bound:
            return [("slot-count bound: no slots issued", self.style("engines--muted"))]
        bound = whole.lower_bound
        ratio = whole.cycles / bound
        text = (
            f"slot-count bound {bound:,} cycles (set by {whole.binding_engine})"
            f" · {figures.whole_label} {whole.cycles:,} cycles, {ratio:.2f}x the bound"
        )
        if len(text) > width:
            text = f"slot-count bound {bound:,} ({whole.binding_engine}) · {figures.whole_label} {ratio:.2f}x"
        return [(text, self.style("engines--muted"))]


def _percent(report: OccupancyReport | None, k: int) -> str:
    if report is None or not report.cycles:
        return f"{'-':>7}"
    return f"{report.engines[k].utilization:>7.0%}"
