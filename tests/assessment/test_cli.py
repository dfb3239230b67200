"""``zeren audit …`` over the same services and data folder as the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.assessment.conftest import Audit
from tests.assessment.test_findings_reports import REPORT, finding
from zeren.cli import app
from zeren.config import get_settings
from zeren.ledger import verify as v

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_audit_commands(audit: Audit, db_url: str, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                        ) -> None:
    a = audit
    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        code, out = run("audit", "engagements", "--platform", "big")
        assert code == 0 and a.engagement_id in out
        code, vkey = run("audit", "bundle-key")
        assert code == 0 and vkey.startswith("zeren.local/ledger/evidence-bundles+")
        out_file = tmp_path / "b.zip"
        code, out = run("audit", "bundle", a.engagement_id, "--out", str(out_file),
                        "--cite", a.in_period[0], "--sample", "2")
        assert code == 0, out
        assert v.main(["bundle", "--vkey", vkey.strip(), str(out_file)]) == 0
        code, out = run("audit", "bundle", a.engagement_id, "--out", str(out_file),
                        "--cite", a.other_platform[0])
        assert code == 2 and "outside the engagement's scope" in out
        assert a.client.post(a.url + "/findings", headers=a.auditor,
                             json=finding()).status_code == 201
        code, out = run("audit", "finding", "list", a.engagement_id)
        assert code == 0 and "OVERDUE" in out and "art8.independent_audit" in out
        code, out = run("audit", "finding", "move", a.engagement_id, "1", "--status",
                        "closed", "--note", "x")
        assert code == 2 and "cannot become closed" in out
        code, out = run("audit", "finding", "move", a.engagement_id, "1", "--status",
                        "in_progress", "--note", "已立项")
        assert code == 0 and "in_progress" in out
        code, out = run("audit", "report", a.engagement_id, "--out", str(tmp_path / "r.html"))
        assert code == 2 and "no report draft" in out
        rep = a.client.post(a.url + "/reports", headers=a.auditor, json=REPORT).json()
        html = tmp_path / "r.html"
        code, out = run("audit", "report", a.engagement_id, "--out", str(html), "--pdf",
                        str(tmp_path / "r.pdf"))
        assert code == 0 and rep["sha256"] in out and "not signed" in out
        assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
        code, key_vkey = run("audit", "keygen", "--name", "firm.example/carol", "--out",
                             str(tmp_path / "carol.key"))
        assert code == 0 and key_vkey.startswith("firm.example/carol+")
        code, note = run("audit", "sign-report", str(html), "--key", str(tmp_path / "carol.key"),
                         "--name", "firm.example/carol", "--pdf", str(tmp_path / "r.pdf"))
        assert code == 0
        checked = v.verify_note(note, [v.parse_vkey(key_vkey.strip())])
        assert checked.text == rep["signed_text"]
    finally:
        get_settings.cache_clear()
