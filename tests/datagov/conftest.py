"""Shared pieces of the data-governance tests: the world's compliance officer, a platform
with two registered services, and helpers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World


def url(world: World, path: str, platform: str | None = None) -> str:
    return f"/api/v1/platforms/{platform or world.big_id}{path}"


@pytest.fixture
def co(world: World) -> dict[str, str]:
    return world.auth("compliance_officer")


@pytest.fixture
def services(client: TestClient, world: World, co: dict[str, str]) -> list[str]:
    for code, name in (("mall", "商城"), ("pay", "支付"), ("maps", "地图")):
        r = client.post(url(world, "/datagov/services"), headers=co,
                        json={"code": code, "name": name})
        assert r.status_code == 201, r.text
    return ["mall", "pay", "maps"]


def consent_body(person: str = "user-1", **kw: Any) -> dict[str, Any]:
    return {"person_ref": person, "service": "mall", "purpose": "ads", "scope": ["pay"],
            "evidence": "隐私政策 v3 勾选 (log 42)", **kw}
