"""Log signing keys: one Ed25519 key per log, kept as a file under ``<data_dir>/ledger/keys/``
(mode 0600), never in the database (see docs/adr/0100-ledger-keys-and-storage.md).

Someone who can write the database but not read the key folder can neither forge a checkpoint
nor quietly re-sign a rewritten history; the log's public key is also recorded in
``ledger_logs`` so a swapped key file is refused rather than used.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from zeren.errors import Conflict
from zeren.ledger.verify import Verifier, make_verifier, raw_public_key

# File names: every character outside [a-z0-9.-] becomes "_" and two hex digits of its code
# ("orders/2026" → "orders_2f2026", "orders_2026" → "orders_5f2026"), so two log names never
# share a file, not even on a file system that folds case. Before this, every run of other
# characters became one "_" ("orders/2026" and "orders_2026" both "orders_2026"): such
# legacy files are still found, and linked under the new name once their key is known to be
# the log's (see ``signing_key``).
_KEEP = re.compile(r"[a-z0-9.-]")
_LEGACY = re.compile(r"[^A-Za-z0-9._-]+")
SUFFIX = ".ed25519"


def key_file_name(log_name: str) -> str:
    """The key file of ``log_name``: an injective escape of the name, plus ``.ed25519``."""
    out = []
    for ch in log_name:
        if _KEEP.fullmatch(ch):
            out.append(ch)
        else:
            out.extend(f"_{b:02x}" for b in ch.encode())
    return "".join(out) + SUFFIX


def legacy_key_file_name(log_name: str) -> str:
    """The name the first releases gave the key file (not injective)."""
    return _LEGACY.sub("_", log_name) + SUFFIX


def key_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "ledger" / "keys"


def default_key_dir() -> Path:
    from zeren.config import get_settings

    return key_dir(get_settings().data_dir)


def retire_keys(data_dir: Path) -> Path | None:
    """Move the key folder of ``data_dir`` aside (to ``keys.retired-<UTC time>``), never
    deleting it, and return where it went; None when there was no key to retire.

    For a database that starts afresh (``zeren demo --reset``): its new logs must get new
    keys, or the old and the new history would be signed by one key under one origin, two
    different trees for the same log — a split view. The retired keys are kept because the
    old history's checkpoints may still need to be verified (or disowned) with them."""
    folder = key_dir(data_dir)
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        target = folder.with_name(f"keys.retired-{stamp}" + (f"-{n}" if n else ""))
        if target.exists():
            continue
        # rename(2) would replace an empty directory of that name; the check above and
        # a fresh time stamp make that moot, and nothing is ever deleted here.
        os.rename(folder, target)
        return target
    raise Conflict(f"cannot find a free name to retire {folder}", details={"path": str(folder)})


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_key_file(path: Path, seed: bytes) -> bool:
    """Write ``seed`` to ``path`` atomically and only if ``path`` does not exist: a temporary
    file (mode 0600) is written and synced, then hard-linked into place, so a reader sees no
    file or the whole key, never part of one. Returns False when ``path`` already existed."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp creates the file with mode 0600
            f.write(seed)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if path exists (unlike rename)
        except FileExistsError:
            return False
        _fsync_dir(path.parent)
        return True
    finally:
        os.unlink(tmp)


def _load_seed(path: Path, log_name: str) -> Ed25519PrivateKey:
    seed = path.read_bytes()
    if len(seed) != 32:
        raise Conflict(f"signing key file {path} is damaged", details={"log": log_name})
    return Ed25519PrivateKey.from_private_bytes(seed)


class LogKeys:
    """Loads (and on first use creates) the signing key of each log."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_key_dir()
        self._cache: dict[str, Ed25519PrivateKey] = {}

    def path(self, log_name: str) -> Path:
        return self.directory / key_file_name(log_name)

    def legacy_path(self, log_name: str) -> Path:
        return self.directory / legacy_key_file_name(log_name)

    def signing_key(
        self, log_name: str, *, create: bool = False, public_key: bytes | None = None
    ) -> Ed25519PrivateKey:
        """The log's key; with ``create`` a new one is written if none exists yet.

        ``public_key`` (the log's, from the database) decides whether a legacy file is this
        log's key: only then is it used, and linked under the new name. A new log never
        takes a legacy file: it may be another log's key."""
        if log_name in self._cache:
            return self._cache[log_name]
        p = self.path(log_name)
        if not p.exists() and not create:
            old = self.legacy_path(log_name)
            if old.exists() and old != p:
                key = _load_seed(old, log_name)
                if public_key is not None and raw_public_key(key.public_key()) == public_key:
                    with contextlib.suppress(FileExistsError):
                        os.link(old, p)
                    self._cache[log_name] = key
                    return key
        if not p.exists():
            if not create:
                raise Conflict(
                    f"no signing key for log {log_name} at {p}",
                    details={"log": log_name, "path": str(p)},
                )
            self.directory.mkdir(parents=True, exist_ok=True)
            seed = Ed25519PrivateKey.generate().private_bytes(
                Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            write_key_file(p, seed)  # False: another process created it first; use theirs
        key = _load_seed(p, log_name)
        self._cache[log_name] = key
        return key

    def verifier(self, log_name: str, origin: str) -> Verifier:
        return make_verifier(origin, raw_public_key(self.signing_key(log_name).public_key()))
