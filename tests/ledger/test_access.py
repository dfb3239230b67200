"""Who may read and write what in the ledger over HTTP: whole logs hold every platform's
records and need the group-wide ``ledger.logs.read``; a platform's own records are read and
written with ``ledger.read`` / ``ledger.write`` for that platform; erasure needs
``ledger.erase`` for the record's platform (group-wide for a record of no platform)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.ledger.test_api import _order
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_token, create_user
from zeren.config import Settings
from zeren.db.session import unit_of_work
from zeren.ledger.service import record_log_for


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
        f"/api/v1/ledger/proof?log={log}&index=0",
        f"/api/v1/ledger/consistency?log={log}&from=0&to=1", f"{base}/checkpoint",
        f"{base}/tile/0/000.p/1", f"{base}/tile/entries/000.p/1",
    ]


def test_verifier_key_is_readable_with_ledger_read(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/orders", headers=world.auth("admin"),
                    json=_order(world.small_id, "KEY-1"))
    log = r.json()["log"]
    key = client.get(f"/api/v1/ledger/key?log={log}", headers=world.auth("api_client", scoped=True))
    assert key.status_code == 200 and key.text.startswith("zeren.local/ledger/")
    assert client.get(f"/api/v1/ledger/key?log={log}",
                      headers=world.auth("regulator")).status_code == 403


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


def test_orders_check_the_permission_on_the_named_platform(
    client: TestClient, world: World, engine: Engine
) -> None:
    # ledger.write on the small platform and a read-only grant over the whole group: the
    # group-wide grant covers the big platform, but it does not carry ledger.write there.
    writer = _token(engine, "mixed-writer", [("auditor", None), ("api_client", world.small_id)])
    r = client.post("/api/v1/orders", headers=writer, json=_order(world.big_id, "W-1"))
    assert r.status_code == 403, r.text
    assert r.json()["error"]["details"] == {"permission": "ledger.write",
                                            "platform_id": world.big_id}
    assert client.post("/api/v1/orders", headers=writer,
                       json=_order(world.small_id, "W-2")).status_code == 201
    client.post("/api/v1/orders", headers=world.auth("admin"), json=_order(world.big_id, "R-1"))
    # ledger.read on the small platform, a grant without it on the big one.
    reader = _token(engine, "mixed-reader", [("api_client", world.small_id),
                                             ("moderator", world.big_id)])
    r = client.get(f"/api/v1/orders/R-1?platform_id={world.big_id}", headers=reader)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["details"]["permission"] == "ledger.read"
    r = client.get(f"/api/v1/orders/W-2?platform_id={world.small_id}&include_personal=true",
                   headers=reader)
    assert r.status_code == 200 and r.json()[0]["personal"]["data"]["buyer_ref"] == "b-1"


def test_erasure_checks_the_platform_of_the_record(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    admin = world.auth("admin")
    old = {"completed_at": "2019-03-05T10:00:00+08:00"}
    big = client.post("/api/v1/orders", headers=admin,
                      json={**_order(world.big_id, "X-1"), **old}).json()
    small = client.post("/api/v1/orders", headers=admin,
                        json={**_order(world.small_id, "X-2"), **old}).json()
    nobody = record_log_for(engine, settings.data_dir).append(
        record_class="notes", record={"note": "of no platform"}, personal={"name": "n"},
        retain_until=datetime(2020, 1, 1, tzinfo=UTC), retention_source="test")

    def erase(h: dict[str, str], log: str, index: int) -> tuple[int, dict[str, object]]:
        r = client.post("/api/v1/ledger/erasures", headers=h, json={
            "log": log, "index": index, "legal_basis": "个人信息保护法 第四十七条",
            "approver": "dpo@example"})
        return r.status_code, r.json()

    scoped = world.auth("compliance_officer", scoped=True)
    code, body = erase(scoped, big["log"], big["index"])
    assert code == 403 and body["error"]["details"]["platform_id"] == world.big_id  # type: ignore[index]
    code, body = erase(scoped, nobody.log, nobody.index)
    assert code == 403, body
    assert erase(scoped, small["log"], small["index"])[0] == 201
    assert erase(world.auth("compliance_officer"), nobody.log, nobody.index)[0] == 201
