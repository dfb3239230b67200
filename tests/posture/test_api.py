"""Attestations over HTTP (multipart with evidence files), bad input, and the posture's
obligation-level shape."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from zeren.db.session import unit_of_work
from zeren.guideline.domain import load_guideline
from zeren.ledger.outbox import flush_all
from zeren.ledger.service import integrator_for
from zeren.posture.models import EvidenceSnapshot

UNTIL = (date.today() + timedelta(days=200)).isoformat()


def test_attest_with_files_then_download(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    content = "税务信息报送回执（测试）".encode()
    r = client.post(f"/api/v1/platforms/{world.small_id}/attestations", headers=h,
                    data={"obligation_key": "art33.tax_duties",
                          "statement": "已依法纳税并履行代扣代缴义务", "valid_until": UNTIL},
                    files=[("files", ("receipt.txt", content, "text/plain"))])
    assert r.status_code == 201, r.text
    assert r.json()["obligation_key"] == "art33.tax_duties"
    f = r.json()["files"][0]
    assert f["sha256"] == hashlib.sha256(content).hexdigest() and f["size"] == len(content)
    dl = client.get(f"/api/v1/platforms/{world.small_id}/evidence-files/{f['id']}",
                    headers=world.auth("auditor"))
    assert dl.content == content and dl.headers["x-content-sha256"] == f["sha256"]
    posture = client.get(f"/api/v1/platforms/{world.small_id}/posture", headers=h).json()
    tile = next(a for a in posture["articles"] if a["article"] == 33)
    assert tile["status"] == "not_assessed"  # two more duties of Art 33 stand unattested
    ob = next(o for o in tile["obligations"] if o["key"] == "art33.tax_duties")
    assert ob["status"] == "met" and ob["evidence"] == "attested" and ob["kind"] == "met_attested"
    assert ob["attestation_id"] == r.json()["id"]
    assert posture["obligation_counts"]["met_attested"] == 1
    assert posture["tier_known"] is True


def test_bad_attestations(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    url = f"/api/v1/platforms/{world.small_id}/attestations"
    cases = [
        ({"obligation_key": "art99.x", "statement": "x" * 20, "valid_until": UNTIL},
         "obligation_key"),
        ({"obligation_key": "art13.patrol", "statement": "x" * 20, "valid_until": UNTIL},
         "obligation_key"),  # read from data, not attestable
        ({"obligation_key": "art3.interoperability", "statement": "x" * 20,
          "valid_until": UNTIL}, "obligation_key"),  # Art 3: not for an ordinary platform
        ({"obligation_key": "art33.tax_duties", "statement": "short", "valid_until": UNTIL},
         "statement"),
        ({"obligation_key": "art33.tax_duties", "statement": "x" * 20,
          "valid_until": "2001-01-01"}, "valid_until"),
        ({"obligation_key": "art33.tax_duties", "statement": "x" * 20,
          "valid_until": "2099-01-01"}, "valid_until"),
        ({"obligation_key": "art33.tax_duties", "statement": "x" * 20,
          "valid_until": "someday"}, "valid_until"),
        ({"statement": "x" * 20, "valid_until": UNTIL}, "obligation_key"),
    ]
    for data, field in cases:
        r = client.post(url, headers=h, data=data)
        assert r.status_code == 422, (data, r.text)
        assert r.json()["error"]["details"]["field"] == field
    assert client.get(url, headers=h).json()["total"] == 0


def test_evaluate_keeps_snapshots_and_history(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    ev = client.post(f"/api/v1/platforms/{world.big_id}/posture/evaluate", headers=h)
    assert ev.status_code == 201
    tile = next(a for a in ev.json()["articles"] if a["article"] == 35)
    ob = next(o for o in tile["obligations"] if o["key"] == "art35.tier")
    assert ob["checks"] == ["art35.tier_assessed"] and ob["period"]["start"]
    check = next(c for c in tile["checks"] if c["key"] == "art35.tier_assessed")
    assert check["seen"] == 1 and check["scope"] == "platform" and check["version"]
    snap_id = ob["snapshot_id"]
    snap = client.get(f"/api/v1/platforms/{world.big_id}/evidence/{snap_id}", headers=h).json()
    assert snap["status"] == "met"
    assert snap["figures"]["art35.tier_assessed"]["tier"] == "super_large"
    hist = client.get(f"/api/v1/platforms/{world.big_id}/posture/obligations/art35.tier/"
                      "history", headers=h).json()
    assert hist["total"] == 1
    bad = client.get(f"/api/v1/platforms/{world.big_id}/posture/obligations/art35.nope/"
                     "history", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "obligation_key"
    # a snapshot of one platform is not readable through another
    other = client.get(f"/api/v1/platforms/{world.small_id}/evidence/{snap_id}", headers=h)
    assert other.status_code == 404


def test_snapshot_digests_in_the_ledger(client: TestClient, world: World, engine: Engine,
                                        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    h = world.auth("compliance_officer")
    url = f"/api/v1/platforms/{world.big_id}/posture/evaluations/verify"
    ev = client.post(f"/api/v1/platforms/{world.big_id}/posture/evaluate", headers=h).json()
    got = client.get(url, headers=h).json()
    assert [(g["evaluation_id"], g["outcome"]) for g in got] in (
        [(ev["evaluation_id"], "pending")], [(ev["evaluation_id"], "verified")])
    flush_all(engine=engine, integrator=integrator_for(engine,
                                                       client.app.state.settings.data_dir))
    got = client.get(url, headers=h).json()[0]
    assert got["outcome"] == "verified" and got["log"].startswith("evidence/")
    assert got["snapshots"] == len(load_guideline().obligations) and got["changed"] == []
    # a snapshot slipped in after the fact is found
    with unit_of_work(engine) as s:
        s.add(EvidenceSnapshot(platform_id=world.big_id, check_key="art4.security_officers",
                               article=4, status="met", reason="forged", figures={},
                               inputs={}, evaluation_id=ev["evaluation_id"],
                               evaluated_at=datetime.now(UTC), evaluated_by="x"))
    got = client.get(url, headers=h, params={"evaluation_id": ev["evaluation_id"]}).json()[0]
    assert got["outcome"] == "changed" and len(got["changed"]) == 1
    missing = client.get(url, headers=h, params={"evaluation_id": "nope"})
    assert missing.status_code == 404
    # the CLI says the same and fails
    from typer.testing import CliRunner

    from zeren.cli import app as cli_app
    from zeren.config import get_settings

    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(client.app.state.settings.data_dir))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(cli_app, ["posture", "verify-evidence", world.big_id])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 1 and "changed" in r.output, r.output
