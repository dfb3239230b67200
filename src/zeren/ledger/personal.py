"""Personal data kept apart from the log so it can be erased without breaking any proof.

A log entry carries only a salted commitment ``SHA-256("zeren-pd/v1" 0x00 salt data)`` and a
reference. The data and the salt are sealed together with AES-256-GCM under a key of their
own, and the key lives in the key store table. Erasure destroys the key: the ciphertext
stays (it is append-only like the entry) but can no longer be opened, and since the salt went
with it the commitment can no longer be tested against guesses either.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zeren.db.base import new_id
from zeren.errors import InvalidInput

COMMITMENT_LABEL = b"zeren-pd/v1\x00"


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value Zeren hashes and logs."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def commitment(salt: bytes, data: Any) -> str:
    return hashlib.sha256(COMMITMENT_LABEL + salt + canonical_json(data)).hexdigest()


@dataclass(frozen=True)
class SealedPersonal:
    """Sealed personal data ready to store: row values for the data and the key store."""

    id: str
    record_class: str
    key: bytes
    nonce: bytes
    ciphertext: bytes
    commitment: str
    retain_until: datetime | None
    retention_source: str


def seal(
    *, record_class: str, data: Any, retain_until: datetime | None, retention_source: str
) -> SealedPersonal:
    """Seal ``data`` under a fresh key; the commitment goes into the log entry."""
    pd_id = new_id()
    salt = os.urandom(16)
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    plaintext = canonical_json({"salt": base64.b64encode(salt).decode(), "data": data})
    ct = AESGCM(key).encrypt(nonce, plaintext, pd_id.encode())
    return SealedPersonal(
        pd_id, record_class, key, nonce, ct, commitment(salt, data), retain_until,
        retention_source,
    )


def unseal(*, pd_id: str, key: bytes, nonce: bytes, ciphertext: bytes) -> tuple[Any, str]:
    """Open sealed data; returns (data, its commitment)."""
    plain = json.loads(AESGCM(key).decrypt(nonce, ciphertext, pd_id.encode()))
    salt = base64.b64decode(plain["salt"])
    return plain["data"], commitment(salt, plain["data"])


@dataclass(frozen=True)
class RetentionRule:
    record_class: str
    years: int
    starts: str
    source: str


@lru_cache(maxsize=1)
def ledger_data() -> dict[str, Any]:
    """The ledger's data file, ``retention.toml``."""
    text = resources.files("zeren.ledger").joinpath("retention.toml").read_text("utf-8")
    return tomllib.loads(text)


def origin_prefix() -> str:
    """The prefix of new logs' checkpoint origins (``<prefix>/<log name>``): the setting
    ``ledger_origin_prefix`` (ZEREN_LEDGER_ORIGIN_PREFIX) once Settings has it, else the
    default in ``retention.toml``. A log keeps the origin it was created with."""
    from zeren.config import get_settings

    value = getattr(get_settings(), "ledger_origin_prefix", None)
    prefix = str(value if value else ledger_data()["origin_prefix"]).strip().rstrip("/")
    if not prefix or any(c.isspace() or c == "+" for c in prefix):
        raise InvalidInput(f"ledger origin prefix {prefix!r} must be non-empty, without spaces "
                           "or '+' (it becomes a signed-note key name)",
                           field="ledger_origin_prefix")
    return prefix


def retention_rules() -> dict[str, RetentionRule]:
    """Retention periods per record class, from ``retention.toml`` (the law lives in data)."""
    raw = ledger_data()
    return {
        name: RetentionRule(name, int(r["years"]), str(r["starts"]), str(r["source"]))
        for name, r in raw["retention"].items()
    }


def add_years(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year + years)
    except ValueError:  # 29 February into a common year
        return at.replace(year=at.year + years, day=28)
