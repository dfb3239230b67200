"""The transparency report (figures of moderation's periodic report, each linked to its
query, with charts; JSON, CSV, HTML, PDF) and the public risk report of a signed assessment
(HTML and PDF in Chinese with charts, at a public URL with their SHA-256)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.assessment.plant import plant
from tests.assessment.test_risk_assessment import ALL4, _period, _register, _start
from tests.conftest import World
from zeren.assessment.services import charts
from zeren.auth.policy import SYSTEM
from zeren.cli import app as cli_app
from zeren.config import get_settings
from zeren.db.session import unit_of_work
from zeren.moderation.services.authority import flatten, periodic_report


def pdf_text(body: bytes) -> str:
    # fpdf2's two-byte glyph codes read with a NUL before each character (ADR 0701)
    reader = PdfReader(io.BytesIO(body))
    return "".join("".join(p.extract_text().replace("\x00", "").split()) for p in reader.pages)


def test_charts_are_svg_and_reproducible() -> None:
    a = charts.bar("举报来源", {"公众": 3, "用户": 5})
    assert a.startswith("<svg") and a == charts.bar("举报来源", {"公众": 3, "用户": 5})
    assert a != charts.bar("举报来源", {"公众": 4, "用户": 5})
    b = charts.lines("趋势", ["2025-12", "2026-11"], {"SLA": [3.0, None]})
    assert b.startswith("<svg") and "<path" in b


def test_transparency_report(client: TestClient, world: World, engine: Engine) -> None:
    start, end = _period()
    with unit_of_work(engine) as s:
        plant(s, platform_id=world.big_id, start=start, end=end, n=90, now=datetime.now(UTC))
    url = (f"/api/v1/platforms/{world.big_id}/reports/transparency"
           f"?from={start.isoformat().replace('+', '%2B')}"
           f"&to={end.isoformat().replace('+', '%2B')}")
    reg = world.auth("regulator")
    r = client.get(url, headers=reg)
    assert r.status_code == 200, r.text
    data = r.json()
    with unit_of_work(engine) as s:
        rep = periodic_report(session=s, actor=SYSTEM, platform_id=world.big_id, start=start,
                              end=end)
    want = dict(flatten({k: v for k, v in rep.items()
                         if k not in ("platform_id", "period", "generated_at")}))
    assert data["figures"] == want and data["figures"]["cases.opened"] > 0
    assert set(data["figure_query"].values()) <= set(data["queries"])
    assert client.get(url, headers=world.auth("moderator")).status_code == 403
    r = client.get(url + "&format=csv", headers=reg)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(want)
    got = {x["figure"]: x for x in rows}
    assert got["cases.sla_breaches"]["value"] == str(want["cases.sla_breaches"])
    assert got["cases.sla_breaches"]["query"].startswith("SELECT category")
    assert r.headers["X-Content-SHA256"] == hashlib.sha256(r.content).hexdigest()
    r = client.get(url + "&format=html", headers=reg)
    assert r.text.count("<svg") == 5
    for q in data["queries"]:
        assert f'id="q-{q}"' in r.text
    assert '<a href="#q-appeals">appeals</a>' in r.text
    r = client.get(url + "&format=pdf", headers=reg)
    assert r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "透明度报告" in text and "测试商城" in text
    assert f"cases.sla_breaches{want['cases.sla_breaches']}" in text
    assert "SELECTsource,count(*)FROMmod_reports" in text


def test_public_risk_report(client: TestClient, world: World, engine: Engine) -> None:
    start, end = _period()
    co, admin = world.auth("compliance_officer"), world.auth("admin")
    risks = _register(client, world, ALL4)
    with unit_of_work(engine) as s:
        plant(s, platform_id=world.big_id, start=start, end=end, n=60, now=datetime.now(UTC))
    aid = _start(client, world, start, end)
    url = f"/api/v1/assessments/{aid}"
    client.post(url + "/indicators", headers=co)
    for rk in risks:
        client.post(url + "/judgements", headers=co, json={
            "risk_id": rk["id"], "likelihood": 3, "impact": 4, "residual_likelihood": 2,
            "residual_impact": 2, "text": "依据本期指标"})
    r = client.post(url + "/risk-reports", headers=co)
    assert r.status_code == 409  # not signed yet
    for role, who in (("officer", co), ("approver", admin)):
        assert client.post(url + "/signoffs", headers=who,
                           json={"role": role, "note": "同意"}).status_code == 200
    assert client.post(url + "/risk-reports", headers=world.auth("auditor")).status_code == 403
    r = client.post(url + "/risk-reports", headers=co)
    assert r.status_code == 201, r.text
    pub = r.json()
    html = client.get(pub["url"])  # no login
    assert html.status_code == 200
    assert hashlib.sha256(html.content).hexdigest() == pub["sha256"] == \
        html.headers["X-Content-SHA256"]
    assert html.text.count("<svg") == 2 and "违禁商品信息在平台发布与传播" in html.text
    assert "moderation.periodic_report" in html.text
    body = client.get(pub["pdf_url"])
    assert hashlib.sha256(body.content).hexdigest() == pub["pdf_sha256"]
    text = pdf_text(body.content)
    for part in ("风险评估报告", "测试商城", "每百万条内容的违法违规举报数", "违禁商品信息在平台发布与传播",
                 "合规", "officer:u-compliance-officer"):
        assert part in text, part
    assert client.get("/api/v1/public/risk-reports/nope").status_code == 404
    listed = client.get(f"/api/v1/platforms/{world.big_id}/risk-reports", headers=co).json()
    assert [x["id"] for x in listed] == [pub["id"]]


def test_transparency_command(world: World, engine: Engine, db_url: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    start, end = _period()
    with unit_of_work(engine) as s:
        plant(s, platform_id=world.big_id, start=start, end=end, n=30, now=datetime.now(UTC))
    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        out = tmp_path / "t.csv"
        r = CliRunner().invoke(cli_app, [
            "report", "transparency", "--platform", "big", "--from",
            start.strftime("%Y-%m-%d %H:%M:%S"), "--to", end.strftime("%Y-%m-%d %H:%M:%S"),
            "--format", "csv", "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert hashlib.sha256(out.read_bytes()).hexdigest() in r.output
        assert out.read_text().startswith("figure,value,query_id,query")
        r = CliRunner().invoke(cli_app, ["report", "transparency", "--platform", "big",
                                         "--from", "2026-01-02", "--to", "2026-01-01",
                                         "--out", str(out)])
        assert r.exit_code != 0 and "--to must come after --from" in r.output
    finally:
        get_settings.cache_clear()
