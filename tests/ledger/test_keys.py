"""Log signing key files: one file per log name and never one for two, legacy file names still
found, keys written atomically, and a key folder retired (never deleted) when a demo starts
afresh."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Engine

from zeren.errors import Conflict
from zeren.ledger import keys as k
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.verify import raw_public_key


def _seed(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _pub(key: Ed25519PrivateKey) -> bytes:
    return raw_public_key(key.public_key())


def test_file_names_are_injective() -> None:
    names = ["orders/2026", "orders_2026", "orders-2026", "orders.2026", "x/A", "x/a",
             "x/_2f", "x__2f", "a/b_c", "a_2fb_c"]
    files = [k.key_file_name(n) for n in names]
    assert len(set(files)) == len(names)
    assert len({f.lower() for f in files}) == len(names)  # also on case-folding file systems
    assert k.key_file_name("orders/2026") == "orders_2f2026.ed25519"
    assert all("/" not in f for f in files)
    # the old scheme mapped the first two to one file
    assert k.legacy_key_file_name("orders/2026") == k.legacy_key_file_name("orders_2026")


def test_two_logs_whose_names_collided_get_two_keys(tmp_path: Path) -> None:
    keys = k.LogKeys(tmp_path)
    a = keys.signing_key("orders/2026", create=True)
    b = keys.signing_key("orders_2026", create=True)
    assert _pub(a) != _pub(b)
    assert _pub(k.LogKeys(tmp_path).signing_key("orders/2026")) == _pub(a)


def test_legacy_key_file_is_found_only_for_its_own_log(tmp_path: Path) -> None:
    old = Ed25519PrivateKey.generate()
    (tmp_path / "orders_2026.ed25519").write_bytes(_seed(old))
    # The log whose stored public key is the legacy file's key gets it, under the new name too.
    got = k.LogKeys(tmp_path).signing_key("orders/2026", public_key=_pub(old))
    assert _pub(got) == _pub(old)
    assert (tmp_path / "orders_2f2026.ed25519").read_bytes() == _seed(old)
    # Another log whose name mapped to the same legacy file does not take it.
    with pytest.raises(Conflict):
        k.LogKeys(tmp_path).signing_key("orders_2026",
                                        public_key=_pub(Ed25519PrivateKey.generate()))
    new = k.LogKeys(tmp_path).signing_key("orders_2026", create=True)
    assert _pub(new) != _pub(old)
    assert (tmp_path / "orders_2026.ed25519").read_bytes() == _seed(old)  # never overwritten


def test_existing_log_with_a_legacy_key_file_keeps_appending(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "keys"
    integ = Integrator(engine, keys=k.LogKeys(folder), batch_size=16, batch_ms=5)
    integ.append("orders/2026", [PendingEntry(b"first")])
    new = folder / "orders_2f2026.ed25519"
    new.rename(folder / "orders_2026.ed25519")  # as the first releases named it
    again = Integrator(engine, keys=k.LogKeys(folder), batch_size=16, batch_ms=5)
    (batch,) = again.append("orders/2026", [PendingEntry(b"second")])
    assert batch.first == 1
    assert new.exists()


def test_key_files_appear_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    final = tmp_path / k.key_file_name("orders/2026")
    seen: list[bool] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        seen.append(final.exists())  # while the seed is being written and synced
        real_fsync(fd)

    monkeypatch.setattr(k.os, "fsync", fsync)
    key = k.LogKeys(tmp_path).signing_key("orders/2026", create=True)
    assert seen[0] is False  # the key's own file did not exist while it was written
    assert final.read_bytes() == _seed(key)
    assert final.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [final.name]  # no temporary file left


def test_concurrent_creators_agree_on_one_key(tmp_path: Path) -> None:
    def create(_: int) -> bytes:
        return _pub(k.LogKeys(tmp_path).signing_key("orders/2026", create=True))

    with ThreadPoolExecutor(8) as ex:
        pubs = set(ex.map(create, range(16)))
    assert len(pubs) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["orders_2f2026.ed25519"]


def test_retire_keys_moves_the_folder_aside_and_never_deletes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert k.retire_keys(data_dir) is None  # nothing to retire yet
    first = k.LogKeys(k.key_dir(data_dir)).signing_key("orders/2026", create=True)
    moved = k.retire_keys(data_dir)
    assert moved is not None and moved.parent == data_dir / "ledger"
    assert moved.name.startswith("keys.retired-")
    assert not k.key_dir(data_dir).exists()
    assert (moved / "orders_2f2026.ed25519").read_bytes() == _seed(first)
    assert k.retire_keys(data_dir) is None
    # A new history gets a new key, and retiring again keeps both old folders.
    second = k.LogKeys(k.key_dir(data_dir)).signing_key("orders/2026", create=True)
    assert _pub(second) != _pub(first)
    again = k.retire_keys(data_dir)
    assert again is not None and again != moved
    assert (moved / "orders_2f2026.ed25519").exists() and (again / "orders_2f2026.ed25519").exists()


def test_demo_reset_retires_the_ledger_keys(tmp_path: Path) -> None:
    # ``zeren demo --reset`` (zeren.cli) deletes an SQLite demo database; the ledger keys of
    # its logs must not sign the new history.
    from zeren.cli import _reset_demo_database
    from zeren.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    data_dir = tmp_path / "data"
    old = k.LogKeys(k.key_dir(data_dir)).signing_key("orders/2026", create=True)
    _reset_demo_database(url, data_dir)
    assert not (tmp_path / "demo.db").exists()
    (retired,) = (data_dir / "ledger").glob("keys.retired-*")
    assert (retired / "orders_2f2026.ed25519").read_bytes() == _seed(old)
    new = k.LogKeys(k.key_dir(data_dir)).signing_key("orders/2026", create=True)
    assert _pub(new) != _pub(old)
