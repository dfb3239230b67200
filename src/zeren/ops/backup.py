"""``zeren backup``: one archive that brings an installation back, and says what it promises.

The archive (a tar file, mode 0600) holds

* ``database/zeren.db`` — a consistent snapshot taken while Zeren runs (SQLite's online backup
  API, one step, so the copy is one read transaction), or ``database/zeren.pgdump`` — ``pg_dump
  --format=custom`` run on a snapshot exported from a REPEATABLE READ transaction, the same
  snapshot the manifest's checkpoints are read from;
* ``data/…`` — the data folder's files (evidence files), copied after the database snapshot, so
  every file a row of the snapshot names is there;
* ``keys.enc`` — the ledger's signing keys (current and retired) and the backup signing key,
  as a tar encrypted with AES-256-GCM under a key derived from the operator's passphrase
  (scrypt). Without the passphrase the archive can be read but nobody can sign with its keys;
* ``manifest.json`` — every file's SHA-256 and size, the encryption parameters, and every
  ledger log's newest checkpoint *in the snapshot* (size, root, signed note, verifier key);
* ``manifest.sig`` — a signed note over the manifest's SHA-256 by the installation's backup
  key (Ed25519, ``<data_dir>/backup/signing.ed25519``; its verifier key is printed by every
  backup and kept by the operator).

``zeren restore`` (``zeren.ops.restore``) checks all of this before it writes anything.
See docs/operations.md and docs/adr/0010-backup-and-restore.md.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session

from zeren import __version__
from zeren.db.session import make_engine
from zeren.errors import AppError, InvalidInput
from zeren.ledger import store
from zeren.ledger.keys import write_key_file
from zeren.ledger.verify import Note, make_verifier, raw_public_key, sign_note_text

FORMAT = "zeren-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
KEYS = "keys.enc"
KEYS_AAD = b"zeren-backup/1 keys.enc"
SIGNED_TEXT_HEAD = "zeren backup manifest v1"
MIN_PASSPHRASE = 12
# scrypt cost: 32 MiB and ~0.1 s per derivation; stored in the manifest so it can grow.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class BackupError(AppError):
    status = 409
    code = "backup_failed"


# ----------------------------------------------------------------------- keys and passphrase


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the passphrase must have at least {MIN_PASSPHRASE} characters",
                           field="passphrase")


def read_passphrase_file(path: Path) -> str:
    try:
        value = path.read_text("utf-8").rstrip("\r\n")
    except OSError as exc:
        raise InvalidInput(f"cannot read the passphrase file {path}: {exc.strerror}",
                           field="passphrase_file") from exc
    check_passphrase(value)
    return value


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def encrypt_keys(plain: bytes, passphrase: str) -> tuple[bytes, dict[str, Any]]:
    salt, nonce = os.urandom(16), os.urandom(12)
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    params = {"cipher": "AES-256-GCM", "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R,
              "p": SCRYPT_P, "salt": base64.b64encode(salt).decode(),
              "nonce": base64.b64encode(nonce).decode()}
    return AESGCM(key).encrypt(nonce, plain, KEYS_AAD), params


def decrypt_keys(blob: bytes, passphrase: str, params: dict[str, Any]) -> bytes:
    try:
        key = _derive(passphrase, base64.b64decode(params["salt"]), int(params["n"]),
                      int(params["r"]), int(params["p"]))
        return AESGCM(key).decrypt(base64.b64decode(params["nonce"]), blob, KEYS_AAD)
    except (InvalidTag, KeyError, ValueError) as exc:
        raise InvalidInput("cannot open keys.enc: wrong passphrase, or the file was altered",
                           field="passphrase") from exc


def backup_key_path(data_dir: Path) -> Path:
    return Path(data_dir) / "backup" / "signing.ed25519"


def backup_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The installation's backup key, created (atomically, mode 0600) on first use."""
    path = backup_key_path(data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        write_key_file(path, Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    return Ed25519PrivateKey.from_private_bytes(path.read_bytes())


def backup_vkey(key: Ed25519PrivateKey) -> str:
    return make_verifier("zeren-backup", raw_public_key(key.public_key())).vkey


def signed_text(manifest_sha256: str) -> str:
    return f"{SIGNED_TEXT_HEAD}\n{manifest_sha256}\n"


# ----------------------------------------------------------------------- files


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _key_files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """Every key file: ledger keys (current and retired folders) and the backup key."""
    ledger = Path(data_dir) / "ledger"
    if ledger.is_dir():
        for folder in sorted(ledger.iterdir()):
            if folder.is_dir() and (folder.name == "keys" or folder.name.startswith("keys.")):
                for f in sorted(folder.iterdir()):
                    if f.is_file() and not f.name.startswith(".tmp-"):
                        yield f"ledger/{folder.name}/{f.name}", f
    bk = backup_key_path(data_dir)
    if bk.is_file():
        yield "backup/signing.ed25519", bk


def _data_files(data_dir: Path, skip: list[Path]) -> Iterator[tuple[str, Path]]:
    """Files of the data folder that the backup carries in the clear (evidence and the like):
    not keys (encrypted apart), not the database, its lock folder or earlier backups."""
    root = Path(data_dir)
    if not root.is_dir():
        return
    skip_r = [p.resolve() for p in skip]
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = here.relative_to(root)
        keep = []
        for d in sorted(dirnames):
            full = (here / d).resolve()
            if rel_dir == Path(".") and d == "backup":
                continue
            if rel_dir == Path("ledger") and (d == "keys" or d.startswith("keys.")):
                continue
            if any(full == s or s in full.parents for s in skip_r):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            full = here / name
            if (name.startswith(".tmp-") or not full.is_file() or full.is_symlink()
                    or (name.startswith("zeren-backup-") and ".tar" in name)):
                continue  # half-written keys, links, earlier backups
            r = full.resolve()
            if any(r == s or s in r.parents or str(r).startswith(str(s) + "-") for s in skip_r):
                continue
            yield (rel_dir / name).as_posix(), full


# ----------------------------------------------------------------------- database snapshot


def _logs(session: Session) -> list[dict[str, Any]]:
    out = []
    for info, cp in store.list_logs(session=session):
        out.append({"name": info.name, "origin": info.origin,
                    "vkey": store.verifier(info).vkey, "size": cp.size,
                    "root": base64.b64encode(cp.root_hash).decode(), "checkpoint": cp.note})
    return out


def _alembic_heads(conn: Connection) -> list[str]:
    try:
        return sorted(str(v) for v in conn.execute(text("SELECT version_num FROM alembic_version")
                                                   ).scalars())
    except Exception:
        return []


def sqlite_path(url: str) -> Path:
    u = make_url(url)
    if not u.database or u.database == ":memory:":
        raise InvalidInput("an in-memory SQLite database cannot be backed up",
                           field="ZEREN_DATABASE_URL")
    return Path(u.database)


def snapshot_sqlite(url: str, out: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Copy the live database to ``out`` in one step of the online backup API (one read
    transaction: a consistent snapshot while writers go on), then read the logs from the copy."""
    src = sqlite3.connect(sqlite_path(url), timeout=30)
    try:
        dst = sqlite3.connect(out)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    eng = make_engine(f"sqlite:///{out}")
    try:
        with eng.connect() as c:
            heads = _alembic_heads(c)
        with Session(eng) as s:
            logs = _logs(s)
    finally:
        eng.dispose()
    return logs, heads


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (which goes into PGPASSWORD, never onto a command
    line that ``ps`` shows), and the environment for pg_dump / pg_restore."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def snapshot_postgresql(engine: Engine, url: str, out: Path) -> tuple[list[dict[str, Any]],
                                                                       list[str]]:
    """pg_dump on a snapshot exported from our own REPEATABLE READ transaction: the dump and the
    checkpoints in the manifest are the same instant of the database."""
    dsn, env = libpq_target(url)
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: postgresql-client of the server's "
                          "major version or newer)", details={"tool": "pg_dump"})
    with engine.connect() as c:
        c.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snap = c.scalar(text("SELECT pg_export_snapshot()"))
        heads = _alembic_heads(c)
        with Session(bind=c) as s:
            logs = _logs(s)
        res = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snap}",
             f"--file={out}", f"--dbname={dsn}"],
            env=env, capture_output=True, text=True, check=False)
        c.rollback()
    if res.returncode != 0:
        raise BackupError(f"pg_dump failed: {res.stderr.strip()[-2000:]}",
                          details={"tool": "pg_dump"})
    return logs, heads


# ----------------------------------------------------------------------- the archive


@dataclass(frozen=True)
class BackupReport:
    path: Path
    logs: list[dict[str, Any]]
    files: int
    bytes: int
    signer: str


def _add(tar: tarfile.TarFile, name: str, path: Path | None = None, data: bytes | None = None
         ) -> None:
    info = tarfile.TarInfo(name)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    if data is not None:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        return
    assert path is not None
    info.size = path.stat().st_size
    with open(path, "rb") as f:
        tar.addfile(info, f)


def create_backup(*, engine: Engine, url: str, data_dir: Path, out: Path, passphrase: str,
                  now: datetime | None = None) -> BackupReport:
    """Write a backup of the database at ``url`` and of ``data_dir`` to ``out``."""
    check_passphrase(passphrase)
    now = now or datetime.now(UTC)
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} exists already; backups are never overwritten", field="out")
    out.parent.mkdir(parents=True, exist_ok=True)
    signing = backup_signing_key(data_dir)  # before the key files are collected
    dialect = engine.dialect.name
    skip = [out, out.with_name(out.name + ".partial")]
    if dialect == "sqlite":
        skip.append(sqlite_path(url))
        skip.append(Path(f"{sqlite_path(url)}.locks"))
    with tempfile.TemporaryDirectory(prefix="zeren-backup-") as tmp:
        work = Path(tmp)
        if dialect == "sqlite":
            db_name = "database/zeren.db"
            db_file = work / "zeren.db"
            logs, heads = snapshot_sqlite(url, db_file)
        elif dialect == "postgresql":
            db_name = "database/zeren.pgdump"
            db_file = work / "zeren.pgdump"
            logs, heads = snapshot_postgresql(engine, url, db_file)
        else:
            raise BackupError(f"no backup for database {dialect}", details={"dialect": dialect})

        files: dict[str, dict[str, Any]] = {
            db_name: {"sha256": sha256_file(db_file), "size": db_file.stat().st_size}}
        data = list(_data_files(data_dir, skip))
        for rel, path in data:
            files[f"data/{rel}"] = {"sha256": sha256_file(path), "size": path.stat().st_size}
        plain = io.BytesIO()
        with tarfile.open(fileobj=plain, mode="w") as kt:
            for rel, path in _key_files(data_dir):
                _add(kt, rel, data=path.read_bytes())
        blob, params = encrypt_keys(plain.getvalue(), passphrase)
        files[KEYS] = {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
        signer = backup_vkey(signing)
        manifest = {
            "format": FORMAT, "created_at": now.isoformat().replace("+00:00", "Z"),
            "zeren_version": __version__,
            "database": {"dialect": dialect, "file": db_name, "alembic_heads": heads},
            "files": files, "keys": {"file": KEYS, **params}, "logs": logs, "signer": signer,
        }
        mbytes = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
        sig = sign_note_text(signed_text(hashlib.sha256(mbytes).hexdigest()),
                             name="zeren-backup", private_key=signing)
        note = Note(signed_text(hashlib.sha256(mbytes).hexdigest()), [sig]).encode()

        partial = out.with_name(out.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w") as tar:
                    _add(tar, db_name, db_file)
                    for rel, path in data:
                        _add(tar, f"data/{rel}", path)
                    _add(tar, KEYS, data=blob)
                    _add(tar, MANIFEST, data=mbytes)
                    _add(tar, SIGNATURE, data=note)
                raw.flush()
                os.fsync(raw.fileno())
            os.rename(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupReport(out, logs, len(files), out.stat().st_size, signer)


def prune(directory: Path, keep: int, prefix: str = "zeren-backup-") -> list[Path]:
    """Delete all but the newest ``keep`` backups named ``<prefix>…tar`` in ``directory``."""
    found = sorted(p for p in Path(directory).glob(f"{prefix}*.tar") if p.is_file())
    gone = found[: max(0, len(found) - max(1, keep))]
    for p in gone:
        p.unlink()
    return gone


def backup_file_name(now: datetime) -> str:
    return f"zeren-backup-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar"


__all__ = ["BackupError", "BackupReport", "create_backup", "prune", "write_key_file"]
