"""One way to move a record along its state machine: a conditional UPDATE on the status that
was read, so that of two requests moving the same record at once the second finds 0 rows and
gets a 409 before it writes anything else. IP notices and consumer complaints use it."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from zeren.errors import Conflict
from zeren.moderation import domain as d


class HasStatus(Protocol):
    id: Any
    status: Any


def refuse(noun: str, row: HasStatus, to: str) -> Conflict:
    return Conflict(f"{noun} in status {row.status} cannot move to {to}",
                    code="invalid_transition", details={"status": row.status, "to": str(to)})


def move(*, session: Session, row: HasStatus, model: Any, machine: dict[Any, frozenset[Any]],
         to: str, noun: str) -> None:
    """Move ``row`` (an instance of ``model``) to ``to`` if ``machine`` allows it and nobody
    moved it since it was read; otherwise raise a 409."""
    if not d.can_move(machine, row.status, to):
        raise refuse(noun, row, to)
    res = session.execute(update(model).where(model.id == row.id, model.status == row.status)
                          .values(status=to).execution_options(synchronize_session=False))
    session.refresh(row)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise refuse(noun, row, to)
