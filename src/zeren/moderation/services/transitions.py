"""One way to move a record along its state machine: a conditional UPDATE on the status that
was read, so that of two requests moving the same record at once the second finds 0 rows and
gets a 409 before it writes anything else. IP notices and consumer complaints use it; their
machines (data/transitions.toml) also name the party that may make each move."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from zeren.errors import Conflict
from zeren.moderation import domain as d
from zeren.moderation.errors import WrongParty


class HasStatus(Protocol):
    id: Any
    status: Any


def refuse(noun: str, row: HasStatus, to: str) -> Conflict:
    return Conflict(f"{noun} in status {row.status} cannot move to {to}",
                    code="invalid_transition", details={"status": row.status, "to": str(to)})


def move(*, session: Session, row: HasStatus, model: Any, machine: d.Machine, to: str,
         noun: str, party: d.Party) -> None:
    """Move ``row`` (an instance of ``model``) to ``to`` if ``machine`` allows it, ``party``
    may make the move, and nobody moved it since it was read; otherwise raise a 409 (or a
    403 ``wrong_party``)."""
    edge = machine.edge(row.status, to)
    if edge is None:
        raise refuse(noun, row, to)
    if party not in edge.by:
        raise WrongParty(f"{noun} moves from {row.status} to {to} only by "
                         f"{', '.join(sorted(edge.by))}",
                         details={"status": row.status, "to": str(to), "party": str(party),
                                  "parties": sorted(edge.by)})
    res = session.execute(update(model).where(model.id == row.id, model.status == row.status)
                          .values(status=to).execution_options(synchronize_session=False))
    session.refresh(row)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise refuse(noun, row, to)
