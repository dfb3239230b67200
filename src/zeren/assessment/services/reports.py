"""The written audit report (审计报告, 指南 第八条): a draft holds the four parts Art 8 names —
the audited platform's name, address and contact; the auditor's name, address and contact; the
main conclusions; the recommendations — rendered to HTML with the engagement's findings. The
auditor signs the SHA-256 of that HTML with their own key (never held by the platform); Zeren
checks the signature against the key the engagement names, keeps it, and logs it in the
ledger (``audit_reports``)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import AuditReport, Engagement, Finding, ReportSignature
from zeren.assessment.schemas import ReportIn, SignatureIn
from zeren.assessment.services import pdf
from zeren.assessment.services.engagements import get, require_auditor
from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.ledger.outbox import Item, enqueue
from zeren.ledger.verify import VerificationError, parse_vkey, verify_note
from zeren.platforms.models import Platform
from zeren.timepolicy import format_beijing

REPORT_FORMAT = "zeren-audit-report/1"


def signed_text(sha256: str, pdf_sha256: str = "") -> str:
    """What the auditor signs: the format and the SHA-256 of the report's HTML and of its PDF
    (a draft made before PDFs: the HTML's alone)."""
    if not pdf_sha256:
        return f"{REPORT_FORMAT}\nsha256 {sha256}\n"
    return f"{REPORT_FORMAT}\nhtml sha256 {sha256}\npdf sha256 {pdf_sha256}\n"


def pdf_file(data_dir: Path, sha256: str) -> Path:
    return Path(data_dir) / "assessment" / "reports" / f"{sha256}.pdf"


def render_pdf(*, e: Engagement, r: AuditReport, findings: list[Finding]) -> bytes:
    """The report as PDF: the same four parts and findings as its HTML."""
    sev = {k.value: v for k, v in d.SEVERITY_ZH.items()}
    st = {k.value: v for k, v in d.STATUS_ZH.items()}
    rows: list[list[str]] = [["#", "条款 Art", "发现 Finding", "等级 Severity",
                              "整改建议 Remediation", "责任人 Owner", "期限 Due", "状态 Status"]]
    rows += [[str(f.number), f"第{f.article}条 {f.obligation_key}", f.title,
              f"{sev[f.severity]} {f.severity}", f.recommendation, f.owner,
              f.due_on.isoformat(), f"{st[f.status]} {f.status}"] for f in findings]
    sections: list[tuple[str, object]] = [
        ("一、接受审计的平台 The audited platform",
         [["名称 Name", r.platform_name], ["地址 Address", r.platform_address],
          ["联系方式 Contact", r.platform_contact]]),
        ("二、开展审计的机构 The auditor",
         [["名称 Name", r.auditor_name], ["地址 Address", r.auditor_address],
          ["联系方式 Contact", r.auditor_contact]]),
        ("三、审计主要结论 Main conclusions", r.conclusions + f"\n审计范围 Scope: {e.scope}"),
        ("四、实现合规的操作建议 Recommendations for compliance", r.recommendations),
    ]
    if findings:
        sections.append(("审计发现与整改 Findings and remediation", rows))
    return pdf.render(
        title="互联网平台主体责任独立审计报告 Independent audit report",
        meta=[f"审计期间 Period: {format_beijing(e.period_start)} — "
              f"{format_beijing(e.period_end)}（北京时间 Beijing time）",
              f"委托事项 Engagement: {e.title} ({e.id})"],
        sections=sections, created_at=r.created_at)


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("zeren.assessment", "templates/report"),
                       autoescape=select_autoescape(["html"]))


def render_html(*, e: Engagement, r: AuditReport, findings: list[Finding]) -> str:
    return _env().get_template("audit_report.html").render(
        e=e, r=r, findings=findings, period_start=format_beijing(e.period_start),
        period_end=format_beijing(e.period_end),
        severity_zh={k.value: v for k, v in d.SEVERITY_ZH.items()},
        status_zh={k.value: v for k, v in d.STATUS_ZH.items()})


def draft(*, session: Session, actor: Actor, engagement_id: str, data: ReportIn,
          data_dir: Path) -> AuditReport:
    """A new draft of the report (the engagement's auditors only); earlier drafts are kept."""
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    require_auditor(actor, e)
    platform = session.get(Platform, e.platform_id)
    assert platform is not None
    found = list(session.scalars(select(Finding).where(Finding.engagement_id == e.id)
                                 .order_by(Finding.number)))
    r = AuditReport(engagement_id=e.id, platform_id=e.platform_id,
                    platform_name=platform.name, platform_address=data.platform_address,
                    platform_contact=data.platform_contact, auditor_name=e.auditor_name,
                    auditor_address=e.auditor_address, auditor_contact=e.auditor_contact,
                    conclusions=data.conclusions, recommendations=data.recommendations,
                    html="", sha256="", created_by=actor.username,
                    created_at=utcnow().replace(microsecond=0))
    r.html = render_html(e=e, r=r, findings=found)
    r.sha256 = hashlib.sha256(r.html.encode("utf-8")).hexdigest()
    body = render_pdf(e=e, r=r, findings=found)
    r.pdf_sha256 = hashlib.sha256(body).hexdigest()
    out = pdf_file(data_dir, r.pdf_sha256)
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".part")
        tmp.write_bytes(body)
        tmp.replace(out)
    session.add(r)
    session.flush()
    record(session=session, actor=actor, action="assessment.report.draft",
           target_type="audit_report", target_id=r.id, platform_id=e.platform_id,
           summary={"engagement_id": e.id, "sha256": r.sha256, "pdf_sha256": r.pdf_sha256})
    return r


def report_pdf(*, session: Session, actor: Actor, engagement_id: str, report_id: str,
               data_dir: Path) -> tuple[AuditReport, Path]:
    """A draft's PDF file, for an actor who may see the engagement."""
    r, _sig = get_report(session=session, actor=actor, engagement_id=engagement_id,
                         report_id=report_id)
    path = pdf_file(data_dir, r.pdf_sha256) if r.pdf_sha256 else None
    if path is None or not path.exists():
        raise NotFound(f"report {r.id} has no PDF in the data folder",
                       details={"report_id": r.id})
    return r, path


def get_report(*, session: Session, actor: Actor, engagement_id: str, report_id: str
               ) -> tuple[AuditReport, ReportSignature | None]:
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    r = session.get(AuditReport, report_id)
    if r is None or r.engagement_id != e.id:
        raise NotFound(f"no report {report_id} in this engagement",
                       details={"report_id": report_id})
    sig = session.scalar(select(ReportSignature).where(ReportSignature.report_id == r.id))
    return r, sig


def reports(*, session: Session, actor: Actor, engagement_id: str) -> list[AuditReport]:
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    return list(session.scalars(select(AuditReport).where(AuditReport.engagement_id == e.id)
                                .order_by(AuditReport.created_at.desc())))


def sign(*, session: Session, actor: Actor, engagement_id: str, report_id: str,
         data: SignatureIn, now: datetime | None = None) -> ReportSignature:
    """Keep the auditor's signature over a draft once it verifies under the engagement's
    auditor key and signs exactly this draft's SHA-256; log it in the ledger."""
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    require_auditor(actor, e)
    r, existing = get_report(session=session, actor=actor, engagement_id=engagement_id,
                             report_id=report_id)
    if existing is not None:
        raise Conflict("this report is already signed", details={"report_id": r.id})
    v = parse_vkey(e.auditor_vkey)
    note_text = data.note if data.note.endswith("\n") else data.note + "\n"
    try:
        note = verify_note(note_text, [v])
    except VerificationError as exc:
        raise InvalidInput(f"the signature does not verify under the engagement's auditor "
                           f"key {v.name}: {exc}", field="note") from exc
    want = signed_text(r.sha256, r.pdf_sha256)
    if note.text != want:
        raise InvalidInput("the note signs another text than this report's SHA-256 digests "
                           f"(expected {want!r})", field="note")
    sig = ReportSignature(report_id=r.id, engagement_id=e.id, platform_id=e.platform_id,
                          period_end=e.period_end, note=note_text, signer=v.name,
                          signed_by=actor.username)
    session.add(sig)
    session.flush()
    enqueue(session=session, item=Item(
        record_class="audit_reports",
        record={"platform_id": e.platform_id, "engagement_id": e.id, "report_id": r.id,
                "sha256": r.sha256, "pdf_sha256": r.pdf_sha256,
                "period_start": e.period_start.isoformat(),
                "period_end": e.period_end.isoformat(), "auditor": e.auditor_name,
                "signer": v.name, "note": note_text},
        subject=f"audit_report:{e.platform_id}:{r.id}"))
    record(session=session, actor=actor, action="assessment.report.sign",
           target_type="audit_report", target_id=r.id, platform_id=e.platform_id,
           after=row_dict(sig), summary={"sha256": r.sha256, "signer": v.name})
    return sig


def signed_reports(*, session: Session, platform_id: str, since: datetime
                   ) -> list[ReportSignature]:
    """Signed reports of the platform whose audit period ended at or after ``since`` (for
    the posture)."""
    return list(session.scalars(select(ReportSignature).where(
        ReportSignature.platform_id == platform_id, ReportSignature.period_end >= since)
        .order_by(ReportSignature.period_end.desc())))
