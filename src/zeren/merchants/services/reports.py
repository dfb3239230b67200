"""Reports to the authorities about the platform's merchants (指南 第三十三条; 电子商务法 第二十八条;
互联网平台企业涉税信息报送规定 第四条): the quarterly tax report of merchants' identity and income,
computed from the orders and refunds the ledger holds (one GROUP BY over its order index).

A report is previewed, generated (CSV and XLSX, each with its SHA-256), approved by someone
other than who generated it, and marked submitted with the authority's receipt reference.
Each step is logged to the ledger with the files' digests and the totals. Files and figures
are never rewritten: a regeneration is a new version that names the one it replaces. A
quarter that has not ended cannot be reported (422 naming ``quarter``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.ledger import outbox
from zeren.ledger.service import income_between
from zeren.merchants import domain as d
from zeren.merchants.errors import out_of_scale
from zeren.merchants.models import Merchant, Report
from zeren.merchants.services.registry import READ
from zeren.timepolicy import beijing_today

REPORT = "merchants.report"
TAX = "tax"
IDENTITY = "identity"
LEDGER_CLASS = "reports"


def subject(platform_id: str, kind: str, period: str) -> str:
    return f"report:{platform_id}:{kind}:{period}"


def parse_quarter(text: str, *, today: date) -> d.Quarter:
    """A quarter that has ended by ``today`` (422 naming ``quarter`` otherwise)."""
    try:
        q = d.Quarter.parse(text)
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from None
    if not q.ended(today):
        raise InvalidInput(f"{q.label} has not ended: it can be reported from "
                           f"{q.next.first_day.isoformat()}", field="quarter")
    return q


@dataclass(frozen=True)
class TaxReport:
    quarter: d.Quarter
    due_on: date
    columns: list[tuple[str, str]]
    money: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, int]


def compute_tax(*, session: Session, platform_id: str, quarter: d.Quarter) -> TaxReport:
    """The quarter's figures: every merchant on the platform during the quarter, with the
    income of orders completed and refunds made in it (amounts in fen)."""
    rules = d.report_rules().tax
    start, end = quarter.bounds()
    m = Merchant
    idents = [dict(r._mapping) for r in session.execute(
        select(m.merchant_ref, m.kind, m.legal_name, m.uscc, m.resident_id_masked,
               m.representative)
        .where(m.platform_id == platform_id, m.created_at < end,
               or_(m.exited_at.is_(None), m.exited_at >= start))
        .order_by(m.merchant_ref))]
    income = [d.Income(r.merchant_ref, r.income_kind, r.record, r.amount_cents, r.other_cents)
              for r in income_between(session=session, platform_id=platform_id, start=start,
                                      end=end)]
    rows, totals = d.tax_figures(idents, income, rules)
    rows.sort(key=lambda r: str(r["merchant_ref"]))
    cols = d.tax_columns(rules)
    money = [c for c, _ in cols if c not in rules.identity_fields]
    return TaxReport(quarter, quarter.due(rules), cols, money, rows, totals)


def preview_tax(*, session: Session, actor: Actor, platform_id: str, quarter: str,
                now: datetime | None = None) -> TaxReport:
    """The figures a report for ``quarter`` would carry, nothing written (merchants.read)."""
    actor.require(READ, platform_id)
    q = parse_quarter(quarter, today=beijing_today(now or utcnow()))
    return compute_tax(session=session, platform_id=platform_id, quarter=q)


def _log(session: Session, r: Report, event: str, by: str, at: datetime,
         extra: dict[str, Any] | None = None) -> None:
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=at, subject=subject(r.platform_id, r.kind, r.period),
        record={"event": event, "report_id": r.id, "platform_id": r.platform_id,
                "kind": r.kind, "period": r.period, "version": r.version,
                "supersedes": r.supersedes_id, "csv_sha256": r.csv_sha256,
                "xlsx_sha256": r.xlsx_sha256, "rows": r.rows, "totals": r.totals,
                **(extra or {}), "recorded_by": by}))


def latest(session: Session, platform_id: str, kind: str, period: str) -> Report | None:
    return session.scalar(select(Report).where(
        Report.platform_id == platform_id, Report.kind == kind, Report.period == period)
        .order_by(Report.version.desc()).limit(1))


def generate_tax(*, session: Session, actor: Actor, platform_id: str, quarter: str,
                 reason: str = "", now: datetime | None = None) -> Report:
    """Generate the quarter's report (CSV and XLSX, their SHA-256, the figures), logged to
    the ledger. When one exists, this is a new version naming it, and needs a reason."""
    actor.require(REPORT, platform_id)
    now = now or utcnow()
    q = parse_quarter(quarter, today=beijing_today(now))
    prev = _need_reason(session, platform_id, TAX, q.label, reason)
    rep = compute_tax(session=session, platform_id=platform_id, quarter=q)
    return _keep(session=session, actor=actor, platform_id=platform_id, kind=TAX,
                 period=q.label, prev=prev, due_on=rep.due_on, columns=rep.columns,
                 rows=rep.rows, money=rep.money, totals=rep.totals,
                 title=f"涉税信息 {q.label}", reason=reason, now=now)


def _need_reason(session: Session, platform_id: str, kind: str, period: str, reason: str
                 ) -> Report | None:
    prev = latest(session, platform_id, kind, period)
    if prev is not None and not reason.strip():
        raise InvalidInput(f"{period} has a report (version {prev.version}); a new version "
                           "needs its reason", field="reason")
    return prev


def _keep(*, session: Session, actor: Actor, platform_id: str, kind: str, period: str,
          prev: Report | None, due_on: date, columns: list[tuple[str, str]],
          rows: list[dict[str, Any]], money: list[str], totals: dict[str, int], title: str,
          reason: str, now: datetime) -> Report:
    """Render, keep and log one report version (any kind): the files with their SHA-256,
    the rows as generated; an unsent earlier version gives way."""
    csv_bytes = d.render_csv(columns, rows, money)
    xlsx_bytes = d.render_xlsx(columns, rows, money, title=title)
    r = Report(id=new_id(), platform_id=platform_id, kind=kind, period=period,
               version=(prev.version + 1) if prev else 1,
               supersedes_id=prev.id if prev else None, status="generated",
               due_on=due_on, rows=len(rows), totals=totals, figures=rows,
               csv=csv_bytes, csv_sha256=hashlib.sha256(csv_bytes).hexdigest(),
               xlsx=xlsx_bytes, xlsx_sha256=hashlib.sha256(xlsx_bytes).hexdigest(),
               generated_at=now, generated_by=actor.username)
    session.add(r)
    if prev is not None and prev.status != "submitted":
        # an unsent version gives way; a submitted one stays as sent, the new one corrects it
        session.execute(update(Report).where(Report.id == prev.id,
                                             Report.status.in_(["generated", "approved"]))
                        .values(status="superseded"))
    session.flush()
    _log(session, r, "generated", actor.username, now,
         {"reason": reason.strip()[:400]} if reason.strip() else None)
    record(session=session, actor=actor, action="merchants.report.generate",
           target_type="merchant_report", target_id=r.id, platform_id=platform_id,
           summary={"kind": kind, "period": period, "version": r.version,
                    "csv_sha256": r.csv_sha256, "xlsx_sha256": r.xlsx_sha256})
    return r


# ----------------------------------------------------------------------- identity report


@dataclass(frozen=True)
class IdentityReport:
    month: d.ReportMonth
    start: date
    end: date
    due_on: date
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    totals: dict[str, int]


def parse_report_month(text: str, *, today: date) -> tuple[d.ReportMonth, date, date]:
    """A month of the identity report's schedule that has begun by ``today``, with the
    days it covers (422 naming ``period`` otherwise)."""
    try:
        rm = d.ReportMonth.parse(text)
        start, end = rm.window(d.report_rules().identity_months)
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from None
    if today < rm.first_day:
        raise InvalidInput(f"{rm.label} has not begun: the period it covers ends on "
                           f"{rm.first_day.isoformat()}", field="period")
    return rm, start, end


def compute_identity(*, session: Session, platform_id: str, month: d.ReportMonth
                     ) -> IdentityReport:
    """Every merchant on the platform during the covered days (registered before they end,
    not gone before they begin), with its shops; totals by kind and status."""
    from zeren.merchants.models import Shop
    from zeren.timepolicy import day_start

    rules = d.report_rules()
    start, end = month.window(rules.identity_months)
    t0, t1 = day_start(start), day_start(end)
    m = Merchant
    found = [dict(r._mapping) for r in session.execute(
        select(m.id, m.merchant_ref, m.kind, m.legal_name, m.uscc, m.representative,
               m.resident_id_masked, m.addresses, m.status, m.exited_at)
        .where(m.platform_id == platform_id, m.created_at < t1,
               or_(m.exited_at.is_(None), m.exited_at >= t0))
        .order_by(m.merchant_ref))]
    shops: dict[str, list[dict[str, Any]]] = {}
    for sh in session.execute(select(Shop.merchant_id, Shop.shop_ref, Shop.name, Shop.url)
                              .where(Shop.platform_id == platform_id,
                                     Shop.created_at < t1).order_by(Shop.shop_ref)):
        shops.setdefault(sh.merchant_id, []).append(dict(sh._mapping))
    rows = []
    for x in found:
        x["exited_on"] = beijing_today(x["exited_at"]) if x["exited_at"] else None
        rows.append(d.identity_row(x, shops.get(x["id"], []), rules.identity_fields,
                                   window_end=end))
    totals: dict[str, int] = {"merchants": len(rows)}
    for r in rows:
        for key in (f"kind.{r.get('kind')}", f"status.{r.get('status')}"):
            totals[key] = totals.get(key, 0) + 1
    return IdentityReport(month, start, end, month.due, d.identity_columns(
        rules.identity_fields), rows, totals)


def preview_identity(*, session: Session, actor: Actor, platform_id: str, period: str,
                     now: datetime | None = None) -> IdentityReport:
    """The rows an identity report for ``period`` would carry, nothing written."""
    actor.require(READ, platform_id)
    rm, _s, _e = parse_report_month(period, today=beijing_today(now or utcnow()))
    return compute_identity(session=session, platform_id=platform_id, month=rm)


def generate_identity(*, session: Session, actor: Actor, platform_id: str, period: str,
                      reason: str = "", now: datetime | None = None) -> Report:
    """Generate the identity report for the market regulator (CSV and XLSX with their
    SHA-256, the rows), logged; again: a new version naming the last, with a reason."""
    actor.require(REPORT, platform_id)
    now = now or utcnow()
    rm, _s, _e = parse_report_month(period, today=beijing_today(now))
    prev = _need_reason(session, platform_id, IDENTITY, rm.label, reason)
    rep = compute_identity(session=session, platform_id=platform_id, month=rm)
    return _keep(session=session, actor=actor, platform_id=platform_id, kind=IDENTITY,
                 period=rm.label, prev=prev, due_on=rep.due_on, columns=rep.columns,
                 rows=rep.rows, money=[], totals=rep.totals,
                 title=f"经营者身份信息 {rm.label}", reason=reason, now=now)


def get_report(*, session: Session, actor: Actor, platform_id: str, report_id: str,
               permission: str = READ) -> Report:
    actor.require(permission, platform_id)
    r = session.get(Report, report_id)
    if r is None or r.platform_id != platform_id:
        raise NotFound(f"no report {report_id!r} on this platform",
                       details={"field": "report_id"})
    return r


def reports(*, session: Session, actor: Actor, platform_id: str, kind: str = TAX
            ) -> list[Report]:
    """The platform's reports of ``kind``, newest period and version first."""
    actor.require(READ, platform_id)
    return list(session.scalars(select(Report).where(Report.platform_id == platform_id,
                                                     Report.kind == kind)
                                .order_by(Report.period.desc(), Report.version.desc())))


def _step(session: Session, r: Report, want: str, to: str, values: dict[str, Any]) -> None:
    """Move the report from ``want`` to ``to`` once (a conditional UPDATE: a concurrent step
    loses)."""
    res = session.execute(update(Report).where(Report.id == r.id, Report.status == want)
                          .values(status=to, **values))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"the report is {r.status}, not {want}", details={"field": "status"})
    session.refresh(r)


def approve(*, session: Session, actor: Actor, report: Report, now: datetime | None = None
            ) -> Report:
    """Approve a generated report: someone other than who generated it."""
    actor.require(REPORT, report.platform_id)
    if actor.username == report.generated_by:
        raise Conflict("a report is approved by someone other than who generated it",
                       details={"field": "approved_by"})
    now = now or utcnow()
    _step(session, report, "generated", "approved",
          {"approved_at": now, "approved_by": actor.username})
    _log(session, report, "approved", actor.username, now)
    record(session=session, actor=actor, action="merchants.report.approve",
           target_type="merchant_report", target_id=report.id, platform_id=report.platform_id,
           summary={"period": report.period, "version": report.version})
    return report


def mark_submitted(*, session: Session, actor: Actor, report: Report, receipt_ref: str,
                   now: datetime | None = None) -> Report:
    """Record that an approved report was submitted, with the authority's receipt."""
    actor.require(REPORT, report.platform_id)
    if not receipt_ref.strip():
        raise InvalidInput("the authority's receipt reference is needed", field="receipt_ref")
    now = now or utcnow()
    _step(session, report, "approved", "submitted",
          {"submitted_at": now, "submitted_by": actor.username,
           "receipt_ref": receipt_ref.strip()})
    on_time = beijing_today(now) <= report.due_on
    _log(session, report, "submitted", actor.username, now,
         {"receipt_ref": receipt_ref.strip(), "on_time": on_time})
    record(session=session, actor=actor, action="merchants.report.submit",
           target_type="merchant_report", target_id=report.id, platform_id=report.platform_id,
           summary={"period": report.period, "version": report.version,
                    "receipt_ref": receipt_ref.strip(), "on_time": on_time})
    return report


def file_of(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """The report's file in ``fmt`` (csv / xlsx): content, media type, file name."""
    name = f"{report.kind}-{report.period}-v{report.version}"
    if fmt == "csv":
        return report.csv, "text/csv; charset=utf-8", f"{name}.csv"
    if fmt == "xlsx":
        return (report.xlsx,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"{name}.xlsx")
    raise InvalidInput("format must be csv or xlsx", field="format")


def submitted_in_time(session: Session, platform_id: str, quarter: d.Quarter
                      ) -> tuple[Report | None, Report | None]:
    """For the Art 33 check: the latest version of the quarter's report, and the first
    version submitted (either may be None)."""
    last = latest(session, platform_id, TAX, quarter.label)
    first = session.scalar(select(Report).where(
        Report.platform_id == platform_id, Report.kind == TAX, Report.period == quarter.label,
        Report.submitted_at.is_not(None)).order_by(Report.submitted_at).limit(1))
    return last, first


def merchant_count(session: Session, platform_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Merchant)
                              .where(Merchant.platform_id == platform_id)) or 0)


def orders_summary(*, session: Session, actor: Actor, merchant: Merchant
                   ) -> dict[str, dict[str, int]]:
    """A merchant's orders and refunds in the ledger, by income kind: orders, paid, refunds,
    refunded (fen), all time."""
    from zeren.ledger.service import merchant_income

    actor.require(READ, merchant.platform_id)
    out: dict[str, dict[str, int]] = {}
    for r in merchant_income(session=session, platform_id=merchant.platform_id,
                             merchant_ref=merchant.merchant_ref):
        row = out.setdefault(r.income_kind, {"orders": 0, "paid": 0, "refunds": 0,
                                             "refunded": 0})
        if r.record == "order":
            row["orders"], row["paid"] = r.count, r.amount_cents
        else:
            row["refunds"], row["refunded"] = r.count, r.amount_cents
    return out
