"""Platforms, figures and the tier test through the HTTP API, with bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import HOME_USCC, World, big_figures, mall_data
from zeren.db.base import utcnow
from zeren.platforms.models import Platform, PlatformFigures

YEAR = utcnow().year - 1


def test_create_platform_and_read_back(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    r = client.post("/api/v1/platforms", headers=h, json=mall_data("newmall", HOME_USCC))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    got = client.get(f"/api/v1/platforms/{pid}", headers=h).json()
    assert got["code"] == "newmall" and got["uscc"] == HOME_USCC
    # by code as well
    assert client.get("/api/v1/platforms/newmall", headers=h).json()["id"] == pid
    # new platform without figures is ordinary until a tier test says otherwise
    app_ = client.get(f"/api/v1/platforms/{pid}/applicability", headers=h).json()
    assert app_["tier"] == "ordinary" and app_["articles"] == list(range(10, 35))
    assert app_["tier_assessment"] is None


@pytest.mark.parametrize(("patch", "field"), [
    ({"uscc": "91330100MA2H000A13"}, "uscc"),
    ({"uscc": "123"}, "uscc"),
    ({"code": "Bad Code"}, "code"),
    ({"platform_type": "casino"}, "platform_type"),
    ({"name": "  "}, "name"),
])
def test_bad_platform_is_refused_and_nothing_written(
    client: TestClient, world: World, engine: Engine, patch: dict[str, str], field: str
) -> None:
    with Session(engine) as s:
        before = s.scalar(select(func.count()).select_from(Platform))
    r = client.post("/api/v1/platforms", headers=world.auth("admin"),
                    json={**mall_data("other"), **patch})
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "invalid_input" and body["details"]["field"] == field
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Platform)) == before


def test_duplicate_code_conflicts(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/platforms", headers=world.auth("admin"), json=mall_data("big"))
    assert r.status_code == 409 and r.json()["error"]["details"]["field"] == "code"


def test_figures_run_the_tier_test_criterion_by_criterion(client: TestClient, world: World
                                                          ) -> None:
    h = world.auth("compliance_officer")
    r = client.post(f"/api/v1/platforms/{world.small_id}/figures", headers=h,
                    json={**big_figures(YEAR), "annual_active_users": 49_999_999})
    assert r.status_code == 201, r.text
    tier = r.json()["tier"]
    assert tier["tier"] == "ordinary"
    crit = {c["key"]: c for c in tier["criteria"]}
    assert crit["annual_active_users"] == {**crit["annual_active_users"], "figure": 49_999_999,
                                           "threshold": 50_000_000, "met": False}
    assert crit["market_value"]["met"] is True
    assert r.json()["figures"]["revision"] == 2  # the world fixture recorded revision 1
    r = client.post(f"/api/v1/platforms/{world.small_id}/figures", headers=h,
                    json=big_figures(YEAR))
    assert r.json()["tier"]["tier"] == "super_large"
    arts = client.get(f"/api/v1/platforms/{world.small_id}/applicability", headers=h).json()
    assert arts["articles"] == list(range(1, 36))
    hist = client.get(f"/api/v1/platforms/{world.small_id}/tiers", headers=h).json()
    assert hist["total"] == 3


@pytest.mark.parametrize(("patch", "field"), [
    ({"annual_active_users": -1}, "annual_active_users"),
    ({"annual_active_users": 5_000_000_000}, "annual_active_users"),
    ({"annual_active_users": 1.5}, "annual_active_users"),
    ({"annual_active_users": "lots"}, "annual_active_users"),
    ({"annual_active_users": None}, "annual_active_users"),
    ({"market_value_rmb": -100}, "market_value_rmb"),
    ({"market_value_rmb": 10**16}, "market_value_rmb"),
    ({"year": 1999}, "year"),
    ({"year": 2999}, "year"),
    ({"prominent_main_business": "yes"}, "prominent_main_business"),
    ({"strong_reach_restriction_rationale": ""}, "strong_reach_restriction_rationale"),
])
def test_bad_figures_are_refused_and_nothing_written(
    client: TestClient, world: World, engine: Engine, patch: dict[str, object], field: str
) -> None:
    with Session(engine) as s:
        before = s.scalar(select(func.count()).select_from(PlatformFigures))
    r = client.post(f"/api/v1/platforms/{world.big_id}/figures",
                    headers=world.auth("compliance_officer"), json={**big_figures(YEAR), **patch})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"]["field"] == field
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(PlatformFigures)) == before


def test_classify_without_figures_is_404(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    pid = client.post("/api/v1/platforms", headers=h, json=mall_data("bare", HOME_USCC)).json()["id"]
    r = client.post(f"/api/v1/platforms/{pid}/classify", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_unknown_platform_is_404(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/platforms/nope", headers=world.auth("admin"))
    assert r.status_code == 404
