"""Evidence bundles: built for the engagement's period, verified offline by
``zeren-verify bundle``, and every kind of tampering caught with the failing item named; a
period with no checkpoint refused; records of another platform refused as out of scope."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select

from tests.assessment.conftest import Audit, engagement_body, past_period
from zeren.assessment.models import EvidenceBundle
from zeren.assessment.services.bundles import bundle_key_name, bundle_signing_key
from zeren.db.session import unit_of_work
from zeren.ledger import verify as v


def _build(a: Audit, **body: object) -> tuple[dict[str, object], bytes]:
    r = a.client.post(a.url + "/bundles", headers=a.auditor, json=body)
    assert r.status_code == 201, r.text
    b = r.json()
    dl = a.client.get(f"{a.url}/bundles/{b['id']}/file", headers=a.auditor)
    assert dl.status_code == 200 and hashlib.sha256(dl.content).hexdigest() == b["sha256"]
    return b, dl.content


def _verify(tmp_path: Path, data: bytes, vkey: str, capsys: pytest.CaptureFixture[str]
            ) -> tuple[int, str]:
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    rc = v.main(["bundle", "--vkey", vkey, str(path)])
    out = capsys.readouterr()
    return rc, out.out + out.err


def _rewrite(data: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for n, b in files.items():
            zf.writestr(n, b)
    return out.getvalue()


def _resign(files: dict[str, bytes], key: Ed25519PrivateKey, name: str) -> None:
    """Re-list every file's digest in the manifest and sign it again (an insider with the key,
    or a forger without it)."""
    m = json.loads(files["manifest.json"])
    for f in m["files"]:
        f["sha256"] = hashlib.sha256(files[f["path"]]).hexdigest()
        f["size"] = len(files[f["path"]])
    files["manifest.json"] = json.dumps(m).encode()
    text = v.bundle_signed_text(files["manifest.json"])
    files["manifest.sig"] = v.Note(text, [v.sign_note_text(text, name=name,
                                                             private_key=key)]).encode()


def test_bundle_verifies_offline_and_each_tampering_is_named(
        audit: Audit, tmp_path: Path, capsys: pytest.CaptureFixture[str], app: object) -> None:
    a = audit
    vkey = a.client.get("/api/v1/audit/bundle-key", headers=a.auditor).text.strip()
    b, data = _build(a, cite=a.in_period[:2], sample=2, seed="alice-2026")
    rc, out = _verify(tmp_path, data, vkey, capsys)
    assert rc == 0, out
    assert "OK bundle" in out and "1 logs consistent" in out and "4 cited records" in out
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        m = json.loads(zf.read("manifest.json"))
        (log,) = m["logs"]
        assert (log["start"]["size"], log["end"]["size"]) == (3, 10)  # 3 before, 7 in period
        cited = {f"ledger:{c['log']}#{c['index']}" for c in m["citations"]}
        assert set(a.in_period[:2]) <= cited and len(cited) == 4
        for c in m["citations"]:  # every cited record is the big platform's, in the period
            entry = json.loads(base64.b64decode(json.loads(zf.read(c["proof"]))["entry"]))
            assert entry["platform_id"] == a.world.big_id and 3 <= c["index"] < 10
    assert b["summary"]["checkpoints_signed_in_period"] >= 1

    def changed_file(f: dict[str, bytes]) -> None:
        f["findings.json"] = b"[{\"number\": 1}]"
    rc, out = _verify(tmp_path, _rewrite(data, changed_file), vkey, capsys)
    assert rc == 1 and "findings.json: changed" in out

    proof_path = log["consistency"]

    def changed_proof(f: dict[str, bytes]) -> None:
        doc = json.loads(f[proof_path])
        doc["proof"][0] = base64.b64encode(b"\x01" * 32).decode()
        f[proof_path] = json.dumps(doc).encode()
    rc, out = _verify(tmp_path, _rewrite(data, changed_proof), vkey, capsys)
    assert rc == 1 and f"{proof_path}: changed" in out
    # Even re-signed by the platform's own key, a forged proof fails on its own account.
    key = bundle_signing_key(Path(a.client.app.state.settings.data_dir))  # type: ignore[attr-defined]
    rc, out = _verify(tmp_path, _rewrite(data, lambda f: (changed_proof(f), _resign(
        f, key, bundle_key_name()))), vkey, capsys)
    assert rc == 1 and f"{proof_path}: consistency: proof does not lead" in out

    inc_path = m["citations"][0]["proof"]

    def changed_inclusion(f: dict[str, bytes]) -> None:
        doc = json.loads(f[inc_path])
        doc["proof"][-1] = base64.b64encode(b"\x02" * 32).decode()
        f[inc_path] = json.dumps(doc).encode()
        _resign(f, key, bundle_key_name())
    rc, out = _verify(tmp_path, _rewrite(data, changed_inclusion), vkey, capsys)
    assert rc == 1 and f"{inc_path}: inclusion: proof for index" in out

    forger = Ed25519PrivateKey.generate()
    rc, out = _verify(tmp_path, _rewrite(data, lambda f: (changed_file(f), _resign(
        f, forger, bundle_key_name()))), vkey, capsys)
    assert rc == 1 and "manifest.sig: signature: note is not signed by" in out

    def wrong_signature(f: dict[str, bytes]) -> None:
        note = v.parse_note(f["manifest.sig"])
        sig = note.signatures[0]
        bad = v.NoteSignature(sig.name, sig.key_id, bytes(64))
        f["manifest.sig"] = v.Note(note.text, [bad]).encode()
    rc, out = _verify(tmp_path, _rewrite(data, wrong_signature), vkey, capsys)
    assert rc == 1 and "manifest.sig: signature: signature by" in out

    def changed_manifest(f: dict[str, bytes]) -> None:
        f["manifest.json"] = f["manifest.json"].replace(b'"title"', b'"title" ', 1)
    rc, out = _verify(tmp_path, _rewrite(data, changed_manifest), vkey, capsys)
    assert rc == 1 and "manifest.json: changed" in out

    def missing_item(f: dict[str, bytes]) -> None:
        del f[inc_path]
    rc, out = _verify(tmp_path, _rewrite(data, missing_item), vkey, capsys)
    assert rc == 1 and f"{inc_path}: missing item" in out

    def extra_item(f: dict[str, bytes]) -> None:
        f["posture/extra.json"] = b"{}"
    rc, out = _verify(tmp_path, _rewrite(data, extra_item), vkey, capsys)
    assert rc == 1 and "posture/extra.json: not listed in the manifest" in out

    rc, out = _verify(tmp_path, _rewrite(data, lambda f: f.pop("manifest.sig")), vkey, capsys)
    assert rc == 1 and "manifest.sig: missing item" in out


def test_period_without_checkpoints_is_refused(audit: Audit, engine: Engine) -> None:
    a = audit
    start, end = past_period()
    r = a.client.post(f"/api/v1/platforms/{a.world.big_id}/audit/engagements",
                      headers=a.world.auth("compliance_officer"),
                      json=engagement_body(start, end, a.vkey))
    assert r.status_code == 201, r.text
    r = a.client.post(f"/api/v1/audit/engagements/{r.json()['id']}/bundles",
                      headers=a.auditor, json={})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "period"
    assert "no checkpoint" in r.json()["error"]["message"]
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(EvidenceBundle)) == 0


def test_scope_is_the_engagement(audit: Audit, engine: Engine) -> None:
    a = audit
    r = a.client.post(a.url + "/bundles", headers=a.auditor, json={"cite": a.other_platform[:1]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "cite[0]"
    assert "outside the engagement's scope" in r.json()["error"]["message"]
    r = a.client.post(a.url + "/bundles", headers=a.auditor, json={"cite": ["orders#1"]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "cite[0]"
    for method, path in [("GET", ""), ("POST", "/bundles"), ("GET", "/bundles"),
                         ("GET", "/findings")]:
        r = a.client.request(method, a.url + path, headers=a.outsider,
                             json={} if method == "POST" else None)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"]["details"]["engagement_id"] == a.engagement_id
    listed = a.client.get(f"/api/v1/platforms/{a.world.big_id}/audit/engagements",
                          headers=a.outsider)
    assert listed.status_code == 200 and listed.json() == []
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(EvidenceBundle)) == 0


def test_bad_engagements(audit: Audit) -> None:
    a = audit
    co = a.world.auth("compliance_officer")
    u = f"/api/v1/platforms/{a.world.big_id}/audit/engagements"
    cases = [
        (engagement_body(a.end, a.start, a.vkey), "period_end"),
        (engagement_body(a.start, a.end, "not a key"), "auditor_vkey"),
        (engagement_body(a.start, a.end, a.vkey, auditors=["nobody"]), "auditors[0]"),
        (engagement_body(a.start, a.end, a.vkey, auditors=["u-moderator"]), "auditors[0]"),
    ]
    for body, fld in cases:
        r = a.client.post(u, headers=co, json=body)
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == fld, r.text
    r = a.client.post(u, headers=a.auditor, json=engagement_body(a.start, a.end, a.vkey))
    assert r.status_code == 403
    assert len(a.client.get(u, headers=co).json()) == 1
