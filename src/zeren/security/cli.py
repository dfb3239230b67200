"""``zeren security …``: thin commands over the security services — list incidents with their
clocks, print a submitted report, and run the escalation now."""

from __future__ import annotations

from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.config import get_settings
from zeren.db.base import utcnow
from zeren.platforms.service import get_platform
from zeren.security import domain as d
from zeren.security.services import incidents, reports

app = typer.Typer(help="Security incidents, reports and breaches (Art 25, 27).",
                  no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


@app.command("incidents")
@handles_errors
def incidents_cmd(platform: PlatformOpt) -> None:
    """Incidents with their grade and first-report clock (Beijing time)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        now = utcnow()
        rows, _total = incidents.list_incidents(session=session, actor=cli_actor(),
                                                platform_id=p.id, limit=10_000)
        for inc in rows:
            c = incidents.clocks(inc, now)["first_report"]
            due = f"{c.due.astimezone(d.BEIJING):%Y-%m-%d %H:%M} +08:00" if c.due else "—"
            left = d.format_left(c.seconds_left) if c.seconds_left is not None else ""
            console.print(f"{inc.number}\t{d.rules().grades[inc.grade].zh}\t{inc.status}\t"
                          f"{due}\t{c.state.value}\t{left}\t{inc.title}")


@app.command("report")
@handles_errors
def report_cmd(platform: PlatformOpt, report_id: str) -> None:
    """Print a submitted report as text."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        _rep, _inc, text = reports.export(session=session, actor=cli_actor(), platform_id=p.id,
                                          report_id=report_id)
        typer.echo(text, nl=False)


@app.command("escalate")
@handles_errors
def escalate_cmd() -> None:
    """Send the reminders whose time has come now (the job does this every minute)."""
    with db() as session:
        got = incidents.escalate_due(session=session, settings=get_settings())
        console.print(f"{got['stages']} stages, {got['messages']} messages sent")
