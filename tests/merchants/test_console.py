"""The merchant pages in headless Chromium: the list with its counts and filters, a merchant
with its licence countdown, listings and orders, the due-work queue, the tax reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.conftest import World
from tests.console.test_browser import ARTIFACTS, PASSWORD, live_server, page  # noqa: F401
from tests.merchants.conftest import enterprise, licence, natural_person
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.merchants.schemas import ListingIn, MerchantIn
from zeren.merchants.services import listings, registry, verification
from zeren.timepolicy import beijing_today

pytestmark = pytest.mark.browser


def _login(pg, base: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto(f"{base}/login")
    pg.fill("input[name=username]", "officer")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(f"{base}/")


def test_merchant_pages(page, live_server: str, world: World,  # type: ignore[no-untyped-def]  # noqa: F811
                        engine: Engine) -> None:
    today = beijing_today()
    soon = (today + timedelta(days=12)).isoformat()
    with unit_of_work(engine) as s:
        a = registry.register_merchant(session=s, actor=SYSTEM, platform_id=world.big_id,
                                       data=MerchantIn(**enterprise(1, licences=[licence(
                                           valid_until=soon)])))
        for n in range(2, 6):
            registry.register_merchant(session=s, actor=SYSTEM, platform_id=world.big_id,
                                       data=MerchantIn(**enterprise(n)))
        registry.register_merchant(session=s, actor=SYSTEM, platform_id=world.big_id,
                                   data=MerchantIn(**natural_person(6)))
        listings.submit_listing(session=s, actor=SYSTEM, merchant=a, data=ListingIn(
            listing_ref="L1", title="坚果礼盒", category="食品", price="88.00"))
        verification.run_due(session=s, now=datetime.now(UTC))
        mid = a.id
    base = live_server
    _login(page, base)
    page.goto(f"{base}/platforms/big/merchants")
    assert page.locator("#merchants tbody tr").count() == 6
    assert "许可证即将到期 1" in page.locator("#count-expiring").inner_text()
    page.select_option("select[name=kind]", "natural_person")
    page.click("#merchant-filters button[type=submit]")
    page.wait_for_url("**kind=natural_person**")
    assert page.locator("#merchants tbody tr").count() == 1
    page.screenshot(path=str(ARTIFACTS / "mer-01-list.png"), full_page=True)

    page.goto(f"{base}/platforms/big/merchants/{mid}")
    assert "12 天" in page.locator("#licences").inner_text()
    assert "坚果礼盒" in page.locator("#listings").inner_text()
    assert "registered" in page.locator("#history").inner_text()
    page.screenshot(path=str(ARTIFACTS / "mer-02-merchant.png"), full_page=True)

    page.goto(f"{base}/platforms/big/merchants/due")
    text = page.locator("#due").inner_text()
    assert "licence_expiry" in text and "verification" in text
    page.goto(f"{base}/platforms/big/merchants/reports")
    assert "销售货物-收入总额" in page.locator("#totals").inner_text()
    assert "尚未生成" in page.locator("#reports").inner_text()
    page.screenshot(path=str(ARTIFACTS / "mer-03-reports.png"), full_page=True)
