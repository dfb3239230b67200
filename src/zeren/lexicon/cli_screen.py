"""``zeren screen``: screen documents with a lexicon from the command line. Apart from the
lexicon's other commands (cli.py, which mounts it too) because it often runs in pipelines over
large files: started through ``zeren.entry``, it loads only what screening needs, and it reads
compiled matchers from the installation's data folder instead of building them (ADR 0203).

Everything printed through rich that comes from users or data goes through
:func:`rich.markup.escape`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zeren import clock
from zeren.cli_support import console, db, handles_errors, is_tty
from zeren.config import get_settings
from zeren.errors import InvalidInput, NotFound
from zeren.lexicon import screening
from zeren.lexicon.formats import Document, check_kind, parse_documents


def progress() -> Progress:
    """A progress bar on a terminal (nothing when the output is piped)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not is_tty(), transient=True)


@handles_errors
def screen_command(
    inputs: Annotated[list[Path], typer.Argument(help="Text files (one document each) or JSON "
                                                      "Lines ({\"id\", \"text\"} a line).")],
    lexicon: Annotated[str, typer.Option("--lexicon", "-l")] = screening.DEFAULT_LEXICON,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or table.")] = "jsonl",
    platform: Annotated[str | None, typer.Option(help="Platform id: add its own terms.")] = None,
    jsonl: Annotated[bool | None, typer.Option("--jsonl/--text", help="Read inputs as JSON "
                                               "Lines or as text (default: by extension).")
                     ] = None,
    kind: Annotated[str | None, typer.Option(help="Content kind of documents that do not say "
                                                  "theirs: post, listing, ad, review, profile, "
                                                  "message (default: every category applies).")
                    ] = None,
) -> None:
    """Screen documents with a lexicon; print one JSON line per document (or a table). A JSON
    Lines document may name its own content ``kind``."""
    if fmt not in ("jsonl", "table"):
        raise InvalidInput("--format is jsonl or table", field="format")
    kind = check_kind(kind, where="--kind")
    settings = get_settings()
    # Started alone (zeren.entry), it misses the full CLI's callback: read the deployment's
    # test clock here too, as every other command does (ADR 0304).
    clock.use_test_clock(settings.test_clock_file)
    limit = settings.screen_max_bytes
    files = screening.CompiledFiles.of(settings)
    docs: list[Document] = []
    for p in inputs:
        try:
            data = p.read_bytes()
        except OSError as e:
            raise NotFound(f"{p}: {e.strerror}", details={"field": "input"}) from None
        docs.extend(parse_documents(data, name=str(p), max_bytes=limit, jsonl=jsonl))
    blocked = 0
    table = Table("id", "decision", "hits") if fmt == "table" else None
    with db() as s, progress() as prog:
        task = prog.add_task(f"screening with {escape(lexicon)}", total=len(docs))
        step = 2048
        for i in range(0, len(docs), step):
            chunk = docs[i : i + step]
            _, results = screening.screen_documents(session=s, name=lexicon, documents=chunk,
                                                    platform_id=platform, kind=kind,
                                                    files=files)
            for d, r in zip(chunk, results, strict=True):
                blocked += r.decision == "block"
                if table is not None:
                    table.add_row(escape(d.id), str(r.decision), escape("; ".join(
                        f"{h.matched}→{h.term} [{','.join(h.evasion)}]" for h in r.hits)))
                else:
                    sys.stdout.write(json.dumps(screening.result_dict(d.id, r),
                                                ensure_ascii=False) + "\n")
            prog.advance(task, len(chunk))
    if table is not None:
        console.print(table)


def screen_main(args: list[str]) -> None:
    """``zeren screen`` on its own (see zeren.entry): the same command, without the others."""
    solo = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    solo.command()(screen_command)
    solo(args=args, prog_name="zeren screen")
