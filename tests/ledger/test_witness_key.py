"""The witness key file is written atomically: a reader sees no file or the whole key, never
part of one, and witnesses starting at the same time agree on one key."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from zeren.ledger.verify import raw_public_key
from zeren.ledger.witness import load_key


def test_witness_key_appears_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    final = tmp_path / "w" / "witness.key"
    seen: list[bool] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        seen.append(final.exists())  # while the seed is being written and synced
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    key = load_key(final, create=True)
    assert seen and seen[0] is False  # the key's own file did not exist while it was written
    assert final.read_bytes() == key.private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                   NoEncryption())
    assert final.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in final.parent.iterdir()] == [final.name]  # no temporary file left
    assert raw_public_key(load_key(final).public_key()) == raw_public_key(key.public_key())


def test_concurrent_witnesses_agree_on_one_key(tmp_path: Path) -> None:
    final = tmp_path / "witness.key"

    def create(_: int) -> bytes:
        return raw_public_key(load_key(final, create=True).public_key())

    with ThreadPoolExecutor(8) as ex:
        pubs = set(ex.map(create, range(16)))
    assert len(pubs) == 1
    assert [p.name for p in tmp_path.iterdir()] == [final.name]
