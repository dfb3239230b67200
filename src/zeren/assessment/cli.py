"""``zeren assessment …`` (the risk register and yearly assessment, Art 6) and
``zeren audit …``: thin commands over the audit engagement's services — engagements of a
platform, build an evidence bundle, list findings and record remediation, write out a
report; and, for the auditor, a signing key and a signature over a report (no database)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from zeren.assessment import domain as d
from zeren.assessment.schemas import AssessmentIn, BundleIn, FindingMove, JudgementIn, SignoffIn
from zeren.assessment.services import (
    algorithms,
    assessments,
    bundles,
    engagements,
    findings,
    public_reports,
    reports,
    risks,
    transparency,
)
from zeren.auth.service import actor_for, get_user
from zeren.cli_support import cli_actor, console, db, fail, handles_errors
from zeren.config import get_settings
from zeren.ledger.verify import Note, make_verifier, raw_public_key, sign_note_text
from zeren.platforms.service import get_platform
from zeren.timepolicy import as_utc, format_beijing

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


# -- zeren assessment …: the risk register and the yearly assessment (指南 第六条) -------------

assessment_app = typer.Typer(help="Risk register and yearly risk assessment (Art 6).",
                             no_args_is_help=True)
risk_app = typer.Typer(help="The platform's risk register.", no_args_is_help=True)
assessment_app.add_typer(risk_app, name="risk")
Platform = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


@assessment_app.command("catalogue")
@handles_errors
def catalogue_cmd() -> None:
    """The shipped catalogue: Art 6's kinds and risks, the systems, the indicators."""
    cat = d.catalogue()
    for k in cat.kinds.values():
        console.print(f"kind {k.key}\t({k.item}) {k.zh}\t{k.obligation}", highlight=False)
        for r in cat.risks.values():
            if r.kind == k.key:
                console.print(f"  {r.key}\t{r.zh}\t{', '.join(r.systems)}", highlight=False)
    for x in cat.systems.values():
        console.print(f"system {x.key}\t{x.zh}{' (Art 6)' if x.art6 else ''}", highlight=False)
    for i in cat.indicators.values():
        console.print(f"indicator {i.key}\t{i.zh}{' (required)' if i.required else ''}",
                      highlight=False)


@risk_app.command("list")
@handles_errors
def risk_list(platform: Platform) -> None:
    """The register: key, kind, likelihood × impact → level, residual, owner, mitigations."""
    cat = d.catalogue()
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        got = risks.register(session=session, actor=cli_actor(), platform_id=p.id)
        mits = risks.mitigations(session=session, risk_ids=[r.id for r in got])
        for r in got:
            console.print(
                f"{r.id}\t{r.key}\t{r.kind}\t{r.likelihood}×{r.impact} "
                f"{cat.level(r.likelihood, r.impact).key}\tresidual "
                f"{r.residual_likelihood}×{r.residual_impact} "
                f"{cat.level(r.residual_likelihood, r.residual_impact).key}\t{r.owner}\t"
                f"{len(mits[r.id])} mitigation(s)", highlight=False)


@risk_app.command("seed")
@handles_errors
def risk_seed(platform: Platform,
              owner: Annotated[str, typer.Option(help="Owner of the new risks.")]) -> None:
    """Put every catalogue risk not yet on the register onto it (3 × 3 until judged)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        got = risks.seed_catalogue(session=session, actor=cli_actor(), platform_id=p.id,
                                   owner=owner)
        console.print(f"{len(got)} risk(s) added to the register of {p.code}")


@assessment_app.command("start")
@handles_errors
def start_cmd(platform: Platform,
              title: Annotated[str, typer.Option(help="Title of the assessment.")],
              period_start: Annotated[datetime, typer.Option("--from", help="Period start.")],
              period_end: Annotated[datetime, typer.Option("--to", help="Period end.")]) -> None:
    """Open a yearly assessment over a past period (times without a zone: Beijing)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        a = assessments.start(session=session, actor=cli_actor(), platform_id=p.id,
                              data=AssessmentIn(title=title, period_start=period_start,
                                                period_end=period_end))
        console.print(f"assessment {a.id} started", highlight=False)


@assessment_app.command("pull")
@handles_errors
def pull_cmd(assessment: str) -> None:
    """Pull the indicators of the assessment's period from the modules (kept as snapshots)."""
    with db() as session:
        for x in assessments.pull_indicators(session=session, actor=cli_actor(),
                                             assessment_id=assessment):
            console.print(f"{x.key}\t{x.value['value']}\t{x.sha256[:16]}\t{x.source}",
                          highlight=False)


@assessment_app.command("judge")
@handles_errors
def judge_cmd(assessment: str, risk: Annotated[str, typer.Option(help="Register risk id.")],
              likelihood: int, impact: int,
              residual_likelihood: Annotated[int, typer.Option("--residual-likelihood")],
              residual_impact: Annotated[int, typer.Option("--residual-impact")],
              text: Annotated[str, typer.Option(help="The judgement, in words.")]) -> None:
    """Judge one register risk in the assessment (likelihood, impact, residual)."""
    with db() as session:
        j = assessments.judge(session=session, actor=cli_actor(), assessment_id=assessment,
                              data=JudgementIn(risk_id=risk, likelihood=likelihood,
                                               impact=impact,
                                               residual_likelihood=residual_likelihood,
                                               residual_impact=residual_impact, text=text))
        console.print(f"judged: level {j.level}, residual {j.residual_level}")


@assessment_app.command("sign")
@handles_errors
def sign_cmd(assessment: str,
             role: Annotated[d.SignoffRole, typer.Option(help="officer, then approver.")],
             user: Annotated[str, typer.Option("--as", help="The person signing (username).")],
             note: Annotated[str, typer.Option(help="What the signer attests.")]) -> None:
    """Sign off the assessment as a named person: the compliance officer, then a second
    approver. Refused, naming each, while an indicator is missing or a risk unjudged."""
    with db() as session:
        who = actor_for(session=session, user=get_user(session=session, username=user))
        a = assessments.sign(session=session, actor=who, assessment_id=assessment,
                             data=SignoffIn(role=role.value, note=note))
        due = f"; next due {a.next_due_on}" if a.next_due_on else ""
        console.print(f"assessment {a.id} is {a.status}{due}", highlight=False)


@assessment_app.command("show")
@handles_errors
def show_cmd(assessment: str) -> None:
    """An assessment: status, indicators, judgements, sign-offs, what blocks sign-off."""
    with db() as session:
        a = assessments.get(session=session, actor=cli_actor(), assessment_id=assessment)
        console.print(f"{a.title}\t{format_beijing(a.period_start)} … "
                      f"{format_beijing(a.period_end)}\t{a.status}", highlight=False)
        for x in assessments.indicators(session=session, assessment_id=a.id):
            console.print(f"  {x.key}\t{x.value['value']}", highlight=False)
        for j in assessments.judgements(session=session, assessment_id=a.id):
            console.print(f"  judged {j.risk_id}\t{j.level}/{j.residual_level}\t{j.by}",
                          highlight=False)
        for so in assessments.signoffs(session=session, assessment_id=a.id):
            console.print(f"  signed {so.role}\t{so.username}", highlight=False)
        if a.status == d.AssessmentStatus.IN_PROGRESS:
            for f, why in assessments.blockers(session=session, a=a):
                console.print(f"  blocks sign-off: {f}: {why}", highlight=False)


@assessment_app.command("algorithms")
@handles_errors
def algorithms_cmd(platform: Platform) -> None:
    """The algorithm register: name, type, system, filing number (or when it is due), the
    newest review and the user-facing options it checked."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        got = algorithms.algorithms(session=session, actor=cli_actor(), platform_id=p.id)
        revs = algorithms.reviews(session=session, algorithm_ids=[a.id for a in got])
        for a in got:
            filing = a.filing_number or f"filing due {a.filing_due_on}"
            last = revs[a.id][0] if revs[a.id] else None
            rv = (f"reviewed {last.reviewed_on} {last.outcome} "
                  + " ".join(f"{k}={'ok' if v else 'FAIL'}" for k, v in last.options.items())
                  if last else "never reviewed")
            console.print(f"{a.id}\t{a.name}\t{a.algorithm_type}\t{a.system}\t{filing}\t{rv}",
                          highlight=False)


@assessment_app.command("plans")
@handles_errors
def plans_cmd(platform: Platform) -> None:
    """Emergency plans and their newest drill (date, outcome)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        got = algorithms.plans(session=session, actor=cli_actor(), platform_id=p.id)
        dr = algorithms.drills(session=session, plan_ids=[x.id for x in got])
        for x in got:
            last = dr[x.id][0] if dr[x.id] else None
            state = f"drilled {last.held_on} {last.outcome}" if last else "never drilled"
            console.print(f"{x.id}\t{x.title}\t{x.risk_kind}\t{x.owner}\t{state}",
                          highlight=False)


@assessment_app.command("publish")
@handles_errors
def publish_cmd(assessment: str) -> None:
    """Publish the risk report of a signed assessment (HTML and PDF at a public URL)."""
    with db() as session:
        r = public_reports.publish(session=session, actor=cli_actor(),
                                   assessment_id=assessment, data_dir=get_settings().data_dir)
        console.print(f"risk report {r.id} published at /api/v1/public/risk-reports/{r.id}\n"
                      f"html sha256 {r.sha256}\npdf sha256 {r.pdf_sha256}", highlight=False)


report_app = typer.Typer(help="Reports the platform publishes (transparency report).",
                         no_args_is_help=True)


@report_app.command("transparency")
@handles_errors
def transparency_cmd(
    platform: Platform,
    period_start: Annotated[datetime, typer.Option("--from", help="Period start.")],
    period_end: Annotated[datetime, typer.Option("--to", help="Period end (excluded).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the report.")],
    fmt: Annotated[str, typer.Option("--format", help="json, csv, html or pdf.")] = "json",
) -> None:
    """The transparency report of a platform for [from, to): every figure with its query,
    with charts; prints the file's SHA-256. Times without a zone are Beijing time."""
    import hashlib
    import json

    if fmt not in ("json", "csv", "html", "pdf"):
        fail(f"--format {fmt!r}: use json, csv, html or pdf")
    start, end = as_utc(period_start), as_utc(period_end)
    if end <= start:
        fail("--to must come after --from")
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        data = transparency.build(session=session, actor=cli_actor(), platform_id=p.id,
                                  start=start, end=end)
        body = (json.dumps(data, ensure_ascii=False, indent=1).encode() if fmt == "json"
                else transparency.to_csv(data).encode() if fmt == "csv"
                else transparency.to_html(data).encode() if fmt == "html"
                else transparency.to_pdf(data))
    out.write_bytes(body)
    console.print(f"transparency report ({fmt}) sha256 {hashlib.sha256(body).hexdigest()} "
                  f"→ {out}", highlight=False)
