"""``zeren ledger …``: thin commands over the ledger's services (export, proofs, keys, bulk
append, self-check, erasure and witnessing)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from zeren.cli_support import console, db, handles_errors
from zeren.config import get_settings
from zeren.db.session import engine_for
from zeren.errors import InvalidInput
from zeren.ledger import store
from zeren.ledger.integrator import PendingEntry
from zeren.ledger.service import erase_personal, integrator_for
from zeren.ledger.verify import MAX_ENTRY_SIZE, VerificationError, parse_vkey
from zeren.ledger.witness import last_size, load_key, load_state, witness, witness_verifier

app = typer.Typer(help="The tamper-evident ledger (Art 8, 10, 12, 15, 34).", no_args_is_help=True)

LogOpt = Annotated[str, typer.Option("--log", help="Log name, e.g. orders/2025.")]


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command("logs")
@handles_errors
def logs_cmd() -> None:
    """List the logs with their newest checkpoint."""
    with db() as s:
        for info, cp in store.list_logs(session=s):
            when = f"{cp.created_at:%Y-%m-%d %H:%M:%S}"
            console.print(f"{info.name}\t{cp.size}\t{cp.root_hash.hex()}\t{when}")


@app.command("key")
@handles_errors
def key_cmd(log: LogOpt) -> None:
    """Print the log's verifier key (signed-note vkey)."""
    with db() as s:
        sys.stdout.write(store.verifier(store.get_log(session=s, name=log)).vkey + "\n")


@app.command("append")
@handles_errors
def append_cmd(
    log: LogOpt,
    input_file: Annotated[Path, typer.Argument(help="JSON Lines file: one entry per line.")],
) -> None:
    """Append one entry per line (the line's bytes, as given) and print the indexes."""
    items: list[PendingEntry] = []
    with open(input_file, "rb") as f:
        for n, line in enumerate(f, 1):
            raw = line.rstrip(b"\r\n")
            if not raw:
                continue
            try:
                json.loads(raw)
            except ValueError as exc:
                raise InvalidInput(f"line {n} is not JSON: {exc}", field="input") from exc
            if len(raw) > MAX_ENTRY_SIZE:
                raise InvalidInput(f"line {n} is longer than 65535 bytes", field="input")
            items.append(PendingEntry(raw))
    batches = integrator_for(engine_for(get_settings().database_url)).append(log, items)
    sys.stdout.write("".join(f"{i}\n" for b in batches for i in b.indexes))


@app.command("proof")
@handles_errors
def proof_cmd(
    log: LogOpt,
    index: Annotated[int, typer.Option("--index", help="Entry index.")],
    size: Annotated[int | None, typer.Option("--size", help="Checkpoint size (default newest).")]
    = None,
) -> None:
    """Print an entry, its inclusion proof and the checkpoint, as JSON."""
    with db() as s:
        info = store.get_log(session=s, name=log)
        _print_json(store.inclusion(session=s, log=info, index=index, size=size).to_json())


@app.command("consistency")
@handles_errors
def consistency_cmd(
    log: LogOpt,
    size1: Annotated[int, typer.Option("--from", help="Older checkpoint size.")],
    size2: Annotated[int, typer.Option("--to", help="Newer checkpoint size.")],
) -> None:
    """Print a consistency proof between two checkpoints, as JSON."""
    with db() as s:
        info = store.get_log(session=s, name=log)
        _print_json(store.consistency(session=s, log=info, size1=size1, size2=size2).to_json())


@app.command("export")
@handles_errors
def export_cmd(
    log: LogOpt,
    out: Annotated[Path, typer.Option("--out", help="Directory to write.")],
    size: Annotated[int | None, typer.Option("--size", help="Checkpoint size (default newest).")]
    = None,
) -> None:
    """Write the log in the C2SP tlog-tiles layout."""
    with db() as s:
        rep = store.export(session=s, log=store.get_log(session=s, name=log), out=out, size=size)
    console.print(f"exported {rep.log}: {rep.size} entries, {rep.tiles} tiles, "
                  f"{rep.bundles} bundles → {rep.directory}")


@app.command("check")
@handles_errors
def check_cmd(log: LogOpt) -> None:
    """Re-hash a stored log and check its tiles and newest checkpoint."""
    with db() as s:
        try:
            n = store.self_check(session=s, log=store.get_log(session=s, name=log))
        except VerificationError as exc:
            console.print(f"[bold red]FAILED[/] {exc}")
            raise typer.Exit(1) from exc
    console.print(f"OK {log}: {n} entries verify")


@app.command("erase")
@handles_errors
def erase_cmd(
    log: LogOpt,
    index: Annotated[int, typer.Option("--index", help="Entry whose personal data to erase.")],
    legal_basis: Annotated[str, typer.Option("--legal-basis", help="Why (law, request).")],
    approver: Annotated[str, typer.Option("--approver", help="Who approved the erasure.")],
) -> None:
    """Erase an entry's personal data (destroy its key) and log a tombstone."""
    engine = engine_for(get_settings().database_url)
    with db() as s:
        r = erase_personal(session=s, integrator=integrator_for(engine), log=log, index=index,
                           legal_basis=legal_basis, approver=approver)
    console.print(f"erased; tombstone {r.log} #{r.index}")


@app.command("witness")
@handles_errors
def witness_cmd(
    log: LogOpt,
    state: Annotated[Path, typer.Option("--state", help="Witness state file (JSON).")],
    key: Annotated[Path, typer.Option("--key", help="Witness key file (created if absent).")],
    name: Annotated[str, typer.Option("--name", help="Witness name, e.g. witness.example/w1.")],
    vkey: Annotated[str | None, typer.Option("--vkey", help="Log vkey to pin (default: the one "
                                             "pinned in the state, or the log's on first use).")]
    = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the cosigned checkpoint here.")]
    = None,
) -> None:
    """Verify the log's newest checkpoint is consistent with the last one this witness saw,
    then cosign it (C2SP tlog-cosignature)."""
    wkey = load_key(key, create=True)
    with db() as s:
        info = store.get_log(session=s, name=log)
        st = load_state(state)
        pinned = st["logs"].get(info.origin, {}).get("vkey")
        log_vkey = parse_vkey(vkey or pinned or store.verifier(info).vkey)
        cp = store.latest_checkpoint(session=s, log=info)
        old = last_size(st, info.origin)
        proof = [] if old is None else store.consistency(
            session=s, log=info, size1=min(old, cp.size), size2=cp.size).proof
    try:
        w = witness(state_path=state, key=wkey, name=name, log_vkey=log_vkey,
                    checkpoint=cp.note, proof=proof)
    except VerificationError as exc:
        console.print(f"[bold red]REFUSED[/] {exc}")
        raise typer.Exit(1) from exc
    if out:
        out.write_text(w.cosigned, encoding="utf-8")
    else:
        sys.stdout.write(w.cosigned)
    sys.stderr.write(f"cosigned {w.origin} {w.old_size} → {w.new_size}; witness vkey "
                     f"{witness_verifier(name, wkey).vkey}\n")
