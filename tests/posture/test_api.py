"""Attestations over HTTP (multipart with evidence files) and bad input."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.conftest import World

UNTIL = (date.today() + timedelta(days=200)).isoformat()


def test_attest_with_files_then_download(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    content = "税务信息报送回执（测试）".encode()
    r = client.post(f"/api/v1/platforms/{world.small_id}/attestations", headers=h,
                    data={"check_key": "art33.attestation", "statement": "已按季度报送涉税信息",
                          "valid_until": UNTIL},
                    files=[("files", ("receipt.txt", content, "text/plain"))])
    assert r.status_code == 201, r.text
    f = r.json()["files"][0]
    assert f["sha256"] == hashlib.sha256(content).hexdigest() and f["size"] == len(content)
    dl = client.get(f"/api/v1/platforms/{world.small_id}/evidence-files/{f['id']}",
                    headers=world.auth("auditor"))
    assert dl.content == content and dl.headers["x-content-sha256"] == f["sha256"]
    posture = client.get(f"/api/v1/platforms/{world.small_id}/posture", headers=h).json()
    tile = next(a for a in posture["articles"] if a["article"] == 33)
    assert tile["status"] == "met"
    assert tile["checks"][0]["inputs"]["attestation_id"] == r.json()["id"]


def test_bad_attestations(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    url = f"/api/v1/platforms/{world.small_id}/attestations"
    cases = [
        ({"check_key": "art99.attestation", "statement": "x" * 20, "valid_until": UNTIL},
         "check_key"),
        ({"check_key": "art35.tier_assessed", "statement": "x" * 20, "valid_until": UNTIL},
         "check_key"),  # computed from data, not attestable
        ({"check_key": "art3.attestation", "statement": "x" * 20, "valid_until": UNTIL},
         "check_key"),  # Art 3 does not apply to an ordinary platform
        ({"check_key": "art33.attestation", "statement": "short", "valid_until": UNTIL},
         "statement"),
        ({"check_key": "art33.attestation", "statement": "x" * 20, "valid_until": "2001-01-01"},
         "valid_until"),
        ({"check_key": "art33.attestation", "statement": "x" * 20, "valid_until": "2099-01-01"},
         "valid_until"),
        ({"check_key": "art33.attestation", "statement": "x" * 20, "valid_until": "someday"},
         "valid_until"),
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
    snap_id = tile["checks"][0]["snapshot_id"]
    snap = client.get(f"/api/v1/platforms/{world.big_id}/evidence/{snap_id}", headers=h).json()
    assert snap["status"] == "met" and snap["figures"]["tier"] == "super_large"
    hist = client.get(f"/api/v1/platforms/{world.big_id}/posture/checks/art35.tier_assessed/"
                      "history", headers=h).json()
    assert hist["total"] == 1
    # a snapshot of one platform is not readable through another
    other = client.get(f"/api/v1/platforms/{world.small_id}/evidence/{snap_id}", headers=h)
    assert other.status_code == 404
