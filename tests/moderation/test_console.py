"""The moderation console in headless Chromium: the public report form gives a receipt; a
moderator sees the queue with running SLA timers, takes the next case, sees its media linked
(never loaded), decides it; the case history, the notice inbox, the sanctions board
and a bulk action with its preview. Screenshots go to test-artifacts/moderation/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import World
from tests.console.test_browser import live_server, page  # noqa: F401  (fixtures)
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.moderation.models import Subject
from zeren.moderation.schemas import AccountIn, ReportIn, SubjectIn
from zeren.moderation.services import intake

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "moderation"
PASSWORD = "moderator-browser-password"


def _seed(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username="mod1", display_name="审核员一",
                    password=PASSWORD, roles=[("moderator", None)])
        create_user(session=s, actor=SYSTEM, username="lead", display_name="合规",
                    password=PASSWORD, roles=[("compliance_officer", None)])
        intake.submit_reports(session=s, platform_id=world.big_id, received_by="seed", items=[
            ReportIn(subject=SubjectIn(kind="post", external_ref="post-77", text="某地发生大事了",
                                       media=["https://img.example.com/post-77.jpg"],
                                       owner=AccountIn(kind="user", external_ref="user-77",
                                                       display_name="李四")),
                     category="illegal.rumours", source="user"),
            ReportIn(subject=SubjectIn(kind="review", external_ref="rv-1", text="低俗评论"),
                     category="harmful.vulgar", source="user"),
            ReportIn(subject=SubjectIn(kind="review", external_ref="rv-2", text="低俗评论二"),
                     category="harmful.vulgar", source="user")], now=utcnow())


def _login(pg, base: str, user: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto(f"{base}/login")
    pg.fill("input[name=username]", user)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(f"{base}/")


def test_moderation_console(page, live_server: str, world: World,  # type: ignore[no-untyped-def]  # noqa: F811
                            engine: Engine) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _seed(engine, world)

    # the public form: no login, a receipt number back
    page.goto(f"{live_server}/moderation/report?platform=big")
    page.select_option("select[name=subject_kind]", "listing")
    page.fill("input[name=subject_ref]", "sku-404")
    page.select_option("select[name=category]", "prohibited_goods")
    page.fill("textarea[name=description]", "出售管制刀具")
    page.click("#submit-report")
    assert re.match(r"R-\d{8}-[0-9A-Z]{12}", page.locator("#receipt").inner_text())
    page.screenshot(path=str(ARTIFACTS / "01-public-report.png"), full_page=True)

    _login(page, live_server, "mod1")
    page.goto(f"{live_server}/moderation/queue?platform=big")
    assert page.locator("#queue tbody tr").count() == 4
    first = page.locator("#queue .sla").first.inner_text()
    page.wait_for_timeout(1200)
    assert page.locator("#queue .sla").first.inner_text() != first  # the timer runs
    page.screenshot(path=str(ARTIFACTS / "02-queue.png"), full_page=True)

    # take the most urgent case: the rumour (severity 3)
    page.click("#take-next")
    page.wait_for_url(re.compile(r".*/moderation/cases/.*"))
    assert page.locator("#claimed-by").inner_text() == "mod1"
    # media are linked, never loaded: the moderator's browser fetches nothing from outside
    assert page.locator("a.media").count() == 1 and page.locator("img").count() == 0
    assert page.locator("a.media").get_attribute("rel") == "noopener noreferrer nofollow"
    page.fill("textarea[name=facts]", "散布不实信息")
    page.select_option("select[name=measure]", "removal")
    page.click("#decide")
    page.wait_for_url(re.compile(r".*saved=decide"))
    assert page.locator("#case-status").get_attribute("data-status") == "decided"
    assert page.locator("#case-status").inner_text() == "已处理"
    # the history in words: who did what, with the ground and the facts (no JSON)
    kinds = page.locator("#history li.event").evaluate_all(
        "els => els.map(e => e.dataset.kind)")
    assert {"claim", "decision", "measure"} <= set(kinds)
    history = page.locator("#history").inner_text()
    assert "领取案件" in history and "作出决定" in history and "散布不实信息" in history
    assert "{" not in history and "\\u" not in history
    page.screenshot(path=str(ARTIFACTS / "03-case-decided.png"), full_page=True)

    # the affected user's inbox shows the statement of reasons
    with unit_of_work(engine) as s:
        token = s.query(Subject).filter_by(external_ref="user-77").one().inbox_token
    page.goto(f"{live_server}/moderation/inbox/{token}")
    assert "信息消除" in page.locator("main").inner_text()  # with the ladder's 限制发布
    page.screenshot(path=str(ARTIFACTS / "04-inbox.png"), full_page=True)

    # bulk: preview what a filter touches, then apply (compliance officer)
    page.click("form[action='/logout'] button")
    _login(page, live_server, "lead")
    page.goto(f"{live_server}/moderation/bulk?platform=big")
    page.select_option("select[name=category]", "harmful.vulgar")
    page.click("#preview")
    assert page.locator("#preview-list tr").count() == 2
    page.screenshot(path=str(ARTIFACTS / "05-bulk-preview.png"), full_page=True)
    page.click("#bulk-confirm")
    assert "2" in page.locator("#bulk-result").inner_text()

    # the public sanctions board answers without login
    page.click("form[action='/logout'] button")
    page.goto(f"{live_server}/moderation/sanctions?platform=big")
    assert page.locator("#sanctions").count() == 1
