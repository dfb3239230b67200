"""``zeren rules …``: thin commands over the rules library — list documents with the version
in force, show a version, diff two versions, list open exclusivity findings."""

from __future__ import annotations

from typing import Annotated

import typer

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.db.base import utcnow
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform
from zeren.rules.services import documents as docs
from zeren.rules.services import exclusivity

app = typer.Typer(help="Platform rules: the library, versions, diffs, findings (Art 14, 16, 29).",
                  no_args_is_help=True)
PlatformOpt = Annotated[str, typer.Option("--platform", help="Platform code or id.")]


@app.command("list")
@handles_errors
def list_cmd(platform: PlatformOpt) -> None:
    """Rule documents with their versions and the one in force now."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        rows, total = docs.list_documents(session=session, actor=actor, platform_id=p.id,
                                          params=PageParams(offset=0, limit=500))
        now = utcnow()
        for doc in rows:
            cur = docs.in_force(session=session, document_id=doc.id, at=now)
            console.print(f"{doc.code}\t{doc.kind}\t{doc.title}\t"
                          f"in force: {'v' + str(cur.number) if cur else '-'}")
            for v in docs.versions_of(session=session, actor=actor, document=doc):
                st = docs.status_of(session=session, version=v, now=now).shown.value
                console.print(f"  v{v.number}\t{st}\t{v.id}\t{v.summary[:60]}")
        console.print(f"{total} document(s)")


@app.command("diff")
@handles_errors
def diff_cmd(
    platform: PlatformOpt,
    version: Annotated[str, typer.Argument(help="The newer version's id.")],
    against: Annotated[str, typer.Argument(help="The older version's id.")],
) -> None:
    """The unified diff between two versions of a document."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        actor = cli_actor()
        new = docs.get_version(session=session, actor=actor, version_id=version,
                               platform_id=p.id)
        old = docs.get_version(session=session, actor=actor, version_id=against,
                               platform_id=p.id)
        got = docs.diff(session=session, actor=actor, old=old, new=new)
        console.print(got.unified, markup=False, highlight=False)
        console.print(f"added {got.counts['added']}, removed {got.counts['removed']}, "
                      f"changed {got.counts['changed']}")


@app.command("findings")
@handles_errors
def findings_cmd(platform: PlatformOpt) -> None:
    """Open exclusivity findings (指南 第十六条)."""
    with db() as session:
        p = get_platform(session=session, platform_ref=platform)
        rows, total = exclusivity.list_findings(session=session, actor=cli_actor(),
                                                platform_id=p.id,
                                                params=PageParams(offset=0, limit=500),
                                                status="open")
        for f in rows:
            console.print(f"{f.id}\t{f.source_kind}\t{f.term}\t{f.excerpt}", markup=False,
                          highlight=False)
        console.print(f"{total} open finding(s)")
