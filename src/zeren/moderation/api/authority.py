"""Routes of reports to authorities: a serious case reported, the list, and the periodic
report as JSON, CSV or a printable page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from zeren.db.base import utcnow
from zeren.deps import SessionDep
from zeren.moderation.api.common import P, ReportsRead, ReportsWrite, pid
from zeren.moderation.schemas import AuthorityReportIn, AuthorityReportRead
from zeren.moderation.services import authority
from zeren.moderation.web import report_html
from zeren.timepolicy import parse_optional

router = APIRouter()


@router.post("/moderation/cases/{case_id}/authority-reports",
             response_model=AuthorityReportRead, status_code=201)
def report_to_authority(case_id: str, body: AuthorityReportIn, session: SessionDep,
                        actor: ReportsWrite) -> AuthorityReportRead:
    """Record that a serious case was reported to an authority (who, when, reference)."""
    return AuthorityReportRead.model_validate(authority.report_case(
        session=session, actor=actor, case_id=case_id, authority=body.authority,
        reference=body.reference, summary=body.summary, reported_at=body.reported_at))


@router.get(P + "/authority-reports", response_model=list[AuthorityReportRead])
def authority_reports(platform_id: str, session: SessionDep, actor: ReportsRead
                      ) -> list[AuthorityReportRead]:
    """Serious cases reported to authorities."""
    return [AuthorityReportRead.model_validate(r) for r in authority.list_reports(
        session=session, actor=actor, platform_id=pid(session, platform_id))]


@router.get(P + "/report", response_model=None)
def periodic_report(
    platform_id: str, session: SessionDep, actor: ReportsRead,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Annotated[str | None, Query()] = None,
    format: Annotated[Literal["json", "csv", "html"], Query()] = "json",
) -> Response:
    """The periodic report to authorities for [from, to) (default: the last 30 days), as JSON,
    CSV or a printable HTML page. A bare date is a Beijing calendar day (its first instant);
    a date-time keeps its offset (none: Beijing time)."""
    # Bare dates are Beijing calendar days: [from's first instant, to's first instant).
    end = parse_optional(to, "to", utcnow())
    start = parse_optional(from_, "from", end - timedelta(days=30))
    data = authority.periodic_report(session=session, actor=actor,
                                     platform_id=pid(session, platform_id), start=start, end=end)
    if format == "csv":
        return PlainTextResponse(authority.to_csv(data), media_type="text/csv; charset=utf-8")
    if format == "html":
        return HTMLResponse(report_html(data))
    return JSONResponse(data)
