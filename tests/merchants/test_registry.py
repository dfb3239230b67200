"""The registry over HTTP: registering each kind, refusals naming the field with nothing
written, the resident ID sealed in the ledger's personal-data store, licences and documents,
the list's filters, search and keyset pages, and merchant_ops kept to its own platform."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from tests.conftest import World
from tests.merchants.conftest import enterprise, licence, natural_person, url
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import OutboxRow
from zeren.merchants.domain import sample_resident_id, sample_uscc
from zeren.merchants.models import Merchant, MerchantEvent
from zeren.timepolicy import beijing_today


def count(engine: Engine, model: type) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_register_an_enterprise_with_shop_and_licence(client: TestClient, world: World,
                                                      ops: dict[str, str]) -> None:
    body = enterprise(1, shops=[{"shop_ref": "S1", "name": "旗舰店",
                                 "url": "https://shop.example/s1"}],
                      licences=[licence()], contact_phone="010-12345678")
    r = client.post(url(world), headers=ops, json=body)
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["kind"], m["uscc"], m["status"], m["verification"]) == (
        "enterprise", sample_uscc(1), "active", "unverified")
    assert m["shops"][0]["shop_ref"] == "S1"
    lic = m["licences"][0]
    assert (lic["kind"], lic["kind_zh"], lic["valid_until"]) == (
        "food_business", "食品经营许可证", "2029-12-31")
    assert lic["days_left"] > 0
    assert m["next_licence_expiry"] == "2029-12-31"
    assert m["addresses"] == [{"kind": "registered", "address": "北京市朝阳区建国路1号"}]
    again = client.get(url(world, "/M000001"), headers=ops).json()
    assert again["id"] == m["id"]
    hist = client.get(url(world, f"/{m['id']}/history"), headers=ops).json()
    assert [e["kind"] for e in hist] == ["registered"]


def test_refusals_name_the_field_and_write_nothing(client: TestClient, world: World,
                                                   ops: dict[str, str], engine: Engine) -> None:
    good = enterprise(2)
    bad_check = good["uscc"][:-1] + ("0" if good["uscc"][-1] != "0" else "1")
    cases = [
        ({**good, "uscc": bad_check}, 422, "uscc"),
        ({**good, "uscc": good["uscc"][:17]}, 422, "uscc"),
        ({**good, "uscc": good["uscc"][:-2] + "IO"}, 422, "uscc"),
        ({**good, "kind": "托拉斯"}, 422, "kind"),
        (natural_person(3, resident_id="110105194912310021"), 422, "resident_id"),
        (natural_person(3, ground=None), 422, "ground"),
        ({**good, "licences": [licence(kind="驾驶证")]}, 422, "licence_kind"),
        ({**good, "licences": [licence(valid_until="2020-01-01")]}, 422, "licence_valid_until"),
        ({**good, "licences": [licence(valid_from="2025-01-01", valid_until="2024-01-01")]},
         422, "licence_valid_until"),
        ({**good, "shops": [{"shop_ref": "S", "name": "a", "url": "javascript:x"}]}, 422,
         "shops.0.url"),
    ]
    for body, status, field in cases:
        r = client.post(url(world), headers=ops, json=body)
        assert r.status_code == status, (field, r.text)
        assert r.json()["error"]["details"]["field"] == field, r.text
    assert count(engine, Merchant) == 0
    assert count(engine, OutboxRow) == 0
    assert client.post(url(world), headers=ops, json=good).status_code == 201
    dup = client.post(url(world), headers=ops, json={**good, "merchant_ref": "OTHER"})
    assert dup.status_code == 409 and dup.json()["error"]["details"]["field"] == "uscc"
    dup = client.post(url(world), headers=ops, json={**enterprise(4), "merchant_ref": "M000002"})
    assert dup.status_code == 409 and dup.json()["error"]["details"]["field"] == "merchant_ref"
    # the same USCC on another platform is another platform's registry
    assert client.post(url(world, platform=world.small_id), headers=ops,
                       json=good).status_code == 201
    assert count(engine, Merchant) == 2


def test_resident_id_is_sealed_and_opened_only_with_the_permission(
        client: TestClient, world: World, ops: dict[str, str], engine: Engine) -> None:
    rid = sample_resident_id(42)
    r = client.post(url(world), headers=ops, json=natural_person(42))
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["resident_id_masked"] == rid[:6] + "********" + rid[-4:]
    assert "resident_id" not in m
    # The number is nowhere in the registry's tables or the logged record.
    with unit_of_work(engine) as s:
        for table in ("merchants", "merchant_events", "ledger_outbox"):
            rows = s.execute(text(f"SELECT * FROM {table}")).all()
            assert rid not in json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False)
        ob = s.scalars(select(OutboxRow)).one()
        assert ob.record["merchant_id"] == m["id"] and ob.pd_id is not None
    got = client.get(url(world, f"/{m['id']}/resident-id"), headers=ops)
    assert got.status_code == 200 and got.json()["resident_id"] == rid
    for role in ("auditor", "compliance_officer"):
        no = client.get(url(world, f"/{m['id']}/resident-id"), headers=world.auth(role))
        assert no.status_code == 403
        assert no.json()["error"]["details"]["permission"] == "merchants.identity.open"
    # after the outbox is flushed, the sealed data lives in the ledger's store
    from zeren.ledger.outbox import flush_all, flusher_for
    from zeren.ledger.service import integrator_for

    data_dir = client.app.state.settings.data_dir  # type: ignore[attr-defined]
    # the requests' flusher (the app's engine) finishes what it claimed
    flusher_for(client.app.state.engine, data_dir).stop()  # type: ignore[attr-defined]
    flush_all(engine=engine, integrator=integrator_for(engine, data_dir))
    with unit_of_work(engine) as s:
        ob = s.scalars(select(OutboxRow)).one()
        assert ob.logged_at is not None and ob.pd_key is None  # the key left the outbox
    got = client.get(url(world, f"/{m['id']}/resident-id"), headers=ops)
    assert got.json()["resident_id"] == rid


def test_licences_and_documents(client: TestClient, world: World, ops: dict[str, str],
                                engine: Engine) -> None:
    mid = client.post(url(world), headers=ops, json=enterprise(5)).json()["id"]
    soon = (date.today() + timedelta(days=20)).isoformat()
    r = client.post(url(world, f"/{mid}/licences"), headers=ops,
                    json=licence(kind="出版物经营许可证", valid_until=soon))
    assert r.status_code == 201, r.text
    lid = r.json()["id"]
    pdf = b"%PDF-1.4 licence scan"
    r = client.post(url(world, f"/{mid}/licences/{lid}/documents"), headers=ops,
                    files={"file": ("scan.pdf", pdf, "application/pdf")})
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == hashlib.sha256(pdf).hexdigest()
    m = client.get(url(world, f"/{mid}"), headers=ops).json()
    assert m["next_licence_expiry"] == soon
    assert m["licences"][0]["documents"][0]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert 18 <= m["licences"][0]["days_left"] <= 21
    r = client.post(url(world, f"/{mid}/licences/nope/documents"), headers=ops,
                    files={"file": ("a.pdf", b"x", "application/pdf")})
    assert r.status_code == 404
    r = client.post(url(world, f"/{mid}/licences/{lid}/documents"), headers=ops,
                    files={"file": ("a.pdf", b"", "application/pdf")})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "file"
    kinds = [e["kind"] for e in client.get(url(world, f"/{mid}/history"), headers=ops).json()]
    assert kinds == ["registered", "licence_added", "document_added"]
    # documents and events are kept records: the database refuses to change them
    with unit_of_work(engine) as s:
        try:
            s.execute(text("DELETE FROM merchant_licence_documents"))
            raise AssertionError("delete allowed")
        except Exception as exc:
            assert "append-only" in str(exc)
    assert count(engine, MerchantEvent) == 3


def test_list_filters_search_and_keyset_pages(client: TestClient, world: World,
                                              ops: dict[str, str]) -> None:
    for n in range(12):
        # the filter counts from the Beijing day (UTC's date lags it from 16:00 UTC)
        lic = [licence(valid_until=(beijing_today() + timedelta(days=10 + n)).isoformat())] \
            if n % 3 == 0 else []
        assert client.post(url(world), headers=ops,
                           json=enterprise(100 + n, legal_name=f"商户{n:02d}",
                                           licences=lic)).status_code == 201
    for n in range(3):
        assert client.post(url(world), headers=ops, json=natural_person(200 + n)).status_code == 201
    page = client.get(url(world), headers=ops, params={"limit": 5}).json()
    assert page["total"] == 15 and len(page["items"]) == 5
    seen = [i["legal_name"] for i in page["items"]]
    while page["next"]:
        page = client.get(url(world), headers=ops,
                          params={"limit": 5, "after": page["next"], "count": "false"}).json()
        assert page["total"] is None
        seen += [i["legal_name"] for i in page["items"]]
    assert len(seen) == 15 and seen == sorted(seen)
    assert client.get(url(world), headers=ops,
                      params={"kind": "natural_person"}).json()["total"] == 3
    assert client.get(url(world), headers=ops,
                      params={"licence_within_days": 15}).json()["total"] == 2
    assert client.get(url(world), headers=ops, params={"q": "商户0"}).json()["total"] == 10
    assert client.get(url(world), headers=ops,
                      params={"q": sample_uscc(105).lower()}).json()["items"][0][
        "legal_name"] == "商户05"
    assert client.get(url(world), headers=ops, params={"q": "M000107"}).json()["total"] == 1
    for params, field in [({"kind": "x"}, "kind"), ({"status": "x"}, "status"),
                          ({"after": "!!"}, "after")]:
        r = client.get(url(world), headers=ops, params=params)
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field


def test_merchant_ops_manages_its_own_platform_only(client: TestClient, world: World) -> None:
    scoped = world.auth("merchant_ops", scoped=True)
    assert client.post(url(world, platform=world.small_id), headers=scoped,
                       json=enterprise(7)).status_code == 201
    r = client.post(url(world), headers=scoped, json=enterprise(8))
    assert r.status_code == 403
    assert client.get(url(world), headers=scoped).status_code == 403
    # a merchant of one platform is not found through another platform's path
    mid = client.get(url(world, platform=world.small_id), headers=scoped).json()["items"][0]["id"]
    assert client.get(url(world, f"/{mid}"), headers=world.auth("merchant_ops")
                      ).status_code == 404
    # the moderator holds no merchant permission at all
    assert client.get(url(world, platform=world.small_id),
                      headers=world.auth("moderator")).status_code == 403
