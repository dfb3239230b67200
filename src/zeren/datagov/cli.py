"""``zeren datagov …``: thin commands over the data-governance services — import the
inventory, list it by level, snapshot the important-data catalogue, register services, record
consents and ask the merge gate, and flush the ledger outbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.config import get_settings
from zeren.datagov import domain as d
from zeren.datagov import schemas as s
from zeren.datagov.gate import index_for
from zeren.datagov.services import consent, importer, inventory
from zeren.db.session import engine_for
from zeren.platforms.service import get_platform

app = typer.Typer(help="Data governance: inventory, classification, consent gate (Art 4, 18, 26).",
                  no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command("rules")
def rules_cmd() -> None:
    """Show the classification rules, in the order they are tried, with their sources."""
    sc = d.scheme()
    console.print(f"[bold]{sc.version}[/] — {sc.source}")
    for r in sc.rules:
        console.print(f"{r.id}\t{sc.levels[r.level].zh}\t{r.zh}\t[dim]{r.source}[/]")


@app.command("import")
@handles_errors
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX inventory file.", exists=True)],
    platform: PlatformOpt,
) -> None:
    """Import data assets (all or nothing; errors name the row and the field)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        res = importer.import_assets(session=session, actor=cli_actor(), platform_id=p.id,
                                     filename=file.name, content=file.read_bytes())
        r = res.record
        rate = r.rows / res.seconds if res.seconds else 0.0
        console.print(f"[green]imported[/] {r.rows} rows: {r.created} new, {r.updated} changed, "
                      f"{r.unchanged} unchanged in {res.seconds:.2f} s ({rate:,.0f} rows/s)")


@app.command("assets")
@handles_errors
def assets_cmd(
    platform: PlatformOpt,
    level: Annotated[str | None, typer.Option(help="core / important / general")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
) -> None:
    """List the inventory with each asset's level and deciding rule."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total, counts = inventory.list_assets(
            session=session, actor=cli_actor(), platform_id=p.id,
            filters=inventory.AssetFilter(level=level), offset=0, limit=limit)
        console.print(f"{total} assets · " + " · ".join(
            f"{d.scheme().levels[k].zh} {v}" for k, v in counts.items()))
        for a in rows:
            console.print(f"{a.code}\t{d.scheme().levels[a.level].zh}\t{a.rule_id}\t{a.system}"
                          f"\t{a.dataset}")


@app.command("catalogue")
@handles_errors
def catalogue_cmd(platform: PlatformOpt,
                  filed_with: Annotated[str, typer.Option(help="Authority filed with.")] = "",
                  ) -> None:
    """Snapshot the important-data catalogue and print it as JSON."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        cat = inventory.generate_catalogue(session=session, actor=cli_actor(), platform_id=p.id,
                                           data=s.CatalogueIn(filed_with=filed_with))
        _print_json({"id": cat.id, "sha256": cat.sha256, "assets": cat.content})


@app.command("service-add")
@handles_errors
def service_add_cmd(platform: PlatformOpt, code: str, name: str) -> None:
    """Register a service whose data the merge gate guards."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        consent.register_service(session=session, actor=cli_actor(), platform_id=p.id,
                                 data=s.ServiceIn(code=code, name=name))
        console.print(f"[green]registered[/] {code}")


@app.command("decide")
@handles_errors
def decide_cmd(
    platform: PlatformOpt,
    person: Annotated[str, typer.Option(help="The person's reference.")],
    services: Annotated[str, typer.Option(help="Two services, comma-separated.")],
    purpose: Annotated[str, typer.Option(help="The purpose of combining.")],
) -> None:
    """Ask the merge gate once (the decision is kept and logged like an API call)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        req = s.DecideIn(person_ref=person, services=[x.strip() for x in services.split(",")],
                         purpose=purpose)
        got = consent.decide(session=session, actor=cli_actor(), platform_id=p.id,
                             requests=[req], index=index_for(session.get_bind().engine))[0]
        _print_json({"id": got.id, "outcome": got.decision.outcome.value,
                     "reason": got.decision.reason.value, "message": got.message(),
                     "consent_id": got.decision.consent_id})


@app.command("flush")
@handles_errors
def flush_cmd() -> None:
    """Append what the ledger outbox holds to the ledger now."""
    from zeren.ledger.outbox import flush_all
    from zeren.ledger.service import integrator_for

    engine = engine_for(get_settings().database_url)
    n = flush_all(engine=engine, integrator=integrator_for(engine, get_settings().data_dir))
    console.print(f"[green]logged[/] {n} records")
