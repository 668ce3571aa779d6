"""`scopes` and `variables`: the machine, the named scratch registers (vectors open to
their lanes), memory region by region beside the reference's final memory, the reference
itself, and the next bundle's slots with the source lines that made them.

A variable reference lives until the next move: each stop starts a fresh table, so an
editor never reads a number that meant something else a step ago.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from vliwdbg.core.reference import reference_report
from vliwdbg.faces.dap.frames import bundle_chains

if TYPE_CHECKING:
    from vliwdbg.core.session import Session

Producer = Callable[[], list[dict[str, Any]]]

#: How many lanes a vector's one-line value shows before "...".
SHOWN_LANES = 8


def variable(
    name: str,
    value: object,
    ref: int = 0,
    *,
    evaluate: str | None = None,
    memory: str | None = None,
    count: int = 0,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "value": str(value), "variablesReference": ref}
    if evaluate is not None:
        out["evaluateName"] = evaluate
    if memory is not None:
        out["memoryReference"] = memory
    if count:
        out["indexedVariables"] = count
    return out


class Variables:
    """The references handed out since the last move."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._producers: dict[int, Producer] = {}

    def reset(self) -> None:
        self._producers.clear()

    def _ref(self, producer: Producer) -> int:
        ref = len(self._producers) + 1
        self._producers[ref] = producer
        return ref

    def scopes(self) -> list[dict[str, Any]]:
        rows = [
            ("Machine", self._machine, False),
            ("Scratch", self._scratch, False),
            ("Memory", self._memory, False),
            ("Reference", self._reference, True),
            ("Bundle", self._bundle, False),
        ]
        return [
            {"name": name, "variablesReference": self._ref(producer), "expensive": expensive}
            for name, producer, expensive in rows
        ]

    def variables(self, ref: int, start: int = 0, count: int = 0) -> list[dict[str, Any]]:
        """The children of `ref`; raises KeyError for a reference from before the last move."""
        found = self._producers[ref]()
        return found[start : start + count] if count else found[start:]

    # --- the scopes -------------------------------------------------------------------------

    def _machine(self) -> list[dict[str, Any]]:
        s = self.session
        rows = [
            variable("pc", s.pc, evaluate="pc"),
            variable("cycle", s.cycle, evaluate="cycle"),
            variable("step", s.step, evaluate="step"),
            variable("state", s.state_word),
            variable("kernel", s.kernel.name),
        ]
        if s.last_stop is not None:
            rows.append(variable("last stop", s.last_stop.message))
        return rows

    def _scratch(self) -> list[dict[str, Any]]:
        s = self.session
        names = sorted(s.scratch_names.items(), key=lambda item: item[1][0])
        if not names:
            size = len(s.scratch)
            return [
                self._words("s", f"s[{a}:{min(a + 8, size)}]", a, min(8, size - a)) for a in range(0, size, 8)
            ]
        rows = []
        for name, (addr, length) in names:
            if length == 1:
                rows.append(variable(name, s.scratch[addr], evaluate=name, memory=f"s:{addr}"))
            else:
                rows.append(self._words("s", name, addr, length, lanes_of=name))
        return rows

    def _words(
        self, space: str, name: str, addr: int, length: int, lanes_of: str | None = None
    ) -> dict[str, Any]:
        """A run of words as one variable whose children are the words."""
        words = self.session.scratch if space == "s" else self.session.mem
        shown = [str(w) for w in words[addr : addr + min(length, SHOWN_LANES)]]
        value = "[" + ", ".join(shown) + (", ...]" if length > SHOWN_LANES else "]")

        def lanes() -> list[dict[str, Any]]:
            out = []
            for i in range(length):
                label = f"{lanes_of}[{i}]" if lanes_of else f"{space}[{addr + i}]"
                out.append(variable(label, words[addr + i], evaluate=label, memory=f"{space}:{addr + i}"))
            return out

        evaluate = lanes_of if lanes_of else f"{space}[{addr}:{addr + length}]"
        return variable(
            name, value, self._ref(lanes), evaluate=evaluate, memory=f"{space}:{addr}", count=length
        )

    def _memory(self) -> list[dict[str, Any]]:
        """Each region; indices and values beside the reference's final words, with the
        round each value holds (vliwdbg.core.reference says both)."""
        s = self.session
        reports = {report.name: report for report in reference_report(s)}
        final = s.problem.final
        rows = []
        for region, (start, length) in s.regions.items():
            report = reports.get(region)

            def words(region: str = region, start: int = start, length: int = length) -> list[dict[str, Any]]:
                report = reports.get(region)
                differ = set(report.differ) if report is not None else set()
                out = []
                for i in range(length):
                    value = str(s.mem[start + i])
                    if i in differ:
                        value += f" (reference at the end: {final[start + i]}"
                        held = report.reached.get(i) if report is not None and report.reached else None
                        value += f", holds round {held})" if held is not None else ")"
                    label = f"{region}[{i}]"
                    out.append(variable(label, value, evaluate=label, memory=f"m:{start + i}"))
                return out

            summary = f"m[{start}:{start + length}]"
            if report is not None:
                summary += f", {len(report.differ)} of {length} differ from the reference's end"
            rows.append(variable(region, summary, self._ref(words), memory=f"m:{start}", count=length))
        return rows

    def _reference(self) -> list[dict[str, Any]]:
        s = self.session
        final = s.problem.final
        rows = []
        for region in ("indices", "values"):
            start, length = s.regions[region]

            def words(region: str = region, start: int = start, length: int = length) -> list[dict[str, Any]]:
                return [variable(f"{region}[{i}]", final[start + i]) for i in range(length)]

            rows.append(variable(f"{region} at the end", f"{length} words", self._ref(words), count=length))
        return rows

    def _bundle(self) -> list[dict[str, Any]]:
        """The next bundle's slots as pseudo-code, each opening to the source chain that
        made it (innermost first): the bundle's other chains, beside the stack's one."""
        s = self.session
        pc = s.pc
        if not 0 <= pc < len(s.program):
            return [variable("pc", f"{pc}: past the end of the program")]
        rows = []
        for engine, index, chain in bundle_chains(s, pc):
            text = s.named_slot(pc, engine, index)
            label = f"{engine} {index}"
            if chain:
                rows.append(variable(label, text, self._ref(_chain_rows(chain))))
            else:
                rows.append(variable(label, text))
        return rows


def _chain_rows(chain: Sequence[Any]) -> Producer:
    def rows() -> list[dict[str, Any]]:
        return [variable(f"#{k}", str(frame)) for k, frame in enumerate(chain)]

    return rows
