"""``zeren governance …``: thin commands over the governance registers — interoperability
requests (第三条), the compliance programme's training import and completion, regulators'
requests and the policy library (第五条)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.errors import InvalidInput
from zeren.governance import domain as d
from zeren.governance import schemas as s
from zeren.governance.services import compliance, deals, enforcement, figures, interop
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform
from zeren.timepolicy import parse_day

app = typer.Typer(help="Governance registers: interoperability, compliance programme "
                  "(Art 3, 5, 9, 16, 32, 34).", no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command("grounds")
def grounds_cmd() -> None:
    """Show the justified grounds an interoperability refusal may name, with sources."""
    for k, t in d.interop_grounds().items():
        console.print(f"{k}\t{t.zh}\t[dim]{t.source}[/]")


@app.command("interop-add")
@handles_errors
def interop_add_cmd(
    platform: PlatformOpt,
    requester: Annotated[str, typer.Option(help="Who asks.")],
    service: Annotated[str, typer.Option(help="The platform's service asked for.")],
    asked: Annotated[str, typer.Option(help="What is asked.")],
    received_on: Annotated[str, typer.Option(help="Day received, YYYY-MM-DD.")],
    deadline: Annotated[str | None, typer.Option(help="Day a decision is due.")] = None,
) -> None:
    """Record an interoperability request as received."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        data = s.InteropIn(requester=requester, service=service, asked=asked,
                           received_on=parse_day(received_on, "received_on"),
                           deadline=parse_day(deadline, "deadline") if deadline else None)
        r = interop.record_request(session=session, actor=cli_actor(), platform_id=p.id,
                                   data=data)
        console.print(f"[green]recorded[/] {r.id} · decision due {r.deadline}")


@app.command("interop-decide")
@handles_errors
def interop_decide_cmd(
    platform: PlatformOpt, request_id: str,
    decision: Annotated[str, typer.Option(help="granted / partly_granted / refused")],
    ground: Annotated[str | None, typer.Option(help="Ground of a refusal.")] = None,
    reasons: Annotated[str, typer.Option(help="Reasons in words.")] = "",
) -> None:
    """Decide an interoperability request (once)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        r = interop.decide(session=session, actor=cli_actor(), platform_id=p.id,
                           request_id=request_id,
                           data=s.InteropDecisionIn(decision=decision, ground=ground,
                                                    reasons=reasons))
        console.print(f"[green]decided[/] {r.id}: {r.decision}")


@app.command("interop")
@handles_errors
def interop_list_cmd(platform: PlatformOpt, open_only: bool = False,
                     limit: Annotated[int, typer.Option(help="Rows to show.")] = 50) -> None:
    """List interoperability requests, newest first."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total = interop.list_requests(session=session, actor=cli_actor(),
                                            platform_id=p.id, open_only=open_only,
                                            params=PageParams(offset=0, limit=limit))
        console.print(f"{total} request(s)")
        for r in rows:
            console.print(f"{r.id}\t{r.received_on}\t{r.requester}\t{r.service}\t"
                          f"due {r.deadline}\t{r.decision or 'open'}\t{r.ground or ''}")


@app.command("training-import")
@handles_errors
def training_import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV: person, course, completed_on[, score].",
                                         exists=True)],
    platform: PlatformOpt,
) -> None:
    """Import training completions (all or nothing; errors name the row and the field)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        imp = compliance.import_completions(session=session, actor=cli_actor(),
                                            platform_id=p.id, filename=file.name,
                                            content=file.read_bytes())
        console.print(f"[green]imported[/] {imp.rows} completion(s) · sha256 {imp.sha256}")


@app.command("training")
@handles_errors
def training_cmd(platform: PlatformOpt) -> None:
    """Training completion per duty today, against the threshold in data."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        got = compliance.completion(session=session, actor=cli_actor(), platform_id=p.id)
        _print_json([{"duty": c.duty, "holders": c.holders, "completed": c.completed,
                      "share": c.share, "threshold": d.training_threshold(),
                      "missing": list(c.missing)} for c in got])


@app.command("regulator-add")
@handles_errors
def regulator_add_cmd(
    platform: PlatformOpt,
    authority: Annotated[str, typer.Option(help="The regulator.")],
    reference: Annotated[str, typer.Option(help="Its document number.")],
    subject: Annotated[str, typer.Option(help="What it requires.")],
    received_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    due_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    channel: Annotated[str, typer.Option(help="letter / interview / inspection / online / "
                                         "other")] = "letter",
) -> None:
    """Record a regulator's request with its due day."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        r = compliance.record_regulator_request(
            session=session, actor=cli_actor(), platform_id=p.id,
            data=s.RegulatorIn(authority=authority, reference=reference, subject=subject,
                               received_on=parse_day(received_on, "received_on"),
                               due_on=parse_day(due_on, "due_on"), channel=channel))
        console.print(f"[green]recorded[/] {r.id} · due {r.due_on}")


@app.command("regulator")
@handles_errors
def regulator_list_cmd(platform: PlatformOpt, open_only: bool = False) -> None:
    """List regulators' requests by due day."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total = compliance.list_regulator_requests(
            session=session, actor=cli_actor(), platform_id=p.id, open_only=open_only,
            params=PageParams(offset=0, limit=200))
        console.print(f"{total} request(s)")
        for r in rows:
            console.print(f"{r.id}\t{r.authority}\t{r.reference}\tdue {r.due_on}\t"
                          f"{r.answered_on or 'open'}")


@app.command("policies")
@handles_errors
def policies_cmd(platform: PlatformOpt) -> None:
    """List the policy library with each document's version and review day."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total = compliance.list_policies(session=session, actor=cli_actor(),
                                               platform_id=p.id,
                                               params=PageParams(offset=0, limit=500))
        console.print(f"{total} policy document(s)")
        for x in rows:
            console.print(f"{x.code}\tv{x.version}\t{x.title}\t{x.owner}\t"
                          f"review due {x.review_due_on}")


@app.command("thresholds")
def thresholds_cmd() -> None:
    """Show the concentration notification thresholds in data, with their source."""
    t = d.thresholds()
    console.print(f"[bold]{t.version}[/] — {t.source} · unit {t.unit} ({t.unit_zh})")
    for r in t.rules:
        console.print(f"{r.id}\t{r.zh}\t[dim]{r.source}[/]")


@app.command("assess")
@handles_errors
def assess_cmd(
    platform: PlatformOpt,
    party: Annotated[list[str], typer.Option(
        help="NAME:GLOBAL:CHINA turnovers in whole yuan (CNY); give it once per party.")],
) -> None:
    """Whether a concentration of these parties must be notified (records nothing)."""
    parties = []
    for i, raw in enumerate(party):
        bits = raw.rsplit(":", 2)
        if len(bits) != 3 or not bits[1].isdigit() or not bits[2].isdigit():
            raise InvalidInput("a party is NAME:GLOBAL:CHINA, both turnovers whole yuan (CNY)",
                               field=f"parties.{i}")
        parties.append(s.PartyIn(name=bits[0], global_turnover=int(bits[1]),
                                 china_turnover=int(bits[2])))
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        r = deals.assess(actor=cli_actor(), platform_id=p.id, data=s.AssessIn(parties=parties))
        _print_json({"notifiable": r.notifiable, "rule_id": r.rule_id, "version": r.version,
                     "figures": r.figures, "explanation": r.explanation})


@app.command("deals")
@handles_errors
def deals_cmd(platform: PlatformOpt) -> None:
    """List the concentrations with whether each must be notified and its step."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total = deals.list_deals(session=session, actor=cli_actor(), platform_id=p.id,
                                       params=PageParams(offset=0, limit=500))
        console.print(f"{total} deal(s)")
        for x in rows:
            console.print(f"{x.code}\t{x.title}\t{'notifiable' if x.notifiable else '-'}\t"
                          f"{x.rule_id or ''}\t{x.status}")


@app.command("enforcement")
@handles_errors
def enforcement_cmd(platform: PlatformOpt) -> None:
    """List enforcement requests with their deadline and step, and the active holds."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total = enforcement.list_requests(session=session, actor=cli_actor(),
                                                platform_id=p.id,
                                                params=PageParams(offset=0, limit=500))
        console.print(f"{total} request(s)")
        for x in rows:
            console.print(f"{x.id}\t{x.authority}\t{x.document_number}\t{x.dataset}\t"
                          f"due {x.deadline}\t{x.status}")
        for h in enforcement.list_holds(session=session, actor=cli_actor(), platform_id=p.id):
            console.print(f"hold {h.id}\t{h.subject_prefix}\t{h.reason}")


@app.command("enforcement-export")
@handles_errors
def enforcement_export_cmd(platform: PlatformOpt, request_id: str) -> None:
    """Produce the export of a request through its scoped query; prints rows and SHA-256
    (the digest is appended to the ledger by the outbox: `zeren datagov flush`)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        exp = enforcement.produce_export(session=session, actor=cli_actor(), platform_id=p.id,
                                         request_id=request_id)
        console.print(f"[green]produced[/] {exp.id}: {exp.rows} row(s) · sha256 {exp.sha256}")


@app.command("figures")
@handles_errors
def figures_cmd(platform: PlatformOpt,
                kind: Annotated[str, typer.Argument(help="innovation or packaging")],
                scope: Annotated[str, typer.Option(help="platform, merchant:… or "
                                                   "category:…")] = "platform") -> None:
    """Yearly figures year over year, with each field's change from the year before."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        _print_json(figures.report(session=session, actor=cli_actor(), platform_id=p.id,
                                   kind=kind, scope=scope))
