"""An audit engagement over a period in which the ledger logged and signed order records of
both platforms: records before the period, in it and after it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_token, create_user
from zeren.db.session import unit_of_work
from zeren.ledger.verify import make_verifier, raw_public_key

AUDITOR_KEY_NAME = "audit-firm.example/alice"


def order(pid: str, order_id: str) -> dict[str, Any]:
    return {
        "platform_id": pid, "order_id": order_id, "merchant_id": "m-1",
        "items": [{"sku": "T-1", "title": "西湖龙井 250g", "unit_price": "120.00",
                   "quantity": 1}],
        "total_amount": "120.00", "paid_amount": "120.00",
        "placed_at": "2026-03-01T10:00:00+08:00", "completed_at": "2026-03-05T10:00:00+08:00",
        "buyer": {"buyer_ref": "b-1", "phone": "13900000000"},
    }


@dataclass
class Audit:
    client: TestClient
    world: World
    engagement_id: str
    auditor: dict[str, str]
    outsider: dict[str, str]
    key: Ed25519PrivateKey
    vkey: str
    start: datetime
    end: datetime
    in_period: list[str] = field(default_factory=list)  # ledger:<log>#<index> of big
    other_platform: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/api/v1/audit/engagements/{self.engagement_id}"


def log_orders(client: TestClient, world: World, pid: str, prefix: str, n: int) -> list[str]:
    refs = []
    for i in range(n):
        r = client.post("/api/v1/orders", headers=world.auth("admin"),
                        json=order(pid, f"{prefix}-{i}"))
        assert r.status_code == 201, r.text
        refs.append(f"ledger:{r.json()['log']}#{r.json()['index']}")
    return refs


def engagement_body(start: datetime, end: datetime, vkey: str, **kw: Any) -> dict[str, Any]:
    return {"title": "2026 年度主体责任审计", "scope": "指南第一条至第三十四条",
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "auditor_name": "某某会计师事务所", "auditor_address": "北京市东城区某路 1 号",
            "auditor_contact": "audit@firm.example 010-6000 0000",
            "auditors": ["alice-auditor"], "auditor_vkey": vkey, **kw}


def _user(engine: Engine, name: str, role: str) -> dict[str, str]:
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username=name, display_name=name,
                    password=None, roles=[(role, None)])
        tok = create_token(session=s, actor=SYSTEM, username=name, name="t", expires_at=None)[1]
    return {"Authorization": f"Bearer {tok}"}


@pytest.fixture
def audit(client: TestClient, world: World, engine: Engine) -> Audit:
    auditor = _user(engine, "alice-auditor", "auditor")
    outsider = _user(engine, "bob-auditor", "auditor")
    key = Ed25519PrivateKey.generate()
    vkey = make_verifier(AUDITOR_KEY_NAME, raw_public_key(key.public_key())).vkey
    log_orders(client, world, world.big_id, "before", 3)
    time.sleep(0.05)
    start = datetime.now(UTC)
    time.sleep(0.05)
    in_period = log_orders(client, world, world.big_id, "in", 5)
    other = log_orders(client, world, world.small_id, "other", 2)
    time.sleep(0.05)
    end = datetime.now(UTC)
    time.sleep(0.05)
    log_orders(client, world, world.big_id, "after", 2)
    r = client.post(f"/api/v1/platforms/{world.big_id}/audit/engagements",
                    headers=world.auth("compliance_officer"),
                    json=engagement_body(start, end, vkey))
    assert r.status_code == 201, r.text
    return Audit(client, world, r.json()["id"], auditor, outsider, key, vkey, start, end,
                 in_period, other)


def past_period() -> tuple[datetime, datetime]:
    end = datetime.now(UTC) - timedelta(days=400)
    return end - timedelta(days=30), end
