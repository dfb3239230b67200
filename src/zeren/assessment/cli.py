"""``zeren audit …``: thin commands over the audit engagement's services — engagements of a
platform, build an evidence bundle, list findings and record remediation, write out a
report; and, for the auditor, a signing key and a signature over a report (no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from zeren.assessment import domain as d
from zeren.assessment.schemas import BundleIn, FindingMove
from zeren.assessment.services import bundles, engagements, findings, reports
from zeren.cli_support import cli_actor, console, db, fail, handles_errors
from zeren.config import get_settings
from zeren.ledger.verify import Note, make_verifier, raw_public_key, sign_note_text
from zeren.platforms.service import get_platform
from zeren.timepolicy import format_beijing

app = typer.Typer(help="Independent audit (Art 8): engagements, evidence bundles, findings, "
                  "reports.", no_args_is_help=True)
finding_app = typer.Typer(help="Audit findings and their remediation.", no_args_is_help=True)
app.add_typer(finding_app, name="finding")


@app.command("engagements")
@handles_errors
def engagements_cmd(platform: Annotated[str, typer.Option("--platform",
                                                          help="Platform code or id.")]) -> None:
    """The platform's audit engagements: id, period (Beijing time), auditor, title."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        for e in engagements.list_for(session=session, actor=cli_actor(), platform_id=p.id):
            console.print(f"{e.id}\t{format_beijing(e.period_start)} … "
                          f"{format_beijing(e.period_end)}\t{e.auditor_name}\t{e.title}",
                          highlight=False)


@app.command("bundle")
@handles_errors
def bundle_cmd(
    engagement: str,
    out: Annotated[Path, typer.Option("--out", help="Where to write the bundle (.zip).")],
    cite: Annotated[list[str] | None, typer.Option(
        "--cite", help="A record to prove: ledger:<log>#<index> (repeatable).")] = None,
    sample: Annotated[int, typer.Option(help="Also prove this many sampled records.")] = 0,
    seed: Annotated[str, typer.Option(help="Sampling seed (default: the engagement id).")] = "",
) -> None:
    """Build the engagement's evidence bundle, signed by the platform, and write it to
    --out; check it offline with `zeren-verify bundle --vkey @bundle.vkey FILE`."""
    data_dir = get_settings().data_dir
    with db() as session:
        b = bundles.build(session=session, actor=cli_actor(), engagement_id=engagement,
                          data=BundleIn(cite=cite or [], sample=sample, seed=seed),
                          data_dir=data_dir)
        path = bundles.bundle_file(data_dir, b.id)
        out.write_bytes(path.read_bytes())
        console.print(f"bundle {b.id} sha256 {b.sha256} ({b.size} bytes): "
                      f"{b.summary['files']} files, {b.summary['logs']} logs, "
                      f"{b.summary['citations']} cited records → {out}", highlight=False)


@app.command("bundle-key")
@handles_errors
def bundle_key_cmd() -> None:
    """Print the platform's verifier key for evidence bundles (give it to the auditor)."""
    typer.echo(bundles.bundle_vkey(get_settings().data_dir))


@finding_app.command("list")
@handles_errors
def finding_list(engagement: str) -> None:
    """The engagement's findings: number, article, severity, status, due date, owner."""
    with db() as session:
        for f in findings.findings(session=session, actor=cli_actor(), engagement_id=engagement):
            late = " OVERDUE" if findings.overdue(f) else ""
            console.print(f"{f.number}\tArt {f.article}\t{f.obligation_key}\t{f.severity}\t"
                          f"{f.status}{late}\t{f.due_on.isoformat()}\t{f.owner}\t{f.title}",
                          highlight=False)


@finding_app.command("move")
@handles_errors
def finding_move(
    engagement: str, number: int,
    status: Annotated[d.FindingStatus, typer.Option(help="The new remediation status.")],
    note: Annotated[str, typer.Option(help="What was done.")],
) -> None:
    """Record a remediation step on a finding (the platform: in_progress, remediated)."""
    with db() as session:
        f = findings.move(session=session, actor=cli_actor(), engagement_id=engagement,
                          number=number, data=FindingMove(status=status, note=note))
        console.print(f"finding {f.number} is now {f.status}")


@app.command("report")
@handles_errors
def report_cmd(
    engagement: str,
    out: Annotated[Path, typer.Option("--out", help="Where to write the report's HTML.")],
    report_id: Annotated[str, typer.Option("--report", help="A draft (default: newest).")] = "",
    pdf_out: Annotated[Path | None, typer.Option("--pdf", help="Also write its PDF here.")
                       ] = None,
) -> None:
    """Write a report draft's HTML (and PDF) and print its SHA-256 and signature state."""
    with db() as session:
        drafts = reports.reports(session=session, actor=cli_actor(), engagement_id=engagement)
        if not drafts:
            fail("the engagement has no report draft yet")
        rid = report_id or drafts[0].id
        r, sig = reports.get_report(session=session, actor=cli_actor(),
                                    engagement_id=engagement, report_id=rid)
        out.write_text(r.html, encoding="utf-8")
        if pdf_out is not None:
            _r, path = reports.report_pdf(session=session, actor=cli_actor(),
                                          engagement_id=engagement, report_id=rid,
                                          data_dir=get_settings().data_dir)
            pdf_out.write_bytes(path.read_bytes())
        state = f"signed by {sig.signer}" if sig else "not signed"
        console.print(f"report {r.id} sha256 {r.sha256} ({state}) → {out}", highlight=False)


@app.command("keygen")
def keygen_cmd(
    name: Annotated[str, typer.Option(help="Key name, e.g. audit-firm.example/alice.")],
    out: Annotated[Path, typer.Option("--out", help="Private key file to create (0600).")],
) -> None:
    """For the auditor: create a report-signing key and print its verifier key (give the
    verifier key to the platform for the engagement; keep the private key)."""
    if out.exists():
        fail(f"{out} exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    out.touch(mode=0o600)
    out.write_bytes(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    typer.echo(make_verifier(name, raw_public_key(key.public_key())).vkey)


@app.command("sign-report")
def sign_report_cmd(
    report_html: Annotated[Path, typer.Argument(help="The report's HTML, as downloaded.")],
    key: Annotated[Path, typer.Option(help="Private key file from `zeren audit keygen`.")],
    name: Annotated[str, typer.Option(help="The key's name, as in its verifier key.")],
    report_pdf: Annotated[Path | None, typer.Option(
        "--pdf", help="The report's PDF, as downloaded (signed with the HTML).")] = None,
) -> None:
    """For the auditor: sign a report's HTML and PDF; prints the signed note to submit."""
    import hashlib

    sha = hashlib.sha256(report_html.read_bytes()).hexdigest()
    pdf_sha = hashlib.sha256(report_pdf.read_bytes()).hexdigest() if report_pdf else ""
    k = Ed25519PrivateKey.from_private_bytes(key.read_bytes())
    text = reports.signed_text(sha, pdf_sha)
    typer.echo(Note(text, [sign_note_text(text, name=name, private_key=k)]).encode().decode(),
               nl=False)
