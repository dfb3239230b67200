"""HTTP routes of the merchant registry under ``/platforms/{platform_id}/merchants``: register,
import, list with filters and search (keyset cursor or offset), a merchant with its shops,
licences and documents, its history, and the sealed resident ID (``merchants.identity.open``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, UploadFile

from zeren.auth.policy import Actor
from zeren.config import Settings
from zeren.deps import SessionDep, require
from zeren.errors import TooLarge
from zeren.ledger.outbox import flusher_for
from zeren.merchants import domain as d
from zeren.merchants import schemas as s
from zeren.merchants.services import (
    disclosure,
    importer,
    listings,
    registry,
    reports,
    verification,
)
from zeren.merchants.services.providers import RegistryProvider, snapshot_provider
from zeren.pagination import PageDep
from zeren.platforms.service import get_platform
from zeren.settings_dep import settings_of
from zeren.timepolicy import beijing_today

router = APIRouter(prefix="/platforms/{platform_id}/merchants", tags=["merchants"])
Reader = Annotated[Actor, Depends(require(registry.READ))]
Writer = Annotated[Actor, Depends(require(registry.WRITE))]
Opener = Annotated[Actor, Depends(require(registry.OPEN_IDENTITY))]
Verifier = Annotated[Actor, Depends(require(verification.VERIFY))]
Reporter = Annotated[Actor, Depends(require(reports.REPORT))]
MAX_UPLOAD = 512 * 1024 * 1024


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


def _kick(request: Request, tasks: BackgroundTasks) -> None:
    tasks.add_task(flusher_for(request.app.state.engine,
                               request.app.state.settings.data_dir).kick)


def merchant_read(v: registry.MerchantView) -> s.MerchantRead:
    out = s.MerchantRead.model_validate(v.merchant)
    out.overdue = v.overdue
    out.shops = [s.ShopRead.model_validate(x) for x in v.shops]
    kinds = d.registry().licences
    for lc, docs in v.licences:
        r = s.LicenceRead.model_validate(lc)
        r.kind_zh = kinds[lc.kind].zh if lc.kind in kinds else lc.kind
        r.days_left = (lc.valid_until - v.today).days if lc.valid_until else None
        r.documents = [s.DocumentRead.model_validate(x) for x in docs]
        out.licences.append(r)
    return out


@router.get("/licence-kinds", response_model=list[s.KindRead])
def licence_kinds(platform_id: str, session: SessionDep, actor: Reader) -> list[s.KindRead]:
    """Licence kinds the registry knows (data/registry.toml), each with its source."""
    _pid(session, platform_id)
    return [s.KindRead(code=k.code, zh=k.zh, en=k.en, source=k.source)
            for k in registry.licence_kinds()]


@router.get("/tasks", response_model=s.TaskPage)
def due_tasks(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
              kind: Annotated[str | None, Query(
                  description="verification / reverification / licence_expiry / lapsed")] = None,
              include_closed: bool = False) -> s.TaskPage:
    """The due-work queue: open tasks, earliest due first."""
    rows, total = verification.due_tasks(session=session, actor=actor,
                                         platform_id=_pid(session, platform_id), params=page,
                                         kind=kind, include_closed=include_closed)
    today = beijing_today()
    items = []
    for t, m in rows:
        it = s.TaskRead.model_validate(t)
        it.merchant_ref, it.legal_name = m.merchant_ref, m.legal_name
        it.days_left = (t.due_on - today).days
        items.append(it)
    return s.TaskPage(items=items, total=total, offset=page.offset, limit=page.limit)


@router.post("/tasks/run", response_model=s.DueRunRead)
def run_due(platform_id: str, session: SessionDep, actor: Writer) -> s.DueRunRead:
    """Open the due work now (what the daily job merchants.due does)."""
    got = verification.run_due_now(session=session, actor=actor,
                                   platform_id=_pid(session, platform_id))
    return s.DueRunRead(opened=got.opened, cases=got.cases, exited=got.exited)


@router.post("", response_model=s.MerchantRead, status_code=201)
def register(platform_id: str, body: s.MerchantIn, session: SessionDep, actor: Writer,
             request: Request, tasks: BackgroundTasks) -> s.MerchantRead:
    """Register a merchant with its shops and licences (refused whole on any bad field)."""
    pid = _pid(session, platform_id)
    m = registry.register_merchant(session=session, actor=actor, platform_id=pid, data=body)
    _kick(request, tasks)
    return merchant_read(registry.merchant_view(session=session, actor=actor, platform_id=pid,
                                                merchant=m.id))


@router.post("/imports", response_model=s.ImportRead, status_code=201)
async def import_file(platform_id: str, file: UploadFile, session: SessionDep, actor: Writer,
                      request: Request, tasks: BackgroundTasks,
                      encoding: Annotated[str, Query(
                          pattern="^(auto|utf-8|gb18030|gbk)$",
                          description="CSV text encoding; auto reads UTF-8 or GBK/GB18030 "
                                      "and says which.")] = "auto") -> s.ImportRead:
    """Import merchants from a CSV or XLSX file (all or nothing; errors name row and field)."""
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise TooLarge(f"the file is larger than {MAX_UPLOAD // 2**20} MiB",
                       details={"field": "file"})
    res = importer.import_merchants(session=session, actor=actor,
                                    platform_id=_pid(session, platform_id),
                                    filename=file.filename or "upload", content=content,
                                    encoding=encoding)
    _kick(request, tasks)
    out = s.ImportRead.model_validate(res.record)
    out.seconds = round(res.seconds, 3)
    return out


@router.get("", response_model=s.MerchantPage)
def list_merchants(
    platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
    status: Annotated[str | None, Query(description="active / suspended / exiting / exited")]
    = None,
    kind: Annotated[str | None, Query()] = None,
    verification: Annotated[str | None, Query()] = None,
    due_within_days: Annotated[int | None, Query(
        ge=0, le=3660, description="Re-verification due within N days (overdue included).")]
    = None,
    licence_within_days: Annotated[int | None, Query(
        ge=0, le=3660, description="A licence ends within N days.")] = None,
    q: Annotated[str | None, Query(max_length=200,
                                   description="USCC or merchant_ref, or the name's beginning.")]
    = None,
    after: Annotated[str | None, Query(max_length=800, description="Cursor from `next`.")]
    = None,
    count: Annotated[bool, Query(description="Count the rows the filters match.")] = True,
) -> s.MerchantPage:
    """The registry, ordered by name, with filters; page with ``after`` (keyset)."""
    pid = _pid(session, platform_id)
    f = registry.ListFilters(status=status, kind=kind, verification=verification,
                             due_within_days=due_within_days,
                             licence_within_days=licence_within_days, q=q)
    rows, total, nxt = registry.list_merchants(session=session, actor=actor, platform_id=pid,
                                               filters=f, params=page, after=after,
                                               count=count)
    today = beijing_today()
    items = []
    for m in rows:
        it = s.MerchantSummary.model_validate(m)
        it.overdue = registry.is_overdue(m, today)
        items.append(it)
    return s.MerchantPage(items=items, total=total, offset=0 if after else page.offset,
                          limit=page.limit, next=nxt)


@router.get("/listings", response_model=s.ListingPage)
def list_listings(
    platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
    merchant: Annotated[str | None, Query(max_length=100,
                                          description="Merchant id or merchant_ref.")] = None,
    status: Annotated[str | None, Query(
        description="active / in_review / blocked / withdrawn")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    unlicensed: Annotated[bool, Query(
        description="Only listings in a licensed category submitted without a licence.")]
    = False,
) -> s.ListingPage:
    """The platform's listings, newest change first."""
    pid = _pid(session, platform_id)
    mid = (registry.get_merchant(session=session, actor=actor, platform_id=pid,
                                 merchant=merchant).id if merchant else None)
    rows, total = listings.list_listings(
        session=session, actor=actor, platform_id=pid, params=page,
        filters=listings.ListingFilters(merchant_id=mid, status=status, category=category,
                                        unlicensed=unlicensed))
    return s.ListingPage(items=[s.ListingRead.model_validate(x) for x in rows], total=total,
                         offset=page.offset, limit=page.limit)


@router.get("/listings/{listing_id}", response_model=s.ListingRead)
def get_listing(platform_id: str, listing_id: str, session: SessionDep, actor: Reader
                ) -> s.ListingRead:
    """A listing (by id or listing_ref): its current version."""
    return s.ListingRead.model_validate(listings.get_listing(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        listing=listing_id))


@router.get("/listings/{listing_id}/versions", response_model=list[s.ListingVersionRead])
def listing_versions(platform_id: str, listing_id: str, session: SessionDep, actor: Reader
                     ) -> list[s.ListingVersionRead]:
    """Every version of a listing as submitted, with its SHA-256 and outcome."""
    row = listings.get_listing(session=session, actor=actor,
                               platform_id=_pid(session, platform_id), listing=listing_id)
    return [s.ListingVersionRead.model_validate(v)
            for v in listings.versions(session=session, actor=actor, listing=row)]


@router.post("/listings/{listing_id}/withdraw", response_model=s.ListingRead)
def withdraw_listing(platform_id: str, listing_id: str, body: s.ReasonIn, session: SessionDep,
                     actor: Writer, request: Request, tasks: BackgroundTasks) -> s.ListingRead:
    """Withdraw a listing (a new version, status withdrawn)."""
    row = listings.get_listing(session=session, actor=actor,
                               platform_id=_pid(session, platform_id), listing=listing_id,
                               permission=registry.WRITE)
    out = listings.withdraw_listing(session=session, actor=actor, listing=row,
                                    reason=body.reason)
    _kick(request, tasks)
    return s.ListingRead.model_validate(out)


@router.post("/{merchant_id}/listings", response_model=s.ListingRead, status_code=201)
def submit_listing(platform_id: str, merchant_id: str, body: s.ListingIn, session: SessionDep,
                   actor: Writer, request: Request, tasks: BackgroundTasks) -> s.ListingRead:
    """Submit a listing or a new version: screened by the lexicon; a licensed category
    without a valid licence is refused or held for review (data); every version logged."""
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id,
                              permission=registry.WRITE)
    out = listings.submit_listing(session=session, actor=actor, merchant=m, data=body)
    _kick(request, tasks)
    return s.ListingRead.model_validate(out)


@router.get("/reports/tax/preview", response_model=s.TaxPreviewRead)
def preview_tax(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                quarter: Annotated[str, Query(max_length=10, description="e.g. 2026Q3")]
                ) -> s.TaxPreviewRead:
    """The quarterly tax report's figures (amounts in fen), nothing written; a quarter not
    yet ended is 422."""
    rep = reports.preview_tax(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), quarter=quarter)
    return s.TaxPreviewRead(
        quarter=rep.quarter.label, due_on=rep.due_on,
        columns=[s.ColumnRead(code=c, heading=h) for c, h in rep.columns], money=rep.money,
        rows=rep.rows[page.offset:page.offset + page.limit], total_rows=len(rep.rows),
        totals=rep.totals, offset=page.offset, limit=page.limit)


@router.post("/reports/tax", response_model=s.ReportRead, status_code=201)
def generate_tax(platform_id: str, body: s.TaxReportIn, session: SessionDep, actor: Reporter,
                 request: Request, tasks: BackgroundTasks) -> s.ReportRead:
    """Generate the quarter's tax report (CSV and XLSX with their SHA-256); again: a new
    version naming the last, with a reason."""
    r = reports.generate_tax(session=session, actor=actor,
                             platform_id=_pid(session, platform_id), quarter=body.quarter,
                             reason=body.reason)
    _kick(request, tasks)
    return s.ReportRead.model_validate(r)


@router.get("/reports/tax", response_model=list[s.ReportRead])
def list_reports(platform_id: str, session: SessionDep, actor: Reader) -> list[s.ReportRead]:
    """The platform's tax reports, newest quarter and version first."""
    return [s.ReportRead.model_validate(r) for r in reports.reports(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.get("/reports/identity/preview", response_model=s.IdentityPreviewRead)
def preview_identity(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                     period: Annotated[str, Query(max_length=10, description="e.g. 2027-01")]
                     ) -> s.IdentityPreviewRead:
    """The identity report for the market regulator (网络交易监督管理办法 第二十五条), nothing
    written; a month outside the schedule or not yet begun is 422."""
    rep = reports.preview_identity(session=session, actor=actor,
                                   platform_id=_pid(session, platform_id), period=period)
    return s.IdentityPreviewRead(
        period=rep.month.label, covers_from=rep.start, covers_until=rep.end,
        due_on=rep.due_on,
        columns=[s.ColumnRead(code=c, heading=h) for c, h in rep.columns],
        rows=rep.rows[page.offset:page.offset + page.limit], total_rows=len(rep.rows),
        totals=rep.totals, offset=page.offset, limit=page.limit)


@router.post("/reports/identity", response_model=s.ReportRead, status_code=201)
def generate_identity(platform_id: str, body: s.IdentityReportIn, session: SessionDep,
                      actor: Reporter, request: Request, tasks: BackgroundTasks
                      ) -> s.ReportRead:
    """Generate the identity report (CSV and XLSX with their SHA-256); again: a new version
    naming the last, with a reason. Approve and mark submitted as any report."""
    r = reports.generate_identity(session=session, actor=actor,
                                  platform_id=_pid(session, platform_id), period=body.period,
                                  reason=body.reason)
    _kick(request, tasks)
    return s.ReportRead.model_validate(r)


@router.get("/reports/identity", response_model=list[s.ReportRead])
def list_identity_reports(platform_id: str, session: SessionDep, actor: Reader
                          ) -> list[s.ReportRead]:
    """The platform's identity reports, newest period and version first."""
    return [s.ReportRead.model_validate(r) for r in reports.reports(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        kind=reports.IDENTITY)]


@router.get("/reports/{report_id}", response_model=s.ReportRead)
def get_report(platform_id: str, report_id: str, session: SessionDep, actor: Reader
               ) -> s.ReportRead:
    return s.ReportRead.model_validate(reports.get_report(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        report_id=report_id))


@router.get("/reports/{report_id}/file")
def report_file(platform_id: str, report_id: str, session: SessionDep, actor: Reader,
                format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv") -> Response:
    """The report's file as generated (its SHA-256 is on the report)."""
    r = reports.get_report(session=session, actor=actor, platform_id=_pid(session, platform_id),
                           report_id=report_id)
    content, media, name = reports.file_of(r, format)
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/reports/{report_id}/approve", response_model=s.ReportRead)
def approve_report(platform_id: str, report_id: str, session: SessionDep, actor: Reporter,
                   request: Request, tasks: BackgroundTasks) -> s.ReportRead:
    """Approve a generated report (someone other than who generated it)."""
    r = reports.get_report(session=session, actor=actor, platform_id=_pid(session, platform_id),
                           report_id=report_id, permission=reports.REPORT)
    out = reports.approve(session=session, actor=actor, report=r)
    _kick(request, tasks)
    return s.ReportRead.model_validate(out)


@router.post("/reports/{report_id}/submitted", response_model=s.ReportRead)
def report_submitted(platform_id: str, report_id: str, body: s.ReceiptIn, session: SessionDep,
                     actor: Reporter, request: Request, tasks: BackgroundTasks
                     ) -> s.ReportRead:
    """Record that the approved report was submitted, with the authority's receipt."""
    r = reports.get_report(session=session, actor=actor, platform_id=_pid(session, platform_id),
                           report_id=report_id, permission=reports.REPORT)
    out = reports.mark_submitted(session=session, actor=actor, report=r,
                                 receipt_ref=body.receipt_ref)
    _kick(request, tasks)
    return s.ReportRead.model_validate(out)


@router.get("/{merchant_id}", response_model=s.MerchantRead)
def get_merchant(platform_id: str, merchant_id: str, session: SessionDep, actor: Reader
                 ) -> s.MerchantRead:
    """A merchant (by id or merchant_ref) with its shops, licences and documents."""
    return merchant_read(registry.merchant_view(session=session, actor=actor,
                                                platform_id=_pid(session, platform_id),
                                                merchant=merchant_id))


@router.get("/{merchant_id}/history", response_model=list[s.EventRead])
def merchant_history(platform_id: str, merchant_id: str, session: SessionDep, actor: Reader
                     ) -> list[s.EventRead]:
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id)
    return [s.EventRead.model_validate(e)
            for e in registry.history(session=session, actor=actor, merchant=m)]


@router.get("/{merchant_id}/resident-id", response_model=s.ResidentIdRead)
def resident_id(platform_id: str, merchant_id: str, session: SessionDep, actor: Opener
                ) -> s.ResidentIdRead:
    """Open the sealed resident ID (audited)."""
    pid = _pid(session, platform_id)
    m = registry.get_merchant(session=session, actor=actor, platform_id=pid,
                              merchant=merchant_id)
    got = registry.open_resident_id(session=session, actor=actor, merchant=m)
    return s.ResidentIdRead(merchant_id=m.id, resident_id=got, erased=got is None)


@router.post("/{merchant_id}/shops", response_model=s.ShopRead, status_code=201)
def add_shop(platform_id: str, merchant_id: str, body: s.ShopIn, session: SessionDep,
             actor: Writer, request: Request, tasks: BackgroundTasks) -> s.ShopRead:
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id,
                              permission=registry.WRITE)
    return s.ShopRead.model_validate(registry.add_shop(session=session, actor=actor, merchant=m,
                                                       data=body))


@router.post("/{merchant_id}/licences", response_model=s.LicenceRead, status_code=201)
def add_licence(platform_id: str, merchant_id: str, body: s.LicenceIn, session: SessionDep,
                actor: Writer, request: Request, tasks: BackgroundTasks) -> s.LicenceRead:
    """Record a licence (kind from the data; an expired one is refused)."""
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id,
                              permission=registry.WRITE)
    lc = registry.add_licence(session=session, actor=actor, merchant=m, data=body)
    _kick(request, tasks)
    out = s.LicenceRead.model_validate(lc)
    out.kind_zh = d.registry().licences[lc.kind].zh
    return out


@router.post("/{merchant_id}/licences/{licence_id}/documents", response_model=s.DocumentRead,
             status_code=201)
async def add_document(platform_id: str, merchant_id: str, licence_id: str, file: UploadFile,
                       session: SessionDep, actor: Writer, request: Request,
                       tasks: BackgroundTasks) -> s.DocumentRead:
    """Keep a licence's scan or file with its SHA-256."""
    content = await file.read(registry.MAX_DOCUMENT + 1)
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id,
                              permission=registry.WRITE)
    doc = registry.add_document(session=session, actor=actor, merchant=m, licence_id=licence_id,
                                filename=file.filename or "document",
                                media_type=file.content_type or "application/octet-stream",
                                content=content)
    _kick(request, tasks)
    return s.DocumentRead.model_validate(doc)


def provider_from(settings: Settings) -> RegistryProvider | None:
    path = settings.merchant_registry_snapshot
    return snapshot_provider(path) if path else None


@router.post("/{merchant_id}/verifications", response_model=s.VerificationRead, status_code=201)
def verify(platform_id: str, merchant_id: str, session: SessionDep, actor: Verifier,
           request: Request, tasks: BackgroundTasks,
           settings: Annotated[Settings, Depends(settings_of)]) -> s.VerificationRead:
    """Verify the merchant now against the configured register (merchant_registry_snapshot)."""
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id,
                              permission=verification.VERIFY)
    v = verification.verify_merchant(session=session, actor=actor, merchant=m,
                                     provider=provider_from(settings))
    _kick(request, tasks)
    return s.VerificationRead.model_validate(v)


@router.get("/{merchant_id}/verifications", response_model=list[s.VerificationRead])
def list_verifications(platform_id: str, merchant_id: str, session: SessionDep, actor: Reader
                       ) -> list[s.VerificationRead]:
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id)
    return [s.VerificationRead.model_validate(v)
            for v in verification.verifications(session=session, actor=actor, merchant=m)]


@router.post("/{merchant_id}/disclosures", response_model=s.DisclosureRead, status_code=201)
def check_disclosure(platform_id: str, merchant_id: str, body: s.DisclosureIn,
                     session: SessionDep, actor: Writer) -> s.DisclosureRead:
    """Compare what a shop page displays, field by field, with the registry (Art 15)."""
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id,
                              permission=registry.WRITE)
    return s.DisclosureRead.model_validate(disclosure.check_disclosure(
        session=session, actor=actor, merchant=m, shop_ref=body.shop_ref, shown=body.shown()))


@router.post("/{merchant_id}/disclosures/snapshot", response_model=s.DisclosureRead,
             status_code=201)
async def check_snapshot(platform_id: str, merchant_id: str, file: UploadFile,
                         session: SessionDep, actor: Writer,
                         shop_ref: Annotated[str | None, Query(max_length=100)] = None
                         ) -> s.DisclosureRead:
    """Compare a shop page snapshot (HTML or text) with the registry: the items its text
    does not contain (Art 15); the file's SHA-256 is kept."""
    content = await file.read(disclosure.MAX_SNAPSHOT + 1)
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id,
                              permission=registry.WRITE)
    return s.DisclosureRead.model_validate(disclosure.check_disclosure(
        session=session, actor=actor, merchant=m, shop_ref=shop_ref, snapshot=content))


@router.get("/{merchant_id}/disclosures", response_model=list[s.DisclosureRead])
def list_disclosures(platform_id: str, merchant_id: str, session: SessionDep, actor: Reader
                     ) -> list[s.DisclosureRead]:
    """The merchant's disclosure checks, newest first."""
    m = registry.get_merchant(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), merchant=merchant_id)
    return [s.DisclosureRead.model_validate(x)
            for x in disclosure.disclosures(session=session, actor=actor, merchant=m)]


@router.post("/{merchant_id}/exit", response_model=s.MerchantRead)
def announce_exit(platform_id: str, merchant_id: str, body: s.ExitIn, session: SessionDep,
                  actor: Writer, request: Request, tasks: BackgroundTasks) -> s.MerchantRead:
    """Announce the merchant's exit at least the notice days ahead (Art 16, data)."""
    pid = _pid(session, platform_id)
    m = registry.get_merchant(session=session, actor=actor, platform_id=pid,
                              merchant=merchant_id,
                              permission=registry.WRITE)
    disclosure.announce_exit(session=session, actor=actor, merchant=m, exit_on=body.exit_on,
                             reason=body.reason)
    _kick(request, tasks)
    return merchant_read(registry.merchant_view(session=session, actor=actor, platform_id=pid,
                                                merchant=m.id))
