"""`why [LOC]`: the command row; the walk and its wording live in vliwdbg.insight.why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vliwdbg.cancel import Cancelled
from vliwdbg.commands.base import Args, Command, CommandError, Reply, location_arg
from vliwdbg.insight.why import WhyError, answer_lines, explain

if TYPE_CHECKING:
    from vliwdbg.core.session import Session


def _where(session: Session):
    """The ` at FILE:LINE` of a slot, once the session has a source map."""
    slot_where = getattr(session, "slot_where", None)
    if slot_where is None:
        return lambda pc, engine, index: ""
    return slot_where


def cmd_why(session: Session, args: Args) -> Reply:
    loc = location_arg(session, args) if args.text else None
    try:
        _name, answer = explain(session, loc)
    except WhyError as exc:
        raise CommandError(str(exc)) from None
    except Cancelled:
        raise CommandError("interrupted") from None
    return Reply(answer_lines(session, answer, _where(session)))


ROWS: tuple[Command, ...] = (
    Command(
        "why",
        "why [LOC]",
        "walk LOC's value back to the first slot that computed a wrong value",
        "Follows the slots that made the value (lane by lane through vector ops), judging each\n"
        "value against the reference for the element it serves, and prints the path, newest\n"
        "first. The last line names the first wrong value: the slot whose value is wrong while\n"
        "what it read is right or constant. Without LOC: the first wrong output word (values,\n"
        "then indices). The position does not change.",
        cmd_why,
        completes="location",
    ),
)
