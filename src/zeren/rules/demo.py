"""Demo data for rules, reviews and credit on one platform: a trading rule with two versions
(the first in force after its consultation and notice, the second out for public
consultation now, with comments, a reply and a hearing), a credit rule in force, reviews of
the demo orders, one display audit that finds a silently removed review, and a credit batch.
Runs after the demo orders are in the ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zeren.auth.policy import SYSTEM
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.rules import domain as d
from zeren.rules import schemas as rs
from zeren.rules.services import documents as docs

TRADING_V1 = """# 精选商城交易规则

第一条 本规则适用于在精选商城经营的平台内经营者。

第二条 商品售出后，经营者须在48小时内发货。

第三条 经营者应如实描述商品，不得虚假宣传。

第四条 违反本规则的，平台依《违规处理规则》处理。
"""
TRADING_V2 = """# 精选商城交易规则

第一条 本规则适用于在精选商城经营的平台内经营者。

第二条 商品售出后，经营者须在72小时内发货；预售商品按页面承诺时间发货。

第三条 经营者应如实描述商品，不得虚假宣传。

第四条 经营者应在收到消费者咨询后24小时内答复。

第五条 违反本规则的，平台依《违规处理规则》处理。
"""
CREDIT = """# 精选商城经营者信用评价规则

信用分 = 基础分 + 评分分 + 评价量分 − 处置扣分 + 成交分 − 退款扣分，并保持在0至100分之间。
成交分按已完成订单数计（每十倍4分，至多10分）；退款扣分按退款金额占成交金额的比例计（全额退款扣20分）。
"""


def _publish(s: Any, doc: Any, body: dict[str, Any], start: Any) -> str:
    v = docs.add_version(session=s, actor=SYSTEM, document=doc, data=rs.VersionIn(**body),
                         now=start - timedelta(days=1))
    closes = d.days_after(start, d.rules_data().consultation.days)
    docs.open_consultation(session=s, actor=SYSTEM, version=v, closes_at=closes, now=start)
    c = docs.add_comment(session=s, actor=SYSTEM, version=v, data=rs.CommentIn(
        author_kind="public", author_name="消费者王女士", body="希望明确发货时间的起算点。"),
        now=start + timedelta(days=1))
    docs.reply(session=s, actor=SYSTEM, version=v, comment_id=c.id,
               data=rs.ReplyIn(body="发货时间自订单支付成功时起算，已在正文中写明。"),
               now=start + timedelta(days=2))
    docs.decide(session=s, actor=SYSTEM, version=v,
                data=rs.DecisionIn(outcome="adopt", decision="经征求意见后通过。"), now=closes)
    docs.publish(session=s, actor=SYSTEM, version=v,
                 effective_at=d.earliest_effective(closes, d.rules_data().notice.days),
                 now=closes + timedelta(hours=1))
    return v.id


def load(*, engine: Any, platform_id: str) -> dict[str, int]:
    """Rules, reviews, a display audit and a credit batch for ``platform_id``."""
    from zeren.credit import service as credit
    from zeren.reviews import service as reviews
    from zeren.reviews.schemas import DisplayIn, ReviewerIn, ReviewIn, ShownIn

    now = utcnow()
    with unit_of_work(engine) as s:
        trading = docs.create_document(session=s, actor=SYSTEM, platform_id=platform_id,
                                       data=rs.DocumentIn(code="trading", kind="trading_rule",
                                                          title="精选商城交易规则"))
        _publish(s, trading, {"body_md": TRADING_V1, "summary": "首次公示：发货时限48小时"},
                 now - timedelta(days=60))
        credit_doc = docs.create_document(session=s, actor=SYSTEM, platform_id=platform_id,
                                          data=rs.DocumentIn(code="credit", kind="credit_rule",
                                                             title="经营者信用评价规则"))
        _publish(s, credit_doc, {"body_md": CREDIT, "summary": "首次公示信用评价规则",
                                 "parameters": {"rating_weight": 10.0, "sanction_penalty": 8.0,
                                                "orders_weight": 4.0, "refund_penalty": 20.0}},
                 now - timedelta(days=50))
        v2 = docs.add_version(session=s, actor=SYSTEM, document=trading, data=rs.VersionIn(
            body_md=TRADING_V2, summary="发货时限放宽至72小时；新增咨询答复时限",
            obligations=[{"code": "reply24", "text": "收到咨询后24小时内答复"}],
            justification="消费者投诉中咨询无人答复占比上升，需明确答复时限。"),
            now=now - timedelta(days=3))
        docs.open_consultation(session=s, actor=SYSTEM, version=v2,
                               closes_at=d.days_after(now - timedelta(days=2), 10),
                               now=now - timedelta(days=2))
        c1 = docs.add_comment(session=s, actor=SYSTEM, version=v2, data=rs.CommentIn(
            author_kind="public", author_name="消费者李先生", body="72小时太长，建议保留48小时。"),
            now=now - timedelta(days=1, hours=5))
        docs.add_comment(session=s, actor=SYSTEM, version=v2, data=rs.CommentIn(
            author_kind="public", author_name="商家代表", body="咨询答复时限请区分节假日。"),
            now=now - timedelta(hours=20))
        docs.reply(session=s, actor=SYSTEM, version=v2, comment_id=c1.id,
                   data=rs.ReplyIn(body="大件商品备货周期较长，现行48小时时限下超时发货较多。"),
                   now=now - timedelta(hours=10))
        docs.add_hearing(session=s, actor=SYSTEM, version=v2, data=rs.HearingIn(
            held_at=now - timedelta(hours=6), participants=["平台规则部", "商家代表3名", "消费者代表2名"],
            minutes="听取各方对发货时限与咨询答复时限的意见。"), now=now)
    # reviews of the demo orders (JI20260000…: merchant M-(100 + i % 7), listing SKU-(i % 13))
    items = []
    for i in range(40):
        rating = 5 if i % 5 else 2
        items.append(ReviewIn(
            review_id=f"RV-{i:04d}", order_id=f"JI{2026_0000 + i}", merchant_id=f"M-{100 + i % 7}",
            listing_id=f"SKU-{i % 13}", rating=rating,
            text="物流很快，包装完好。" if rating == 5 else "收到的商品与描述不符，客服不回复。",
            reviewed_at=now - timedelta(days=40 - i), images=[],
            reviewer=ReviewerIn(id=f"B-{i:05d}", name="演示买家")))
    with unit_of_work(engine) as s:
        reviews.ingest(session=s, actor=SYSTEM, platform_id=platform_id, reviews=items, now=now)
    with unit_of_work(engine) as s:
        exp = reviews.expected_for(session=s, platform_id=platform_id, scope="listing",
                                   ref="SKU-0", at=now)
        shown = [r for r in exp.order if r != "RV-0000"]   # the 2-star review, silently gone
        _audit, found = reviews.audit_display(
            session=s, actor=SYSTEM, platform_id=platform_id,
            data=DisplayIn(scope="listing", ref="SKU-0",
                           shown=[ShownIn(review_id=r) for r in shown]), now=now)
    with unit_of_work(engine) as s:
        batch = credit.compute(session=s, actor=SYSTEM, platform_id=platform_id, now=now)
    return {"rule_documents": 2, "rule_comments": 3, "reviews": len(items),
            "display_audit_findings": len(found), "credit_scores": batch.merchants}
