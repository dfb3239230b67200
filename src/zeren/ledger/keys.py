"""Log signing keys: one Ed25519 key per log, kept as a file under ``<data_dir>/ledger/keys/``
(mode 0600), never in the database (see docs/adr/0100-ledger-keys-and-storage.md).

Someone who can write the database but not read the key folder can neither forge a checkpoint
nor quietly re-sign a rewritten history; the log's public key is also recorded in
``ledger_logs`` so a swapped key file is refused rather than used.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from zeren.errors import Conflict
from zeren.ledger.verify import Verifier, make_verifier, raw_public_key

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def key_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "ledger" / "keys"


def default_key_dir() -> Path:
    from zeren.config import get_settings

    return key_dir(get_settings().data_dir)


class LogKeys:
    """Loads (and on first use creates) the signing key of each log."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_key_dir()
        self._cache: dict[str, Ed25519PrivateKey] = {}

    def path(self, log_name: str) -> Path:
        return self.directory / (_SAFE.sub("_", log_name) + ".ed25519")

    def signing_key(self, log_name: str, *, create: bool = False) -> Ed25519PrivateKey:
        """The log's key; with ``create`` a new one is written if none exists yet."""
        if log_name in self._cache:
            return self._cache[log_name]
        p = self.path(log_name)
        if not p.exists():
            if not create:
                raise Conflict(
                    f"no signing key for log {log_name} at {p}",
                    details={"log": log_name, "path": str(p)},
                )
            self.directory.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            try:
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process created it first: use theirs
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(seed)
                    f.flush()
                    os.fsync(f.fileno())
        seed = p.read_bytes()
        if len(seed) != 32:
            raise Conflict(f"signing key file {p} is damaged", details={"log": log_name})
        key = Ed25519PrivateKey.from_private_bytes(seed)
        self._cache[log_name] = key
        return key

    def verifier(self, log_name: str, origin: str) -> Verifier:
        return make_verifier(origin, raw_public_key(self.signing_key(log_name).public_key()))

