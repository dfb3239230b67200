"""The console in a real headless Chromium (Debian's, driven by Playwright): sign in, open
the posture dashboard, switch language, record an attestation. Screenshots are kept in
test-artifacts/console/."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from tests.conftest import World
from zeren.app import create_app
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.config import Settings
from zeren.db.session import unit_of_work

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
PASSWORD = "browser-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def live_server(settings: Settings, engine: Engine, world: World) -> Iterator[str]:
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username="officer", display_name="合规专员",
                    password=PASSWORD, roles=[("compliance_officer", None)])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("console server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(live_server: str):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install "
                    "chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        pg.set_default_timeout(15000)
        # The pages run under the Content-Security-Policy (no inline script, ADR 0045): any
        # script or style the browser refuses fails the test that loaded the page.
        refused: list[str] = []
        pg.on("console", lambda m: refused.append(m.text)
              if "Content Security Policy" in m.text else None)
        yield pg
        context.close()
        browser.close()
        assert not refused, refused


def test_console_journey(page, live_server: str, world: World, tmp_path: Path  # type: ignore[no-untyped-def]
                         ) -> None:
    page.goto(f"{live_server}/")
    assert "/login" in page.url  # not signed in: sent to the login page
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".flash.error").inner_text() == "用户名或密码错误"
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("h1").inner_text() == "集团总览"
    assert page.locator(".platform-card").count() == 2
    page.screenshot(path=str(ARTIFACTS / "01-overview-zh.png"), full_page=True)

    # the ordinary platform's dashboard: Art 10–34 apply, the rest do not
    page.goto(f"{live_server}/platforms/small/posture")
    tiles = page.locator(".tile")
    assert tiles.count() == 35
    assert page.locator(".tile[data-status=not_applicable]").count() == 10
    assert page.locator(".tile[data-article='4']").get_attribute("data-status") == \
        "not_applicable"
    page.screenshot(path=str(ARTIFACTS / "02-posture-zh.png"), full_page=True)

    # switch language and back
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Compliance posture")
    assert page.locator("#lang-switch").inner_text() == "中文"
    page.screenshot(path=str(ARTIFACTS / "03-posture-en.png"), full_page=True)

    # drill down to Art 32 and record an attestation with an evidence file
    tile32 = page.locator(".tile[data-article='32']")
    tile32.locator("details.obligations summary").click()
    assert tile32.locator("li[data-obligation]").count() == 2  # Art 32 states two duties
    assert tile32.locator("li[data-obligation='art32.green_packaging']").get_attribute(
        "data-kind") == "not_assessed"
    assert "no data" in tile32.locator("li[data-obligation='art32.green_packaging'] .why"
                                       ).inner_text()
    page.click(".tile[data-article='32'] a.tile-head")
    page.wait_for_url("**/posture/articles/32")
    packaging = ".obligation[data-obligation='art32.green_packaging']"
    assert page.locator(f"{packaging} h3 .badge").first.inner_text() == "Not assessed"
    assert page.locator(".obligation").count() == 2  # Art 32 states two duties
    evidence = tmp_path / "packaging-2026.txt"
    evidence.write_text("包装减量报告（浏览器测试）", encoding="utf-8")
    page.select_option("select[name=obligation_key]", "art32.green_packaging")
    page.fill("textarea[name=statement]", "2026 年包装减量与循环利用报告已发布并公示。")
    page.fill("input[name=valid_until]", (date.today() + timedelta(days=100)).isoformat())
    page.set_input_files("input[name=files]", str(evidence))
    page.click("#attest-form button[type=submit]")
    page.wait_for_url("**/posture/articles/32?saved=attestation")
    assert page.locator(f"{packaging} h3 .badge").first.inner_text() == "Met (attested)"
    assert page.locator(f"{packaging}").get_attribute("data-kind") == "met_attested"
    assert "packaging-2026.txt" in page.locator(".attestation .file").inner_text()
    page.screenshot(path=str(ARTIFACTS / "04-attested-en.png"), full_page=True)

    # back on the dashboard the tile still waits for Art 32's other duty (thrift); an
    # evaluation can be kept
    page.goto(f"{live_server}/platforms/small/posture")
    assert page.locator(".tile[data-article='32']").get_attribute("data-status") == \
        "not_assessed"
    page.click("#evaluate")
    page.wait_for_url("**/posture?saved=evaluation")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("合规态势")

    # the audit trail shows who did it
    page.goto(f"{live_server}/audit")
    rows = page.locator("#audit tbody tr")
    assert "attestation.create" in page.locator("#audit").inner_text()
    assert rows.first.locator("td").nth(2).inner_text() == "officer"
    page.screenshot(path=str(ARTIFACTS / "05-audit-zh.png"), full_page=True)
