"""The run against the reference: the values and indices regions now beside the reference's
final memory, and how far each element has got."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


@dataclass(frozen=True)
class RegionReport:
    """One memory region against the reference's final memory."""

    name: str
    start: int
    length: int
    differ: list[int]
    #: For the values region: element -> the last round whose result it holds (0 = the
    #: initial value, r = after round r), or None when it matches no round.
    reached: dict[int, int | None] | None = None


def reference_report(session: Session) -> list[RegionReport]:
    """The values and indices regions now against the reference's final memory, and for
    each value the last round whose result it holds (how far each element has got)."""
    reports = []
    for name in ("values", "indices"):
        start, length = session.regions[name]
        now = session.core.mem[start : start + length]
        ref = session.problem.final[start : start + length]
        differ = [i for i, (a, b) in enumerate(zip(now, ref, strict=True)) if a != b]
        reached = _rounds_reached(session, now) if name == "values" else None
        reports.append(RegionReport(name, start, length, differ, reached))
    return reports


def _rounds_reached(session: Session, now: Sequence[int]) -> dict[int, int | None]:
    check = session.store_check
    return {i: check.last_stage("values", i, value) for i, value in enumerate(now)}
