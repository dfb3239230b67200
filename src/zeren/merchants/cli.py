"""``zeren merchant …``: thin commands over the merchant registry's services — import a CSV
or XLSX file (all or nothing), show one merchant with its licences and history, verify, the
due work; and ``zeren report …``: the quarterly tax report (preview, generate, approve,
submitted)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, fail, handles_errors
from zeren.config import get_settings
from zeren.merchants import domain as d
from zeren.merchants.services import importer, registry, reports, verification
from zeren.merchants.services.providers import snapshot_provider
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform
from zeren.timepolicy import beijing_today

app = typer.Typer(help="Merchants: the registry, verification and reports (Art 10, 29, 33).",
                  no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


@app.command("import")
@handles_errors
def import_cmd(
    platform: PlatformOpt,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file, header in the first row.")],
    encoding: Annotated[str, typer.Option(
        help="CSV encoding: auto (UTF-8, else GBK/GB18030, said so), utf-8 or gb18030.")]
    = "auto",
) -> None:
    """Import merchants, all or nothing; a bad row names its row number and field."""
    if not file.is_file():
        fail(f"no such file: {file}")
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        res = importer.import_merchants(session=session, actor=cli_actor(), platform_id=p.id,
                                        filename=file.name, content=file.read_bytes(),
                                        encoding=encoding)
        r = res.record
        console.print(f"imported {r.rows} merchant(s), {r.licences} licence(s) from {r.format} "
                      f"({r.encoding}) in {res.seconds:.2f} s; sha256 {r.sha256}")


@app.command("show")
@handles_errors
def show_cmd(
    platform: PlatformOpt,
    merchant: Annotated[str, typer.Argument(help="Merchant id or the platform's merchant_ref.")],
) -> None:
    """One merchant: identity, shops, licences with days left, and its history."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        v = registry.merchant_view(session=session, actor=actor, platform_id=p.id,
                                   merchant=merchant)
        m = v.merchant
        kind = d.registry().kinds[m.kind]
        typer.echo(f"{m.legal_name}  [{m.merchant_ref}]  {kind.zh} {kind.en}")
        typer.echo(f"  id            {m.id}")
        typer.echo(f"  USCC          {m.uscc or '—'}")
        typer.echo(f"  representative {m.representative or '—'}")
        typer.echo(f"  resident ID   {m.resident_id_masked or '—'}")
        if m.ground:
            typer.echo(f"  ground        {m.ground}")
        typer.echo(f"  status        {m.status}   verification {m.verification}"
                   f"   re-verify by {m.reverify_due or '—'}{'  OVERDUE' if v.overdue else ''}")
        for a in m.addresses:
            typer.echo(f"  address ({a['kind']}) {a['address']}")
        for sh in v.shops:
            typer.echo(f"  shop          {sh.shop_ref}  {sh.name}  {sh.url or ''}")
        lk = d.registry().licences
        for lc, docs in v.licences:
            left = f"{(lc.valid_until - v.today).days} days left" if lc.valid_until else "长期"
            typer.echo(f"  licence       {lk[lc.kind].zh}  {lc.number}  {lc.issuer}  "
                       f"{lc.valid_from} → {lc.valid_until or '长期'}  ({left})  {lc.status}")
            for doc in docs:
                typer.echo(f"    document    {doc.filename}  sha256 {doc.sha256}")
        typer.echo("  history")
        for e in registry.history(session=session, actor=actor, merchant=m):
            typer.echo(f"    {e.at:%Y-%m-%d %H:%M}Z  {e.kind}  {e.by}")


@app.command("verify")
@handles_errors
def verify_cmd(
    platform: PlatformOpt,
    merchant: Annotated[str, typer.Argument(help="Merchant id or the platform's merchant_ref.")],
    snapshot: Annotated[Path | None, typer.Option(
        help="Register snapshot (JSON Lines); default: the merchant_registry_snapshot "
             "setting.")] = None,
) -> None:
    """Verify one merchant now against the register; prints each check and the outcome."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        path = snapshot or get_settings().merchant_registry_snapshot
        provider = snapshot_provider(path) if path else None
        m = registry.get_merchant(session=session, actor=actor, platform_id=p.id,
                                  merchant=merchant)
        v = verification.verify_merchant(session=session, actor=actor, merchant=m,
                                         provider=provider)
        for c in v.checks:
            mark = {True: "ok  ", False: "FAIL", None: "—   "}[c["ok"]]
            typer.echo(f"  {mark} {c['name']}: {c['detail']}")
        typer.echo(f"{m.merchant_ref}: {v.outcome}"
                   + (f", next re-verification by {v.next_due}" if v.next_due else "")
                   + ("".join(f"\n  reason: {r}" for r in v.reasons)))


@app.command("due")
@handles_errors
def due_cmd(
    platform: PlatformOpt,
    run: Annotated[bool, typer.Option("--run", help="Open the due work first (what the "
                                                    "daily job merchants.due does).")] = False,
    kind: Annotated[str | None, typer.Option(help="Only this kind of task.")] = None,
    limit: Annotated[int, typer.Option(help="Tasks to print.")] = 50,
) -> None:
    """The due-work queue: verifications, re-verifications, licence expiries, lapses."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        if run:
            got = verification.run_due_now(session=session, actor=actor, platform_id=p.id)
            typer.echo("opened " + ", ".join(f"{k} {n}" for k, n in got.opened.items())
                       + f"; {got.cases} case(s) sent to moderation")
        rows, total = verification.due_tasks(session=session, actor=actor, platform_id=p.id,
                                             params=PageParams(offset=0, limit=limit),
                                             kind=kind)
        today = beijing_today()
        typer.echo(f"{total} open task(s)")
        for t, m in rows:
            left = (t.due_on - today).days
            when = f"{-left} days overdue" if left < 0 else f"in {left} days"
            typer.echo(f"  {t.due_on}  {when:>16}  {t.kind:<15} {m.merchant_ref:<12} "
                       f"{m.legal_name}  {t.note}")


report_app = typer.Typer(help="Reports to the authorities about merchants (Art 33): the "
                              "quarterly tax report and the identity report to the market "
                              "regulator.", no_args_is_help=True)


@report_app.command("tax")
@handles_errors
def report_tax_cmd(
    platform: PlatformOpt,
    quarter: Annotated[str, typer.Option("--quarter", help="An ended quarter, e.g. 2026Q3.")],
    generate: Annotated[bool, typer.Option(
        "--generate", help="Generate the report (CSV and XLSX kept with their SHA-256); "
                           "without it, only the preview.")] = False,
    reason: Annotated[str, typer.Option(help="Why a new version (when one exists).")] = "",
    out: Annotated[Path | None, typer.Option(
        help="Folder to write the generated CSV and XLSX into.")] = None,
) -> None:
    """The quarterly tax report of merchants' identity and income: totals, then with
    --generate the report's version and file digests."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        rep = reports.preview_tax(session=session, actor=actor, platform_id=p.id,
                                  quarter=quarter)
        heads = dict(rep.columns)
        typer.echo(f"{rep.quarter.label}: {len(rep.rows)} merchant row(s), due "
                   f"{rep.due_on.isoformat()}")
        for code in rep.money:
            typer.echo(f"  {heads[code]:<24} {rep.totals[code] / 100:>18,.2f}")
        if not generate:
            return
        r = reports.generate_tax(session=session, actor=actor, platform_id=p.id,
                                 quarter=quarter, reason=reason)
        typer.echo(f"generated {r.id} version {r.version} ({r.status})")
        typer.echo(f"  csv  sha256 {r.csv_sha256}")
        typer.echo(f"  xlsx sha256 {r.xlsx_sha256}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for fmt in ("csv", "xlsx"):
                content, _media, name = reports.file_of(r, fmt)
                (out / name).write_bytes(content)
                typer.echo(f"  wrote {out / name}")


@report_app.command("identity")
@handles_errors
def report_identity_cmd(
    platform: PlatformOpt,
    period: Annotated[str, typer.Option(
        "--period", help="A reporting month of the schedule, e.g. 2027-01.")],
    generate: Annotated[bool, typer.Option(
        "--generate", help="Generate the report (CSV and XLSX kept with their SHA-256); "
                           "without it, only the preview.")] = False,
    reason: Annotated[str, typer.Option(help="Why a new version (when one exists).")] = "",
) -> None:
    """The identity report to the market regulator (网络交易监督管理办法 第二十五条): the
    merchants on the platform in the covered days, then with --generate the version and
    file digests (approve and mark submitted with tax-approve / tax-submitted)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        rep = reports.preview_identity(session=session, actor=actor, platform_id=p.id,
                                       period=period)
        typer.echo(f"{rep.month.label}: {len(rep.rows)} merchant(s) on the platform from "
                   f"{rep.start.isoformat()} to {rep.end.isoformat()} (exclusive), due "
                   f"{rep.due_on.isoformat()}")
        for key, n in sorted(rep.totals.items()):
            typer.echo(f"  {key:<32} {n:>8}")
        if not generate:
            return
        r = reports.generate_identity(session=session, actor=actor, platform_id=p.id,
                                      period=period, reason=reason)
        typer.echo(f"generated {r.id} version {r.version} ({r.status})")
        typer.echo(f"  csv  sha256 {r.csv_sha256}")
        typer.echo(f"  xlsx sha256 {r.xlsx_sha256}")


@report_app.command("tax-approve")
@handles_errors
def report_approve_cmd(
    platform: PlatformOpt,
    report: Annotated[str, typer.Argument(help="Report id.")],
) -> None:
    """Approve a generated report (someone other than who generated it)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        r = reports.get_report(session=session, actor=actor, platform_id=p.id,
                               report_id=report, permission=reports.REPORT)
        reports.approve(session=session, actor=actor, report=r)
        typer.echo(f"{r.period} version {r.version}: {r.status}")


@report_app.command("tax-submitted")
@handles_errors
def report_submitted_cmd(
    platform: PlatformOpt,
    report: Annotated[str, typer.Argument(help="Report id.")],
    receipt: Annotated[str, typer.Option("--receipt", help="The authority's receipt "
                                                           "reference.")],
) -> None:
    """Record that an approved report was submitted, with the authority's receipt."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        r = reports.get_report(session=session, actor=actor, platform_id=p.id,
                               report_id=report, permission=reports.REPORT)
        reports.mark_submitted(session=session, actor=actor, report=r, receipt_ref=receipt)
        typer.echo(f"{r.period} version {r.version}: {r.status} ({r.receipt_ref})")
