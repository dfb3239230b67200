"""``zeren credit compute``: score every merchant under the credit rule in force."""

from __future__ import annotations

from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.credit import service as svc
from zeren.platforms.service import get_platform

app = typer.Typer(help="Credit evaluation of merchants (Art 15).", no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


@app.command("compute")
@handles_errors
def compute_cmd(platform: PlatformOpt) -> None:
    """Compute and publish a credit batch (logged to the ledger)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        b = svc.compute(session=session, actor=cli_actor(), platform_id=p.id)
        console.print(f"batch {b.id}: {b.merchants} merchant(s) under formula "
                      f"{b.formula_version_id}; sha256 {b.scores_sha256}")
