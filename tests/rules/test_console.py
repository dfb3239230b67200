"""Rules, reviews and credit pages in headless Chromium: the public consultation page (read
the draft, comment without an account, see it listed; a draft is never shown), the rules
library with a version's side-by-side diff, the display-audit report, a merchant's credit
page whose components add up to the score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.conftest import World
from tests.console.test_browser import PASSWORD, live_server, page  # noqa: F401
from tests.credit.test_credit import _reviews
from tests.rules.conftest import Walk
from zeren.auth.policy import SYSTEM
from zeren.credit import service as credit
from zeren.db.session import unit_of_work
from zeren.reviews import service as reviews
from zeren.reviews.schemas import DisplayIn, ShownIn
from zeren.rules import domain as d
from zeren.rules.services import documents as docs

pytestmark = pytest.mark.browser


def test_consultation_library_audit_and_credit_pages(  # type: ignore[no-untyped-def]
        page, live_server: str, world: World, engine: Engine) -> None:  # noqa: F811
    now = datetime.now(UTC)
    w = Walk(engine, world.big_id)
    w.document("trading")
    v1 = w.draft(now=now - timedelta(days=41))
    w.publish_through(v1, now - timedelta(days=40))
    v2 = w.draft(now=now - timedelta(days=2), body_md="# 交易规则\n\n第一条 本规则适用于平台内经营者。\n"
                                                      "第二条 商品发布后须在72小时内发货。\n",
                 summary="放宽发货时限")
    w.do(docs.open_consultation, v2, closes_at=d.days_after(now, 8), now=now)
    w.document("credit", kind="credit_rule")
    c1 = w.draft(now=now - timedelta(days=41))
    w.publish_through(c1, now - timedelta(days=40))
    _reviews(engine, world.big_id, "m-1", [5, 4, 1])
    with unit_of_work(engine) as s:
        exp = reviews.expected_for(session=s, platform_id=world.big_id, scope="listing",
                                   ref="L1", at=now)
        reviews.audit_display(session=s, actor=SYSTEM, platform_id=world.big_id,
                              data=DisplayIn(scope="listing", ref="L1",
                                             shown=[ShownIn(review_id=r)
                                                    for r in exp.order[:-1]]))
    with unit_of_work(engine) as s:
        credit.compute(session=s, actor=SYSTEM, platform_id=world.big_id)
    base = live_server
    # the public page, signed out
    page.goto(f"{base}/rules/consult/big")
    assert page.locator(f"#v-{v2}").count() == 1 and "72小时" in page.inner_text(f"#v-{v2}")
    assert page.locator(f"#v-{v1}").count() == 0
    page.fill(f"#v-{v2} textarea[name=body]", "72小时过长，建议48小时")
    page.click(f"#v-{v2} button[type=submit]")
    page.wait_for_selector("#sent")
    assert "72小时过长" in page.inner_text(f"#v-{v2} .comments")
    # signed in: the library, a version's diff, the audit report, a credit page
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/rules?platform=big")
    assert page.locator("#library tbody tr").count() == 2
    page.goto(f"{base}/rules/versions/{v2}")
    assert page.inner_text("#status") == "consultation"
    assert page.locator("#diff tr.diff-replace").count() >= 1
    page.goto(f"{base}/reviews/audits?platform=big")
    assert page.locator(".finding-missing").count() == 1
    page.goto(f"{base}/credit/merchants/m-1?platform=big")
    score = float(page.inner_text("#score"))
    pts = [float(x) for x in page.locator("#components tbody td:nth-child(2)").all_inner_texts()]
    assert round(sum(pts), 2) == score
