"""Listings over HTTP: versions kept with their digest and logged to the ledger, screening
through moderation's subject path, licensed categories refused (nothing written) or held for
review without a valid licence, withdrawal, merchant_ops kept to its platform, and the Art 10
check on published listings in licensed categories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from tests.conftest import World
from tests.merchants.conftest import enterprise, licence, url
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import OutboxRow
from zeren.merchants import domain as d
from zeren.merchants.checks import listings_licensed
from zeren.merchants.models import Licence, Listing, ListingVersion
from zeren.moderation.models import Subject
from zeren.posture.domain import CheckContext, Status

IMG = "ab" * 32


def body(ref: str = "L1", **kw: Any) -> dict[str, Any]:
    return {"listing_ref": ref, "title": "不锈钢保温杯 500ml", "description": "双层真空",
            "category": "日用百货", "price": "59.90", "images": [IMG], **kw}


def merchant(client: TestClient, world: World, ops: dict[str, str], n: int = 1,
             **kw: Any) -> dict[str, Any]:
    r = client.post(url(world), headers=ops, json=enterprise(n, **kw))
    assert r.status_code == 201, r.text
    return dict(r.json())


def count(engine: Engine, what: Any, *where: Any) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(what).where(*where)) or 0)


def test_versions_are_kept_digested_and_logged(client: TestClient, world: World,
                                               ops: dict[str, str], engine: Engine) -> None:
    m = merchant(client, world, ops)
    r = client.post(url(world, f"/{m['id']}/listings"), headers=ops, json=body())
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["status"], first["version"], first["price_cents"], first["screening"]) == (
        "active", 1, 5990, "pass")
    r = client.post(url(world, "/M000001/listings"), headers=ops,
                    json=body(price="49.90", title="不锈钢保温杯 500ml 新款"))
    assert r.status_code == 201 and r.json()["id"] == first["id"]
    assert r.json()["version"] == 2
    vs = client.get(url(world, "/listings/L1/versions"), headers=ops).json()
    assert [v["version"] for v in vs] == [1, 2]
    assert [v["content"]["price"] for v in vs] == ["59.90", "49.90"]
    for v in vs:  # the digest is the content's, recomputed here
        assert v["sha256"] == d.listing_digest(v["content"])
    assert vs[0]["sha256"] != vs[1]["sha256"]
    with unit_of_work(engine) as s:
        logged = [r.record for r in s.scalars(select(OutboxRow).where(
            OutboxRow.record_class == "listings").order_by(OutboxRow.seq))]
    assert [(x["version"], x["sha256"]) for x in logged] == [
        (v["version"], v["sha256"]) for v in vs]
    # the screened text reached moderation's subjects as a listing owned by the merchant
    with unit_of_work(engine) as s:
        subj = s.scalar(select(Subject).where(Subject.kind == "listing",
                                              Subject.external_ref == "L1"))
        assert subj is not None and "新款" in subj.text and subj.owner_id is not None
    # withdrawn: a third version, same content, status withdrawn
    r = client.post(url(world, "/listings/L1/withdraw"), headers=ops, json={"reason": "下架"})
    assert (r.json()["status"], r.json()["version"]) == ("withdrawn", 3)
    vs = client.get(url(world, "/listings/L1/versions"), headers=ops).json()
    assert vs[2]["content"] == vs[1]["content"] and vs[2]["status"] == "withdrawn"
    assert count(engine, ListingVersion) == 3
    page = client.get(url(world, "/listings"), headers=ops,
                      params={"merchant": "M000001", "status": "withdrawn"}).json()
    assert page["total"] == 1 and page["items"][0]["listing_ref"] == "L1"


def test_a_lexicon_hit_holds_the_listing_with_a_case(client: TestClient, world: World,
                                                     ops: dict[str, str]) -> None:
    merchant(client, world, ops)
    r = client.post(url(world, "/M000001/listings"), headers=ops,
                    json=body("L2", title="全网最佳的国家级产品"))
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["screening"] in ("review", "block") and got["case_id"]
    assert got["status"] in ("in_review", "blocked")


def test_licensed_categories(client: TestClient, world: World, ops: dict[str, str],
                             engine: Engine) -> None:
    merchant(client, world, ops, 1)
    # drugs without the licence: refused, naming the field, nothing written anywhere
    r = client.post(url(world, "/M000001/listings"), headers=ops,
                    json=body("D1", category="药品"))
    assert r.status_code == 422
    err = r.json()["error"]
    assert (err["code"], err["details"]["field"], err["details"]["licence_kind"]) == (
        "licence_required", "category", "drug_online")
    assert count(engine, Listing) == 0 and count(engine, Subject) == 0
    # food without the licence: kept, held for review, sent to moderation
    r = client.post(url(world, "/M000001/listings"), headers=ops,
                    json=body("F1", category="食品"))
    assert r.status_code == 201
    held = r.json()
    assert (held["status"], held["licence_kind"], held["licence_id"]) == (
        "in_review", "food_business", None)
    assert held["case_id"]
    v = client.get(url(world, "/listings/F1/versions"), headers=ops).json()[0]
    assert v["reasons"] == ["licence_missing:food_business"]
    # with a valid licence: published, the licence named
    merchant(client, world, ops, 2, licences=[licence()])
    r = client.post(url(world, "/M000002/listings"), headers=ops,
                    json=body("F2", category="food"))
    assert (r.json()["status"], r.json()["licence_kind"]) == ("active", "food_business")
    assert r.json()["licence_id"]
    page = client.get(url(world, "/listings"), headers=ops, params={"unlicensed": True}).json()
    assert [x["listing_ref"] for x in page["items"]] == ["F1"]


@pytest.mark.parametrize(("change", "field"), [
    ({"images": ["xyz"]}, "images.0"),
    ({"price": "-1"}, "price"),
    ({"price": "1.234"}, "price"),
    ({"currency": "1NY"}, "currency"),
    ({"title": ""}, "title"),
])
def test_bad_fields_write_nothing(client: TestClient, world: World, ops: dict[str, str],
                                  engine: Engine, change: dict[str, Any], field: str) -> None:
    merchant(client, world, ops)
    r = client.post(url(world, "/M000001/listings"), headers=ops, json=body(**change))
    assert r.status_code == 422
    assert field in r.text
    assert count(engine, Listing) == 0 and count(engine, ListingVersion) == 0


def test_another_merchants_ref_and_another_platform(client: TestClient, world: World,
                                                    ops: dict[str, str]) -> None:
    merchant(client, world, ops, 1)
    merchant(client, world, ops, 2)
    assert client.post(url(world, "/M000001/listings"), headers=ops,
                       json=body()).status_code == 201
    r = client.post(url(world, "/M000002/listings"), headers=ops, json=body())
    assert r.status_code == 409 and r.json()["error"]["details"]["field"] == "listing_ref"
    other = world.auth("merchant_ops", scoped=True)  # the small platform only
    assert client.post(url(world, "/M000001/listings"), headers=other,
                       json=body("L9")).status_code == 403
    assert client.get(url(world, "/listings"), headers=other).status_code == 403


def test_listings_check(client: TestClient, world: World, ops: dict[str, str],
                        engine: Engine) -> None:
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:
        r = listings_licensed(CheckContext(session=s, platform_id=world.big_id, now=now))
        assert r.status is Status.NOT_ASSESSED
    merchant(client, world, ops, 1, licences=[licence()])
    client.post(url(world, "/M000001/listings"), headers=ops, json=body("A1"))
    client.post(url(world, "/M000001/listings"), headers=ops, json=body("F1", category="食品"))
    with unit_of_work(engine) as s:
        r = listings_licensed(CheckContext(session=s, platform_id=world.big_id, now=now))
        assert r.status is Status.MET and r.figures["in_licensed_categories"] == 1
        assert r.seen == 2
        # the licence ends yesterday: the published food listing no longer holds one
        s.execute(update(Licence).values(valid_until=(now - timedelta(days=2)).date()))
    with unit_of_work(engine) as s:
        r = listings_licensed(CheckContext(session=s, platform_id=world.big_id, now=now))
        assert r.status is Status.UNMET and r.figures["without_valid_licence"] == 1
        assert listings_licensed(CheckContext(session=s, platform_id=world.small_id,
                                              now=now)).status is Status.NOT_ASSESSED
