"""``zeren lexicon …`` (import, export, versions, diff, seed-default, patrol, findings,
handle) and ``zeren screen``: thin commands over the lexicon services. Each command is one unit
of work, except the patrol, which commits after every batch so that it can resume.

Everything printed through rich that comes from users or data (terms, matched text, ids,
reasons, evasion lists such as ``[noise]``) goes through :func:`rich.markup.escape`, or is
printed with ``markup=False``: rich would otherwise read ``[noise]`` as a style tag and drop
it."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zeren.cli_support import cli_actor, console, db, handles_errors
from zeren.config import get_settings
from zeren.errors import InvalidInput, NotFound
from zeren.lexicon import service
from zeren.lexicon.cli_screen import progress as _progress
from zeren.lexicon.cli_screen import screen_command as screen_command
from zeren.lexicon.cli_screen import screen_main as screen_main
from zeren.lexicon.formats import (
    check_kind,
    decode,
    parse_documents,
    parse_lexicon,
)
from zeren.lexicon.models import PatrolRun
from zeren.platforms.service import get_platform

app = typer.Typer(help="The review lexicon (审核词库, Art 13) and its daily patrol.",
                  no_args_is_help=True)

LexOpt = Annotated[str, typer.Option("--lexicon", "-l", help="Lexicon name.")]


@app.command("import")
@handles_errors
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV (term,category,severity,action,whitelist) "
                                              "or plain text, one term a line.")],
    lexicon: LexOpt,
    category: Annotated[str | None, typer.Option(help="Category of every term of a plain-text "
                                                      "file.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or text (default: by the "
                                                             "file's extension).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (recorded with the version).")] = None,
    replace: Annotated[bool, typer.Option(help="End every term not in the file.")] = False,
) -> None:
    """Import terms into a lexicon as one new version, all or nothing."""
    kind = fmt or ("csv" if file.suffix.lower() == ".csv" else "text")
    try:
        data = file.read_bytes()
    except OSError as e:
        raise InvalidInput(f"{file}: {e.strerror}", field="file") from None
    rows = parse_lexicon(data, fmt=kind, category=category, what=str(file))
    with db() as s:
        ver = service.apply_changes(session=s, actor=cli_actor(), name=lexicon, upserts=rows,
                                    reason=reason or f"import {file.name}", replace=replace)
    if ver is None:
        console.print(f"{escape(lexicon)}: no change ({len(rows)} terms already as given)")
    else:
        console.print(f"{escape(lexicon)}: version {ver.version}: +{ver.added} "
                      f"-{ver.removed}, {ver.term_count} terms")


@app.command("seed-default")
@handles_errors
def seed_default_cmd(
    lexicon: Annotated[str, typer.Option("--lexicon", "-l")] = service.DEFAULT_LEXICON,
) -> None:
    """Store the package's default lexicon (advertising-law terms and team categories)."""
    with db() as s:
        ver = service.seed_default(session=s, actor=cli_actor(), name=lexicon)
    console.print(f"{escape(lexicon)}: "
                  + (f"version {ver.version}" if ver else "already up to date"))


@app.command("export")
@handles_errors
def export_cmd(
    lexicon: LexOpt,
    version: Annotated[int | None, typer.Option(help="Version (default: current).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Write a lexicon version as CSV (the import format plus variants, note, source)."""
    with db() as s:
        rows = service.export_rows(session=s, actor=cli_actor(), name=lexicon, version=version)
    fields = ["term", "category", "severity", "action", "whitelist", "variants", "note",
              "source", "platform_id"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    if output:
        output.write_text(buf.getvalue(), encoding="utf-8")
    else:
        sys.stdout.write(buf.getvalue())


@app.command("versions")
@handles_errors
def versions_cmd(lexicon: LexOpt) -> None:
    """List a lexicon's versions: who, when, why, what."""
    with db() as s:
        vs = service.list_versions(session=s, name=lexicon)
    t = Table("version", "at (UTC)", "by", "added", "removed", "terms", "reason")
    for v in vs:
        t.add_row(str(v.version), f"{v.created_at:%Y-%m-%d %H:%M:%S}", escape(v.actor_name),
                  str(v.added), str(v.removed), str(v.term_count), escape(v.reason))
    console.print(t)


@app.command("diff")
@handles_errors
def diff_cmd(
    lexicon: LexOpt,
    v1: Annotated[int, typer.Argument()],
    v2: Annotated[int, typer.Argument()],
) -> None:
    """What changed between two versions (+ added, - removed, ~ changed)."""
    with db() as s:
        d = service.diff_versions(session=s, actor=cli_actor(), name=lexicon, v1=v1, v2=v2)
    for a in d.added:
        console.print(f"+ {a.term}\t{a.category}\t{a.severity}\t{a.action}", markup=False)
    for r in d.removed:
        console.print(f"- {r.term}\t{r.category}\t{r.severity}\t{r.action}", markup=False)
    for old, new in d.changed:
        what = [f"{f}: {getattr(old, f)} → {getattr(new, f)}"
                for f in ("category", "severity", "action", "whitelist", "variants", "note",
                          "source") if getattr(old, f) != getattr(new, f)]
        console.print(f"~ {new.term}\t" + "; ".join(what), markup=False)


@app.command("suggest-whitelist")
@handles_errors
def suggest_whitelist_cmd(
    corpus: Annotated[list[Path], typer.Argument(help="Text (one document a line) or JSON "
                                                      "Lines ({\"id\", \"text\"} a line).")],
    lexicon: Annotated[str, typer.Option("--lexicon", "-l")] = service.DEFAULT_LEXICON,
    kind: Annotated[str | None, typer.Option(help="Content kind of the corpus.")] = None,
    per_term: Annotated[int, typer.Option(min=1, help="Words listed per term.")] = 20,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write CSV rows "
                                                "ready for `zeren lexicon import` here.")
                      ] = None,
) -> None:
    """List the ordinary words that contain each term in a corpus, the most frequent first,
    for an editor to accept as whitelist terms (--output writes them as an import file)."""
    from zeren.lexicon.whitelist import suggest

    kind = check_kind(kind, where="--kind")
    texts: list[str] = []
    for p in corpus:
        try:
            data = p.read_bytes()
        except OSError as e:
            raise NotFound(f"{p}: {e.strerror}", details={"field": "corpus"}) from None
        if p.suffix.lower() in (".jsonl", ".ndjson"):
            docs = parse_documents(data, name=str(p), max_bytes=get_settings().screen_max_bytes,
                                   jsonl=True)
            texts.extend(d.text for d in docs)
        else:
            texts.extend(x for x in decode(data, what=str(p)).splitlines() if x.strip())
    with db() as s:
        m = service.matcher_for(session=s, name=lexicon)
    got = suggest(m, texts, kind=kind, per_term=per_term)
    t = Table("term", "word", "seen", "dictionary frequency", "example")
    for g in got:
        t.add_row(escape(g.term), escape(g.word), str(g.seen), str(g.frequency),
                  escape(g.example))
    console.print(t)
    console.print(f"{len(got)} suggestion(s) from {len(texts)} document(s)")
    if output is not None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["term", "category", "severity", "action", "whitelist", "variants", "note",
                    "source"])
        for g in got:
            w.writerow([g.word, g.category, "", "", "true", "", f"contains {g.term}",
                        f"suggest-whitelist: seen {g.seen} times"])
        output.write_text(buf.getvalue(), encoding="utf-8")
        console.print(f"wrote {escape(str(output))}: review it, then "
                      f"`zeren lexicon import {escape(str(output))} --lexicon {escape(lexicon)}`")


# -- daily patrol -------------------------------------------------------------------------------


@app.command("patrol-submit")
@handles_errors
def patrol_submit_cmd(
    file: Annotated[Path, typer.Argument(help="JSON Lines of {\"id\", \"text\", \"kind\"?}.")],
    platform: Annotated[str, typer.Option(help="Platform id.")],
    kind: Annotated[str, typer.Option(help="Content kind of lines that do not say theirs.")
                    ] = "listing",
) -> None:
    """Hand a platform's items to moderation as subjects (screened before publication, and
    patrolled every day like every other item)."""
    docs = parse_documents(file.read_bytes(), name=str(file),
                           max_bytes=get_settings().screen_max_bytes, jsonl=True)
    k = check_kind(kind, where="--kind") or "listing"
    with db() as s:
        n = service.submit_items(session=s, actor=cli_actor(), platform_id=platform, items=docs,
                                 kind=k)
    console.print(f"{n} item(s) handed to moderation")


@app.command("patrol")
@handles_errors
def patrol_cmd(
    platform: Annotated[str, typer.Option(help="Platform id.")],
    lexicon: Annotated[str, typer.Option("--lexicon", "-l")] = service.DEFAULT_LEXICON,
    batch_size: Annotated[int | None, typer.Option(help="Items per unit of work.")] = None,
) -> None:
    """Run (or resume) the platform's patrol against the current lexicon version."""
    with db() as s:
        run = service.start_patrol(session=s, actor=cli_actor(), platform_id=platform,
                                   name=lexicon)
        run_id, total, done = run.id, run.items_total, run.items_done
    with _progress() as prog:
        task = prog.add_task(f"patrol {escape(platform)}", total=total, completed=done)
        finished = False
        while not finished:
            with db() as s:  # one unit of work per batch: a crash resumes at the cursor
                r = s.get(PatrolRun, run_id)
                assert r is not None
                before = r.items_done
                finished = service.patrol_step(session=s, run=r, batch_size=batch_size)
                prog.advance(task, r.items_done - before)
    with db() as s:
        r = s.get(PatrolRun, run_id)
        assert r is not None
        new = service.new_findings(session=s, run=r)
        console.print(f"patrol {r.id}: version {r.version}, {r.items_done} items, "
                      f"{r.hits_total} hits, {r.new_hits} new")
        for f in new[:50]:
            console.print(f"  new: subject {f.subject_id} [{f.start_offset}:{f.end_offset}] "
                          f"{f.matched} → {f.term} ({f.action})"
                          + (f", case {f.case_id}" if f.case_id else ""), markup=False)


@app.command("findings")
@handles_errors
def findings_cmd(
    platform: Annotated[str, typer.Option(help="Platform id or code.")],
    state: Annotated[str, typer.Option(help="open, handled or all.")] = "open",
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Rows to skip.")] = 0,
) -> None:
    """List the daily patrol's findings on a platform (default: not handled yet)."""
    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        rows, total = service.list_findings(session=s, platform_id=p.id, state=state,
                                            offset=offset, limit=limit)
        t = Table("finding", "item", "place", "matched", "term", "action", "found (UTC)",
                  "handled")
        for f in rows:
            handled = (f"{f.handled_at:%Y-%m-%d %H:%M} {f.handled_by}: {f.handling}"
                       if f.handled_at is not None else "")
            t.add_row(f.id, escape(f.subject_id or f.item_id or ""),
                      f"{f.start_offset}:{f.end_offset}",
                      escape(f.matched), escape(f.term), f.action,
                      f"{f.found_at:%Y-%m-%d %H:%M}", escape(handled))
    console.print(t)
    console.print(f"{len(rows)} of {total} {state} finding(s)")


@app.command("handle")
@handles_errors
def handle_cmd(
    finding: Annotated[str, typer.Argument(help="Finding id (see `zeren lexicon findings`).")],
    handling: Annotated[str, typer.Option(help="How it was handled, e.g. 下架 (taken down) or "
                                               "核实无误 (kept after review).")],
) -> None:
    """Record how a patrol finding was handled, and by whom (once per finding)."""
    with db() as s:
        f = service.handle_finding(session=s, actor=cli_actor(), finding_id=finding,
                                   handling=handling)
        console.print(f"finding {f.id} handled by {escape(f.handled_by or '')}: "
                      f"{escape(f.handling)}")


@app.command("report-finding")
@handles_errors
def report_finding_cmd(
    finding: Annotated[str, typer.Argument(help="Finding id (see `zeren lexicon findings`).")],
    authority: Annotated[str, typer.Option(help="The authority reported to.")],
    summary: Annotated[str, typer.Option(help="What was reported.")],
    reference: Annotated[str, typer.Option(help="The authority's reference, if any.")] = "",
) -> None:
    """Report a serious patrol finding to an authority (an authority-report record on its
    moderation case)."""
    with db() as s:
        r = service.report_finding(session=s, actor=cli_actor(), finding_id=finding,
                                   authority=authority, reference=reference, summary=summary)
        console.print(f"finding {escape(finding)} reported to {escape(authority)}: "
                      f"case {r.case_id}, report {r.id}")


@app.command("patrol-export")
@handles_errors
def patrol_export_cmd(
    platform: Annotated[str, typer.Option(help="Platform id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Parquet file to write.")],
    partitions: Annotated[int | None, typer.Option(min=1, max=4096, help="Partitions "
                                                   "(default: patrol.toml).")] = None,
) -> None:
    """Export the platform's published items as a Parquet snapshot for the Spark patrol."""
    from zeren.lexicon.spark import export_snapshot

    parts = partitions or int(service.patrol_settings().get("partitions", 1))
    with db() as s:
        n = export_snapshot(session=s, platform_id=platform, path=output, partitions=parts)
    console.print(f"{n} item(s) written to {escape(str(output))} ({parts} partitions)")


@app.command("patrol-spark")
@handles_errors
def patrol_spark_cmd(
    platform: Annotated[str, typer.Option(help="Platform id.")],
    snapshot: Annotated[Path, typer.Option(help="Parquet snapshot (zeren lexicon "
                                                "patrol-export).")],
    lexicon: Annotated[str, typer.Option("--lexicon", "-l")] = service.DEFAULT_LEXICON,
    master: Annotated[str, typer.Option(help="Spark master URL (local[*], spark://…, yarn).")
                      ] = "local[*]",
    partitions: Annotated[int | None, typer.Option(min=1, max=4096)] = None,
) -> None:
    """Run the platform's patrol on Apache Spark over a snapshot; findings are written back
    (and open moderation cases) like the local runner's."""
    from zeren.lexicon.spark import run_on_spark, session_for

    parts = partitions or int(service.patrol_settings().get("partitions", 1))
    spark = session_for(master)
    try:
        with db() as s:
            run = run_on_spark(session=s, spark=spark, actor=cli_actor(), platform_id=platform,
                               lexicon_name=lexicon, snapshot=snapshot, partitions=parts)
            line = (f"patrol {run.id} on Spark: {run.status}, {run.items_done} items, "
                    f"{run.hits_total} hits, {run.new_hits} new"
                    + (f"; error: {run.error}" if run.error else ""))
    finally:
        spark.stop()
    console.print(line, markup=False)
