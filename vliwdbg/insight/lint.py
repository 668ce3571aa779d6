"""Static lint: what would fault, what is legal but often a mistake, and what looks unused.

Three severities, in the order a kernel author should care about them:
- error: the bundle would fault when run. These come from machine/check.py's
  check_program, the same static checks the engine makes up front, so lint and the
  machine never disagree about what is legal.
- hazard: legal, but a classic packing mistake (sometimes deliberate in a software
  pipeline): a slot reads a word that another slot of the same bundle writes, so it sees the
  old value; or two slots write one word, so the one visited later silently wins.
- note: a scratch word read before any slot has written it, in program order; or a slot
  whose written words no slot anywhere reads.

Debug slots are left out of both the hazards and the "read before any write" note: a
compare that sees the wrong value fails loudly when it runs, so it is never a silent mistake,
and schedulers place compares in the last bundle that still shows the value on purpose.

A software pipeline reads old values on purpose. A bundle says so with a free debug comment,
("comment", "lint: reads-old") and/or ("comment", "lint: overwrite"), which silences that
kind of hazard in that bundle only; the silenced ones are counted, never hidden silently.

The notes are a single forward pass in program order, not a flow analysis: a loop whose
body reads at its top what it writes at its bottom, with no write before the loop, is
reported (it really does read 0 on the first iteration), while a forward jump over a write
that lands before a read earlier in the listing could hide or invent a note. "Never read"
is judged against every slot in the program, so it is safe with loops. Debug compares count
as reads: a value computed only to be compared is not dead. Memory is not linted: its
addresses are data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from machine.check import check_program
from machine.isa import SCRATCH_SIZE
from vliwdbg.insight.access import ScratchNames, format_slot, iter_slots, slot_access

SEVERITIES = ("error", "hazard", "note")


@dataclass(frozen=True)
class LintFinding:
    """One finding. engine and slot_index are None for a finding about a whole bundle."""

    pc: int
    engine: str | None
    slot_index: int | None
    slot: object
    severity: str
    message: str

    def line(self, source: Callable[[int, str | None, int | None], str] | None = None) -> str:
        """The one-line form lint prints: pc, slot, severity, message; and, given
        `source` (Session.slot_where), ` at FILE:LINE` of the slot."""
        where = f"pc {self.pc}"
        if self.engine is not None:
            where += f" {self.engine}"
            if self.slot_index is not None:
                where += f"[{self.slot_index}] ({format_slot(self.slot)})"
        at = source(self.pc, self.engine, self.slot_index) if source is not None else ""
        return f"{where} {self.severity}: {self.message}{at}"


@dataclass(frozen=True)
class LintReport:
    """The findings, and how many hazards bundles marked as deliberate."""

    findings: list[LintFinding]
    silenced: int = 0

    @property
    def status(self) -> int:
        return lint_status(self.findings)

    def summary(self) -> str:
        text = summary_line(self.findings)
        if self.silenced:
            text += f" ({self.silenced} more hazards marked deliberate with a 'lint:' comment)"
        return text


def lint(
    program: Sequence[dict],
    scratch_size: int = SCRATCH_SIZE,
    scratch_map: dict[int, tuple[str, int]] | None = None,
) -> list[LintFinding]:
    """All findings for a program, sorted by pc, then severity, then slot.

    scratch_map (the kernel's {addr: (name, length)}) only makes messages name registers.
    """
    return lint_report(program, scratch_size, scratch_map).findings


def lint_report(
    program: Sequence[dict],
    scratch_size: int = SCRATCH_SIZE,
    scratch_map: dict[int, tuple[str, int]] | None = None,
) -> LintReport:
    """lint(), with the count of hazards silenced by 'lint:' comments."""
    names = ScratchNames(scratch_map)
    findings = _errors(program, scratch_size)
    accesses = [
        [
            (engine, index, slot, access)
            for engine, index, slot in iter_slots(bundle)
            if (access := slot_access(engine, slot)) is not None
        ]
        for bundle in program
    ]
    hazards, silenced = _hazards(program, accesses, names)
    findings += hazards
    findings += _notes(accesses, scratch_size, names)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(
        key=lambda f: (
            f.pc,
            order[f.severity],
            f.engine or "",
            -1 if f.slot_index is None else f.slot_index,
        )
    )
    return LintReport(findings, silenced)


def lint_status(findings: Sequence[LintFinding]) -> int:
    """The exit status of `vliwdbg --lint`: 2 with errors, else 1 with hazards, else 0."""
    severities = {f.severity for f in findings}
    if "error" in severities:
        return 2
    if "hazard" in severities:
        return 1
    return 0


def summary_line(findings: Sequence[LintFinding]) -> str:
    """'3 errors, 0 hazards, 12 notes' for the end of a lint listing."""
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] += 1
    return ", ".join(f"{n} {s}{'' if n == 1 else 's'}" for s, n in counts.items())


def _errors(program: Sequence[dict], scratch_size: int) -> list[LintFinding]:
    # check_program's "warning" (faults only for some data, e.g. an out-of-range select
    # operand that is read only when chosen) is legal code that is probably wrong: a hazard.
    return [
        LintFinding(
            f.pc, f.engine, f.slot_index, f.slot, "error" if f.severity == "error" else "hazard", f.message
        )
        for f in check_program(program, scratch_size)
    ]


def _allowances(bundle: object) -> frozenset[str]:
    """The hazard kinds a bundle's 'lint:' comments mark as deliberate."""
    allowed: set[str] = set()
    for slot in bundle.get("debug", ()) if isinstance(bundle, dict) else ():
        if isinstance(slot, tuple | list) and len(slot) >= 2 and slot[0] == "comment":
            text = slot[1]
            if isinstance(text, str) and text.startswith("lint:"):
                allowed.update(text[len("lint:") :].split())
    return frozenset(allowed)


def _hazards(
    program: Sequence[dict], accesses: list[list[tuple]], names: ScratchNames
) -> tuple[list[LintFinding], int]:
    found: list[LintFinding] = []
    silenced = 0
    for pc, (bundle, items) in enumerate(zip(program, accesses, strict=True)):
        slots = [item for item in items if item[0] != "debug" and (item[3].reads or item[3].writes)]
        if len(slots) < 2:
            continue
        writers: dict[int, list[int]] = {}
        for n, (_, _, _, access) in enumerate(slots):
            for w in access.writes:
                writers.setdefault(w, []).append(n)
        # One finding per slot: the words it reads stale (or writes twice) and the other slots.
        stale: dict[int, tuple[list[int], list[int]]] = {}
        for n, (*_, access) in enumerate(slots):
            for w in access.reads:
                for other in writers.get(w, ()):
                    if other != n:
                        words, others = stale.setdefault(n, ([], []))
                        words.append(w)
                        others.append(other)
        clobbered: dict[int, tuple[list[int], list[int]]] = {}
        for w, ws in writers.items():
            for earlier, later in pairwise(ws):
                words, others = clobbered.setdefault(later, ([], []))
                words.append(w)
                others.append(earlier)
        if not stale and not clobbered:
            continue
        allowed = _allowances(bundle)
        if "reads-old" in allowed:
            silenced += len(stale)
            stale = {}
        if "overwrite" in allowed:
            silenced += len(clobbered)
            clobbered = {}
        for n, (words, others) in stale.items():
            engine, index, slot, _ = slots[n]
            found.append(
                LintFinding(
                    pc,
                    engine,
                    index,
                    slot,
                    "hazard",
                    f"reads {names.words(words)}, which {_slot_names(slots, others)} in the same bundle;"
                    " it sees the old value",
                )
            )
        for n, (words, others) in clobbered.items():
            engine, index, slot, _ = slots[n]
            found.append(
                LintFinding(
                    pc,
                    engine,
                    index,
                    slot,
                    "hazard",
                    f"writes {names.words(words)}, which {_slot_names(slots, others, 'also ')} in the same"
                    " bundle; this later write wins",
                )
            )
    return found, silenced


def _slot_names(slots: list, numbers: list[int], also: str = "") -> str:
    """'alu[2] writes' or 'alu[2], valu[0] write'."""
    unique = sorted(set(numbers))
    verb = "writes" if len(unique) == 1 else "write"
    return ", ".join(f"{slots[n][0]}[{slots[n][1]}]" for n in unique) + f" {also}{verb}"


def _notes(accesses: list[list[tuple]], scratch_size: int, names: ScratchNames) -> list[LintFinding]:
    read_anywhere = bytearray(scratch_size)
    for bundle in accesses:
        for *_, access in bundle:
            for w in access.reads:
                if 0 <= w < scratch_size:
                    read_anywhere[w] = 1
    written = bytearray(scratch_size)
    reported = bytearray(scratch_size)
    found: list[LintFinding] = []
    for pc, bundle in enumerate(accesses):
        for engine, index, slot, access in bundle:
            early = [
                w
                for w in (access.reads if engine != "debug" else ())
                if 0 <= w < scratch_size and not written[w] and not reported[w]
            ]
            if early:
                for w in early:
                    reported[w] = 1
                found.append(
                    LintFinding(
                        pc,
                        engine,
                        index,
                        slot,
                        "note",
                        f"reads {names.words(early)} before any slot writes it (scratch starts at 0)",
                    )
                )
            dead = [w for w in access.writes if 0 <= w < scratch_size and not read_anywhere[w]]
            if dead:
                found.append(
                    LintFinding(
                        pc,
                        engine,
                        index,
                        slot,
                        "note",
                        f"writes {names.words(dead)}, which no slot ever reads",
                    )
                )
        for *_, access in bundle:
            for w in access.writes:
                if 0 <= w < scratch_size:
                    written[w] = 1
    return found
