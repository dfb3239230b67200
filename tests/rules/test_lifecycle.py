"""The lifecycle at chosen times through the services (both databases): consultation,
comments and replies, hearings, decision, publication after the notice, in force and
superseded, exits within the window, and what reaches the ledger. Every refusal names its
field and leaves nothing written."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.merchants.conftest import enterprise
from tests.rules.conftest import NY, T0, Walk
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.errors import AppError
from zeren.ledger.outbox import OutboxRow
from zeren.merchants import schemas as ms
from zeren.merchants.services import registry
from zeren.rules import domain as d
from zeren.rules import schemas as s
from zeren.rules.models import RuleComment, RuleExit, RuleVersion
from zeren.rules.services import documents as docs


@pytest.fixture
def walk(engine: Engine, world: World) -> Walk:
    w = Walk(engine, world.big_id)
    w.document()
    return w


def _count(engine: Engine, model: type) -> int:
    with unit_of_work(engine) as ss:
        return int(ss.scalar(select(func.count()).select_from(model)) or 0)


def _refused(fn: object, field: str, status: int = 422, **kw: object) -> AppError:
    with pytest.raises(AppError) as e:
        fn(**kw)  # type: ignore[operator]
    assert e.value.status == status, e.value.to_dict()
    assert e.value.details.get("field") == field, e.value.to_dict()
    return e.value


def test_the_whole_lifecycle_and_the_ledger(walk: Walk, engine: Engine) -> None:
    v1 = walk.draft()
    eff1 = walk.publish_through(v1, T0)
    with unit_of_work(engine) as ss:
        v = ss.get(RuleVersion, v1)
        assert v is not None
        assert docs.status_of(session=ss, version=v, now=eff1 - timedelta(seconds=1)
                              ).shown == d.Shown.ANNOUNCED
        assert docs.status_of(session=ss, version=v, now=eff1).shown == d.Shown.IN_FORCE
    v2 = walk.draft(**{"body_md": "# 交易规则\n\n第一条 本规则适用于平台内经营者。\n"
                                  "第二条 商品发布后须在72小时内发货。\n",
                       "summary": "发货时限放宽至72小时"})
    eff2 = walk.publish_through(v2, eff1 + timedelta(days=30))
    with unit_of_work(engine) as ss:
        a, b = ss.get(RuleVersion, v1), ss.get(RuleVersion, v2)
        assert a is not None and b is not None
        assert docs.status_of(session=ss, version=a, now=eff2).shown == d.Shown.SUPERSEDED
        assert docs.status_of(session=ss, version=b, now=eff2).shown == d.Shown.IN_FORCE
        assert docs.in_force(session=ss, document_id=walk.document_id,
                             at=eff2 - timedelta(seconds=1)).id == v1  # type: ignore[union-attr]
        events = [e.kind for e in docs.history(session=ss, actor=SYSTEM, version=b)]
        assert events == ["drafted", "consultation_opened", "decided", "published"]
        rows = list(ss.scalars(select(OutboxRow).where(OutboxRow.record_class == "rules")
                               .order_by(OutboxRow.seq)))
    kinds = [(r.record["event"], r.record["version_id"]) for r in rows]
    assert kinds == [("consultation_opened", v1), ("published", v1),
                     ("consultation_opened", v2), ("published", v2)]
    pub = rows[3].record
    assert pub["previous_version_id"] == v1 and pub["notice_days"] == 7
    assert pub["body_sha256"] == d.body_digest(b.body_md)
    assert pub["consultation"]["comments"] == 1 and pub["consultation"]["replies"] == 1
    assert pub["consultation"]["unanswered"] == 0
    assert rows[3].subject == f"rule:{walk.platform_id}:{v2}"


def test_refusals_name_the_field_and_write_nothing(walk: Walk, engine: Engine) -> None:
    vid = walk.draft()
    # a consultation shorter than the minimum, or closing in the past
    _refused(lambda **kw: walk.do(docs.open_consultation, vid, **kw), "closes_at",
             closes_at=T0 + timedelta(days=3), now=T0)
    _refused(lambda **kw: walk.do(docs.open_consultation, vid, **kw), "closes_at",
             closes_at=T0 - timedelta(hours=1), now=T0)
    closes = d.days_after(T0, 7)
    walk.do(docs.open_consultation, vid, closes_at=closes, now=T0)
    # the text is frozen once out for consultation
    err = _refused(lambda **kw: walk.do(docs.edit_version, vid, **kw), "body_md", 409,
                   data=s.VersionEdit(body_md="改过的文本"), now=T0)
    assert err.code == "immutable_record"
    # a comment one second before the deadline is taken, at the deadline it is not —
    # the deadline is an instant, whatever zone the clock is read in
    c = s.CommentIn(author_kind="public", author_name="甲", body="意见")
    walk.do(docs.add_comment, vid, data=c, now=(closes - timedelta(seconds=1)).astimezone(NY))
    before = _count(engine, RuleComment)
    _refused(lambda **kw: walk.do(docs.add_comment, vid, **kw), "closes_at",
             data=c, now=closes.astimezone(UTC))
    assert _count(engine, RuleComment) == before
    # a merchant's comment names a merchant of the platform
    _refused(lambda **kw: walk.do(docs.add_comment, vid, **kw), "merchant_id",
             data=s.CommentIn(author_kind="merchant", author_name="乙", body="x",
                              merchant_id="nobody"), now=T0)
    # no decision before the deadline; none while a comment has no reply
    dec = s.DecisionIn(outcome="adopt", decision="通过")
    _refused(lambda **kw: walk.do(docs.decide, vid, **kw), "closes_at", 409, data=dec,
             now=closes - timedelta(minutes=1))
    _refused(lambda **kw: walk.do(docs.decide, vid, **kw), "comments", 409, data=dec,
             now=closes)
    cid = walk.do(docs.comments, vid)[0].id
    walk.do(docs.reply, vid, comment_id=cid, data=s.ReplyIn(body="收到"),
            now=closes - timedelta(minutes=5))
    walk.do(docs.decide, vid, data=dec, now=closes)
    # publication: the effective time in the past, or before the notice has run
    first = d.earliest_effective(closes, 7)
    _refused(lambda **kw: walk.do(docs.publish, vid, **kw), "effective_at",
             effective_at=closes - timedelta(days=1), now=closes)
    _refused(lambda **kw: walk.do(docs.publish, vid, **kw), "effective_at",
             effective_at=first - timedelta(seconds=1), now=closes)
    with unit_of_work(engine) as ss:
        v = ss.get(RuleVersion, vid)
        assert v is not None and v.stage == "decided" and v.effective_at is None
        assert ss.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.record["event"].as_string() == "published")) == 0
    walk.do(docs.publish, vid, effective_at=first.astimezone(NY), now=closes)
    # a published version cannot be edited
    _refused(lambda **kw: walk.do(docs.edit_version, vid, **kw), "summary", 409,
             data=s.VersionEdit(summary="悄悄改"), now=first)
    with unit_of_work(engine) as ss:
        v = ss.get(RuleVersion, vid)
        assert v is not None and v.summary == "第1版：发货时限"


def test_fee_increase_takes_the_platforms_longer_notice(engine: Engine, world: World) -> None:
    w = Walk(engine, world.big_id)
    w.document("fees", kind="fee_schedule", fee_increase_notice_days=30)
    fee = {"code": "commission", "name": "佣金", "basis": "percent", "amount": 5}
    v1 = w.draft(fee_items=[fee])
    eff1 = w.publish_through(v1, T0)
    v2 = w.draft(fee_items=[{**fee, "amount": 6}])
    start = eff1 + timedelta(days=1)
    closes = d.days_after(start, 7)
    # a fee increase needs its justification before it goes out (Art 29)
    _refused(lambda **kw: w.do(docs.open_consultation, v2, **kw), "justification",
             closes_at=closes, now=start)
    w.do(docs.edit_version, v2, data=s.VersionEdit(justification="支付通道成本上升"), now=start)
    w.do(docs.open_consultation, v2, closes_at=closes, now=start)
    w.do(docs.decide, v2, data=s.DecisionIn(outcome="adopt", decision="上调佣金"), now=closes)
    _refused(lambda **kw: w.do(docs.publish, v2, **kw), "effective_at",
             effective_at=d.earliest_effective(closes, 7), now=closes)
    got = w.do(docs.publish, v2, effective_at=d.earliest_effective(closes, 30), now=closes)
    assert got.notice_days == 30


def test_exits_within_the_window_under_the_old_rules(walk: Walk, engine: Engine) -> None:
    with unit_of_work(engine) as ss:
        m = registry.register_merchant(session=ss, actor=SYSTEM, platform_id=walk.platform_id,
                                       data=ms.MerchantIn(**enterprise(1)))
        mref = m.merchant_ref
    v1 = walk.draft()
    eff1 = walk.publish_through(v1, T0)
    v2 = walk.draft(summary="第二版")
    # no exit from a change that is not published
    _refused(lambda **kw: walk.do(docs.declare_exit, v2, **kw), "version_id",
             data=s.ExitIn(merchant_id=mref), now=eff1)
    closes = d.days_after(eff1, 7)
    walk.do(docs.open_consultation, v2, closes_at=closes, now=eff1)
    walk.do(docs.decide, v2, data=s.DecisionIn(outcome="adopt", decision="通过"), now=closes)
    eff2 = d.earliest_effective(closes, 7)
    walk.do(docs.publish, v2, effective_at=eff2, now=closes)
    ex = walk.do(docs.declare_exit, v2, data=s.ExitIn(merchant_id=mref, note="不接受"),
                 now=eff2 - timedelta(seconds=1))
    assert ex.old_version_id == v1
    _refused(lambda **kw: walk.do(docs.declare_exit, v2, **kw), "merchant_id", 409,
             data=s.ExitIn(merchant_id=mref), now=eff2 - timedelta(seconds=1))
    _refused(lambda **kw: walk.do(docs.declare_exit, v2, **kw), "effective_at",
             data=s.ExitIn(merchant_id=mref), now=eff2)
    assert _count(engine, RuleExit) == 1
    with unit_of_work(engine) as ss:
        logged = [r.record for r in ss.scalars(select(OutboxRow).where(
            OutboxRow.record_class == "rules"))]
    exit_rec = [r for r in logged if r["event"] == "exit_declared"]
    assert len(exit_rec) == 1 and exit_rec[0]["old_version_id"] == v1
    assert "第三十四条" in json.dumps(exit_rec[0], ensure_ascii=False)


def test_citing_a_version_needs_it_in_force_at_the_time(walk: Walk, engine: Engine) -> None:
    v1 = walk.draft()
    eff1 = walk.publish_through(v1, T0)
    v2 = walk.draft(summary="草案")
    with unit_of_work(engine) as ss:
        assert docs.version_in_force(session=ss, platform_id=walk.platform_id, version_id=v1,
                                     at=eff1).id == v1
        for vid, at in [(v1, eff1 - timedelta(seconds=1)), (v2, eff1 + timedelta(days=1)),
                        ("nope", eff1)]:
            with pytest.raises(AppError) as e:
                docs.version_in_force(session=ss, platform_id=walk.platform_id,
                                      version_id=vid, at=at)
            assert e.value.details["field"] == "rule_version"
