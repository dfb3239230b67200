"""The ledger's HTTP routes and its posture checks, through the real app."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.conftest import World
from zeren.ledger import verify as v
from zeren.ledger.checks import checkpoints_verify, transaction_records_logged
from zeren.posture.domain import CheckContext, Status


def _order(pid: str, order_id: str) -> dict[str, object]:
    return {
        "platform_id": pid, "order_id": order_id, "merchant_id": "m-9",
        "items": [{"sku": "T-1", "title": "龙井 250g", "unit_price": "120.00", "quantity": 1}],
        "total_amount": "120.00", "paid_amount": "120.00",
        "placed_at": "2025-03-01T10:00:00+08:00", "completed_at": "2025-03-05T10:00:00+08:00",
        "buyer": {"buyer_ref": "b-1", "phone": "13900000000"},
    }


def test_order_ingest_and_query_with_proof(
    client: TestClient, world: World, engine: Engine
) -> None:
    h = world.auth("admin")
    r = client.post("/api/v1/orders", headers=h, json=_order(world.small_id, "A-1"))
    assert r.status_code == 201, r.text
    log = r.json()["log"]
    r = client.get(f"/api/v1/orders/A-1?platform_id={world.small_id}", headers=h)
    assert r.status_code == 200, r.text
    (rec,) = r.json()
    assert rec["record"]["order_id"] == "A-1" and "13900000000" not in str(rec["record"])
    vkey = client.get(f"/api/v1/ledger/key?log={log}", headers=h).text
    p = rec["proof"]
    cp = v.open_checkpoint(p["checkpoint"], [v.parse_vkey(vkey)])
    v.verify_inclusion(leaf=v.leaf_hash(v.b64decode_strict(p["entry"], "entry")),
                       index=p["index"], size=cp.size,
                       proof=[v.b64decode_strict(x, "p") for x in p["proof"]], root=cp.root_hash)
    r = client.get(f"/api/v1/orders/A-1?platform_id={world.small_id}&include_personal=true",
                   headers=h)
    assert r.json()[0]["personal"]["data"]["phone"] == "13900000000"
    assert client.get(f"/api/v1/ledger/checkpoint?log={log}", headers=h).text.startswith(
        "zeren.local/ledger/orders/")
    bad = client.get(f"/api/v1/ledger/proof?log={log}&index=5", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "index"
    assert client.get("/api/v1/ledger/key?log=nope/2025", headers=h).status_code == 404
    assert client.get(f"/api/v1/orders/NOPE?platform_id={world.small_id}",
                      headers=h).status_code == 404
    with Session(engine) as s:
        ctx = CheckContext(session=s, platform_id=world.small_id, now=datetime.now(UTC))
        assert transaction_records_logged(ctx).status == Status.MET
        assert checkpoints_verify(ctx).status == Status.MET
        other = CheckContext(session=s, platform_id=world.big_id, now=datetime.now(UTC))
        assert transaction_records_logged(other).status == Status.UNMET


def test_reading_needs_permission(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/orders", headers=world.auth("auditor"),
                    json=_order(world.small_id, "A-2"))
    assert r.status_code == 403
