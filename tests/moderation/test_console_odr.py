"""IP notice-and-takedown and complaints in the console, in headless Chromium: the merchant
declares and answers from its inbox link, the rights holder reads the forwarded declaration
with the Art 43 statement and records its lawsuit from its link, a moderator mediates from
the complaints page with every outcome counted, and a read-only auditor sees the same pages
without the mediation form. zh-CN first, English behind the language switch. Screenshots go
to test-artifacts/moderation/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import World
from tests.console.test_browser import live_server, page  # noqa: F401  (fixtures)
from tests.moderation.test_console import PASSWORD, _login
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.db.session import unit_of_work
from zeren.moderation.schemas import AccountIn, ComplaintIn, Evidence, IPNoticeIn, SubjectIn
from zeren.moderation.services import complaints, ip, statements

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "moderation"


def _seed(engine: Engine, world: World) -> tuple[str, str]:
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username="mod2", display_name="审核员二",
                    password=PASSWORD, roles=[("moderator", None)])
        create_user(session=s, actor=SYSTEM, username="aud", display_name="审计",
                    password=PASSWORD, roles=[("auditor", None)])
        n, holder = ip.file_notice(session=s, actor=SYSTEM, platform_id=world.big_id,
                                   body=IPNoticeIn(
            subject=SubjectIn(kind="listing", external_ref="sku-c1",
                              owner=AccountIn(kind="merchant", external_ref="shop-c1",
                                              display_name="某某旗舰店")),
            rights_holder="某品牌有限公司", rights_holder_contact="legal@brand.example",
            right_type="trademark", right_ref="第123号",
            evidence=[Evidence(kind="url", ref="https://brand.example/cert.pdf")]))
        ip.take_measures(session=s, actor=SYSTEM, notice_id=n.id, code="stop_transmission",
                         note="")
        complaints.file_complaint(session=s, actor=SYSTEM, platform_id=world.big_id,
                                  body=ComplaintIn(consumer_ref="buyer-9",
                                                   merchant=AccountIn(kind="merchant",
                                                                      external_ref="shop-c1"),
                                                   order_ref="o-9", description="货不对板",
                                                   claim="退货退款"))
        _, shop = statements.inbox_link(session=s, actor=SYSTEM, platform_id=world.big_id,
                                        account_ref="shop-c1", kind="merchant")
    return shop, holder


def test_ip_and_complaints_console(page, live_server: str, world: World,  # type: ignore[no-untyped-def]  # noqa: F811
                                   engine: Engine) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shop, holder = _seed(engine, world)

    # the merchant, from its inbox link (no login): declares, then refuses the claim
    page.goto(f"{live_server}/moderation/inbox/{shop}")
    said = " ".join(page.locator(".notice .statement").all_inner_texts())
    assert "不存在侵权行为的声明" in said and "由平台调解" in said
    page.fill("form.counter-notice textarea[name=declaration]", "我方为品牌授权经销商")
    page.fill("form.counter-notice input[name=evidence]", "https://shop.example/licence.pdf")
    page.click("form.counter-notice button")
    page.wait_for_url(re.compile(r".*/moderation/inbox/.*"))
    page.fill("form.complaint-reply textarea[name=reply]", "商品与描述一致")
    page.select_option("form.complaint-reply select[name=accepted]", "no")
    page.click("form.complaint-reply button")
    page.wait_for_url(re.compile(r".*/moderation/inbox/.*"))
    page.screenshot(path=str(ARTIFACTS / "10-merchant-inbox.png"), full_page=True)

    # the rights holder, from its link: the declaration, the evidence, the statement
    page.goto(f"{live_server}/moderation/ip-holder/{holder}")
    assert "我方为品牌授权经销商" in page.locator("#declaration").inner_text()
    assert "licence.pdf" in page.locator("#declaration").inner_text()
    statement = page.locator(".forwarding .statement").inner_text()
    assert "起诉" in statement and "北京时间" in statement
    page.screenshot(path=str(ARTIFACTS / "11-rights-holder.png"), full_page=True)
    page.select_option("#holder-action select[name=kind]", "lawsuit")
    page.fill("#holder-action input[name=reference]", "(2026)京0491民初88号")
    page.click("#holder-action button")
    page.wait_for_url(re.compile(r".*/moderation/ip-holder/.*"))
    assert "措施维持" in page.locator("#holder-status").inner_text()
    assert page.locator("#holder-action").count() == 0

    # a read-only auditor sees the complaint waiting for mediation, not the mediation form
    _login(page, live_server, "aud")
    page.goto(f"{live_server}/moderation/complaints?platform=big")
    assert page.locator("#complaints tr[data-status=mediation]").count() == 1
    assert page.locator("form.mediate").count() == 0
    page.click("form[action='/logout'] button")

    # a moderator mediates from the complaints page; every outcome is counted
    _login(page, live_server, "mod2")
    page.goto(f"{live_server}/moderation/complaints?platform=big")
    assert page.locator("form.mediate").count() == 1
    assert page.locator("#complaint-outcomes [data-count=mediation]").inner_text() == "1"
    page.select_option("form.mediate select[name=settled]", "yes")
    page.fill("form.mediate input[name=outcome]", "商家补偿 50 元")
    page.click("form.mediate button")
    page.wait_for_url(re.compile(r".*/moderation/complaints.*"))
    counts = page.locator("#complaint-outcomes")
    assert counts.locator("[data-count=resolved_in_mediation]").inner_text() == "1"
    assert counts.locator("[data-count=open]").inner_text() == "0"
    page.screenshot(path=str(ARTIFACTS / "12-complaints.png"), full_page=True)
    page.goto(f"{live_server}/moderation/ip-notices?platform=big")
    assert page.locator("#ip-outcomes [data-count=upheld]").inner_text() == "1"
    assert page.locator("#ip-notices tr[data-status=upheld]").count() == 1

    # English behind the language switch
    page.goto(f"{live_server}/lang/en?next=/moderation/ip-notices%3Fplatform%3Dbig")
    assert "IP notices" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "13-ip-notices-en.png"), full_page=True)

