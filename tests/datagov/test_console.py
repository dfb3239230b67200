"""Data-governance and security pages in headless Chromium: the inventory with its filters,
the consent decision log, the incident room with its running clock and the report form,
breach notices; an auditor sees the pages without the forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.conftest import World
from tests.console.test_browser import ARTIFACTS, PASSWORD, live_server, page  # noqa: F401
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.datagov import demo
from zeren.db.session import unit_of_work
from zeren.security.schemas import IncidentIn
from zeren.security.services.incidents import open_incident

pytestmark = pytest.mark.browser


def _login(pg, base: str, user: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto(f"{base}/login")
    pg.fill("input[name=username]", user)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(f"{base}/")


def test_datagov_and_security_pages(page, live_server: str, world: World,  # type: ignore[no-untyped-def]  # noqa: F811
                                    engine: Engine) -> None:
    demo.load(engine=engine, platform_id=world.big_id)
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:
        running = open_incident(session=s, actor=SYSTEM, platform_id=world.big_id,
                                data=IncidentIn(
            title="直播推流服务遭拒绝服务攻击", category="拒绝服务", grade="relatively_major",
            reporting_party="cii_operator", occurred_at=now - timedelta(minutes=20),
            detected_at=now - timedelta(minutes=10), impact="直播间卡顿", measures="切换清洗",
            system_code="member"))
        create_user(session=s, actor=SYSTEM, username="reader", display_name="审计",
                    password=PASSWORD, roles=[("auditor", None)])
    base = live_server
    _login(page, base, "officer")

    page.goto(f"{base}/platforms/big/datagov/assets")
    assert page.locator("#assets tbody tr").count() == 8
    assert "重要数据 5" in page.locator("#level-counts").inner_text()
    page.select_option("select[name=level]", "important")
    page.click("#asset-filters button[type=submit]")
    page.wait_for_url("**level=important**")
    assert page.locator("#assets tbody tr").count() == 5
    assert "缺负责人" in page.locator("#assets").inner_text()  # DA-001 and DA-008 lack one
    page.screenshot(path=str(ARTIFACTS / "dg-01-inventory.png"), full_page=True)

    page.goto(f"{base}/platforms/big/datagov/decisions")
    assert page.locator("#decisions tbody tr").count() == 8
    assert "个人已撤回同意" in page.locator("#decisions").inner_text()

    page.goto(f"{base}/platforms/big/security/incidents")
    text = page.locator("#incidents").inner_text()
    assert "逾期报告" in text and "按时报告" in text and "计时中" in text

    page.goto(f"{base}/platforms/big/security/incidents/{running.id}")
    clock = page.locator("#clock")
    first = clock.inner_text().strip()
    assert re.fullmatch(r"00:(4[0-9]|50):\d\d", first), first  # 1 h after detection, 10 min gone
    page.wait_for_timeout(2100)
    assert clock.inner_text().strip() < first  # it runs in the page
    page.screenshot(path=str(ARTIFACTS / "dg-02-incident-room.png"), full_page=True)
    page.fill("input[name=answer_reporter]", "周敏 0571-8888 6000")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**saved=report")
    assert "按时报告" in page.locator(".incident-clock").inner_text()
    assert "首报" in page.locator("#timeline").inner_text()

    page.goto(f"{base}/platforms/big/security/breaches")
    notices = page.locator(".notices").first.inner_text()
    assert "监管部门" in notices and "受影响个人" in notices
    linked = page.locator(".breach-incident").first.inner_text()  # the incident and its clock
    assert re.search(r"INC-\d{4}-\d{4}", linked) and "按时报告" in linked
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Breach notices")
    page.screenshot(path=str(ARTIFACTS / "dg-03-breaches-en.png"), full_page=True)

    # an auditor reads the room but is offered no form
    page.context.clear_cookies()
    _login(page, base, "reader")
    page.goto(f"{base}/platforms/big/security/incidents/{running.id}")
    assert page.locator("#clock").count() == 1
    assert page.locator("#report-form").count() == 0
    assert page.locator("#handled-form").count() == 0
