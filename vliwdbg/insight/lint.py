"""Static lint, split by certainty: errors are certainly wrong, notes may be deliberate.

- error (exit status 1): the bundle would fault when run (from machine/check.py's
  check_program, the engine's own static checks, so lint and the machine never disagree
  about what is legal); two slots of one bundle write the same word (one of them is lost);
  or a slot reads a scratch word before the slot that writes it, where that is certain: in
  the straight-line code from pc 0 up to the first bundle that can jump or halt (and before
  any jump target), every bundle runs only straight from the start, so such a read sees 0
  instead of the value the program computes later. A word that no slot writes at all is
  a register kept at 0 on purpose: reading it is a note.
- note (exit status 0): legal, and often deliberate. A slot reads a word that another slot
  of the same bundle writes (it sees the old value: software pipelines do this on purpose);
  a select operand that faults only when chosen; a read before any write in program order
  past the first jump (a loop may write the word later in the listing but earlier in
  time), or of a word nothing writes; a write that no slot anywhere reads.

Debug slots are left out of the same-bundle checks and of the reads before writes: a
compare that sees the wrong value fails loudly when it runs, and schedulers place compares
in the last bundle that still shows the value on purpose. A select's candidates count only
as notes: which one is read depends on data. Debug compares count as reads for "never
read": a value computed only to be compared is not dead. Memory is not linted: its
addresses are data.

A bundle marks deliberate same-bundle findings with a free debug comment,
("comment", "lint: reads-old") and/or ("comment", "lint: overwrite"); those are counted
in the summary, never listed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from machine.check import check_program
from machine.gc_pause import gc_paused
from machine.isa import SCRATCH_SIZE, VLEN
from vliwdbg.insight.access import Access, ScratchNames, format_slot, slot_access

SEVERITIES = ("error", "note")

#: Exit statuses of `vliwdbg --lint`: a kernel that cannot be built gets LOAD_FAILED.
CLEAN, HAS_ERRORS, LOAD_FAILED = 0, 1, 2

#: Flow ops after which the next bundle may not be the one below: the end of the code
#: whose first run certainly comes straight from pc 0.
_LEAVES_STRAIGHT_LINE = frozenset({"jump", "cond_jump", "cond_jump_rel", "jump_indirect", "halt"})


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
    """The findings, and how many same-bundle findings bundles marked as deliberate."""

    findings: list[LintFinding]
    silenced: int = 0

    @property
    def status(self) -> int:
        return lint_status(self.findings)

    def summary(self) -> str:
        text = summary_line(self.findings)
        if self.silenced:
            text += f" ({self.silenced} more marked deliberate with a 'lint:' comment)"
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
    """lint(), with the count of findings silenced by 'lint:' comments."""
    with gc_paused():
        return _lint_report(program, scratch_size, scratch_map)


def _lint_report(
    program: Sequence[dict], scratch_size: int, scratch_map: dict[int, tuple[str, int]] | None
) -> LintReport:
    """lint_report's work, with the collector paused: it makes a few objects per slot of the
    program, which, with the collector on, would have it walk the whole heap over and over."""
    names = ScratchNames(scratch_map)
    faults = _errors(program, scratch_size)
    findings = list(faults)
    accesses = slot_accesses(program)
    same_bundle, silenced = _same_bundle(program, accesses, names)
    findings += same_bundle
    certain_end = _straight_line_end(program, faults)
    findings += _unwritten_and_dead(program, accesses, scratch_size, names, certain_end)
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


_COMPARE = "compare"


def slot_accesses(program: Sequence[dict]) -> list[list[tuple]]:
    """Per bundle, (engine, slot index, slot, Access) of every slot whose access is known, in
    the bundle's order: what `iter_slots` and `slot_access` give, in one pass without a
    generator per bundle (a long program has hundreds of thousands)."""
    out: list[list[tuple]] = []
    append = out.append
    for bundle in program:
        items: list[tuple] = []
        if isinstance(bundle, dict):
            for engine, slots in bundle.items():
                if isinstance(slots, list | tuple):
                    for index, slot in enumerate(slots):
                        if (
                            engine == "debug"
                            and type(slot) is tuple
                            and len(slot) == 3
                            and slot[0] == _COMPARE
                        ):
                            # A kernel's compares all differ (each names its own key), so
                            # caching them would only fill the cache: their access is the
                            # word they read.
                            loc = slot[1]
                            access = (
                                Access((loc,), ())
                                if isinstance(loc, int) and not isinstance(loc, bool)
                                else None
                            )
                        else:
                            access = slot_access(engine, slot)
                        if access is not None:
                            items.append((engine, index, slot, access))
        append(items)
    return out


def lint_status(findings: Sequence[LintFinding]) -> int:
    """The exit status of `vliwdbg --lint`: 1 with errors, else 0 (notes never fail a
    kernel: they flag code that is legal and often deliberate)."""
    return HAS_ERRORS if any(f.severity == "error" for f in findings) else CLEAN


def summary_line(findings: Sequence[LintFinding]) -> str:
    """'3 errors, 12 notes' for the end of a lint listing."""
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] += 1
    return ", ".join(f"{n} {s}{'' if n == 1 else 's'}" for s, n in counts.items())


def _errors(program: Sequence[dict], scratch_size: int) -> list[LintFinding]:
    # check_program's "warning" (faults only for some data, e.g. an out-of-range select
    # operand that is read only when chosen) is legal code whose fate depends on data: a note.
    return [
        LintFinding(
            f.pc, f.engine, f.slot_index, f.slot, "error" if f.severity == "error" else "note", f.message
        )
        for f in check_program(program, scratch_size)
    ]


def _allowances(bundle: object) -> frozenset[str]:
    """The same-bundle finding kinds ('reads-old', 'overwrite') a bundle's 'lint:' comments
    mark as deliberate."""
    allowed: set[str] = set()
    for slot in bundle.get("debug", ()) if isinstance(bundle, dict) else ():
        if isinstance(slot, tuple | list) and len(slot) >= 2 and slot[0] == "comment":
            text = slot[1]
            if isinstance(text, str) and text.startswith("lint:"):
                allowed.update(text[len("lint:") :].split())
    return frozenset(allowed)


def _same_bundle(
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
                    "note",
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
                    "error",
                    f"writes {names.words(words)}, which {_slot_names(slots, others, 'also ')} in the same"
                    " bundle; only this later write lands",
                )
            )
    return found, silenced


def _slot_names(slots: list, numbers: list[int], also: str = "") -> str:
    """'alu[2] writes' or 'alu[2], valu[0] write'."""
    unique = sorted(set(numbers))
    verb = "writes" if len(unique) == 1 else "write"
    return ", ".join(f"{slots[n][0]}[{slots[n][1]}]" for n in unique) + f" {also}{verb}"


def _straight_line_end(program: Sequence[dict], faults: list[LintFinding]) -> int:
    """The pc where the code that only ever runs straight from pc 0 ends (exclusive).

    It takes in the first bundle that may jump or halt (its own reads happen before the
    jump acts) and stops before the first bundle that faults (nothing after it runs) and
    before the first jump target (a loop's top runs again after its bottom wrote). A jump
    through a register could land anywhere, so a program with one has no such code."""
    end = min((f.pc for f in faults if f.severity == "error"), default=len(program))
    first_control = len(program)
    for pc, bundle in enumerate(program):
        flow = bundle.get("flow") if isinstance(bundle, dict) else None
        if not isinstance(flow, list | tuple):
            continue
        for slot in flow:
            if not isinstance(slot, tuple | list) or not slot or slot[0] not in _LEAVES_STRAIGHT_LINE:
                continue
            first_control = min(first_control, pc + 1)
            op = slot[0]
            if op == "jump_indirect":
                return 0
            target = slot[-1] if op in ("jump", "cond_jump") else None
            if op == "cond_jump_rel" and len(slot) == 3 and isinstance(slot[2], int):
                target = pc + 1 + slot[2]
            if isinstance(target, int):
                end = min(end, max(target, 0))
    return min(end, first_control)


def _certain_reads(engine: str, slot: object, access: object) -> tuple[int, ...]:
    """The words a slot reads whatever the data: a select's candidates are read only when
    chosen, so only its condition counts."""
    if engine == "flow" and slot[0] == "select":
        return (slot[2],)
    if engine == "flow" and slot[0] == "vselect":
        return tuple(range(slot[2], slot[2] + VLEN))
    return access.reads


def _unwritten_and_dead(
    program: Sequence[dict],
    accesses: list[list[tuple]],
    scratch_size: int,
    names: ScratchNames,
    certain_end: int,
) -> list[LintFinding]:
    """Reads of words nothing wrote before them (errors where certain, see the module
    docstring, else notes), and writes that no slot anywhere reads (notes). A bundle marked
    'lint: reads-old' that reads a word it writes itself means the old 0: a note."""
    read_anywhere = bytearray(scratch_size)
    written_anywhere = bytearray(scratch_size)
    for bundle in accesses:
        for *_, access in bundle:
            for w in access.reads:
                if 0 <= w < scratch_size:
                    read_anywhere[w] = 1
            for w in access.writes:
                if 0 <= w < scratch_size:
                    written_anywhere[w] = 1
    written = bytearray(scratch_size)
    reported = bytearray(scratch_size)
    found: list[LintFinding] = []
    for pc, bundle in enumerate(accesses):
        certain = pc < certain_end
        for engine, index, slot, access in bundle:
            if engine != "debug":
                early = [
                    w for w in access.reads if 0 <= w < scratch_size and not written[w] and not reported[w]
                ]
            else:
                early = []
            if early:
                for w in early:
                    reported[w] = 1
                sure = set(_certain_reads(engine, slot, access)) if certain else set()
                if "reads-old" in _allowances(program[pc]):
                    sure -= {w for *_, other in bundle for w in other.writes}
                errors = [w for w in early if w in sure and written_anywhere[w]]
                notes = [w for w in early if w not in errors]
                if errors:
                    found.append(
                        LintFinding(
                            pc,
                            engine,
                            index,
                            slot,
                            "error",
                            f"reads {names.words(errors)} before the slot that writes it"
                            " (straight-line code from the start: it reads 0)",
                        )
                    )
                if notes:
                    found.append(
                        LintFinding(
                            pc,
                            engine,
                            index,
                            slot,
                            "note",
                            f"reads {names.words(notes)} before any slot writes it (scratch starts at 0)",
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
