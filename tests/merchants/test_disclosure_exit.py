"""Disclosure (电子商务法 第十五条) and exit (第十六条): what a shop page shows compared with the
registry, field by field and from a snapshot; the Art 10 disclosure check; an exit announced
at least 30 days ahead (data), carried out by the due job, with the history shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.merchants.conftest import enterprise, licence, natural_person, url
from zeren.db.session import unit_of_work
from zeren.merchants import domain as d
from zeren.merchants.checks import disclosures_match
from zeren.merchants.domain import sample_uscc
from zeren.merchants.models import MerchantEvent
from zeren.merchants.services.verification import run_due
from zeren.posture.domain import CheckContext, Status
from zeren.timepolicy import beijing_today

EXP = d.Expected(legal_name="测试商贸有限公司1", uscc=sample_uscc(1),
                 licences=(("food_business", "JY11105000000001", date(2029, 12, 31)),),
                 ground=None)


def test_compare_fields() -> None:
    shown = {"legal_name": "测试商贸有限公司１", "uscc": sample_uscc(1).lower(),
             "licences": [{"kind": "食品经营许可证", "number": "JY11105000000001",
                           "valid_until": "2029-12-31"}]}
    assert d.compare_disclosure(EXP, shown) == []  # full-width digit and case folded
    got = d.compare_disclosure(EXP, {"legal_name": "别的公司", "licences": [
        {"number": "JY11105000000001", "valid_until": "2030-01-01"}]})
    assert [(f.item, f.problem) for f in got] == [
        ("legal_name", "mismatch"), ("uscc", "missing"),
        ("licence:food_business:JY11105000000001:valid_until", "mismatch")]
    assert [f.item for f in d.compare_disclosure(EXP, {"legal_name": EXP.legal_name,
                                                       "uscc": EXP.uscc})] == [
        "licence:food_business:JY11105000000001"]


def test_compare_snapshot_reads_html_and_gbk() -> None:
    page = (f"<html><script>var x='JY11105000000001'</script><p>{EXP.legal_name}</p>"
            f"<p>统一社会信用代码：{EXP.uscc}</p></html>")
    got = d.compare_snapshot(EXP, d.page_text(page.encode("gb18030")))
    assert [(f.item, f.problem) for f in got] == [
        ("licence:food_business:JY11105000000001", "missing")]  # a script is not shown


def post_merchant(client: TestClient, world: World, ops: dict[str, str], body: dict[str, Any]
                  ) -> dict[str, Any]:
    r = client.post(url(world), headers=ops, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_disclosure_over_http_and_the_check(client: TestClient, world: World,
                                            ops: dict[str, str], engine: Engine) -> None:
    now = datetime.now(UTC)

    def check() -> Any:
        with unit_of_work(engine) as s:
            return disclosures_match(CheckContext(session=s, platform_id=world.big_id, now=now))

    m = post_merchant(client, world, ops, enterprise(1, licences=[licence()], shops=[
        {"shop_ref": "S1", "name": "旗舰店"}]))
    post_merchant(client, world, ops, natural_person(2))
    assert check().status is Status.NOT_ASSESSED
    good = {"shop_ref": "S1", "legal_name": m["legal_name"], "uscc": m["uscc"],
            "licences": [{"number": "JY11105000000001", "valid_until": "2029-12-31"}]}
    r = client.post(url(world, f"/{m['id']}/disclosures"), headers=ops, json=good)
    assert r.status_code == 201 and r.json()["outcome"] == "match", r.text
    got = check()
    assert got.status is Status.AT_RISK and got.figures["not_checked"] == 1
    r = client.post(url(world, "/P000002/disclosures"), headers=ops,
                    json={"legal_name": "李四2"})
    assert r.json()["outcome"] == "mismatch"
    assert [f["item"] for f in r.json()["findings"]] == ["ground"]
    assert check().status is Status.UNMET
    r = client.post(url(world, "/P000002/disclosures"), headers=ops,
                    json={"legal_name": "李四2", "ground": "零星小额"})
    assert r.json()["outcome"] == "match"
    assert check().status is Status.MET
    # a snapshot: its digest kept, the missing licence found
    page = f"<h1>{m['legal_name']}</h1><p>{m['uscc']}</p>".encode()
    r = client.post(url(world, f"/{m['id']}/disclosures/snapshot"), headers=ops,
                    files={"file": ("shop.html", page, "text/html")})
    assert r.status_code == 201
    j = r.json()
    assert (j["source"], j["outcome"], len(j["snapshot_sha256"])) == ("snapshot", "mismatch", 64)
    assert check().status is Status.UNMET
    hist = client.get(url(world, f"/{m['id']}/disclosures"), headers=ops).json()
    assert [x["source"] for x in hist] == ["snapshot", "fields"]
    # bad input: a shop of someone else, nothing kept
    r = client.post(url(world, f"/{m['id']}/disclosures"), headers=ops,
                    json={**good, "shop_ref": "S9"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "shop_ref"
    assert len(client.get(url(world, f"/{m['id']}/disclosures"), headers=ops).json()) == 2


def test_exit_needs_notice_and_the_job_carries_it_out(client: TestClient, world: World,
                                                      ops: dict[str, str],
                                                      engine: Engine) -> None:
    m = post_merchant(client, world, ops, enterprise(1))
    assert client.post(url(world, "/M000001/listings"), headers=ops, json={
        "listing_ref": "L1", "title": "保温杯", "category": "日用百货",
        "price": "10"}).status_code == 201
    today = beijing_today()
    early = today + timedelta(days=29)
    r = client.post(url(world, "/M000001/exit"), headers=ops,
                    json={"exit_on": early.isoformat(), "reason": "停止经营"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "exit_on"
    assert "30" in r.json()["error"]["message"]
    assert client.get(url(world, "/M000001"), headers=ops).json()["status"] == "active"
    on = today + timedelta(days=30)
    r = client.post(url(world, "/M000001/exit"), headers=ops,
                    json={"exit_on": on.isoformat(), "reason": "停止经营"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["exit_on"]) == ("exiting", on.isoformat())
    again = client.post(url(world, "/M000001/exit"), headers=ops,
                        json={"exit_on": (on + timedelta(days=5)).isoformat(), "reason": "x"})
    assert again.status_code == 409
    # the day before: nothing happens; on the day: exited, listings withdrawn, kept 3 years
    with unit_of_work(engine) as s:
        day_before = datetime.combine(on - timedelta(days=1), datetime.min.time(), UTC)
        assert run_due(session=s, now=day_before).exited == 0
    with unit_of_work(engine) as s:
        at = datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=2)
        assert run_due(session=s, now=at).exited == 1
    got = client.get(url(world, "/M000001"), headers=ops).json()
    assert got["status"] == "exited"
    assert got["keep_until"] == d.retention_end(on).isoformat()
    ls = client.get(url(world, "/listings/L1"), headers=ops).json()
    assert (ls["status"], ls["version"]) == ("withdrawn", 2)
    hist = [e["kind"] for e in client.get(url(world, f"/{m['id']}/history"),
                                          headers=ops).json()]
    assert hist == ["registered", "exit_announced", "exited"]
    r = client.post(url(world, "/M000001/listings"), headers=ops, json={
        "listing_ref": "L2", "title": "保温杯", "category": "日用百货", "price": "10"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "merchant_exited"
    with unit_of_work(engine) as s:
        assert int(s.scalar(select(func.count()).select_from(MerchantEvent)) or 0) == 3


def test_retention_end_on_leap_day() -> None:
    assert d.retention_end(date(2028, 2, 29)) == date(2031, 2, 28)
    assert d.retention_end(date(2026, 12, 31)) == date(2029, 12, 31)
    assert d.earliest_exit(date(2026, 12, 2)) == date(2027, 1, 1)
