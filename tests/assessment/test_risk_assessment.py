"""The risk register and the yearly risk assessment (指南 第六条): indicators pulled from the
modules equal the modules' own counts on planted data; sign-off needs every required
indicator, a judgement of every register risk, the compliance officer and another approver;
the posture meets Art 6 only with a signed assessment."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from tests.assessment.plant import plant
from tests.conftest import World
from zeren.assessment import domain as d
from zeren.assessment.models import IndicatorSnapshot, Judgement, Signoff
from zeren.auth.policy import SYSTEM
from zeren.cli import app as cli_app
from zeren.config import get_settings
from zeren.db.session import unit_of_work
from zeren.moderation.domain import median, percentile
from zeren.moderation.services.authority import periodic_report
from zeren.timepolicy import beijing_today


def _period() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    return end - timedelta(days=60), end


def _start(client: TestClient, world: World, start: datetime, end: datetime) -> str:
    r = client.post(f"/api/v1/platforms/{world.big_id}/assessments",
                    headers=world.auth("compliance_officer"),
                    json={"title": "2026 年度风险评估", "period_start": start.isoformat(),
                          "period_end": end.isoformat()})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _values(body: dict[str, Any]) -> dict[str, Any]:
    return {x["key"]: x["value"]["value"] for x in body["indicators"]}


def test_catalogue_follows_art6() -> None:
    cat = d.catalogue()
    assert {k.obligation for k in cat.kinds.values()} == {
        "art6.illegal_content_risk", "art6.consumer_risk", "art6.service_failure_risk"}
    assert {r.kind for r in cat.risks.values()} == set(cat.kinds)
    assert set(cat.art6_systems) == {"moderation", "ad_targeting", "recommendation",
                                     "infrastructure"}
    assert cat.level(1, 4).key == "low" and cat.level(3, 3).key == "medium"
    assert cat.level(4, 4).key == "high" and cat.level(5, 5).key == "critical"
    assert d.per_million(3, 0) is None and d.per_million(3, 1_500) == 2000.0
    assert d.next_due(date(2026, 3, 1), cat.interval) == date(2027, 3, 1)


def test_indicators_equal_the_modules_counts(client: TestClient, world: World,
                                             engine: Engine) -> None:
    start, end = _period()
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:
        exp = plant(s, platform_id=world.big_id, start=start, end=end, n=120, now=now)
        plant(s, platform_id=world.small_id, start=start, end=end, n=30, seed=9, now=now)
    aid = _start(client, world, start, end)
    r = client.post(f"/api/v1/assessments/{aid}/indicators",
                    headers=world.auth("compliance_officer"))
    assert r.status_code == 200, r.text
    got = _values(r.json())
    # what was planted, counted here
    assert got["items_submitted"] == exp.items and exp.items == 120
    assert got["reports_total"] == exp.reports > 0
    assert got["cases_opened"] == exp.cases
    assert got["reports_per_million_items"] == round(exp.reports * 1_000_000 / exp.items, 3)
    assert got["sla_breaches"] == exp.sla_breaches > 0
    assert got["handling_hours_median"] == median(exp.handling_hours)
    assert got["handling_hours_p90"] == percentile(exp.handling_hours, 90)
    assert got["appeals_decided"] == exp.appeals_decided > 0
    assert got["reversal_rate"] == round(exp.appeals_overturned / exp.appeals_decided, 4)
    assert got["patrol_hits"] == exp.patrol_hits > got["patrol_hits_handled"]
    assert got["patrol_hits_handled"] == exp.patrol_handled > 0
    assert got["posture_by_article"] == exp.posture
    # and what moderation's own periodic report says for the same period
    with unit_of_work(engine) as s:
        rep = periodic_report(session=s, actor=SYSTEM, platform_id=world.big_id, start=start,
                              end=end)
    assert got["reports_total"] == rep["reports"]["total"]
    assert got["sla_breaches"] == rep["cases"]["sla_breaches"]
    assert got["handling_hours_p90"] == rep["handling_hours"]["p90"]
    assert got["reversal_rate"] == rep["appeals"]["reversal_rate"]
    # kept as snapshots, each with its source and digest; a second pull adds a set
    r = client.post(f"/api/v1/assessments/{aid}/indicators",
                    headers=world.auth("compliance_officer"))
    assert {x["pull"] for x in r.json()["indicators"]} == {2}
    assert all(x["source"] and len(x["sha256"]) == 64 for x in r.json()["indicators"])
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(IndicatorSnapshot)) == \
            2 * len(d.catalogue().indicators)


ALL4 = ("illegal.prohibited_goods", "consumer.personal_data", "failure.outage",
        "illegal.harmful_information")


def _register(client: TestClient, world: World, keys: tuple[str, ...] = ALL4
              ) -> list[dict[str, Any]]:
    co = world.auth("compliance_officer")
    out = []
    for key in keys:
        r = client.post(f"/api/v1/platforms/{world.big_id}/risks", headers=co, json={
            "key": key, "likelihood": 3, "impact": 4, "residual_likelihood": 2,
            "residual_impact": 3, "owner": "风控部"})
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def test_register_bad_input(client: TestClient, world: World) -> None:
    co = world.auth("compliance_officer")
    url = f"/api/v1/platforms/{world.big_id}/risks"
    base = {"likelihood": 3, "impact": 4, "residual_likelihood": 2, "residual_impact": 3,
            "owner": "风控部"}
    cases = [({"key": "own.risk"}, "kind"),
             ({"key": "own.risk", "kind": "weather"}, "kind"),
             ({"key": "own.risk", "kind": "consumer_harm", "systems": ["search"]}, "title"),
             ({"key": "own.risk", "kind": "consumer_harm", "title": "t", "systems": ["x"]},
              "systems[0]"),
             ({"key": "failure.outage", "indicators": ["nope"]}, "indicators[0]")]
    for extra, field in cases:
        r = client.post(url, headers=co, json={**base, **extra})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field, r.text
    r = client.post(url, headers=co, json={**base, "key": "failure.outage", "likelihood": 6})
    assert r.status_code == 422 and "likelihood" in r.text
    r = client.post(url, headers=world.auth("moderator"), json={**base, "key": "failure.outage"})
    assert r.status_code == 403
    assert client.get(url, headers=co).json() == []
    r = client.post(url, headers=co, json={**base, "key": "own.risk", "kind": "consumer_harm",
                                           "title": "自营物流延误", "systems": ["payments"]})
    assert r.status_code == 201 and r.json()["level"] == "high"
    assert r.json()["residual_level"] == "medium"
    r2 = client.post(url, headers=co, json={**base, "key": "own.risk", "kind": "consumer_harm",
                                            "title": "x", "systems": ["payments"]})
    assert r2.status_code == 409
    rid = r.json()["id"]
    r = client.patch(f"/api/v1/risks/{rid}", headers=co, json={"residual_impact": 1})
    assert r.status_code == 200 and r.json()["residual_level"] == "low"
    r = client.post(f"/api/v1/risks/{rid}/mitigations", headers=co, json={
        "description": "第二物流商", "owner": "物流部", "due_on": "2027-01-31"})
    assert r.status_code == 201
    got = client.get(url, headers=co).json()
    assert got[0]["mitigations"][0]["owner"] == "物流部"


def _art6(client: TestClient, world: World) -> dict[str, str]:
    posture = client.get(f"/api/v1/platforms/{world.big_id}/posture",
                         headers=world.auth("compliance_officer")).json()
    tile = next(t for t in posture["articles"] if t["article"] == 6)
    return {o["key"]: o["status"] for o in tile["obligations"]}


def test_signoff_needs_indicators_judgements_and_two_people(
        client: TestClient, world: World, engine: Engine) -> None:
    start, end = _period()
    now = datetime.now(UTC)
    assert set(_art6(client, world).values()) == {"not_assessed"}
    risks = _register(client, world)
    aid = _start(client, world, start, end)
    co, admin = world.auth("compliance_officer"), world.auth("admin")
    url = f"/api/v1/assessments/{aid}"
    sign = {"role": "officer", "note": "经审阅，同意"}
    # nothing pulled: refused naming the indicators, nothing written
    r = client.post(url + "/signoffs", headers=co, json=sign)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["details"]["field"] == "indicators"
    assert {b["field"] for b in err["details"]["blockers"]} >= {
        "indicators", f"judgements.{risks[0]['id']}"}
    # pulled on an empty platform: the required indicators the modules cannot measure
    client.post(url + "/indicators", headers=co)
    r = client.post(url + "/signoffs", headers=co, json=sign)
    fields = {b["field"] for b in r.json()["error"]["details"]["blockers"]}
    assert r.status_code == 422
    assert {"indicators.reports_per_million_items", "indicators.reversal_rate",
            "indicators.handling_hours_median", "indicators.posture_by_article"} <= fields
    with unit_of_work(engine) as s:
        plant(s, platform_id=world.big_id, start=start, end=end, n=60, now=now)
    client.post(url + "/indicators", headers=co)
    for rk in risks[:3]:
        r = client.post(url + "/judgements", headers=co, json={
            "risk_id": rk["id"], "likelihood": 2, "impact": 5, "residual_likelihood": 1,
            "residual_impact": 4, "text": "依据指标判断"})
        assert r.status_code == 201 and r.json()["level"] == "high"
    r = client.post(url + "/judgements", headers=co, json={
        "risk_id": "nope", "likelihood": 2, "impact": 5, "residual_likelihood": 1,
        "residual_impact": 4, "text": "x"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "risk_id"
    r = client.post(url + "/signoffs", headers=co, json=sign)
    assert r.status_code == 422
    assert [b["field"] for b in r.json()["error"]["details"]["blockers"]] == [
        f"judgements.{risks[3]['id']}"]
    client.post(url + "/judgements", headers=co, json={
        "risk_id": risks[3]["id"], "likelihood": 3, "impact": 3, "residual_likelihood": 2,
        "residual_impact": 2, "text": "推荐系统"})
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Signoff)) == 0
    # the approver cannot go first; an admin is not the compliance officer
    r = client.post(url + "/signoffs", headers=admin, json={**sign, "role": "approver"})
    assert r.status_code == 422 and "officer signs first" in r.text
    r = client.post(url + "/signoffs", headers=admin, json=sign)
    assert r.status_code == 403
    r = client.post(url + "/signoffs", headers=world.auth("auditor"), json=sign)
    assert r.status_code == 403
    r = client.post(url + "/signoffs", headers=co, json=sign)
    assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    r = client.post(url + "/signoffs", headers=co, json={**sign, "role": "approver"})
    assert r.status_code == 422 and "another person" in r.text
    r = client.post(url + "/signoffs", headers=admin, json={**sign, "role": "approver"})
    assert r.status_code == 200, r.text
    body = r.json()
    today = beijing_today()
    assert body["status"] == "signed" and body["signed_on"] == today.isoformat()
    assert body["next_due_on"] == (today + d.catalogue().interval).isoformat()
    assert [x["role"] for x in body["signoffs"]] == ["officer", "approver"]
    # signed: no more judgements or pulls
    r = client.post(url + "/indicators", headers=co)
    assert r.status_code == 409
    # the posture: the three kinds judged, but the ad-targeting system was not examined
    got = _art6(client, world)
    assert got["art6.annual_assessment"] == "met"
    assert got["art6.illegal_content_risk"] == "met"
    assert got["art6.consumer_risk"] == "met"
    assert got["art6.service_failure_risk"] == "met"
    # consumer.personal_data runs through ad_targeting: every Art 6 system was examined
    assert got["art6.systems_examined"] == "met"
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Judgement)) == 4


def test_kinds_not_judged_and_an_old_assessment_are_unmet(
        client: TestClient, world: World, engine: Engine) -> None:
    from zeren.assessment.models import Assessment
    from zeren.assessment.services import assessments

    start, end = _period()
    risks = _register(client, world, ("illegal.harmful_information", "consumer.counterfeit"))
    aid = _start(client, world, start, end)
    co, admin = world.auth("compliance_officer"), world.auth("admin")
    with unit_of_work(engine) as s:
        plant(s, platform_id=world.big_id, start=start, end=end, n=60,
              now=datetime.now(UTC))
    url = f"/api/v1/assessments/{aid}"
    client.post(url + "/indicators", headers=co)
    for rk in risks:
        client.post(url + "/judgements", headers=co, json={
            "risk_id": rk["id"], "likelihood": 2, "impact": 2, "residual_likelihood": 1,
            "residual_impact": 1, "text": "低"})
    for role, who in (("officer", co), ("approver", admin)):
        assert client.post(url + "/signoffs", headers=who,
                           json={"role": role, "note": "同意"}).status_code == 200
    got = _art6(client, world)
    assert got["art6.annual_assessment"] == got["art6.illegal_content_risk"] == "met"
    assert got["art6.consumer_risk"] == "met"
    assert got["art6.service_failure_risk"] == "unmet"  # no such risk on the register
    assert got["art6.systems_examined"] == "unmet"  # neither ads nor infrastructure
    with unit_of_work(engine) as s:
        a = s.get(Assessment, aid)
        assert a is not None
        a.signed_on = beijing_today() - timedelta(days=400)
        a.next_due_on = a.signed_on + timedelta(days=365)
    got = _art6(client, world)
    assert got["art6.annual_assessment"] == "unmet"
    with unit_of_work(engine) as s:
        assert assessments.newest_signed(session=s, platform_id=world.big_id,
                                         since=beijing_today() - timedelta(days=366)) is None


def test_assessment_commands(client: TestClient, world: World, engine: Engine, db_url: str,
                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    start, end = _period()
    try:
        r = runner.invoke(cli_app, ["assessment", "catalogue"])
        assert r.exit_code == 0 and "art6.consumer_risk" in r.output
        r = runner.invoke(cli_app, ["assessment", "risk", "seed", "--platform", "big",
                                    "--owner", "风控部"])
        assert r.exit_code == 0 and f"{len(d.catalogue().risks)} risk(s)" in r.output
        r = runner.invoke(cli_app, ["assessment", "risk", "list", "--platform", "big"])
        assert r.exit_code == 0 and "failure.outage" in r.output
        r = runner.invoke(cli_app, ["assessment", "start", "--platform", "big", "--title",
                                    "年度评估", "--from", start.strftime("%Y-%m-%d"),
                                    "--to", end.strftime("%Y-%m-%d")])
        assert r.exit_code == 0, r.output
        aid = r.output.split()[1]
        r = runner.invoke(cli_app, ["assessment", "pull", aid])
        assert r.exit_code == 0 and re.search(r"reports_per_million_items\s+None", r.output)
        r = runner.invoke(cli_app, ["assessment", "sign", aid, "--role", "officer", "--as",
                                    "u-compliance-officer", "--note", "同意"])
        assert r.exit_code != 0 and "reports_per_million_items" in r.output
        r = runner.invoke(cli_app, ["assessment", "show", aid])
        assert r.exit_code == 0 and "blocks sign-off: indicators.reversal_rate" in r.output
    finally:
        get_settings.cache_clear()
