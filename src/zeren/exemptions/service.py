"""Use cases for exemptions (变通) under Art 35."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, Forbidden, InvalidInput, NotFound
from zeren.exemptions.models import Exemption, ExemptionEvent
from zeren.guideline.domain import load_guideline
from zeren.pagination import PageParams, fetch_page
from zeren.platforms.models import Platform
from zeren.platforms.service import applicable
from zeren.timepolicy import beijing_today, parse_day

TRANSITIONS = {
    "approve": ({"requested"}, "approved"),
    "reject": ({"requested"}, "rejected"),
    "withdraw": ({"requested", "approved"}, "withdrawn"),
}


def request_exemption(
    *, session: Session, actor: Actor, platform: Platform, data: dict[str, Any]
) -> Exemption:
    """File a request to apply an article (or one item of it) flexibly, on an Art 35 ground."""
    actor.require("exemption.request", platform.id)
    g = load_guideline()
    try:
        if isinstance(data.get("article"), bool):
            raise TypeError("a boolean is not an article number")
        article_no = int(data["article"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("article must be a number from 1 to 35", field="article") from None
    article = g.article(article_no)
    if article is None:
        raise InvalidInput(f"unknown article {article_no}", field="article")
    if article_no not in applicable(session=session, platform_id=platform.id):
        raise InvalidInput(
            f"article {article_no} does not apply to this platform, so needs no exemption",
            field="article",
        )
    item = data.get("item")
    if item is not None and (not isinstance(item, int) or article.item(item) is None):
        raise InvalidInput(f"article {article_no} has no item {item!r}", field="item")
    ground = str(data.get("ground", ""))
    if g.ground(ground) is None:
        codes = ", ".join(x.code for x in g.exemption_grounds)
        raise InvalidInput(f"ground must be one of Art 35's grounds: {codes}", field="ground")
    justification = str(data.get("justification", "")).strip()
    if len(justification) < 10:
        raise InvalidInput("justification must explain the request (10 characters or more)",
                           field="justification")
    # A calendar date, compared with today's Beijing date (the time policy).
    ends_on = data["ends_on"] if isinstance(data.get("ends_on"), date) else parse_day(
        str(data.get("ends_on") or ""), "ends_on")
    if ends_on <= beijing_today():
        raise InvalidInput("ends_on must be in the future", field="ends_on")
    ex = Exemption(platform_id=platform.id, article=article_no, item=item, ground=ground,
                   justification=justification, ends_on=ends_on, status="requested",
                   requested_by=actor.user_id)
    session.add(ex)
    session.flush()
    session.add(ExemptionEvent(exemption_id=ex.id, event="requested", actor_id=actor.user_id,
                               note=justification))
    record(session=session, actor=actor, action="exemption.request", target_type="exemption",
           target_id=ex.id, platform_id=platform.id, after=row_dict(ex),
           summary={"article": article_no, "item": item, "ground": ground})
    return ex


def decide_exemption(
    *, session: Session, actor: Actor, exemption_id: str, action: str, note: str,
    platform_id: str | None = None,
) -> Exemption:
    """Approve, reject or withdraw; every step is kept as an event. ``platform_id``: the
    platform the caller came from (a page of that platform), which the exemption must be
    on."""
    ex = session.get(Exemption, exemption_id)
    if ex is None or (platform_id is not None and ex.platform_id != platform_id):
        raise NotFound(f"no exemption {exemption_id}", details={"field": "exemption_id"})
    if action not in TRANSITIONS:
        raise InvalidInput("action must be approve, reject or withdraw", field="action")
    perm = "exemption.request" if action == "withdraw" else "exemption.decide"
    actor.require(perm, ex.platform_id)
    allowed_from, to = TRANSITIONS[action]
    if ex.status not in allowed_from:
        raise Conflict(f"cannot {action} an exemption that is {ex.status}",
                       details={"status": ex.status})
    if action == "withdraw" and not note.strip():
        raise InvalidInput("say why the exemption is withdrawn", field="note")
    if action == "approve" and ex.requested_by == actor.user_id:
        raise Forbidden("the person who requested an exemption cannot approve it (four eyes)",
                        details={"requested_by": ex.requested_by})
    if action == "approve" and ex.ends_on < beijing_today():
        raise Conflict("the exemption's end date has passed; file a new request",
                       details={"ends_on": ex.ends_on.isoformat()})
    before = row_dict(ex)
    ex.status = to
    if action != "withdraw":
        ex.decided_by, ex.decided_at, ex.decision_note = actor.user_id, utcnow(), note
    session.add(ExemptionEvent(exemption_id=ex.id, event=to, actor_id=actor.user_id, note=note))
    session.flush()
    record(session=session, actor=actor, action=f"exemption.{action}", target_type="exemption",
           target_id=ex.id, platform_id=ex.platform_id, before=before, after=row_dict(ex),
           summary={"status": to})
    return ex


def _exemptions(platform_id: str) -> Select[Any]:
    return select(Exemption).where(Exemption.platform_id == platform_id).order_by(
        Exemption.created_at.desc(), Exemption.id)


def list_exemptions(*, session: Session, platform_id: str) -> list[Exemption]:
    return list(session.scalars(_exemptions(platform_id)))


def exemptions_page(*, session: Session, platform_id: str, page: PageParams
                    ) -> tuple[list[Exemption], int]:
    return fetch_page(session, _exemptions(platform_id), page)


def active_exemptions(*, session: Session, platform_id: str, on: date) -> list[Exemption]:
    return list(session.scalars(select(Exemption).where(
        Exemption.platform_id == platform_id, Exemption.status == "approved",
        Exemption.ends_on >= on)))


def events_for(*, session: Session, actor: Actor, exemption_id: str) -> list[ExemptionEvent]:
    """An exemption's history (exemption.read on its platform)."""
    ex = session.get(Exemption, exemption_id)
    if ex is None:
        raise NotFound(f"no exemption {exemption_id}", details={"field": "exemption_id"})
    actor.require("exemption.read", ex.platform_id)
    return events(session=session, exemption_id=exemption_id)


def events(*, session: Session, exemption_id: str) -> list[ExemptionEvent]:
    return list(session.scalars(select(ExemptionEvent).where(
        ExemptionEvent.exemption_id == exemption_id).order_by(ExemptionEvent.created_at)))
