"""``zeren reviews import|audit``: thin commands over the reviews services — ingest a JSON Lines
file of reviews in batches (each batch all or nothing), and audit a display from a file of
review ids in display order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from zeren.cli_support import cli_actor, console, db, fail, handles_errors
from zeren.platforms.service import get_platform
from zeren.reviews import service as svc
from zeren.reviews.schemas import DisplayIn, ReviewIn, ShownIn

app = typer.Typer(help="Reviews: ingest to the ledger and audit displays (Art 15).",
                  no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]
BATCH = 5000


@app.command("import")
@handles_errors
def import_cmd(
    platform: PlatformOpt,
    file: Annotated[Path, typer.Argument(help="JSON Lines: one review object per line.")],
) -> None:
    """Ingest reviews (batches of 5,000, one unit of work each); a bad line names its number."""
    if not file.is_file():
        fail(f"no such file: {file}")
    items: list[ReviewIn] = []
    for n, line in enumerate(file.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(ReviewIn.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as e:
            fail(f"line {n}: {str(e).splitlines()[0]}")
    done = 0
    for lo in range(0, len(items), BATCH):
        with db() as session:
            p = get_platform(session=session, platform_ref=platform)
            done += len(svc.ingest(session=session, actor=cli_actor(), platform_id=p.id,
                                   reviews=items[lo:lo + BATCH]).ids)
    console.print(f"ingested {done} review(s)")


@app.command("audit")
@handles_errors
def audit_cmd(
    platform: PlatformOpt,
    ref: Annotated[str, typer.Option("--ref", help="The listing or merchant displayed.")],
    scope: Annotated[str, typer.Option(help="listing or merchant")] = "listing",
    shown: Annotated[Path | None, typer.Option(
        help="File of review ids as displayed, one per line, top first.")] = None,
    count: Annotated[int | None, typer.Option(help="Only the number displayed.")] = None,
) -> None:
    """Compare a display with the ledger's reviews; print the findings."""
    if scope not in ("listing", "merchant"):
        fail("--scope is listing or merchant")
    ids = None
    if shown is not None:
        if not shown.is_file():
            fail(f"no such file: {shown}")
        ids = [ShownIn(review_id=x.strip()) for x in shown.read_text("utf-8").splitlines()
               if x.strip()]
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        a, found = svc.audit_display(session=session, actor=cli_actor(), platform_id=p.id,
                                     data=DisplayIn(scope=scope, ref=ref,
                                                    shown=ids, count=count))
        console.print(f"audit {a.id}: expected {a.expected}, displayed {a.displayed}, "
                      f"hidden with a measure {a.hidden_with_measure}; {a.counts}")
        for f in found[:200]:
            console.print(f"  {f.kind}\t{f.review}\t{f.detail}", markup=False, highlight=False)
