"""``zeren restore``: bring a backup back only if it keeps every promise the ledger has made.

In this order, and nothing is written before step 5:

1. unpack the archive (regular files with plain relative names only);
2. open ``keys.enc`` with the passphrase (AES-GCM: a wrong passphrase or an altered file is
   refused) and check ``manifest.sig`` with the backup key — the one the operator names with
   ``--signer`` or, without it, the one inside the keys the passphrase opened; the manifest's
   own ``signer`` must be that key;
3. check every file against the manifest (SHA-256 and size, no file missing, none added);
4. hold every log of the manifest against every checkpoint already given out that the operator
   brings: witness state files and checkpoint files. A log the backup lacks, a checkpoint not
   signed by the log's key, a backup *behind* a checkpoint given out, or one of the same size
   with another root is refused, naming the log;
5. restore into an EMPTY database (a new SQLite file written aside and moved into place last;
   on PostgreSQL ``pg_restore --single-transaction``, emptied again if step 6 fails);
6. verify every restored log: its newest checkpoint is the manifest's, its entries re-hash to
   it (``store.self_check``), its signing key is in the backup, and every witnessed checkpoint
   is a prefix of it (a consistency proof from the restored tiles);
7. write the keys and the data files.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from zeren.db.session import make_engine
from zeren.errors import AppError, InvalidInput
from zeren.ledger import store
from zeren.ledger.keys import write_key_file
from zeren.ledger.verify import (
    VerificationError,
    Verifier,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
    parse_vkey,
    raw_public_key,
    verify_consistency,
    verify_note,
)
from zeren.ledger.witness import load_state
from zeren.ops.backup import (
    FORMAT,
    KEYS,
    MANIFEST,
    SIGNATURE,
    backup_vkey,
    decrypt_keys,
    libpq_target,
    sha256_file,
    signed_text,
    sqlite_path,
)


class RestoreRefused(AppError):
    """The backup cannot be brought back as it is; the message says why."""

    status = 409
    code = "restore_refused"


@dataclass(frozen=True)
class GivenOut:
    """A checkpoint someone outside holds: from a witness state file or an operator's file."""

    source: str
    origin: str
    size: int
    root: bytes
    note: str


@dataclass
class RestoreReport:
    logs: list[dict[str, Any]]
    files: int
    checked_against: list[str] = field(default_factory=list)
    other_logs: list[str] = field(default_factory=list)  # given out by other installations


# ----------------------------------------------------------------------- reading the archive


def _unpack(archive: Path, into: Path) -> set[str]:
    names: set[str] = set()
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise RestoreRefused(f"{archive} is not a Zeren backup archive: {exc}",
                             details={"file": str(archive)}) from exc
    with tar:
        for m in tar:
            p = PurePosixPath(m.name)
            if (not m.isfile() or p.is_absolute() or ".." in p.parts or not p.parts
                    or m.name in names):
                raise RestoreRefused(f"archive member {m.name!r} is not allowed "
                                     "(only plain files with relative names, each once)",
                                     details={"member": m.name})
            target = into / p
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(m)
            assert src is not None
            with open(target, "wb") as f:
                shutil.copyfileobj(src, f)
            names.add(m.name)
    return names


def _keys_from(blob: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as kt:
        for m in kt:
            p = PurePosixPath(m.name)
            if not m.isfile() or p.is_absolute() or ".." in p.parts:
                raise RestoreRefused(f"keys.enc holds a member {m.name!r} that is not allowed",
                                     details={"member": m.name})
            f = kt.extractfile(m)
            assert f is not None
            out[m.name] = f.read()
    return out


def read_verified(archive: Path, work: Path, passphrase: str, signer: str | None
                  ) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Unpack, decrypt and check signature and hashes; the manifest and the key files."""
    names = _unpack(archive, work)
    for need in (MANIFEST, SIGNATURE, KEYS):
        if need not in names:
            raise RestoreRefused(f"the archive has no {need}", details={"missing": need})
    mbytes = (work / MANIFEST).read_bytes()
    try:
        manifest: dict[str, Any] = json.loads(mbytes)
        params = manifest["keys"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RestoreRefused("manifest.json is not a Zeren manifest",
                             details={"file": MANIFEST}) from exc
    keys = _keys_from(decrypt_keys((work / KEYS).read_bytes(), passphrase, params))
    if signer:
        trusted = parse_vkey(signer.strip())
    else:
        seed = keys.get("backup/signing.ed25519")
        if seed is None or len(seed) != 32:
            raise RestoreRefused("the backup's keys hold no backup signing key; pass --signer",
                                 details={"field": "signer"})
        trusted = parse_vkey(backup_vkey(Ed25519PrivateKey.from_private_bytes(seed)))
    if manifest.get("signer") != trusted.vkey:
        raise RestoreRefused("the manifest names another signer than the backup key trusted "
                             "here", details={"file": MANIFEST, "signer": manifest.get("signer")})
    try:
        note = verify_note((work / SIGNATURE).read_bytes(), [trusted])
    except VerificationError as exc:
        raise RestoreRefused(f"manifest.sig does not verify: {exc}",
                             details={"file": SIGNATURE}) from exc
    if note.text != signed_text(hashlib.sha256(mbytes).hexdigest()):
        raise RestoreRefused("manifest.json was altered: its SHA-256 is not the one signed",
                             details={"file": MANIFEST})
    if manifest.get("format") != FORMAT:
        raise RestoreRefused(f"unknown backup format {manifest.get('format')!r}",
                             details={"file": MANIFEST})
    files: dict[str, Any] = manifest["files"]
    extra = names - set(files) - {MANIFEST, SIGNATURE}
    if extra:
        raise RestoreRefused(f"the archive holds files the manifest does not list: "
                             f"{sorted(extra)[:5]}", details={"files": sorted(extra)})
    for name, meta in sorted(files.items()):
        if name not in names:
            raise RestoreRefused(f"{name} is missing from the archive", details={"file": name})
        path = work / name
        if path.stat().st_size != int(meta["size"]) or sha256_file(path) != meta["sha256"]:
            raise RestoreRefused(f"{name} was altered: its SHA-256 is not the manifest's",
                                 details={"file": name})
    return manifest, keys


# ----------------------------------------------------------------------- checkpoints given out


def given_out_from_state(path: Path) -> list[GivenOut]:
    """The newest checkpoint a witness holds of each log (``zeren ledger witness --state``)."""
    try:
        state = load_state(path)
        return [GivenOut(f"witness state {path}", origin, int(v["size"]),
                         base64.b64decode(v["root"]), str(v["checkpoint"]))
                for origin, v in sorted(state["logs"].items())]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"cannot read witness state {path}: {exc}",
                           field="witness_state") from exc


def given_out_from_checkpoint(path: Path) -> GivenOut:
    """A checkpoint (signed note, with or without cosignatures) the operator knows was given
    out: to an auditor, a regulator, a platform client."""
    try:
        raw = path.read_text("utf-8")
        cp = parse_checkpoint(parse_note(raw).text)
    except (OSError, ValueError, VerificationError) as exc:
        raise InvalidInput(f"cannot read checkpoint {path}: {exc}", field="checkpoint") from exc
    return GivenOut(f"checkpoint file {path}", cp.origin, cp.size, cp.root_hash, raw)


def _prefix(origin: str, name: str) -> str:
    return origin[: -len(name) - 1] if origin.endswith("/" + name) else origin


def check_given_out(manifest: dict[str, Any], given: list[GivenOut]) -> list[GivenOut]:
    """Refuse before anything is written when the backup is behind, or beside, a checkpoint
    that was given out. Returns the checkpoints of other installations' logs (a witness may
    follow several platforms), which are left aside."""
    by_origin = {lg["origin"]: lg for lg in manifest["logs"]}
    ours = {_prefix(lg["origin"], lg["name"]) for lg in manifest["logs"]}
    foreign: list[GivenOut] = []
    for g in given:
        lg = by_origin.get(g.origin)
        if lg is None and ours and not any(g.origin.startswith(p + "/") for p in ours):
            foreign.append(g)
            continue
        if lg is None:
            raise RestoreRefused(
                f"log {g.origin} is not in this backup, but {g.source} holds its checkpoint of "
                f"size {g.size}: restoring would lose a log that was given out",
                details={"origin": g.origin, "given_out_size": g.size, "source": g.source})
        try:
            open_checkpoint(g.note, [parse_vkey(lg["vkey"])])
        except VerificationError as exc:
            raise RestoreRefused(
                f"log {lg['name']}: the checkpoint in {g.source} is not signed by the log's key "
                f"in this backup ({exc})",
                details={"log": lg["name"], "source": g.source}) from exc
        size, root = int(lg["size"]), base64.b64decode(lg["root"])
        if size < g.size:
            raise RestoreRefused(
                f"log {lg['name']} is behind a checkpoint already given out: the backup holds "
                f"{size} entries, {g.source} holds a checkpoint of {g.size}. Restoring it would "
                "roll the log back (a fork for whoever holds that checkpoint); use a newer "
                "backup", details={"log": lg["name"], "backup_size": size,
                                   "given_out_size": g.size, "source": g.source})
        if size == g.size and root != g.root:
            raise RestoreRefused(
                f"log {lg['name']}: the backup's tree of {size} entries has another root than the "
                f"checkpoint in {g.source} (a fork)",
                details={"log": lg["name"], "size": size, "source": g.source})
    return foreign


# ----------------------------------------------------------------------- the database


def _has_tables(engine: Engine) -> bool:
    names = inspect(engine).get_table_names()
    return bool(names)


def _verify_restored(engine: Engine, manifest: dict[str, Any], keys: dict[str, bytes],
                     given: list[GivenOut]) -> list[dict[str, Any]]:
    from zeren.ledger.keys import key_file_name

    wanted = {lg["name"]: lg for lg in manifest["logs"]}
    ledger_keys = {PurePosixPath(k).name: v for k, v in keys.items()
                   if k.startswith("ledger/keys/")}
    out = []
    with Session(engine) as s:
        found = store.list_logs(session=s)
        names = {info.name for info, _ in found}
        if names != set(wanted):
            raise RestoreRefused("the restored database's logs are not the manifest's",
                                 details={"missing": sorted(set(wanted) - names),
                                          "extra": sorted(names - set(wanted))})
        for info, cp in found:
            lg = wanted[info.name]
            if (cp.size != int(lg["size"]) or cp.note != lg["checkpoint"]
                    or store.verifier(info).vkey != lg["vkey"]):
                raise RestoreRefused(f"log {info.name}: the restored newest checkpoint is not "
                                     "the manifest's", details={"log": info.name})
            try:
                n = store.self_check(session=s, log=info)
                for g in given:
                    if g.origin == info.origin and g.size < cp.size:
                        proof = store.consistency(session=s, log=info, size1=g.size,
                                                  size2=cp.size).proof
                        verify_consistency(size1=g.size, size2=cp.size, proof=proof,
                                           root1=g.root, root2=cp.root_hash)
            except (VerificationError, AppError) as exc:
                raise RestoreRefused(f"log {info.name} does not verify after restore: {exc}",
                                     details={"log": info.name}) from exc
            seed = ledger_keys.get(key_file_name(info.name))
            if seed is None or len(seed) != 32 or raw_public_key(
                    Ed25519PrivateKey.from_private_bytes(seed).public_key()) != info.public_key:
                raise RestoreRefused(f"log {info.name}: the backup has no signing key that "
                                     "matches the log", details={"log": info.name})
            out.append({"name": info.name, "size": n})
    return out


def _restore_postgresql(url: str, dump: Path) -> None:
    dsn, env = libpq_target(url)
    tool = shutil.which("pg_restore")
    if tool is None:
        raise RestoreRefused("pg_restore is not installed (Debian: postgresql-client)",
                             details={"tool": "pg_restore"})
    res = subprocess.run([tool, "--no-owner", "--no-privileges", "--exit-on-error",
                          "--single-transaction", f"--dbname={dsn}", str(dump)],
                         env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RestoreRefused(f"pg_restore failed: {res.stderr.strip()[-2000:]}",
                             details={"tool": "pg_restore"})


def _empty_postgresql(engine: Engine) -> None:
    """Put a database we restored into back to empty (it was empty before we began)."""
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))


def _check_data_dir(data_dir: Path, keys: dict[str, bytes]) -> None:
    for rel in keys:
        target = data_dir / rel
        if target.exists() and target.read_bytes() != keys[rel]:
            raise RestoreRefused(f"{target} exists with other content; restore into a data "
                                 "folder without keys", details={"path": str(target)})


def restore_backup(*, archive: Path, url: str, data_dir: Path, passphrase: str,
                   signer: str | None = None, witness_states: list[Path] | None = None,
                   checkpoints: list[Path] | None = None) -> RestoreReport:
    """Restore ``archive`` into the empty database at ``url`` and into ``data_dir``."""
    given: list[GivenOut] = []
    for p in witness_states or []:
        given += given_out_from_state(p)
    for p in checkpoints or []:
        given.append(given_out_from_checkpoint(p))
    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix="zeren-restore-") as tmp:
        work = Path(tmp)
        manifest, keys = read_verified(Path(archive), work, passphrase, signer)
        foreign = check_given_out(manifest, given)
        given = [g for g in given if g not in foreign]
        _check_data_dir(data_dir, keys)
        db = manifest["database"]
        engine = make_engine(url)
        try:
            if engine.dialect.name != db["dialect"]:
                raise RestoreRefused(f"this is a {db['dialect']} backup; ZEREN_DATABASE_URL names "
                                     f"a {engine.dialect.name} database",
                                     details={"dialect": db["dialect"]})
            if engine.dialect.name == "sqlite":
                target = sqlite_path(url)
                if target.exists() and target.stat().st_size and _has_tables(engine):
                    raise RestoreRefused(f"{target} is not empty; restore only into an empty "
                                         "database", details={"database": str(target)})
                engine.dispose()
                target.parent.mkdir(parents=True, exist_ok=True)
                aside = target.with_name(target.name + ".restoring")
                shutil.copyfile(work / db["file"], aside)
                check = make_engine(f"sqlite:///{aside}")
                try:
                    logs = _verify_restored(check, manifest, keys, given)
                finally:
                    check.dispose()
                for suffix in ("-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
                os.replace(aside, target)
            else:
                if _has_tables(engine):
                    raise RestoreRefused("the database is not empty; restore only into an "
                                         "empty database", details={"database": engine.url.database})
                _restore_postgresql(url, work / db["file"])
                try:
                    logs = _verify_restored(engine, manifest, keys, given)
                except BaseException:
                    _empty_postgresql(engine)
                    raise
        finally:
            engine.dispose()
        for rel, content in sorted(keys.items()):
            target = data_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(target.parent, 0o700)
            write_key_file(target, content)  # False: the same key was there already
        n = 0
        for name in sorted(manifest["files"]):
            if not name.startswith("data/"):
                continue
            target = data_dir / name.removeprefix("data/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / name, target)
            n += 1
    return RestoreReport(logs, n, sorted({g.source for g in given}),
                         sorted({g.origin for g in foreign}))


__all__ = ["GivenOut", "RestoreRefused", "RestoreReport", "Verifier", "restore_backup"]
