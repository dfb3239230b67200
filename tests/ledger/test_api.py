"""The ledger's HTTP routes and its posture checks, through the real app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.conftest import World
from zeren.config import Settings
from zeren.ledger import store
from zeren.ledger import verify as v
from zeren.ledger.checks import checkpoints_verify, transaction_records_logged
from zeren.ledger.integrator import PendingEntry
from zeren.ledger.service import integrator_for
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
        assert transaction_records_logged(other).status == Status.NOT_ASSESSED  # no data


def test_reading_needs_permission(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/orders", headers=world.auth("auditor"),
                    json=_order(world.small_id, "A-2"))
    assert r.status_code == 403


# ----------------------------------------------------------------------- tlog-tiles over HTTP


def _fill(engine: Engine, settings: Settings, name: str, n: int) -> None:
    integ = integrator_for(engine, settings.data_dir)
    integ.append(name, [PendingEntry(f"tile entry {i}".encode() * 4) for i in range(n)])


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """The app on a real socket (uvicorn in a thread): zeren-verify fetches with urllib."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_tiles_served_live_verify_like_the_export(
    client: TestClient, app: FastAPI, world: World, engine: Engine, settings: Settings,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    _fill(engine, settings, "tiles/2025", 700)  # 2 full bundles and a partial one
    h = world.auth("auditor")  # ledger.read is all a tlog client needs
    base = "/api/v1/ledger/logs/tiles/2025"
    vkey = client.get("/api/v1/ledger/key?log=tiles/2025", headers=h).text
    with Session(engine) as s:
        store.export(session=s, log=store.get_log(session=s, name="tiles/2025"),
                     out=tmp_path / "exp")
    for rel in ["checkpoint", "tile/0/000", "tile/0/002.p/188", "tile/1/000.p/2",
                "tile/entries/001", "tile/entries/002.p/188"]:
        r = client.get(f"{base}/{rel}", headers=h)
        assert r.status_code == 200, (rel, r.text)
        assert r.content == (tmp_path / "exp" / rel).read_bytes(), rel
    # Served only with a token: a shared cache must not keep them (private, never public).
    for rel, want in [("tile/0/001", "private, max-age=31536000, immutable"),
                      ("tile/entries/001", "private, max-age=31536000, immutable"),
                      ("tile/0/002.p/188", "private, max-age=60"),
                      ("tile/entries/002.p/188", "private, max-age=60"),
                      ("checkpoint", "private, no-cache")]:
        assert client.get(f"{base}/{rel}", headers=h).headers["cache-control"] == want, rel
    # An older, smaller partial tile or bundle is a prefix of the newer one.
    small = client.get(f"{base}/tile/entries/002.p/5", headers=h).content
    assert v.decode_bundle(small, expect=5) == v.decode_bundle(
        (tmp_path / "exp/tile/entries/002.p/188").read_bytes(), expect=188)[:5]
    for bad in ["tile/0/002", "tile/0/003.p/1", "tile/2/000.p/1", "tile/0/002.p/189",
                "tile/0/002.p/256", "tile/0/x000/002", "tile/entries/abc",
                # non-canonical spellings of tiles that exist: leading zeroes
                "tile/00/000", "tile/01/000.p/2", "tile/0/002.p/088", "tile/entries/002.p/05"]:
        r = client.get(f"{base}/{bad}", headers=h)
        assert r.status_code == 404, bad
        assert r.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/ledger/logs/nope/2025/checkpoint", headers=h).status_code == 404
    assert client.get(f"{base}/checkpoint", headers=world.auth("regulator")).status_code == 403
    assert client.get(f"{base}/checkpoint").status_code == 401

    (tmp_path / "vkey").write_text(vkey)
    assert v.main(["tiles", "--vkey", f"@{tmp_path / 'vkey'}", str(tmp_path / "exp")]) == 0
    from_export = capsys.readouterr().out
    with _serving(app) as url:
        args = ["tiles", "--vkey", f"@{tmp_path / 'vkey'}", f"{url}{base}",
                "--header", f"Authorization: {h['Authorization']}"]
        assert v.main(args) == 0
        from_http = capsys.readouterr().out
        assert v.main(args[:-2]) == 1  # no token: the verifier names the refusal
        assert "HTTP 401" in capsys.readouterr().err
    assert from_http == from_export
    assert from_http.startswith("OK re-hashed 700 entries of zeren.local/ledger/tiles/2025")


# ----------------------------------------------------------------------- erasure over HTTP


def test_erasure_route(client: TestClient, world: World) -> None:
    admin = world.auth("admin")
    old = {**_order(world.small_id, "E-1"), "completed_at": "2019-03-05T10:00:00+08:00"}
    rec = client.post("/api/v1/orders", headers=admin, json=old).json()
    recent = client.post("/api/v1/orders", headers=admin, json=_order(world.small_id, "E-2"))
    body = {"log": rec["log"], "index": rec["index"], "legal_basis": "个人信息保护法 第四十七条",
            "approver": "dpo@example"}
    # Logging records is not enough to destroy them: ledger.write roles are refused; the
    # compliance officer holds ledger.erase.
    for role in ["merchant_ops", "api_client", "auditor", "moderator"]:
        r = client.post("/api/v1/ledger/erasures", headers=world.auth(role), json=body)
        assert r.status_code == 403 and r.json()["error"]["details"]["permission"] == "ledger.erase"
    r = client.post("/api/v1/ledger/erasures", headers=admin,
                    json={**body, "index": recent.json()["index"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "immutable_record"
    assert "电子商务法" in r.json()["error"]["message"]
    r = client.post("/api/v1/ledger/erasures", headers=admin, json={**body, "legal_basis": ""})
    assert r.status_code == 422
    r = client.post("/api/v1/ledger/erasures", headers=world.auth("compliance_officer"), json=body)
    assert r.status_code == 201, r.text
    tomb = r.json()
    got = client.get(f"/api/v1/ledger/proof?log={tomb['log']}&index={tomb['index']}",
                     headers=admin).json()
    entry = json.loads(v.b64decode_strict(got["entry"], "entry"))
    assert entry["approver"] == "dpo@example"
    assert entry["requested_by"] == "u-compliance-officer"
    assert entry["target"] == {"log": rec["log"], "index": rec["index"],
                               "ref": entry["target"]["ref"]}
    r = client.get(f"/api/v1/orders/E-1?platform_id={world.small_id}&include_personal=true",
                   headers=admin)
    assert r.json()[0]["personal"]["erased"] is True
    again = client.post("/api/v1/ledger/erasures", headers=admin, json=body)
    assert again.status_code == 409
