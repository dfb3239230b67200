"""Who may read and write what in the ledger over HTTP: whole logs hold every platform's
records and need the group-wide ``ledger.logs.read``; a platform's own records are read and
written with ``ledger.read`` / ``ledger.write`` for that platform; erasure needs
``ledger.erase`` for the record's platform (group-wide for a record of no platform)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.ledger.test_api import _order
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_token, create_user
from zeren.db.session import unit_of_work


def _token(engine: Engine, username: str, roles: list[tuple[str, str | None]]) -> dict[str, str]:
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username=username, display_name=username,
                    password=None, roles=roles)
        secret = create_token(session=s, actor=SYSTEM, username=username, name="t",
                              expires_at=None)[1]
    return {"Authorization": f"Bearer {secret}"}


def _whole_log_urls(log: str) -> list[str]:
    base = f"/api/v1/ledger/logs/{log}"
    return [
        "/api/v1/ledger/logs", f"/api/v1/ledger/checkpoint?log={log}",
        f"/api/v1/ledger/key?log={log}", f"/api/v1/ledger/proof?log={log}&index=0",
        f"/api/v1/ledger/consistency?log={log}&from=0&to=1", f"{base}/checkpoint",
        f"{base}/tile/0/000.p/1", f"{base}/tile/entries/000.p/1",
    ]


def test_whole_logs_need_the_group_wide_logs_permission(
    client: TestClient, world: World
) -> None:
    admin = world.auth("admin")
    r = client.post("/api/v1/orders", headers=admin, json=_order(world.big_id, "BIG-1"))
    assert r.status_code == 201, r.text
    log = r.json()["log"]
    refused = [
        world.auth("auditor", scoped=True),  # ledger.read on the small platform only
        world.auth("compliance_officer", scoped=True),
        world.auth("merchant_ops"),  # ledger.read group-wide, but not ledger.logs.read
        world.auth("api_client"),
        world.auth("api_client", scoped=True),
    ]
    for url in _whole_log_urls(log):
        for h in refused:
            r = client.get(url, headers=h)
            assert r.status_code == 403, (url, r.status_code, r.text)
            assert r.json()["error"]["details"]["permission"] == "ledger.logs.read"
        for role in ("auditor", "compliance_officer", "admin"):
            r = client.get(url, headers=world.auth(role))
            assert r.status_code == 200, (role, url, r.status_code, r.text)
    # The platform's own records stay readable, with their proofs, per platform.
    mine = client.post("/api/v1/orders", headers=admin, json=_order(world.small_id, "SMALL-1"))
    assert mine.status_code == 201
    for h in (world.auth("auditor", scoped=True), world.auth("merchant_ops", scoped=True)):
        r = client.get(f"/api/v1/orders/SMALL-1?platform_id={world.small_id}", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()[0]["proof"]["checkpoint"]
        r = client.get(f"/api/v1/orders/BIG-1?platform_id={world.big_id}", headers=h)
        assert r.status_code == 403
