"""The identity report to the market regulator (网络交易监督管理办法 第二十五条): the schedule's
months and the days each covers, who is in it (registered before the days end, not gone before
they begin), the files read back, versions, and the API's refusals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, update

from tests.conftest import World
from tests.merchants.conftest import enterprise, natural_person, url
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.errors import InvalidInput
from zeren.merchants import domain as d
from zeren.merchants.models import Merchant
from zeren.merchants.schemas import MerchantIn
from zeren.merchants.services import registry, reports
from zeren.timepolicy import beijing_today


def test_schedule_months() -> None:
    months = d.report_rules().identity_months
    assert tuple(months) == (1, 7)
    jan = d.ReportMonth.parse("2027-01")
    assert jan.window(months) == (date(2026, 7, 1), date(2027, 1, 1))
    assert jan.due == date(2027, 1, 31)
    assert d.ReportMonth.parse("202607").window(months) == (date(2026, 1, 1), date(2026, 7, 1))
    assert d.last_report_month(date(2026, 12, 2), months) == d.ReportMonth(2026, 7)
    assert d.last_report_month(date(2027, 1, 1), months) == d.ReportMonth(2027, 1)
    assert d.last_report_month(date(2026, 6, 30), months) == d.ReportMonth(2026, 1)
    assert d.ReportMonth(2028, 7).window((1, 4, 7, 10)) == (date(2028, 4, 1), date(2028, 7, 1))
    with pytest.raises(d.OutOfScale):
        d.ReportMonth.parse("2027-03").window(months)
    for bad in ("2027-13", "27-01", "2027/01", ""):
        with pytest.raises(d.OutOfScale):
            d.ReportMonth.parse(bad)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=4, tzinfo=UTC)


def test_who_is_in_the_report(engine: Engine, world: World) -> None:
    pid = world.big_id
    with unit_of_work(engine) as s:
        for n, created in ((1, "2026-03-01"), (2, "2026-03-01"), (3, "2026-03-01"),
                           (4, "2027-01-05")):
            registry.register_merchant(session=s, actor=SYSTEM, platform_id=pid,
                                       data=MerchantIn(**enterprise(n)), now=at(created))
        registry.register_merchant(session=s, actor=SYSTEM, platform_id=pid,
                                   data=MerchantIn(**natural_person(5)), now=at("2026-08-01"))
        for ref, gone in (("M000002", "2026-05-01"), ("M000003", "2026-09-10")):
            s.execute(update(Merchant).where(Merchant.platform_id == pid,
                                             Merchant.merchant_ref == ref)
                      .values(status="exited", exited_at=at(gone)))
    now = at("2027-01-10")
    with unit_of_work(engine) as s:
        rep = reports.preview_identity(session=s, actor=SYSTEM, platform_id=pid,
                                       period="2027-01", now=now)
        assert [r["merchant_ref"] for r in rep.rows] == ["M000001", "M000003", "P000005"]
        gone = rep.rows[1]
        assert (gone["status"], gone["exited_on"]) == ("exited", "2026-09-10")
        assert rep.rows[2]["resident_id_masked"] and rep.rows[2]["uscc"] is None
        assert rep.totals == {"merchants": 3, "kind.enterprise": 2, "kind.natural_person": 1,
                              "status.active": 2, "status.exited": 1}
        # the earlier half-year: M000002 was still there then, P000005 not yet
        early = reports.preview_identity(session=s, actor=SYSTEM, platform_id=pid,
                                         period="2026-07", now=now)
        assert [r["merchant_ref"] for r in early.rows] == ["M000001", "M000002", "M000003"]
        for period in ("2027-07", "2027-03", "2027-1x"):
            with pytest.raises(InvalidInput) as err:
                reports.preview_identity(session=s, actor=SYSTEM, platform_id=pid,
                                         period=period, now=now)
            assert err.value.details["field"] == "period"
        r = reports.generate_identity(session=s, actor=SYSTEM, platform_id=pid,
                                      period="2027-01", now=now)
        assert (r.kind, r.period, r.version, r.due_on, r.rows) == (
            "identity", "2027-01", 1, date(2027, 1, 31), 3)
        text = r.csv.decode("utf-8-sig")
        got = list(csv.reader(io.StringIO(text)))
        assert got[0][:3] == ["平台内经营者编号", "类型", "名称（姓名）"]
        assert [row[0] for row in got[1:]] == ["M000001", "M000003", "P000005"]
        assert "北京市朝阳区建国路1号" in got[1]
        ws = load_workbook(io.BytesIO(r.xlsx), read_only=True).active
        assert ws is not None
        assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == [
            "M000001", "M000003", "P000005"]
        with pytest.raises(InvalidInput) as err:
            reports.generate_identity(session=s, actor=SYSTEM, platform_id=pid,
                                      period="2027-01", now=now)
        assert err.value.details["field"] == "reason"
        r2 = reports.generate_identity(session=s, actor=SYSTEM, platform_id=pid,
                                       period="2027-01", reason="地址更正", now=now)
        assert (r2.version, r2.supersedes_id) == (2, r.id)
        s.refresh(r)
        assert r.status == "superseded"
        assert [x.version for x in reports.reports(session=s, actor=SYSTEM, platform_id=pid,
                                                   kind=reports.IDENTITY)] == [2, 1]
        assert reports.reports(session=s, actor=SYSTEM, platform_id=pid) == []  # tax apart


def test_identity_report_api(client: TestClient, world: World, ops: dict[str, str]) -> None:
    r = client.post(url(world), headers=ops, json=enterprise(1))
    assert r.status_code == 201, r.text
    r = client.get(url(world, "/reports/identity/preview"), headers=ops,
                   params={"period": "2031-01"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "period", r.text
    period = d.last_report_month(beijing_today(), (1, 7)).label
    r = client.get(url(world, "/reports/identity/preview"), headers=ops,
                   params={"period": period})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == period and body["columns"][0]["code"] == "merchant_ref"
    r = client.post(url(world, "/reports/identity"), headers=ops, json={"period": period})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["kind"] == "identity"
    listed = client.get(url(world, "/reports/identity"), headers=ops).json()
    assert [x["id"] for x in listed] == [rid]
    assert client.get(url(world, f"/reports/{rid}/file"), headers=ops,
                      params={"format": "xlsx"}).status_code == 200


def test_cli_report_identity(client: TestClient, world: World, ops: dict[str, str],
                             cli_env: None) -> None:
    from tests.merchants.conftest import run

    assert client.post(url(world), headers=ops, json=enterprise(1)).status_code == 201
    code, out = run("report", "identity", "--platform", world.big_id, "--period", "2031-07")
    assert code != 0 and "period" in out
    period = d.last_report_month(beijing_today(), (1, 7)).label
    code, out = run("report", "identity", "--platform", world.big_id, "--period", period,
                    "--generate")
    assert code == 0 and "version 1" in out and f"{period}:" in out, out
