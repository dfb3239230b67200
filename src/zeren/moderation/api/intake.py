"""Intake routes: report categories, the public report form (guarded), receipts, reports and
batches from the platform."""

from __future__ import annotations

from fastapi import APIRouter

from zeren.deps import SessionDep
from zeren.moderation import domain as d
from zeren.moderation.api.common import Guarded, P, Public, Write, capped_post, pid
from zeren.moderation.api.media import SettingsDep, check_media
from zeren.moderation.schemas import (
    CategoryRead,
    PublicReceiptRead,
    PublicReportIn,
    ReceiptRead,
    ReceiptStatus,
    ReportBatchIn,
    ReportIn,
)
from zeren.moderation.services import intake

router = APIRouter()


def _receipt(r: intake.Receipt) -> ReceiptRead:
    return ReceiptRead(receipt=r.receipt, case_id=r.case_id, bundled=r.bundled,
                       received_at=r.received_at)


@router.get("/moderation/categories", response_model=list[CategoryRead])
def list_categories(_: Public) -> list[CategoryRead]:
    """Report categories with their legal source (no login needed: the public form uses it)."""
    return [CategoryRead(code=c.code, group=c.group, severity=c.severity, name_zh=c.name_zh,
                         name_en=c.name_en, source=c.source) for c in d.categories().values()]


@capped_post(router, "/moderation/public/reports", response_model=PublicReceiptRead,
             status_code=201)
def public_report(body: PublicReportIn, session: SessionDep, _: Public, _g: Guarded
                  ) -> PublicReceiptRead:
    """The public report form: no login, rate-limited; answers with the receipt number and
    nothing internal (no case id, nothing on whether a case was already open)."""
    r = intake.public_report(session=session, platform_id=pid(session, body.platform), body=body)
    return PublicReceiptRead(receipt=r.receipt, received_at=r.received_at,
                             follow_up=f"/api/v1/moderation/public/receipts/{r.receipt}")


@router.get("/moderation/public/receipts/{receipt}", response_model=ReceiptStatus)
def receipt_status(receipt: str, session: SessionDep, _: Public) -> ReceiptStatus:
    """Follow up a report by its receipt number."""
    r, c = intake.receipt_status(session=session, receipt=receipt)
    return ReceiptStatus(receipt=r.receipt, received_at=r.created_at, category=r.category,
                         status=c.status, outcome=c.decision)


@router.post(P + "/reports", response_model=ReceiptRead, status_code=201)
def report(platform_id: str, body: ReportIn, session: SessionDep, actor: Write,
           settings: SettingsDep) -> ReceiptRead:
    """One report, complaint or authority order (authority + document number required)."""
    p = pid(session, platform_id)
    check_media(settings, p, [body.subject.media], "subject.media")
    return _receipt(intake.report(session=session, actor=actor, platform_id=p, item=body))


@router.post(P + "/reports/batch", response_model=list[ReceiptRead], status_code=201)
def report_batch(platform_id: str, body: ReportBatchIn, session: SessionDep, actor: Write,
                 settings: SettingsDep) -> list[ReceiptRead]:
    """Many reports at once (all or none); each gets its receipt."""
    p = pid(session, platform_id)
    check_media(settings, p, [r.subject.media for r in body.items], "items.{i}.subject.media")
    return [_receipt(r) for r in intake.report_batch(
        session=session, actor=actor, platform_id=p, items=body.items)]
