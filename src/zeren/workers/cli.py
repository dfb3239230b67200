"""``zeren workers …``: thin commands over the gig-worker register (指南 第三十条) — register
workers from CSV (identity sealed in the ledger), import dispatch-log CSV, and the
working-time and pay report over whole weeks."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.config import get_settings
from zeren.db.session import engine_for
from zeren.errors import InvalidInput
from zeren.platforms.service import get_platform
from zeren.timepolicy import parse_day
from zeren.workers import schemas as s
from zeren.workers.services import assessment, logs, register

app = typer.Typer(help="Gig workers: register, dispatch logs, working time and pay (Art 30).",
                  no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


@app.command("register")
@handles_errors
def register_cmd(platform: PlatformOpt,
                 file: Annotated[Path, typer.Argument(help="CSV: worker_id, kind, city[, name, "
                                                     "phone, id_number].")]) -> None:
    """Register workers from CSV, all or nothing; identities are sealed in the ledger."""
    rows = list(csv.DictReader(io.StringIO(file.read_text("utf-8-sig"))))
    workers = []
    for i, r in enumerate(rows):
        who = {k: r[k].strip() for k in ("name", "phone", "id_number") if (r.get(k) or "").strip()}
        try:
            workers.append(s.WorkerIn(worker_id=(r.get("worker_id") or "").strip(),
                                      kind=(r.get("kind") or "").strip(),
                                      city=(r.get("city") or "").strip(),
                                      personal=s.Identity(**who) if who else None))
        except ValueError as exc:
            raise InvalidInput(f"line {i + 2}: {exc}", field=f"workers.{i}") from None
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        n = register.register_workers(session=session, actor=cli_actor(), platform_id=p.id,
                                      workers=workers)
    from zeren.ledger.outbox import flush_all
    from zeren.ledger.service import integrator_for

    engine = engine_for(get_settings().database_url)
    flush_all(engine=engine, integrator=integrator_for(engine, get_settings().data_dir))
    console.print(f"[green]registered[/] {n} worker(s)")


@app.command("import")
@handles_errors
def import_cmd(platform: PlatformOpt,
               file: Annotated[Path, typer.Argument(help="CSV: worker_id, starts_at, ends_at "
                                                   "(ISO 8601 with offset)[, state, orders, "
                                                   "pay_cny].")]) -> None:
    """Import dispatch-log segments from CSV, all or nothing."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        imp = logs.import_csv(session=session, actor=cli_actor(), platform_id=p.id,
                              content=file.read_bytes(), filename=file.name)
        console.print(f"[green]imported[/] {imp.rows} segment(s) · {imp.id} · sha256 "
                      f"{imp.sha256}")


@app.command("report")
@handles_errors
def report_cmd(platform: PlatformOpt,
               first: Annotated[str, typer.Option("--from", help="A Monday, YYYY-MM-DD.")],
               weeks: Annotated[int, typer.Option(help="Whole weeks.")] = 1,
               limit: Annotated[int, typer.Option(help="Findings listed at most.")] = 100
               ) -> None:
    """Working-time and pay findings over whole weeks (JSON): by rule, by worker."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        got = assessment.report(session=session, actor=cli_actor(), platform_id=p.id,
                                first=parse_day(first, "from"), weeks=weeks, limit=limit)
    sys.stdout.write(json.dumps(s.ReportRead.model_validate(got).model_dump(mode="json"),
                                ensure_ascii=False, indent=2) + "\n")
