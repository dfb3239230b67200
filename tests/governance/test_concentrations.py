"""Concentrations (指南 第十六条): the 2024 notification thresholds on their boundary values,
the deal register through the API (wrong units refused naming the expected one, closing
blocked without a filing and a clearance), and the posture check on planted deals."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.governance.conftest import no_data, run, url
from zeren.db.session import unit_of_work
from zeren.governance import checks
from zeren.governance import domain as d
from zeren.governance.models import Deal
from zeren.posture.domain import Status
from zeren.posture.plugins import all_checks
from zeren.timepolicy import BEIJING

YI = 100_000_000  # 1 亿元


def _t(*parties: tuple[int, int]) -> list[d.Turnover]:
    return [d.Turnover(f"p{i}", g, c) for i, (g, c) in enumerate(parties)]


@pytest.mark.parametrize(("parties", "rule"), [
    # (一) global combined strictly over 120 亿 and two parties each over 8 亿 in China
    (((60 * YI, 8 * YI + 1), (60 * YI, 8 * YI + 1)), None),            # 120 亿 exactly: no
    (((60 * YI, 8 * YI + 1), (60 * YI + 1, 8 * YI + 1)), "art3_1_global"),
    (((60 * YI, 8 * YI), (60 * YI + 1, 8 * YI + 1)), None),            # one at 8 亿 exactly
    (((100 * YI, 30 * YI), (30 * YI, 1 * YI)), None),                  # only one over 8 亿
    # (二) China combined strictly over 40 亿 and two parties each over 8 亿 in China
    (((20 * YI, 20 * YI), (20 * YI, 20 * YI)), None),                  # 40 亿 exactly: no
    (((20 * YI, 20 * YI), (20 * YI + 1, 20 * YI + 1)), "art3_2_china"),
    (((20 * YI, 20 * YI), (20 * YI, 20 * YI), (1, 1)), "art3_2_china"),  # a third party adds
    (((0, 0), (0, 0)), None),
])
def test_thresholds_on_their_boundaries(parties: tuple[tuple[int, int], ...],
                                        rule: str | None) -> None:
    got = d.assess_concentration(_t(*parties))
    assert got.notifiable is (rule is not None) and got.rule_id == rule
    assert got.version == d.thresholds().version == "concentration-2024"


def test_the_thresholds_name_their_source_and_unit() -> None:
    t = d.thresholds()
    assert "第三条" in t.source and t.unit == "CNY"
    assert {r.combined_over for r in t.rules} == {12_000_000_000, 4_000_000_000}
    assert all(r.each_china_over == 800_000_000 and r.parties_over == 2 for r in t.rules)


def test_registered_with_their_obligations() -> None:
    got = {c.key: c.obligations for c in all_checks()}
    assert got["governance.art16.concentrations"] == ("art16.merger_filing",)


BIG = [{"name": "本平台", "global_turnover": 900 * YI, "china_turnover": 700 * YI},
       {"name": "目标公司", "global_turnover": 15 * YI, "china_turnover": 9 * YI}]
SMALL = [{"name": "本平台", "global_turnover": 900 * YI, "china_turnover": 700 * YI},
         {"name": "初创公司", "global_turnover": 2 * YI, "china_turnover": 2 * YI}]


def test_register_and_close_through_the_api(client: TestClient, engine: Engine, world: World
                                            ) -> None:
    co = world.auth("compliance_officer")
    base = url(world, "/concentrations")
    wrong = [{**BIG[0], "unit": "万元"}, BIG[1]]
    r = client.post(f"{base}/assess", headers=co, json={"parties": wrong})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["details"]["field"] == "parties.0.unit" and "CNY" in err["message"]
    r = client.post(f"{base}/assess", headers=co,
                    json={"parties": [{**BIG[0], "global_turnover": 1.5e10}, BIG[1]]})
    assert r.status_code == 422  # a float is not whole yuan
    r = client.post(f"{base}/assess", headers=co, json={"parties": BIG})
    assert r.status_code == 200 and r.json()["notifiable"] is True
    deal = {"code": "M-2026-01", "title": "收购目标公司控制权", "kind": "control_by_shares",
            "financial_year": 2025, "parties": wrong}
    r = client.post(base, headers=co, json=deal)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "parties.0.unit"
    assert client.get(base, headers=co).json()["total"] == 0  # nothing written
    r = client.post(base, headers=co, json={**deal, "parties": BIG})
    assert r.status_code == 201 and r.json()["rule_id"] == "art3_1_global"
    one = f"{base}/M-2026-01"
    r = client.post(f"{one}/close", headers=co, json={"closed_on": "2026-06-01"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "filing_required"
    assert r.json()["error"]["details"]["missing"] == "filing"
    assert client.post(f"{one}/filing", headers=co,
                       json={"filed_on": "2026-03-01", "reference": "反垄断审查申报〔2026〕7号"}
                       ).status_code == 200
    r = client.post(f"{one}/close", headers=co, json={"closed_on": "2026-06-01"})
    assert r.status_code == 409 and r.json()["error"]["details"]["missing"] == "clearance"
    r = client.post(f"{one}/clearance", headers=co,
                    json={"cleared_on": "2026-02-01", "decision": "unconditional"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "cleared_on"
    assert client.post(f"{one}/clearance", headers=co,
                       json={"cleared_on": "2026-05-01", "decision": "unconditional"}
                       ).status_code == 200
    r = client.post(f"{one}/close", headers=co, json={"closed_on": "2026-04-30"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "closed_on"
    r = client.post(f"{one}/close", headers=co, json={"closed_on": "2026-05-01"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    hist = client.get(f"{one}/history", headers=co).json()
    assert [e["kind"] for e in hist] == ["registered", "filed", "cleared", "closed"]
    # below the thresholds: closes without a filing
    r = client.post(base, headers=co, json={**deal, "code": "M-2026-02", "parties": SMALL})
    assert r.status_code == 201 and r.json()["notifiable"] is False
    assert client.post(f"{base}/M-2026-02/close", headers=co,
                       json={"closed_on": "2026-06-01"}).status_code == 200
    now = datetime(2026, 7, 1, 12, tzinfo=BEIJING)
    got = run(engine, world, checks.concentrations_notified, now)
    assert got.status is Status.MET and got.seen == 2


def test_check_on_planted_deals(engine: Engine, world: World) -> None:
    now = datetime.now(BEIJING)
    assert no_data(run(engine, world, checks.concentrations_notified, now))
    base = {"platform_id": world.big_id, "title": "x", "kind": "merger", "financial_year": 2025,
            "parties": [], "unit": "CNY", "thresholds_version": "concentration-2024",
            "figures": {}, "recorded_by": "import"}
    cleared = date.today() - timedelta(days=30)
    with unit_of_work(engine) as s:
        # near miss: closed on the day of clearance
        s.add(Deal(code="ok", notifiable=True, rule_id="art3_1_global", status="closed",
                   filed_on=cleared - timedelta(days=60), cleared_on=cleared,
                   clearance="unconditional", closed_on=cleared, **base))
    assert run(engine, world, checks.concentrations_notified, now).status is Status.MET
    with unit_of_work(engine) as s:
        # breach: closed the day before clearance (gun-jumping)
        s.add(Deal(code="early", notifiable=True, rule_id="art3_1_global", status="closed",
                   filed_on=cleared - timedelta(days=60), cleared_on=cleared,
                   clearance="unconditional", closed_on=cleared - timedelta(days=1), **base))
    got = run(engine, world, checks.concentrations_notified, now)
    assert got.status is Status.UNMET and got.inputs["deal_codes"] == ["early"]
    assert no_data(run(engine, world, checks.concentrations_notified, now, world.small_id))
