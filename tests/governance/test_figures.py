"""Yearly figures (指南 第九条, 第三十二条) through the API — every field in its unit, nothing
else — shown year over year, and their checks on planted years: no data, a breach, a near
miss (equal to the year before), compliance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.governance.conftest import no_data, run, url
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.governance import checks
from zeren.governance import schemas as gs
from zeren.governance.services import figures
from zeren.posture.domain import Status
from zeren.timepolicy import BEIJING

NOW = datetime(2026, 6, 1, 12, tzinfo=BEIJING)
INNOVATION = {"rd_spend_cny": 4_120_000_000, "core_tech_projects": 37, "sme_programmes": 4,
              "smes_supported": 1260, "fee_reductions_cny": 310_000_000}
PACKAGING = {"shipments": 1000, "reusable_shipments": 150, "reduced_shipments": 250,
             "packaging_weight_kg": 80_000, "recycled_material_kg": 12_000,
             "degradable_material_kg": 9_000}


def _put(engine: Engine, world: World, kind: str, year: int, values: dict[str, Any]) -> None:
    with unit_of_work(engine) as s:
        figures.record_figures(session=s, actor=SYSTEM, platform_id=world.big_id, now=NOW,
                               data=gs.FiguresIn(kind=kind, year=year, figures=values,
                                                 evidence="年报第 12 页"))


def test_record_and_report_through_the_api(client: TestClient, world: World) -> None:
    co = world.auth("compliance_officer")
    base = url(world, "/figures")
    body = {"kind": "innovation", "year": 2024, "figures": INNOVATION, "evidence": "2024 年报"}
    for bad, field in (({**INNOVATION, "rd_spend_yi": 41}, "figures.rd_spend_yi"),
                       ({**INNOVATION, "rd_spend_cny": 41.2}, "figures.rd_spend_cny"),
                       ({k: v for k, v in INNOVATION.items() if k != "smes_supported"},
                        "figures.smes_supported")):
        r = client.post(base, headers=co, json={**body, "figures": bad})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field, r.text
    r = client.post(base, headers=co, json={**body, "kind": "packaging",
                                            "figures": {**PACKAGING, "reusable_shipments": 1001}})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["field"] == "figures.reusable_shipments"
    assert client.get(f"{base}/innovation", headers=co).json() == []
    assert client.post(base, headers=co, json=body).status_code == 201
    more = {**INNOVATION, "rd_spend_cny": INNOVATION["rd_spend_cny"] + 5}
    assert client.post(base, headers=co, json={**body, "year": 2025, "figures": more}
                       ).status_code == 201
    got = client.get(f"{base}/innovation", headers=co).json()
    assert [r["year"] for r in got] == [2024, 2025]
    assert got[0]["change"]["rd_spend_cny"] is None and got[1]["change"]["rd_spend_cny"] == 5


def test_innovation_checks(engine: Engine, world: World) -> None:
    assert no_data(run(engine, world, checks.innovation_investment, NOW))
    assert no_data(run(engine, world, checks.sme_support, NOW))
    _put(engine, world, "innovation", 2024, INNOVATION)
    assert no_data(run(engine, world, checks.innovation_investment, NOW))  # 2025 is asked
    _put(engine, world, "innovation", 2025, {**INNOVATION, "rd_spend_cny": 4_119_999_999,
                                             "smes_supported": 0})
    assert run(engine, world, checks.innovation_investment, NOW).status is Status.AT_RISK
    assert run(engine, world, checks.sme_support, NOW).status is Status.UNMET
    # near miss: equal to the year before is not a fall; a later recording supersedes
    _put(engine, world, "innovation", 2025, INNOVATION)
    got = run(engine, world, checks.innovation_investment, NOW)
    assert got.status is Status.MET and got.figures["previous"] == INNOVATION["rd_spend_cny"]
    got = run(engine, world, checks.sme_support, NOW)
    assert got.status is Status.MET and got.seen == 1260


def test_packaging_check(engine: Engine, world: World) -> None:
    assert no_data(run(engine, world, checks.green_packaging, NOW))
    _put(engine, world, "packaging", 2025, {**PACKAGING, "shipments": 0,
                                            "reusable_shipments": 0, "reduced_shipments": 0})
    assert no_data(run(engine, world, checks.green_packaging, NOW))  # 0 shipments: no share
    _put(engine, world, "packaging", 2024, PACKAGING)
    _put(engine, world, "packaging", 2025, {**PACKAGING, "reduced_shipments": 249})
    got = run(engine, world, checks.green_packaging, NOW)
    assert got.status is Status.AT_RISK and got.figures["green_share"] == 0.399
    _put(engine, world, "packaging", 2025, PACKAGING)  # equal share: met
    got = run(engine, world, checks.green_packaging, NOW)
    assert got.status is Status.MET and got.seen == 400
