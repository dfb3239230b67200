"""Findings with remediation feeding the posture (an overdue open finding makes its article
at_risk), and the signed audit report that alone makes Art 8 met."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from sqlalchemy import Engine, func, select

from tests.assessment.conftest import AUDITOR_KEY_NAME, Audit
from zeren.assessment.checks import signed_audit_report
from zeren.assessment.models import FindingEvent, ReportSignature
from zeren.db.session import unit_of_work
from zeren.ledger import verify as v
from zeren.ledger.outbox import T as OUTBOX
from zeren.posture.domain import CheckContext, Status


def finding(**kw: Any) -> dict[str, Any]:
    return {"obligation_key": "art8.independent_audit", "title": "未定期委托第三方审计",
            "evidence": "2025 年度无审计报告", "evidence_refs": [], "severity": "high",
            "recommendation": "委托独立机构开展年度审计", "owner": "合规部 周敏",
            "due_on": (date.today() - timedelta(days=3)).isoformat(), **kw}


def _art8(a: Audit) -> dict[str, Any]:
    posture = a.client.get(f"/api/v1/platforms/{a.world.big_id}/posture",
                           headers=a.world.auth("compliance_officer")).json()
    tile = next(t for t in posture["articles"] if t["article"] == 8)
    ob = next(o for o in tile["obligations"] if o["key"] == "art8.independent_audit")
    return {"tile": tile["status"], "status": ob["status"], "reason": ob["reason"]}


def test_overdue_finding_puts_its_article_at_risk(audit: Audit, engine: Engine) -> None:
    a = audit
    assert _art8(a)["status"] == "not_assessed"
    r = a.client.post(a.url + "/findings", headers=a.auditor, json=finding())
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["number"] == 1 and f["article"] == 8 and f["overdue"] is True
    got = _art8(a)
    assert got["tile"] == "at_risk" and got["status"] == "at_risk"
    assert "audit finding 1 (high) overdue" in got["reason"]
    # not yet due: no weight on the posture
    r = a.client.post(a.url + "/findings", headers=a.auditor, json=finding(
        obligation_key="art13.patrol", due_on=(date.today() + timedelta(days=1)).isoformat()))
    assert r.status_code == 201 and r.json()["overdue"] is False
    # the platform remediates; the finding waits for the auditor and no longer weighs
    co = a.world.auth("compliance_officer")
    r = a.client.post(a.url + "/findings/1/moves", headers=co,
                      json={"status": "closed", "note": "自行关闭"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "status"
    r = a.client.post(a.url + "/findings/1/moves", headers=co,
                      json={"status": "remediated", "note": "已委托审计机构"})
    assert r.status_code == 200 and r.json()["status"] == "remediated"
    assert _art8(a)["status"] == "not_assessed"
    r = a.client.post(a.url + "/findings/1/moves", headers=a.auditor,
                      json={"status": "open", "note": "证据不足"})
    assert r.status_code == 200 and _art8(a)["status"] == "at_risk"
    r = a.client.post(a.url + "/findings/1/moves", headers=a.outsider,
                      json={"status": "closed", "note": "x"})
    assert r.status_code == 403
    events = a.client.get(a.url + "/findings/1/events", headers=a.auditor).json()
    assert [e["status"] for e in events] == ["open", "remediated", "open"]
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(FindingEvent)) == 4


def test_bad_findings(audit: Audit) -> None:
    a = audit
    for body, fld in [(finding(obligation_key="art99.nothing"), "obligation_key"),
                      (finding(evidence_refs=["orders/2026 7"]), "evidence_refs[0]"),
                      (finding(severity="fatal"), "severity")]:
        r = a.client.post(a.url + "/findings", headers=a.auditor, json=body)
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == fld, r.text
    # the platform's side cannot write the auditor's findings
    r = a.client.post(a.url + "/findings", headers=a.world.auth("compliance_officer"),
                      json=finding())
    assert r.status_code == 403
    assert a.client.get(a.url + "/findings", headers=a.auditor).json() == []


REPORT = {"platform_address": "杭州市西湖区某路 2 号", "platform_contact": "0571-8888 6000",
          "conclusions": "平台总体落实了指南规定的主体责任。\n年度风险评估尚未完成。",
          "recommendations": "在三十日内完成年度风险评估并公开报告。"}


def test_signed_report_alone_meets_art8(audit: Audit, engine: Engine) -> None:
    a = audit
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:  # (a) no report: no data
        res = signed_audit_report(CheckContext(session=s, platform_id=a.world.big_id, now=now))
        assert res.status == Status.NOT_ASSESSED and res.reason.startswith("no data:")
    r = a.client.post(a.url + "/reports", headers=a.auditor, json=REPORT)
    assert r.status_code == 201, r.text
    rep = r.json()
    html = a.client.get(f"{a.url}/reports/{rep['id']}/html", headers=a.auditor).text
    for part in ["测试商城", REPORT["platform_address"], REPORT["platform_contact"],
                 "某某会计师事务所", "北京市东城区某路 1 号", "audit@firm.example",
                 "年度风险评估尚未完成", "在三十日内完成年度风险评估"]:
        assert part in html
    pdf = a.client.get(f"{a.url}/reports/{rep['id']}/pdf", headers=a.auditor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.content).hexdigest() == rep["pdf_sha256"]
    assert pdf.headers["x-content-sha256"] == rep["pdf_sha256"]
    reader = PdfReader(io.BytesIO(pdf.content))
    # pypdf reads fpdf2's two-byte glyph codes with a NUL before each character, and CJK
    # layout puts spaces between glyphs: both are dropped before matching.
    text = "".join("".join(p.extract_text().replace("\x00", "").split())
                   for p in reader.pages)
    for part in ["接受审计的平台", "测试商城", "杭州市西湖区某路2号", "0571-88886000",
                 "开展审计的机构", "某某会计师事务所", "北京市东城区某路1号",
                 "audit@firm.example010-60000000", "审计主要结论", "年度风险评估尚未完成",
                 "实现合规的操作建议", "在三十日内完成年度风险评估并公开报告"]:
        assert part in text, part
    fonts = {str(f["/BaseFont"]) for pg in reader.pages
             for f in pg["/Resources"]["/Font"].values()}
    assert any("NotoSans" in f for f in fonts)  # the CJK font is embedded (subset)
    assert rep["signed_text"] == (f"zeren-audit-report/1\nhtml sha256 {rep['sha256']}\n"
                                  f"pdf sha256 {rep['pdf_sha256']}\n")
    with unit_of_work(engine) as s:  # a draft is not a signed report
        res = signed_audit_report(CheckContext(session=s, platform_id=a.world.big_id, now=now))
        assert res.status == Status.NOT_ASSESSED
    text = rep["signed_text"]
    forged = Ed25519PrivateKey.generate()
    bad = v.Note(text, [v.sign_note_text(text, name=AUDITOR_KEY_NAME,
                                         private_key=forged)]).encode().decode()
    r = a.client.post(f"{a.url}/reports/{rep['id']}/signature", headers=a.auditor,
                      json={"note": bad})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "note"
    other = "zeren-audit-report/1\nsha256 " + rep["sha256"] + "\n"
    wrong_text = v.Note(other, [v.sign_note_text(other, name=AUDITOR_KEY_NAME,
                                                 private_key=a.key)]).encode().decode()
    r = a.client.post(f"{a.url}/reports/{rep['id']}/signature", headers=a.auditor,
                      json={"note": wrong_text})
    assert r.status_code == 422 and "another text" in r.json()["error"]["message"]
    good = v.Note(text, [v.sign_note_text(text, name=AUDITOR_KEY_NAME,
                                          private_key=a.key)]).encode().decode()
    r = a.client.post(f"{a.url}/reports/{rep['id']}/signature", headers=a.outsider,
                      json={"note": good})
    assert r.status_code == 403
    r = a.client.post(f"{a.url}/reports/{rep['id']}/signature", headers=a.auditor,
                      json={"note": good})
    assert r.status_code == 200 and r.json()["signature"] == good
    r = a.client.post(f"{a.url}/reports/{rep['id']}/signature", headers=a.auditor,
                      json={"note": good})
    assert r.status_code == 409
    with unit_of_work(engine) as s:  # (d) met, seen 1
        res = signed_audit_report(CheckContext(session=s, platform_id=a.world.big_id, now=now))
        assert res.status == Status.MET and res.seen == 1
        assert s.scalar(select(func.count()).select_from(ReportSignature)) == 1
        # (c) near miss: the same report, read 367 days later, is too old
        late = signed_audit_report(CheckContext(session=s, platform_id=a.world.big_id,
                                                now=a.end + timedelta(days=367)))
        assert late.status == Status.NOT_ASSESSED
        other_platform = signed_audit_report(CheckContext(
            session=s, platform_id=a.world.small_id, now=now))
        assert other_platform.status == Status.NOT_ASSESSED
    with unit_of_work(engine) as s:  # the signature went to the ledger with the report's digest
        row = s.execute(select(OUTBOX.c.record).where(
            OUTBOX.c.record_class == "audit_reports")).one()
        assert row.record["sha256"] == rep["sha256"] and row.record["note"] == good
