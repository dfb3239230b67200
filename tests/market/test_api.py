"""The market routes: batches and files stored all-or-nothing with errors naming the row and
the column, a detector run recording findings once, and who may do what."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from tests.conftest import World
from tests.market.fixtures import EXPECTED, ORDERS, PRICES
from zeren.db.session import unit_of_work


def _url(world: World, path: str, platform: str | None = None) -> str:
    return f"/api/v1/platforms/{platform or world.big_id}/market{path}"


def _post(client: TestClient, world: World, dataset: str, rows: list[dict[str, Any]],
          role: str = "compliance_officer") -> Any:
    return client.post(_url(world, f"/datasets/{dataset}/batches"), json={"rows": rows},
                       headers=world.auth(role))


def test_batches_runs_and_findings(client: TestClient, world: World, engine: Engine) -> None:
    co = world.auth("compliance_officer")
    r = _post(client, world, "orders", ORDERS, role="api_client")
    assert r.status_code == 201, r.text
    assert r.json()["rows"] == len(ORDERS) and "2026-03-03" in r.json()["days"]
    r = _post(client, world, "prices", PRICES)
    assert r.status_code == 201, r.text
    ds = {d["name"]: d for d in client.get(_url(world, "/datasets"), headers=co).json()}
    assert ds["orders"]["stored_rows"] == len(ORDERS) and ds["prices"]["key"][0] == "item_id"

    r = client.post(_url(world, "/runs"), json={"detector": "fake_original_price"}, headers=co)
    assert r.status_code == 201, r.text
    run = r.json()
    assert (run["findings_new"], run["findings_seen"], run["engine"]) == (2, 0, "duckdb")
    assert run["params"]["values"]["lookback_days"] == 7
    assert run["rows_in"] == {"prices": len(PRICES), "orders": len(ORDERS)}
    again = client.post(_url(world, "/runs"), json={"detector": "fake_original_price"},
                        headers=co).json()
    assert (again["findings_new"], again["findings_seen"]) == (0, 2)

    page = client.get(_url(world, "/findings"), headers=world.auth("auditor")).json()
    assert page["total"] == 2
    got = {f["subject_id"]: f for f in page["items"]}
    assert set(got) == set(EXPECTED)
    a = got["A/P1"]
    assert a["facts"]["reference"] == 90.0 and a["article"] == 20 and a["score"] == 1.0
    assert [e["kind"] for e in a["evidence"]] == ["display", "display", "sale"]
    one = client.get(_url(world, f"/findings/{a['id']}"), headers=co).json()
    assert one["evidence_digest"] == a["evidence_digest"]
    assert client.get(_url(world, f"/findings/{a['id']}", platform=world.small_id),
                      headers=co).status_code == 404
    runs = client.get(_url(world, "/runs?detector=fake_original_price"), headers=co).json()
    assert runs["total"] == 2
    with unit_of_work(engine) as s:
        actions = set(s.scalars(text(
            "SELECT action FROM audit_events WHERE action LIKE 'market.%'")))
    assert actions == {"market.ingest", "market.run"}


def test_a_bad_batch_names_the_row_and_stores_nothing(client: TestClient, world: World) -> None:
    rows = [dict(r) for r in ORDERS]
    rows[3]["unit_price"] = -2
    rows[5]["paid_at"] = "2026-03-04 10:00:00"
    r = _post(client, world, "orders", rows)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "bad_rows"
    assert (err["details"]["row"], err["details"]["field"]) == (3, "unit_price")
    assert err["details"]["error_count"] == 2
    assert {(e["row"], e["field"]) for e in err["details"]["errors"]} == \
        {(3, "unit_price"), (5, "paid_at")}
    ds = {d["name"]: d for d in client.get(
        _url(world, "/datasets"), headers=world.auth("compliance_officer")).json()}
    assert ds["orders"]["stored_rows"] == 0
    r = _post(client, world, "nope", ORDERS)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_dataset"
    r = client.post(_url(world, "/runs"), json={"detector": "nope"},
                    headers=world.auth("compliance_officer"))
    assert r.status_code == 404 and r.json()["error"]["details"]["field"] == "detector"


def test_a_file_upload(client: TestClient, world: World) -> None:
    body = ("order_id,line,buyer_id,merchant_id,item_id,unit_price,quantity,paid_at,extra\n"
            "a,1,b,m,i,1,1,2026-03-01T10:00:00+08:00,x\n")
    r = client.post(_url(world, "/datasets/orders/files"),
                    files={"file": ("o.csv", body.encode(), "text/csv")},
                    headers=world.auth("compliance_officer"))
    assert r.status_code == 201, r.text
    assert r.json()["format"] == "csv" and r.json()["ignored_columns"] == ["extra"]
    r = client.post(_url(world, "/datasets/orders/files"),
                    files={"file": ("o.csv", body.encode(), "text/csv")},
                    headers=world.auth("compliance_officer"))
    assert r.status_code == 422 and r.json()["error"]["details"]["file"] == "o.csv"
    r = client.post(_url(world, "/datasets/orders/files"),
                    files={"file": ("o.xls", b"x", "application/octet-stream")},
                    headers=world.auth("compliance_officer"))
    assert r.status_code == 422 and "unknown file type" in r.json()["error"]["message"]


def test_who_may(client: TestClient, world: World) -> None:
    assert _post(client, world, "orders", ORDERS, role="moderator").status_code == 403
    assert _post(client, world, "orders", ORDERS, role="auditor").status_code == 403
    assert client.post(_url(world, "/runs"), json={"detector": "fake_original_price"},
                       headers=world.auth("api_client")).status_code == 403
    assert client.get(_url(world, "/findings"),
                      headers=world.auth("moderator")).status_code == 403
    # a token scoped to the small platform reads nothing of the big one
    assert client.get(_url(world, "/findings"),
                      headers=world.auth("compliance_officer", scoped=True)).status_code == 403
    assert client.get(_url(world, "/findings", platform=world.small_id),
                      headers=world.auth("compliance_officer", scoped=True)).status_code == 200


def test_findings_are_kept(client: TestClient, world: World, engine: Engine) -> None:
    import pytest
    from sqlalchemy.exc import DBAPIError

    from zeren.market.models import Finding

    _post(client, world, "orders", ORDERS)
    _post(client, world, "prices", PRICES)
    client.post(_url(world, "/runs"), json={"detector": "fake_original_price"},
                headers=world.auth("compliance_officer"))
    with unit_of_work(engine) as s:
        fid = s.scalars(select(Finding.id)).first()
    for stmt in ("UPDATE market_findings SET score = 0", "DELETE FROM market_findings",
                 "DELETE FROM market_runs", "UPDATE market_ingests SET rows = 0"):
        with pytest.raises(DBAPIError), unit_of_work(engine) as s:
            s.execute(text(stmt))
    assert fid


def test_every_detector_through_the_api(client: TestClient, world: World) -> None:
    from tests.market.fixtures import ALL

    co = world.auth("compliance_officer")
    for name, rows in ALL.items():
        r = _post(client, world, name, rows)
        assert r.status_code == 201, r.text
    dets = client.get(_url(world, "/detectors"), headers=co).json()
    pyr = next(d for d in dets if d["name"] == "pyramid_scheme")
    assert pyr["params"]["min_participants"]["value"] == 30
    assert "[2nd]" in pyr["params"]["min_participants"]["source"]
    got = {}
    for d in dets:
        r = client.post(_url(world, "/runs"), json={"detector": d["name"]}, headers=co)
        assert r.status_code == 201, r.text
        got[d["name"]] = r.json()["findings_new"]
    assert got == {"fake_original_price": 2, "price_discrimination": 1, "price_gouging": 1,
                   "brushing_ring": 1, "pyramid_scheme": 1, "self_preferencing": 1,
                   "merchant_data_use": 1, "grey_accounts": 1}
    ring = client.get(_url(world, "/findings?detector=brushing_ring"), headers=co).json()
    assert ring["items"][0]["article"] == 17 and ring["items"][0]["facts"]["reviews"] == 1
