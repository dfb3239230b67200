"""Who may change and read which terms (ADR 0042): a term is authorised on its own platform.
A group-wide term needs a group-wide grant; a platform's term a grant on that platform, for
upserts and removals; lists and diffs show only the terms of platforms the reader may read."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World

URL = "/api/v1/lexicons/shop"


@pytest.fixture
def shop(client: TestClient, world: World) -> World:
    """Lexicon ``shop`` v1: one group-wide term, one term of each platform."""
    admin = world.auth("admin")
    assert client.post("/api/v1/lexicons", headers=admin, json={"name": "shop"}).status_code == 201
    r = client.post(f"{URL}/changes", headers=admin, json={"reason": "seed", "upsert": [
        {"term": "枪支", "category": "prohibited_goods"},
        {"term": "大平台词", "category": "prohibited_goods", "platform_id": world.big_id},
        {"term": "小平台词", "category": "prohibited_goods", "platform_id": world.small_id}]})
    assert r.status_code == 200 and r.json()["version"] == 1, r.text
    return world


def _change(client: TestClient, world: World, body: dict[str, Any]) -> Any:
    return client.post(f"{URL}/changes", headers=world.auth("compliance_officer", scoped=True),
                       json={"reason": "test", **body})


def _version(client: TestClient, world: World) -> int:
    lexicons = client.get("/api/v1/lexicons", headers=world.auth("admin")).json()
    return int(next(x["current_version"] for x in lexicons if x["name"] == "shop"))


@pytest.mark.parametrize("body", [
    {"upsert": [{"term": "新词", "category": "prohibited_goods"}]},
    {"upsert": [{"term": "枪支", "category": "prohibited_goods", "severity": "low"}]},
    {"remove": [{"term": "枪支"}]},
    {"upsert": [{"term": "新词", "category": "prohibited_goods", "platform_id": "BIG"}]},
    {"remove": [{"term": "大平台词", "platform_id": "BIG"}]},
    # all or nothing: an allowed term beside a refused one changes nothing
    {"upsert": [{"term": "小词", "category": "prohibited_goods", "platform_id": "SMALL"}],
     "remove": [{"term": "大平台词", "platform_id": "BIG"}]},
], ids=["add-group-wide", "change-group-wide", "remove-group-wide", "add-other-platform",
        "remove-other-platform", "mixed"])
def test_a_scoped_officer_cannot_touch_group_wide_or_other_platforms_terms(
    client: TestClient, shop: World, body: dict[str, Any]
) -> None:
    filled = _fill(body, shop)
    r = _change(client, shop, filled)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["details"]["permission"] == "lexicon.write"
    assert _version(client, shop) == 1


def test_a_scoped_officer_changes_their_own_platforms_terms(client: TestClient,
                                                            shop: World) -> None:
    r = _change(client, shop, {"upsert": [{"term": "小词", "category": "prohibited_goods",
                                           "platform_id": shop.small_id}],
                               "remove": [{"term": "小平台词", "platform_id": shop.small_id}]})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    # and a group-wide officer changes anything
    r = client.post(f"{URL}/changes", headers=shop.auth("compliance_officer"), json={
        "reason": "x", "remove": [{"term": "大平台词", "platform_id": shop.big_id},
                                  {"term": "枪支"}]})
    assert r.status_code == 200 and r.json()["version"] == 3, r.text


def test_a_scoped_officer_cannot_create_a_lexicon(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/lexicons", headers=world.auth("compliance_officer", scoped=True),
                    json={"name": "mine"})
    assert r.status_code == 403


@pytest.mark.parametrize("role", ["auditor", "compliance_officer", "moderator", "api_client"])
def test_terms_and_diffs_show_only_readable_platforms(client: TestClient, shop: World,
                                                      role: str) -> None:
    scoped = shop.auth(role, scoped=True)
    terms = client.get(f"{URL}/terms", headers=scoped)
    assert terms.status_code == 200
    assert {t["term"] for t in terms.json()} == {"枪支", "小平台词"}
    assert shop.big_id not in terms.text
    diff = client.get(f"{URL}/diff?v1=0&v2=1", headers=scoped).json()
    assert sorted(diff["added"]) == sorted(["枪支", "小平台词"])
    old = client.get(f"{URL}/terms?version=1", headers=shop.auth(role)).json()
    assert {t["term"] for t in old} == {"枪支", "小平台词", "大平台词"}


def _fill(body: dict[str, Any], world: World) -> dict[str, Any]:
    ids = {"BIG": world.big_id, "SMALL": world.small_id}
    return {k: [{f: ids.get(v, v) if f == "platform_id" else v for f, v in item.items()}
                for item in items] for k, items in body.items()}

