"""``zeren market …``: thin commands over the market-analytics services — store a file into
a dataset, run a detector (on DuckDB, or on Spark with ``--engine spark``), list findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.config import get_settings
from zeren.market.domain import catalogue
from zeren.market.services import actions, ingest, runs
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform

app = typer.Typer(help="Market conduct analytics: datasets, detectors, findings "
                       "(Art 1, 2, 17, 19, 20, 23, 24).", no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


@app.command("datasets")
def datasets_cmd() -> None:
    """Show the datasets, their columns and keys."""
    for ds in catalogue().datasets.values():
        console.print(f"[bold]{ds.name}[/] {ds.zh} — {ds.en} (time {ds.time}; key "
                      f"{'+'.join(ds.key)})")
        for c in ds.columns:
            extra = (" optional" if c.optional else "") + (
                f" min {c.min:g}" if c.min is not None else "")
            console.print(f"  {c.name}\t{c.type}{extra}")


@app.command("detectors")
def detectors_cmd() -> None:
    """Show the detectors, their parameters and sources."""
    cat = catalogue()
    console.print(f"[bold]{cat.version}[/]")
    for d in cat.detectors.values():
        console.print(f"[bold]{d.name}[/] Art {d.article} {d.zh} [dim]{d.source}[/]")
        for k, p in d.params.items():
            console.print(f"  {k} = {p.value:g}\t[dim]{p.source}[/]")


@app.command("ingest")
@handles_errors
def ingest_cmd(
    file: Annotated[Path, typer.Argument(help="Parquet, CSV or JSON Lines file.", exists=True,
                                         dir_okay=False)],
    dataset: Annotated[str, typer.Option(help="Dataset name (see `zeren market datasets`).")],
    platform: PlatformOpt,
    fmt: Annotated[str | None, typer.Option("--format", help="parquet, csv or jsonl "
                                            "(default: from the file name).")] = None,
) -> None:
    """Store a file into a dataset: every row, or none with the bad rows named."""
    root = get_settings().data_dir
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        row = ingest.ingest_file(session=session, actor=cli_actor(), platform_id=p.id, root=root,
                                 dataset_name=dataset, path=file, fmt=fmt)
        console.print(f"[green]stored[/] {row.rows} rows into {row.dataset} "
                      f"({len(row.days)} days, {len(row.files)} files) sha256 {row.sha256[:16]}…")


@app.command("run")
@handles_errors
def run_cmd(
    detector: Annotated[str, typer.Argument(help="Detector name (see `zeren market detectors`).")],
    platform: PlatformOpt,
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark.")] = "duckdb",
    spark_master: Annotated[str, typer.Option(help="Spark master URL (with --engine spark).")]
    = "local[2]",
    memory_limit: Annotated[str, typer.Option(help="DuckDB memory limit; it spills past it.")]
    = "4GB",
) -> None:
    """Run a detector and record its new findings."""
    root = get_settings().data_dir
    spark: Any = None
    if engine == "spark":
        from zeren.market.backend import spark_session

        spark = spark_session(spark_master)
    try:
        with db() as session:
            p = get_platform(session=session, platform_ref=platform)
            run = runs.run_detector(session=session, actor=cli_actor(), platform_id=p.id,
                                    root=root, name=detector, engine=engine, spark=spark,
                                    memory_limit=memory_limit)
            console.print(f"[green]{run.detector}[/] on {run.engine}: {run.findings_new} new, "
                          f"{run.findings_seen} seen before, {run.seconds:.2f} s; rows "
                          + ", ".join(f"{k} {v:,}" for k, v in run.rows_in.items()))
    finally:
        if spark is not None:
            spark.stop()


@app.command("findings")
@handles_errors
def findings_cmd(
    platform: PlatformOpt,
    detector: Annotated[str | None, typer.Option(help="Only this detector's.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON with the evidence.")] = False,
    lang: Annotated[str, typer.Option(help="zh or en explanations.")] = "zh",
) -> None:
    """Findings, highest score first."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total = runs.list_findings(session=session, actor=cli_actor(), platform_id=p.id,
                                         params=PageParams(offset=0, limit=limit),
                                         detector_name=detector)
        if as_json:
            sys.stdout.write(json.dumps(
                {"total": total, "items": [
                    {"id": f.id, "detector": f.detector, "article": f.article,
                     "subject": f.subject_id, "merchant_id": f.merchant_id, "score": f.score,
                     "explanation": f.explanation_zh if lang == "zh" else f.explanation_en,
                     "facts": f.facts, "evidence": f.evidence,
                     "evidence_digest": f.evidence_digest} for f in rows]},
                ensure_ascii=False, indent=2, default=str) + "\n")
            return
        console.print(f"{total} findings")
        for f in rows:
            console.print(f"{f.score:.2f}\t{f.detector}\t{f.subject_id}\t"
                          f"{f.explanation_zh if lang == 'zh' else f.explanation_en}")


@app.command("act")
@handles_errors
def act_cmd(
    finding_id: Annotated[str, typer.Argument(help="Finding id.")],
    platform: PlatformOpt,
    note: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    assignee: Annotated[str, typer.Option(help="Owner of a compliance task.")] = "",
    due_days: Annotated[int | None, typer.Option(help="Days until a task is due.")] = None,
) -> None:
    """Take the action the finding's detector calls for (cases, task or price-fraud record)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        row = actions.act(session=session, actor=cli_actor(), platform_id=p.id,
                          finding_id=finding_id, note=note, assignee=assignee, due_days=due_days)
        console.print(f"[green]{row.kind}[/] {row.id}"
                      + (f" cases {', '.join(row.case_ids)}" if row.case_ids else "")
                      + (f" assignee {row.assignee}" if row.assignee else ""))
