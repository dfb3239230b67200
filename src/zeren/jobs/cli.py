"""``zeren jobs``: list the scheduled jobs and run what is due."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zeren.cli_support import console, db, handles_errors
from zeren.config import get_settings
from zeren.db.session import engine_for
from zeren.jobs import service

app = typer.Typer(help="Scheduled jobs: daily posture evaluation, patrol, sweeps.",
                  no_args_is_help=True)


@app.command("list")
def list_jobs() -> None:
    """Every job with its schedule and its last run."""
    t = Table("job", "title", "schedule", "last run", "status")
    with db() as s:
        for job in service.all_jobs():
            last = service.last_run(session=s, job=job.name)
            t.add_row(job.name, job.title_zh, job.schedule.describe(),
                      f"{last.started_at:%Y-%m-%d %H:%M} UTC" if last else "—",
                      escape(last.status if last else ""))
    console.print(t)


@app.command("run")
@handles_errors
def run(
    name: Annotated[str | None, typer.Option(help="Run only this job.")] = None,
    force: Annotated[bool, typer.Option(help="Run even if not due.")] = False,
    forever: Annotated[bool, typer.Option(
        help="Keep running due jobs (the job runner process of a deployment); stops cleanly "
        "on SIGTERM or Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes with --forever.")]
    = 30.0,
) -> None:
    """Run the jobs that are due now (or keep doing so with --forever)."""
    engine = engine_for(get_settings().database_url)
    if forever:
        from zeren.ops.logs import configure_logging

        configure_logging(get_settings())
        stop = threading.Event()

        def on_signal(_sig: int, _frame: object) -> None:
            stop.set()  # finish the job that is running, then leave

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        service.run_forever(engine=engine, stop=stop, interval_s=max(0.1, interval))
        return
    runs = service.run_due(engine=engine, only=name, force=force)
    if not runs:
        console.print("nothing due")
    for r in runs:
        console.print(f"{r.job}: {escape(r.status)} {escape(str(r.summary or r.error))[:300]}")
