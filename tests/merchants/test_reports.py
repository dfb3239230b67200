"""The quarterly tax report against a hand-computed fixture: orders and refunds logged through
the ledger's API (refunds as their own records), merchants of three kinds and one order of a
merchant never registered, quarter edges in Beijing time; preview, generate (CSV and XLSX read
back), approve by another person, submitted with a receipt, a new version only with a reason,
a quarter not ended refused; and the Art 33 check."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from tests.conftest import World
from tests.merchants.conftest import enterprise, natural_person, url
from zeren.auth.policy import SYSTEM, Actor, Grant
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import OutboxRow
from zeren.merchants import domain as d
from zeren.merchants.checks import tax_report_on_time
from zeren.merchants.services import reports
from zeren.posture.domain import CheckContext, Status

API = "/api/v1"


def order(world: World, oid: str, merchant: str, paid: str, completed: str, *,
          kind: str = "goods", other: str = "0") -> dict[str, Any]:
    return {"platform_id": world.big_id, "order_id": oid, "merchant_id": merchant,
            "items": [{"sku": "S", "title": "商品", "unit_price": paid, "quantity": 1}],
            "total_amount": paid, "paid_amount": paid, "placed_at": completed,
            "completed_at": completed, "income_kind": kind, "other_sales_amount": other,
            "buyer": {"buyer_ref": "B1"}}


def refund(world: World, rid: str, amount: str, at: str) -> dict[str, Any]:
    return {"platform_id": world.big_id, "refund_id": rid, "amount": amount, "refunded_at": at}


@pytest.fixture
def fixture(client: TestClient, world: World, ops: dict[str, str]) -> None:
    for body in (enterprise(1), enterprise(2), natural_person(3)):
        assert client.post(url(world), headers=ops, json=body).status_code == 201
    orders = [
        order(world, "O1", "M000001", "100.00", "2026-07-05T10:00:00+08:00", other="10.00"),
        order(world, "O2", "M000001", "250.50", "2026-09-30T23:30:00+08:00"),
        order(world, "O3", "M000001", "80.00", "2026-10-01T00:10:00+08:00"),  # Q4 in Beijing
        order(world, "O4", "M000002", "300.00", "2026-06-30T23:59:00+08:00"),  # Q2
        order(world, "O5", "M000002", "1000.00", "2026-08-01T09:00:00+08:00",
              kind="service.advertising"),
        order(world, "O6", "P000003", "50.00", "2026-08-02T09:00:00+08:00",
              kind="service.labour"),
        order(world, "O7", "X999", "20.00", "2026-07-20T09:00:00+08:00"),
    ]
    for o in orders:
        r = client.post(f"{API}/orders", headers=ops, json=o)
        assert r.status_code == 201, r.text
    for oid, body in (("O1", refund(world, "R1", "30.00", "2026-09-01T10:00:00+08:00")),
                      ("O4", refund(world, "R4", "60.00", "2026-07-10T10:00:00+08:00")),
                      ("O5", refund(world, "R5", "200.00", "2026-08-15T10:00:00+08:00")),
                      ("O3", refund(world, "R3", "80.00", "2026-10-02T10:00:00+08:00"))):
        r = client.post(f"{API}/orders/{oid}/refunds", headers=ops, json=body)
        assert r.status_code == 201, r.text


# Hand-computed, in fen: Q3 = 1 Jul 00:00 to 1 Oct 00:00 Beijing time.
EXPECTED = {
    "M000001": {"goods_gross": 10000 + 25050, "goods_returns": 3000,
                "goods_net": 35050 - 3000, "goods_other": 1000},
    "M000002": {"goods_gross": 0, "goods_returns": 6000, "goods_net": -6000,
                "service.advertising.gross": 100000, "service.advertising.net": 80000},
    "P000003": {"service.labour.gross": 5000, "service.labour.net": 5000},
    "X999": {"goods_gross": 2000, "goods_net": 2000, "kind": "unregistered"},
}
TOTALS = {"goods_gross": 37050, "goods_returns": 9000, "goods_net": 28050, "goods_other": 1000,
          "service.advertising.gross": 100000, "service.advertising.net": 80000,
          "service.labour.gross": 5000, "service.labour.net": 5000,
          "service.tipping.gross": 0}


def check_rows(rows: list[dict[str, Any]]) -> None:
    by = {r["merchant_ref"]: r for r in rows}
    assert set(by) == set(EXPECTED)
    for ref, want in EXPECTED.items():
        for k, v in want.items():
            assert by[ref][k] == v, (ref, k)


def test_refund_refusals(client: TestClient, world: World, ops: dict[str, str],
                         fixture: None) -> None:
    cases = [("O1", refund(world, "R9", "70.01", "2026-09-02T10:00:00+08:00"), 422, "amount"),
             ("O9", refund(world, "R9", "1.00", "2026-09-02T10:00:00+08:00"), 404, "order_id"),
             ("O1", refund(world, "R1", "1.00", "2026-09-02T10:00:00+08:00"), 409, "refund_id"),
             ("O2", refund(world, "R9", "1.00", "2026-09-01T10:00:00+08:00"), 422,
              "refunded_at")]
    for oid, body, status, field in cases:
        r = client.post(f"{API}/orders/{oid}/refunds", headers=ops, json=body)
        assert r.status_code == status, (oid, r.text)
        assert r.json()["error"]["details"]["field"] == field
    r = client.post(f"{API}/orders", headers=ops, json=order(
        world, "O8", "M000001", "5.00", "2026-08-01T00:00:00+08:00", kind="service.x"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "income_kind"
    # the refund is its own record under the order's subject; the order's record unchanged
    recs = client.get(f"{API}/orders/O1", headers=ops,
                      params={"platform_id": world.big_id}).json()
    assert [x["record"].get("record", "order") for x in recs] == ["order", "refund"]
    assert recs[0]["record"]["amounts"]["paid"] == "100.00"


def test_tax_report_from_preview_to_submission(client: TestClient, world: World,
                                               ops: dict[str, str], engine: Engine,
                                               fixture: None) -> None:
    base = url(world, "/reports")
    r = client.get(f"{base}/tax/preview", headers=ops, params={"quarter": "2026Q3"})
    assert r.status_code == 200, r.text
    pv = r.json()
    assert (pv["quarter"], pv["due_on"], pv["total_rows"]) == ("2026Q3", "2026-10-31", 4)
    check_rows(pv["rows"])
    for k, v in TOTALS.items():
        assert pv["totals"][k] == v, k
    # a quarter not ended: refused, naming the field
    r = client.post(f"{base}/tax", headers=ops, json={"quarter": "2026Q4"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "quarter"
    assert client.get(f"{base}/tax/preview", headers=ops,
                      params={"quarter": "2026Q5"}).status_code == 422
    r = client.post(f"{base}/tax", headers=ops, json={"quarter": "2026Q3"})
    assert r.status_code == 201, r.text
    rep = r.json()
    assert (rep["version"], rep["status"], rep["rows"]) == (1, "generated", 4)
    # the files as generated, their digests on the report, read back
    raw_csv = client.get(f"{base}/{rep['id']}/file", headers=ops, params={"format": "csv"})
    assert hashlib.sha256(raw_csv.content).hexdigest() == rep["csv_sha256"]
    table = list(csv.reader(io.StringIO(raw_csv.content.decode("utf-8-sig"))))
    head = table[0]
    assert head[:5] == ["平台内经营者编号", "类型", "名称（姓名）", "统一社会信用代码",
                        "身份证件号码（脱敏）"]
    assert head[5:9] == ["销售货物-收入总额", "销售货物-退货金额", "销售货物-销售净额",
                         "销售货物-其他销售收入"]
    m1 = next(row for row in table if row[0] == "M000001")
    assert m1[5:9] == ["350.50", "30.00", "320.50", "10.00"]
    m2 = next(row for row in table if row[0] == "M000002")
    assert m2[7] == "-60.00"
    raw_x = client.get(f"{base}/{rep['id']}/file", headers=ops, params={"format": "xlsx"})
    assert hashlib.sha256(raw_x.content).hexdigest() == rep["xlsx_sha256"]
    ws = load_workbook(io.BytesIO(raw_x.content), read_only=True).worksheets[0]
    xrows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert xrows[0] == head
    adv = head.index("提供服务-广告-收入净额")
    x2 = next(row for row in xrows if row[0] == "M000002")
    assert float(x2[adv]) == 800.0 and float(x2[head.index("提供服务-广告-收入总额")]) == 1000.0
    # approval by someone else; then submitted with the receipt
    assert client.post(f"{base}/{rep['id']}/approve", headers=ops).status_code == 409
    assert client.post(f"{base}/{rep['id']}/submitted", headers=ops,
                       json={"receipt_ref": "SW-1"}).status_code == 409  # not approved yet
    r = client.post(f"{base}/{rep['id']}/approve", headers=world.auth("admin"))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.post(f"{base}/{rep['id']}/submitted", headers=ops,
                    json={"receipt_ref": "SW-2026Q3-0001"})
    assert (r.json()["status"], r.json()["receipt_ref"]) == ("submitted", "SW-2026Q3-0001")
    # again: only as a new version, with its reason, naming the one it corrects
    r = client.post(f"{base}/tax", headers=ops, json={"quarter": "2026Q3"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "reason"
    r = client.post(f"{base}/tax", headers=ops, json={"quarter": "2026Q3", "reason": "更正"})
    v2 = r.json()
    assert (v2["version"], v2["supersedes_id"]) == (2, rep["id"])
    listed = client.get(f"{base}/tax", headers=ops).json()
    assert [(x["version"], x["status"]) for x in listed] == [(2, "generated"),
                                                             (1, "submitted")]
    with unit_of_work(engine) as s:
        logged = [x.record for x in s.scalars(select(OutboxRow).where(
            OutboxRow.record_class == "reports").order_by(OutboxRow.seq))]
    assert [(x["event"], x["version"]) for x in logged] == [
        ("generated", 1), ("approved", 1), ("submitted", 1), ("generated", 2)]
    assert logged[0]["csv_sha256"] == rep["csv_sha256"]
    assert logged[0]["totals"]["goods_net"] == 28050
    # another platform's merchant_ops sees none of it
    other = world.auth("merchant_ops", scoped=True)
    assert client.get(f"{base}/tax", headers=other).status_code == 403


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_art33_check(client: TestClient, world: World, ops: dict[str, str], engine: Engine,
                     fixture: None) -> None:
    now = at("2026-12-02T04:00:00")
    ops_actor = Actor(user_id="u1", username="ops", grants=(Grant("merchant_ops", None),),
                      via="test")

    def check(platform: str) -> Any:
        with unit_of_work(engine) as s:
            return tax_report_on_time(CheckContext(session=s, platform_id=platform, now=now))

    assert check(world.small_id).status is Status.NOT_ASSESSED
    got = check(world.big_id)
    assert got.status is Status.UNMET and got.figures["quarter"] == "2026Q3"
    with unit_of_work(engine) as s:
        r = reports.generate_tax(session=s, actor=ops_actor, platform_id=world.big_id,
                                 quarter="2026Q3", now=at("2026-10-10T02:00:00"))
        rid = r.id
    assert check(world.big_id).status is Status.UNMET  # generated, not submitted
    with unit_of_work(engine) as s:
        r = reports.get_report(session=s, actor=SYSTEM, platform_id=world.big_id,
                               report_id=rid)
        reports.approve(session=s, actor=SYSTEM, report=r, now=at("2026-10-20T02:00:00"))
        reports.mark_submitted(session=s, actor=ops_actor, report=r, receipt_ref="SW-1",
                               now=at("2026-10-31T16:30:00"))  # 1 Nov 00:30 Beijing: late
    got = check(world.big_id)
    assert got.status is Status.UNMET and got.figures["submitted_on"] == "2026-11-01"
    # the small platform: a merchant since June, the report approved and sent in October
    from zeren.merchants.schemas import MerchantIn
    from zeren.merchants.services.registry import register_merchant

    with unit_of_work(engine) as s:
        register_merchant(session=s, actor=SYSTEM, platform_id=world.small_id,
                          data=MerchantIn(**enterprise(9)), now=at("2026-06-01T00:00:00"))
        r = reports.generate_tax(session=s, actor=ops_actor, platform_id=world.small_id,
                                 quarter="2026Q3", now=at("2026-10-10T02:00:00"))
        reports.approve(session=s, actor=SYSTEM, report=r, now=at("2026-10-11T02:00:00"))
        reports.mark_submitted(session=s, actor=ops_actor, report=r, receipt_ref="SW-2",
                               now=at("2026-10-31T10:00:00"))  # 18:00 Beijing
    got = check(world.small_id)
    assert got.status is Status.MET and got.seen == 1, got.reason
    # in November, before the Q4 deadline has come, Q3 is still the one judged
    assert d.last_ended_quarter(d.Quarter(2026, 4).first_day).label == "2026Q3"


def test_quarters() -> None:
    q = d.Quarter.parse("2026q3")
    assert (q.label, q.first_day.isoformat(), q.due().isoformat()) == (
        "2026Q3", "2026-07-01", "2026-10-31")
    assert d.Quarter(2026, 4).due().isoformat() == "2027-01-31"
    assert d.Quarter(2027, 4).due().isoformat() == "2028-01-31"
    assert d.Quarter(2027, 4).next == d.Quarter(2028, 1)
    start, end = d.Quarter(2026, 1).bounds()
    assert (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()) == (
        "2025-12-31T16:00:00+00:00", "2026-03-31T16:00:00+00:00")
    for bad in ("2026Q0", "2026Q5", "26Q1", "Q3-2026", ""):
        with pytest.raises(d.OutOfScale):
            d.Quarter.parse(bad)


def test_cli_report_tax(client: TestClient, world: World, fixture: None, cli_env: None,
                        tmp_path: Any) -> None:
    from tests.merchants.conftest import run

    code, out = run("report", "tax", "--platform", world.big_id, "--quarter", "2026Q3")
    assert code == 0, out
    assert "4 merchant row(s), due 2026-10-31" in out and "280.50" in out  # 销售净额
    code, out = run("report", "tax", "--platform", world.big_id, "--quarter", "2026Q4")
    assert code != 0 and "quarter" in out
    code, out = run("report", "tax", "--platform", world.big_id, "--quarter", "2026Q3",
                    "--generate", "--out", str(tmp_path / "out"))
    assert code == 0 and "version 1" in out, out
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["tax-2026Q3-v1.csv", "tax-2026Q3-v1.xlsx"]
    digest = hashlib.sha256((tmp_path / "out" / written[0]).read_bytes()).hexdigest()
    assert digest in out
