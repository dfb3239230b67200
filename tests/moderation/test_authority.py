"""Authority-report records: a time without a zone is read as UTC; a future time is refused
with the field named."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.moderation.test_api import API, file_report


def test_reported_at_naive_is_utc_and_future_is_refused(app: object, world: World) -> None:
    c = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    cid = file_report(c, world)["case_id"]
    url = f"{API}/moderation/cases/{cid}/authority-reports"
    h = world.auth("compliance_officer")
    r = c.post(url, headers=h, json={"authority": "某市网信办", "summary": "s",
                                     "reported_at": "2026-01-02T10:00:00"})
    assert r.status_code == 201, r.text
    assert r.json()["reported_at"].startswith("2026-01-02T10:00:00")
    assert r.json()["reported_at"].endswith(("Z", "+00:00"))
    r = c.post(url, headers=h, json={"authority": "某市网信办", "summary": "s",
                                     "reported_at": "2999-01-02T10:00:00Z"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "reported_at"
    listed = c.get(f"{API}/platforms/{world.big_id}/moderation/authority-reports",
                   headers=h).json()
    assert len(listed) == 1  # the refused one left nothing behind
