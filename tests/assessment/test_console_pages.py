"""The assessment console in a real headless Chromium: the register with its assessments,
an assessment run with its indicator chart and what blocks sign-off, the engagement
workspace, the posture trend per article and the group heat map (charts are server-side
SVG). Screenshots are kept in test-artifacts/console/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.assessment.conftest import Audit
from tests.assessment.plant import plant
from tests.assessment.test_findings_reports import finding
from tests.assessment.test_risk_assessment import ALL4, _period, _register, _start
from tests.conftest import World
from tests.console.test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    PASSWORD,
    live_server,
    page,
)
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.platforms.service import get_platform
from zeren.posture import service as posture

pytestmark = pytest.mark.browser


def _sign_in(pg, base: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto(f"{base}/login")
    pg.fill("input[name=username]", "officer")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(f"{base}/")


def test_assessment_pages(page, live_server: str, client: TestClient, world: World,  # type: ignore[no-untyped-def]  # noqa: F811
                          engine: Engine, audit: Audit) -> None:
    start, end = _period()
    with unit_of_work(engine) as s:
        plant(s, platform_id=world.big_id, start=start, end=end, n=40, now=datetime.now(UTC),
              outside=False)
        for pid in (world.big_id, world.small_id):
            posture.evaluate(session=s, actor=SYSTEM,
                             platform=get_platform(session=s, platform_ref=pid))
    _register(client, world, ALL4)
    aid = _start(client, world, start, end)
    client.post(f"/api/v1/assessments/{aid}/indicators",
                headers=world.auth("compliance_officer"))
    _sign_in(page, live_server)

    page.goto(f"{live_server}/platforms/big/assessment")
    assert page.locator("#risks tr[data-risk]").count() == 4
    assert page.locator("#assessments tr[data-status=in_progress]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "asmt-01-register.png"), full_page=True)

    page.click("#assessments a")
    page.wait_for_url(f"**/assessment/runs/{aid}")
    assert page.locator("#indicator-chart svg").count() == 1
    assert page.locator("#indicator-chart svg").bounding_box()["width"] > 200
    assert page.locator("#indicators tr[data-indicator]").count() == 12
    assert page.locator("#blockers li").count() == 4  # four risks not judged
    page.screenshot(path=str(ARTIFACTS / "asmt-02-run.png"), full_page=True)

    r = client.post(audit.url + "/findings", headers=audit.auditor, json=finding())
    assert r.status_code == 201, r.text
    page.goto(f"{live_server}/platforms/big/assessment")
    page.click("#engagements a")
    page.wait_for_url(f"**/audit/engagements/{audit.engagement_id}")
    assert page.locator("#findings tr[data-overdue=yes]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "asmt-05-engagement.png"), full_page=True)

    page.goto(f"{live_server}/platforms/big/assessment/posture-trend")
    box = page.locator("#trend-chart svg").bounding_box()
    assert box is not None and box["height"] > 100
    page.screenshot(path=str(ARTIFACTS / "asmt-03-trend.png"), full_page=True)

    page.goto(f"{live_server}/assessment/heatmap")
    assert page.locator("#heatmap tbody tr").count() == 2
    assert page.locator("#heatmap td:not([data-status=none])").count() > 10
    assert page.locator("#heatmap-chart svg").count() == 1
    page.screenshot(path=str(ARTIFACTS / "asmt-04-heatmap.png"), full_page=True)
