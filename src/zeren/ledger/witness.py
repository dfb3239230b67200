"""A witness: keeps the last checkpoint it saw of each log (a JSON state file), accepts a new
one only with a valid consistency proof from the old, and then adds its timestamped Ed25519
cosignature (C2SP tlog-cosignature, type 0x04). Two parties shown different histories cannot
both get this witness's cosignature, which is what makes a split view detectable.

Uses only :mod:`zeren.ledger.verify` (and the key-file writer of :mod:`zeren.ledger.keys`),
so it can run apart from the platform.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from zeren.ledger.keys import write_key_file
from zeren.ledger.verify import (
    SIG_COSIGNATURE_V1,
    VerificationError,
    Verifier,
    cosign_note_text,
    make_verifier,
    open_checkpoint,
    parse_note,
    raw_public_key,
    verify_consistency,
)


def load_key(path: Path, *, create: bool = False) -> Ed25519PrivateKey:
    """The witness's key (a 32-byte seed file, mode 0600), created on first use.

    A new key is written to a temporary file, synced, then linked into place, so a reader
    (another witness process starting at the same time) sees no file or the whole key, never
    part of one; when two create it at once, the first link wins and both use that key."""
    if not path.exists() and create:
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        write_key_file(path, seed)  # False: another process created it first; use theirs
    try:
        return Ed25519PrivateKey.from_private_bytes(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise VerificationError(f"witness key {path}: {exc}") from exc


def witness_verifier(name: str, key: Ed25519PrivateKey) -> Verifier:
    return make_verifier(name, raw_public_key(key.public_key()), SIG_COSIGNATURE_V1)


def load_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"logs": {}}
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    data.setdefault("logs", {})
    return data


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write atomically: a crash leaves the old state or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class Witnessed:
    origin: str
    old_size: int
    new_size: int
    cosigned: str


def last_size(state: dict[str, Any], origin: str) -> int | None:
    seen = state["logs"].get(origin)
    return None if seen is None else int(seen["size"])


def witness(
    *,
    state_path: Path,
    key: Ed25519PrivateKey,
    name: str,
    log_vkey: Verifier,
    checkpoint: str,
    proof: list[bytes],
    now: int | None = None,
) -> Witnessed:
    """Check ``checkpoint`` against the log key and against the last one seen (with
    ``proof``), remember it, and return it with this witness's cosignature added."""
    state = load_state(state_path)
    cp = open_checkpoint(checkpoint, [log_vkey])
    seen = state["logs"].get(cp.origin)
    old_size = 0
    if seen is not None:
        if seen["vkey"] != log_vkey.vkey:
            raise VerificationError(f"witness: log {cp.origin} is pinned to another key")
        old_size = int(seen["size"])
        old_root = base64.b64decode(seen["root"])
        if cp.size < old_size:
            raise VerificationError(
                f"witness: checkpoint size {cp.size} is smaller than the {old_size} already seen"
            )
        verify_consistency(size1=old_size, size2=cp.size, proof=proof, root1=old_root,
                           root2=cp.root_hash)
    note = parse_note(checkpoint)
    ts = int(time.time()) if now is None else now
    note.signatures.append(cosign_note_text(note.text, name=name, private_key=key, timestamp=ts))
    cosigned = note.encode().decode()
    state["logs"][cp.origin] = {
        "vkey": log_vkey.vkey, "size": cp.size,
        "root": base64.b64encode(cp.root_hash).decode(), "checkpoint": cosigned,
    }
    save_state(state_path, state)
    return Witnessed(cp.origin, old_size, cp.size, cosigned)
