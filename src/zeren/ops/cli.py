"""``zeren backup`` and ``zeren restore``: thin commands over ``zeren.ops.backup`` and
``zeren.ops.restore`` (docs/operations.md walks through a recovery)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from zeren.cli_support import console, handles_errors
from zeren.config import get_settings
from zeren.db.session import engine_for
from zeren.errors import InvalidInput
from zeren.ops.backup import (
    backup_file_name,
    check_passphrase,
    create_backup,
    read_passphrase_file,
)
from zeren.ops.restore import restore_backup

PassphraseOpt = Annotated[Path | None, typer.Option(
    "--passphrase-file", help="File holding the passphrase that encrypts the ledger keys "
    "(default: ZEREN_BACKUP_PASSPHRASE_FILE; asked for at a terminal).")]


def _passphrase(path: Path | None, *, confirm: bool) -> str:
    path = path or get_settings().backup_passphrase_file
    if path is not None:
        return read_passphrase_file(path)
    if not sys.stdin.isatty():
        raise InvalidInput("no passphrase: pass --passphrase-file or set "
                           "ZEREN_BACKUP_PASSPHRASE_FILE", field="passphrase_file")
    value = str(typer.prompt("Backup passphrase", hide_input=True,
                             confirmation_prompt=confirm))
    check_passphrase(value)
    return value


@handles_errors
def backup_command(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Archive to write (never overwritten; default: "
        "zeren-backup-<UTC time>.tar in ZEREN_BACKUP_DIR or here).")] = None,
    passphrase_file: PassphraseOpt = None,
) -> None:
    """Back up the database (a consistent snapshot, while Zeren runs), the data folder and the
    ledger keys (encrypted), with a signed manifest."""
    s = get_settings()
    if out is None:
        out = (s.backup_dir or Path(".")) / backup_file_name(datetime.now(UTC))
    rep = create_backup(engine=engine_for(s.database_url), url=s.database_url,
                        data_dir=s.data_dir, out=out,
                        passphrase=_passphrase(passphrase_file, confirm=True))
    console.print(f"[green]backup written[/] {escape(str(rep.path))} ({rep.bytes:,} bytes, "
                  f"{rep.files} files, {len(rep.logs)} ledger logs)")
    for lg in rep.logs:
        console.print(f"  {escape(lg['name'])}\t{lg['size']}")
    console.print(f"backup signer (keep it apart from the backups): {escape(rep.signer)}")


@handles_errors
def restore_command(
    archive: Annotated[Path, typer.Argument(help="The backup archive.", exists=True,
                                            dir_okay=False)],
    passphrase_file: PassphraseOpt = None,
    signer: Annotated[str | None, typer.Option(
        "--signer", help="The backup signer's verifier key, as `zeren backup` printed it "
        "(default: the key inside the backup, trusted through the passphrase).")] = None,
    witness_state: Annotated[list[Path] | None, typer.Option(
        "--witness-state", help="A witness's state file: the backup must not be behind any "
        "checkpoint it holds (repeatable).", exists=True, dir_okay=False)] = None,
    checkpoint: Annotated[list[Path] | None, typer.Option(
        "--checkpoint", help="A checkpoint that was given out (signed note file); the backup "
        "must not be behind it (repeatable).", exists=True, dir_okay=False)] = None,
) -> None:
    """Restore a backup into an empty database and data folder, after checking its manifest,
    its files and every ledger log against the checkpoints already given out."""
    s = get_settings()
    rep = restore_backup(archive=archive, url=s.database_url, data_dir=s.data_dir,
                         passphrase=_passphrase(passphrase_file, confirm=False), signer=signer,
                         witness_states=list(witness_state or []),
                         checkpoints=list(checkpoint or []))
    console.print(f"[green]restored[/] {len(rep.logs)} ledger logs verified, {rep.files} data "
                  "files")
    for lg in rep.logs:
        console.print(f"  OK {escape(lg['name'])}\t{lg['size']}")
    for src in rep.checked_against:
        console.print(f"  not behind {escape(src)}")
    for origin in rep.other_logs:
        console.print(f"  left aside (another installation's log): {escape(origin)}")
