"""Credit scores: the explanation sums to the score; the formula is the published credit
rule in force (parameters in its version, each in range); each batch is kept and logged."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from tests.conftest import World
from tests.ledger.test_api import _order
from tests.rules.conftest import Walk
from zeren.credit import domain as d
from zeren.db.base import utcnow
from zeren.db.bulk import bulk_insert
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import OutboxRow
from zeren.reviews.domain import fingerprint
from zeren.reviews.models import REVIEWS

API = "/api/v1"


@given(st.integers(0, 10_000), st.integers(0, 5), st.integers(0, 20),
       st.dictionaries(st.sampled_from(["base", "rating_weight", "volume_weight",
                                        "sanction_penalty", "orders_weight",
                                        "refund_penalty"]),
                       st.floats(0, 50, allow_nan=False), max_size=6),
       st.integers(0, 10_000), st.integers(0, 10**9), st.integers(0, 10**9))
def test_components_sum_to_the_score(n: int, avg: int, sanctions: int,
                                     published: dict[str, float], orders: int, paid: int,
                                     refunded: int) -> None:
    p = d.parameters(published)
    total = n * max(avg, 1) if n else 0
    sc, comps = d.score(d.Inputs(n, min(total, 5 * n), sanctions, orders, paid, refunded), p)
    assert round(sum(c["points"] for c in comps), 2) == sc
    assert p["floor"] <= sc <= p["ceiling"]
    assert [c["name"] for c in comps][:4] == ["base", "rating", "volume", "sanctions"]


def test_parameters_are_checked_against_their_range() -> None:
    with pytest.raises(d.OutOfFormula) as e:
        d.parameters({"rating_weight": 500})
    assert e.value.field == "parameters.rating_weight"
    with pytest.raises(d.OutOfFormula) as e:
        d.parameters({"bogus": 1})
    assert e.value.field == "parameters.bogus"
    assert "第十五条" in d.credit_data().source


def _reviews(engine: Engine, pid: str, merchant: str, ratings: list[int]) -> None:
    now = utcnow()
    with unit_of_work(engine) as s:
        bulk_insert(s, REVIEWS, [{
            "id": f"{merchant}-{i}", "platform_id": pid, "review_ref": f"{merchant}-{i}",
            "order_id": f"o{i}", "merchant_ref": merchant, "listing_ref": "L1", "rating": r,
            "text": "好", "images": [], "fingerprint": fingerprint(r, "好"),
            "reviewed_at": now - timedelta(days=1), "reviewer_ref": None,
            "ingested_at": now, "ingested_by": "test"} for i, r in enumerate(ratings)])


def test_batch_under_the_published_formula(client: TestClient, world: World,
                                           engine: Engine) -> None:
    h = world.auth("compliance_officer")
    r = client.post(f"{API}/platforms/{world.big_id}/credit/batches", headers=h)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "formula"
    w = Walk(engine, world.big_id)
    w.document("credit", kind="credit_rule")
    start = datetime.now(UTC) - timedelta(days=30)
    vid = w.draft(now=start - timedelta(days=1), parameters={"rating_weight": 8.0})
    w.publish_through(vid, start)
    _reviews(engine, world.big_id, "m-good", [5, 5, 4, 5])
    _reviews(engine, world.big_id, "m-poor", [1, 2])
    r = client.post(f"{API}/platforms/{world.big_id}/credit/batches", headers=h)
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["formula_version_id"] == vid and b["merchants"] == 2
    assert b["parameters"]["rating_weight"] == 8.0
    good = client.get(f"{API}/platforms/{world.big_id}/credit/merchants/m-good",
                      headers=world.auth("auditor")).json()
    poor = client.get(f"{API}/platforms/{world.big_id}/credit/merchants/m-poor",
                      headers=world.auth("auditor")).json()
    for x in (good, poor):
        assert round(sum(c["points"] for c in x["components"]), 2) == x["score"]
    assert good["score"] > poor["score"]
    rating = next(c for c in good["components"] if c["name"] == "rating")
    assert rating["points"] == round(8.0 * (19 / 4 - 3), 2)
    with unit_of_work(engine) as s:
        logged = [o.record for o in s.scalars(select(OutboxRow).where(
            OutboxRow.record_class == "credit"))]
    assert len(logged) == 1 and logged[0]["formula_version_id"] == vid
    assert logged[0]["scores_sha256"] == b["scores_sha256"]
    r = client.get(f"{API}/platforms/{world.big_id}/credit/merchants/nobody", headers=h)
    assert r.status_code == 404


def test_orders_and_refunds_are_components(client: TestClient, world: World,
                                           engine: Engine) -> None:
    """Completed orders and refunds from the ledger's order index weigh in when the published
    rule sets their weights; a refund rate of 1/4 by amount costs a quarter of the penalty."""
    w = Walk(engine, world.big_id)
    w.document("credit", kind="credit_rule")
    start = datetime.now(UTC) - timedelta(days=30)
    vid = w.draft(now=start - timedelta(days=1), parameters={
        "orders_weight": 4.0, "orders_cap": 10.0, "refund_penalty": 20.0})
    w.publish_through(vid, start)
    ops = world.auth("admin")
    for i in range(9):  # nine completed orders of m-9 at 120.00 each
        r = client.post(f"{API}/orders", headers=ops, json=_order(world.big_id, f"C-{i}"))
        assert r.status_code == 201, r.text
    r = client.post(f"{API}/orders/C-0/refunds", headers=ops, json={
        "platform_id": world.big_id, "refund_id": "RF-1", "amount": "120.00",
        "refunded_at": "2025-03-06T10:00:00+08:00"})
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/orders/C-1/refunds", headers=ops, json={
        "platform_id": world.big_id, "refund_id": "RF-2", "amount": "150.00",
        "refunded_at": "2025-03-06T10:00:00+08:00"})
    assert r.status_code >= 400  # a refund may not pass what was paid: not counted
    h = world.auth("compliance_officer")
    r = client.post(f"{API}/platforms/{world.big_id}/credit/batches", headers=h)
    assert r.status_code == 201, r.text
    got = client.get(f"{API}/platforms/{world.big_id}/credit/merchants/m-9",
                     headers=world.auth("auditor")).json()
    comps = {c["name"]: c for c in got["components"]}
    assert comps["orders"]["input"] == {"orders": 9}
    assert comps["orders"]["points"] == round(4.0 * math.log10(10), 2)
    assert comps["refunds"]["input"]["paid_cents"] == 9 * 12000
    assert comps["refunds"]["input"]["refunded_cents"] == 12000
    assert comps["refunds"]["points"] == round(-20.0 / 9, 2)
    assert round(sum(c["points"] for c in got["components"]), 2) == got["score"]


def test_orders_and_refunds_are_off_unless_the_rule_sets_them() -> None:
    p = d.parameters({})
    sc, comps = d.score(d.Inputs(0, 0, 0, orders=1000, paid_cents=100, refunded_cents=100), p)
    by = {c["name"]: c["points"] for c in comps}
    assert by["orders"] == 0.0 and by["refunds"] == 0.0
    assert sc == d.score(d.Inputs(0, 0, 0), p)[0]
