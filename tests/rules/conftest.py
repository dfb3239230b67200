"""Shared pieces of the rules tests: a clock in Beijing time, a service-level walk through the
lifecycle with explicit times, sample bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.rules import domain as d
from zeren.rules import schemas as s
from zeren.rules.services import documents as docs

BJ = timezone(timedelta(hours=8))
NY = timezone(timedelta(hours=-5))
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=BJ)


def url(world: World, path: str = "", platform: str | None = None) -> str:
    return f"/api/v1/platforms/{platform or world.big_id}/rules{path}"


def body(n: int = 1, **kw: Any) -> dict[str, Any]:
    text = "\n".join(["# 交易规则", "", "第一条 本规则适用于平台内经营者。",
                      f"第二条 商品发布后须在{n * 24}小时内发货。", "第三条 违规处理依本规则。"])
    return {"body_md": text, "summary": f"第{n}版：发货时限", **kw}


@dataclass
class Walk:
    """A document walked through the lifecycle by the services, at chosen times."""

    engine: Engine
    platform_id: str
    document_id: str = ""

    def document(self, code: str = "trading", **kw: Any) -> str:
        with unit_of_work(self.engine) as ss:
            doc = docs.create_document(session=ss, actor=SYSTEM, platform_id=self.platform_id,
                                       data=s.DocumentIn(code=code, kind=kw.pop(
                                           "kind", "trading_rule"), title="交易规则", **kw))
            self.document_id = doc.id
        return self.document_id

    def draft(self, now: datetime = T0 - timedelta(days=1), **kw: Any) -> str:
        with unit_of_work(self.engine) as ss:
            doc = docs.get_document(session=ss, actor=SYSTEM, platform_id=self.platform_id,
                                    document=self.document_id)
            return docs.add_version(session=ss, actor=SYSTEM, document=doc,
                                    data=s.VersionIn(**{**body(), **kw}), now=now).id

    def do(self, fn: Any, vid: str, **kw: Any) -> Any:
        with unit_of_work(self.engine) as ss:
            v = docs.get_version(session=ss, actor=SYSTEM, version_id=vid)
            return fn(session=ss, actor=SYSTEM, version=v, **kw)

    def publish_through(self, vid: str, start: datetime) -> datetime:
        """Consultation from ``start`` for the minimum, one comment answered, adopt,
        publish at the earliest effective time; returns that time."""
        closes = d.days_after(start, d.rules_data().consultation.days)
        self.do(docs.open_consultation, vid, closes_at=closes, now=start)
        c = self.do(docs.add_comment, vid, data=s.CommentIn(
            author_kind="public", author_name="消费者甲", body="请延长发货时限"),
            now=start + timedelta(hours=1))
        self.do(docs.reply, vid, comment_id=c.id, data=s.ReplyIn(body="已采纳部分意见"),
                now=start + timedelta(hours=2))
        self.do(docs.decide, vid, data=s.DecisionIn(outcome="adopt", decision="通过"),
                now=closes)
        eff = d.earliest_effective(closes, d.rules_data().notice.days)
        self.do(docs.publish, vid, effective_at=eff, now=closes + timedelta(minutes=1))
        return eff
