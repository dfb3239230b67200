"""``zeren moderation …``: thin commands over the moderation services — categories, batch
intake from JSON Lines, the queue, the clock (tick), webhook delivery, the ledger flush, and the periodic
report to authorities. The loop that runs tick, flush and delivery on a schedule is the one
job runner (`zeren jobs run --forever`, jobs ``moderation.tick`` and ``moderation.deliver``)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.config import get_settings
from zeren.db.session import engine_for
from zeren.errors import InvalidInput
from zeren.moderation import domain as d
from zeren.moderation.schemas import ReportIn
from zeren.moderation.services import authority, cases, clocks, delivery, intake, media
from zeren.platforms.service import get_platform
from zeren.timepolicy import now_utc, parse_optional

app = typer.Typer(help="Moderation, reports and complaints (Art 11, 12, 13, 22, 28, 29).",
                  no_args_is_help=True)

PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command("categories")
def categories_cmd() -> None:
    """List report categories with their severity and legal source."""
    for c in d.categories().values():
        console.print(f"{c.code}\t{c.severity}\t{c.name_zh}\t{c.source}")


@app.command("intake")
@handles_errors
def intake_cmd(
    file: Annotated[Path, typer.Argument(help="JSON Lines, one report per line.", exists=True)],
    platform: PlatformOpt,
    batch: Annotated[int, typer.Option(help="Reports per transaction.")] = 1000,
) -> None:
    """Take reports in from a JSON Lines file (the shape of POST …/moderation/reports)."""
    actor = cli_actor()
    lines = [ln for ln in file.read_text("utf-8").splitlines() if ln.strip()]
    items = []
    for i, ln in enumerate(lines, 1):
        try:
            items.append(ReportIn.model_validate_json(ln))
        except ValueError as exc:
            raise InvalidInput(f"line {i}: {exc}", field=f"line {i}") from None
    total = 0
    for start in range(0, len(items), batch):
        with db() as s:
            pid = get_platform(session=s, platform_ref=platform).id
            settings = get_settings()
            for n, r in enumerate(items[start:start + batch], start + 1):
                media.check_items(data_dir=settings.data_dir, platform_id=pid,
                                  media=r.subject.media, max_items=settings.media_max_items,
                                  field=f"line {n}: subject.media")
            out = intake.report_batch(session=s, actor=actor, platform_id=pid,
                                      items=items[start:start + batch])
            total += len(out)
    console.print(f"{total} reports taken in")


@app.command("queue")
@handles_errors
def queue_cmd(platform: PlatformOpt,
              limit: Annotated[int, typer.Option(help="Rows to show.")] = 20) -> None:
    """Open cases, most urgent first, with the time left before their deadline."""
    now = now_utc()
    with db() as s:
        pid = get_platform(session=s, platform_ref=platform).id
        for c in cases.list_cases(session=s, actor=cli_actor(), platform_id=pid,
                                  status="open", limit=limit):
            left = (c.sla_due_at - now).total_seconds() / 3600
            console.print(f"{c.id}\t{c.queue}\t{c.priority}\t{c.category}\t{left:+.1f} h")


@app.command("tick")
@handles_errors
def tick_cmd() -> None:
    """Escalate overdue cases, expire measures, run IP clocks and complaint deadlines."""
    with db() as s:
        _print_json(clocks.tick(session=s, actor=cli_actor()))


@app.command("deliver")
@handles_errors
def deliver_cmd() -> None:
    """Send due webhook messages (retrying earlier failures)."""
    _print_json(delivery.deliver_due(engine=engine_for(get_settings().database_url)))


@app.command("flush-ledger")
@handles_errors
def flush_ledger_cmd() -> None:
    """Append pending measures, statements and appeal outcomes to the ledger."""
    from zeren.ledger.service import record_log_for

    s = get_settings()
    engine = engine_for(s.database_url)
    n = delivery.flush_ledger(engine=engine, record_log=record_log_for(engine, s.data_dir))
    console.print(f"{n} record(s) logged")


@app.command("report")
@handles_errors
def report_cmd(
    platform: PlatformOpt,
    since: Annotated[str, typer.Option(
        "--from", help="Start (a Beijing calendar day YYYY-MM-DD, or a date-time), inclusive.")] = "",
    until: Annotated[str, typer.Option(
        "--to", help="End (a Beijing calendar day YYYY-MM-DD, or a date-time), exclusive.")] = "",
    fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
) -> None:
    """The periodic report to authorities for a platform and period."""
    end = parse_optional(until, "--to", now_utc())
    start = parse_optional(since, "--from", end - timedelta(days=30))
    with db() as s:
        pid = get_platform(session=s, platform_ref=platform).id
        data = authority.periodic_report(session=s, actor=cli_actor(), platform_id=pid,
                                         start=start, end=end)
    if fmt == "csv":
        sys.stdout.write(authority.to_csv(data))
    else:
        _print_json(data)
