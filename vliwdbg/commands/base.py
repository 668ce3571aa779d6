"""What every command module shares: the row type, a command's arguments and reply, the
one-line error, and the argument parsers, so that each module checks its arguments in full
before it touches the session."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vliwdbg.cancel import Cancel
from vliwdbg.core.expr import Expr, ExprError, Location
from vliwdbg.core.history import Progress
from vliwdbg.core.stops import Stop

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


class CommandError(ValueError):
    """A bad command or argument: one line, nothing changed."""


@dataclass
class Args:
    """A command's argument text, where it starts in the line (for column numbers), and the
    /FMT suffix of the command word if any."""

    text: str
    offset: int
    fmt: str | None = None
    cancel: Cancel | None = None
    progress: Progress | None = None


@dataclass
class Reply:
    output: list[str] = field(default_factory=list)
    stop: Stop | None = None
    failed: bool = False
    quit: bool = False
    #: What --record writes for this command, when not the command as typed.
    record: str | None = None


Handler = Callable[["Session", Args], Reply]


@dataclass(frozen=True)
class Command:
    """One row of the table. `name` is one or two words ("goto cycle"); `syntax` shows the
    arguments; `completes` says what the arguments are made of ("expr", "location",
    "scratch" or "command") so completion can offer names."""

    name: str
    syntax: str
    summary: str
    help: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    completes: str | None = None


NUMBER = re.compile(r"^(0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$")


def parse_int(token: str, what: str) -> int:
    if not NUMBER.match(token):
        raise CommandError(f"expected {what}, got {token!r}")
    return int(token, 0) if token[:2].lower() == "0x" else int(token, 10)


def count_arg(args: Args, what: str = "a count") -> int:
    """An optional positive count, 1 by default."""
    if not args.text:
        return 1
    words = args.text.split()
    if len(words) > 1:
        raise CommandError(f"expected one number, got {args.text!r}")
    n = parse_int(words[0], what)
    if n < 1:
        raise CommandError(f"{what} must be at least 1")
    return n


def one_number(args: Args, what: str) -> int:
    words = args.text.split()
    if len(words) != 1:
        raise CommandError(f"expected {what}" + (f", got {args.text!r}" if args.text else ""))
    return parse_int(words[0], what)


def no_args(args: Args) -> None:
    if args.text:
        raise CommandError(f"takes no arguments, got {args.text!r}")


def breakpoint_ids(session: Session, args: Args) -> list[int]:
    """The ids named (all of them when none is), each checked to exist before any is used."""
    words = args.text.split()
    if not words:
        return [bp.id for bp in session.breakpoints]
    ids = [parse_int(w, "a breakpoint number") for w in words]
    for bp_id in ids:
        if session.stops.get(bp_id) is None:
            raise CommandError(f"no breakpoint or watchpoint {bp_id}")
    return ids


def expr_arg(session: Session, args: Args, text: str | None = None, offset: int | None = None) -> Expr:
    """Parse an expression of the argument text; errors point at the column in the line."""
    text = args.text if text is None else text
    offset = args.offset if offset is None else offset
    if not text.strip():
        raise CommandError("expected an expression")
    try:
        return session.parse(text)
    except ExprError as exc:
        raise placed(exc, offset) from None


def evaluate_arg(session: Session, expr: Expr, offset: int) -> int | list[int]:
    try:
        return session.evaluate(expr)
    except ExprError as exc:
        raise placed(exc, offset) from None


def placed(exc: ExprError, offset: int) -> CommandError:
    if exc.col is None:
        return CommandError(exc.detail)
    return CommandError(f"column {offset + exc.col + 1}: {exc.detail}")


def location_arg(session: Session, args: Args) -> Location:
    if not args.text:
        raise CommandError("expected a location: a scratch name, s[A], m[A], s[A:B], m[A:B] or values[i]")
    try:
        return session.locate(args.text)
    except ExprError as exc:
        raise placed(exc, args.offset) from None


def fmt_value(value: int | list[int], fmt: str | None) -> str:
    def one(v: int) -> str:
        if fmt == "x":
            return f"-0x{-v:x}" if v < 0 else f"0x{v:x}"
        return str(v)

    if isinstance(value, list):
        return "[" + ", ".join(one(v) for v in value) + "]"
    return one(value)


def moved(stop: Stop) -> Reply:
    """A move's reply. An interrupted move is recorded as the goto that lands where it
    stopped, since replaying the move itself would run on to its real stop."""
    record = f"goto step {stop.step}" if stop.kind == "interrupted" else None
    return Reply([stop.message], stop=stop, record=record)
