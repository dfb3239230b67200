"""Backup and restore keep the ledger's promises, on both databases: a backup taken while
appends run restores into a fresh database where ``zeren-verify`` passes on every log; a
backup behind a checkpoint a witness (or the operator) holds is refused, naming the log; a
tampered manifest or file, or a wrong passphrase, is refused; nothing is written then."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from zeren.db.session import make_engine
from zeren.errors import InvalidInput
from zeren.ledger import store
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys, key_dir
from zeren.ledger.verify import main as zeren_verify
from zeren.ledger.verify import parse_vkey
from zeren.ledger.witness import load_key, witness
from zeren.ops.backup import create_backup, prune
from zeren.ops.restore import RestoreRefused, restore_backup

PASS = "correct horse battery staple"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    (d / "evidence" / "ab").mkdir(parents=True)
    (d / "evidence" / "ab" / "ab12").write_bytes(b"%PDF-1.7 evidence of an attestation")
    return d


@pytest.fixture
def integ(engine: Engine, data_dir: Path) -> Integrator:
    i = Integrator(engine, keys=LogKeys(key_dir(data_dir)), batch_size=64, batch_ms=5)
    i.append("orders/2026", [PendingEntry(b"order %d" % n) for n in range(700)])
    i.append("measures/2026", [PendingEntry(b"measure %d" % n) for n in range(3)])
    return i


def _backup(engine: Engine, db_url: str, data_dir: Path, out: Path) -> dict[str, object]:
    rep = create_backup(engine=engine, url=db_url, data_dir=data_dir, out=out, passphrase=PASS)
    return {lg["name"]: lg["size"] for lg in rep.logs}


def _empty(url: str) -> bool:
    eng = make_engine(url)
    try:
        return not inspect(eng).get_table_names()
    finally:
        eng.dispose()


def test_backup_while_appending_restores_and_every_log_verifies(
    db_url: str, engine: Engine, integ: Integrator, data_dir: Path, tmp_path: Path,
    empty_db_url: str,
) -> None:
    stop = threading.Event()
    appended: list[int] = []

    def keep_appending() -> None:
        n = 0
        while not stop.is_set():
            b = integ.append_batch("orders/2026", [PendingEntry(b"live %d" % (n + k))
                                                   for k in range(20)])
            appended.append(b.checkpoint_size)
            n += 20

    t = threading.Thread(target=keep_appending)
    t.start()
    try:
        while len(appended) < 3:
            stop.wait(0.01)
        sizes = _backup(engine, db_url, data_dir, tmp_path / "b.tar")
    finally:
        stop.set()
        t.join(30)
    assert appended and sizes["orders/2026"] >= 700 + 20
    assert sizes["orders/2026"] % 20 == 0, "the snapshot holds whole batches only"

    target = tmp_path / "restored-data"
    rep = restore_backup(archive=tmp_path / "b.tar", url=empty_db_url, data_dir=target,
                         passphrase=PASS)
    assert {lg["name"]: lg["size"] for lg in rep.logs} == sizes
    assert (target / "evidence" / "ab" / "ab12").read_bytes() == \
        (data_dir / "evidence" / "ab" / "ab12").read_bytes()

    restored = make_engine(empty_db_url)
    try:
        with Session(restored) as s:
            for info, cp in store.list_logs(session=s):
                out = tmp_path / "export" / info.name.replace("/", "_")
                store.export(session=s, log=info, out=out)
                assert zeren_verify(["tiles", "--vkey", store.verifier(info).vkey,
                                     str(out)]) == 0
                assert cp.size == sizes[info.name]
        # The restored keys sign on: the log grows from where the backup left it.
        again = Integrator(restored, keys=LogKeys(key_dir(target)), batch_size=8, batch_ms=5)
        b = again.append_batch("orders/2026", [PendingEntry(b"after restore")])
        assert b.first == sizes["orders/2026"]
        again.close()
    finally:
        restored.dispose()
    integ.close()


def test_refused_when_behind_a_witnessed_checkpoint(
    db_url: str, engine: Engine, integ: Integrator, data_dir: Path, tmp_path: Path,
    empty_db_url: str,
) -> None:
    state, wkey = tmp_path / "w" / "state.json", load_key(tmp_path / "w" / "w.key", create=True)

    def witness_now() -> None:
        with Session(engine) as s:
            info = store.get_log(session=s, name="orders/2026")
            cp = store.latest_checkpoint(session=s, log=info)
            old = json.loads(state.read_text())["logs"][info.origin]["size"] \
                if state.exists() else None
            proof = [] if old is None else store.consistency(
                session=s, log=info, size1=old, size2=cp.size).proof
            witness(state_path=state, key=wkey, name="witness.example/w1",
                    log_vkey=parse_vkey(store.verifier(info).vkey), checkpoint=cp.note,
                    proof=proof)

    witness_now()  # the witness saw 700 entries
    _backup(engine, db_url, data_dir, tmp_path / "b.tar")
    integ.append("orders/2026", [PendingEntry(b"later %d" % n) for n in range(5)])
    witness_now()  # ... and then 705, after the backup
    with Session(engine) as s:
        newest = store.latest_checkpoint(
            session=s, log=store.get_log(session=s, name="orders/2026")).note
    (tmp_path / "given.cp").write_text(newest)

    target = tmp_path / "restored-data"
    for kwargs in ({"witness_states": [state]}, {"checkpoints": [tmp_path / "given.cp"]}):
        with pytest.raises(RestoreRefused) as err:
            restore_backup(archive=tmp_path / "b.tar", url=empty_db_url, data_dir=target,
                           passphrase=PASS, **kwargs)  # type: ignore[arg-type]
        assert "orders/2026 is behind" in err.value.message
        assert err.value.details["backup_size"] == 700
        assert err.value.details["given_out_size"] == 705
        assert _empty(empty_db_url) and not target.exists(), "nothing written"

    # A newer backup is not behind: restored, and checked for consistency with the witness.
    _backup(engine, db_url, data_dir, tmp_path / "b2.tar")
    integ.append("orders/2026", [PendingEntry(b"even later")])
    rep = restore_backup(archive=tmp_path / "b2.tar", url=empty_db_url, data_dir=target,
                         passphrase=PASS, witness_states=[state])
    assert rep.checked_against == [f"witness state {state}"]
    integ.close()


def _rewrite(src: Path, dst: Path, change: dict[str, bytes]) -> None:
    with tarfile.open(src) as a, tarfile.open(dst, "w") as b:
        for m in a.getmembers():
            f = a.extractfile(m)
            assert f is not None
            data = change.get(m.name, f.read())
            m.size = len(data)
            b.addfile(m, io.BytesIO(data))


def test_refused_on_tampering_or_a_wrong_passphrase(
    db_url: str, engine: Engine, integ: Integrator, data_dir: Path, tmp_path: Path,
    empty_db_url: str,
) -> None:
    good = tmp_path / "b.tar"
    _backup(engine, db_url, data_dir, good)
    with tarfile.open(good) as a:
        members = {m.name: a.extractfile(m).read() for m in a.getmembers()}  # type: ignore[union-attr]
    manifest = json.loads(members["manifest.json"])
    db_name = manifest["database"]["file"]

    altered_manifest = dict(manifest)
    altered_manifest["logs"] = [{**lg, "size": lg["size"] + 1} for lg in manifest["logs"]]
    flipped = bytearray(members["data/evidence/ab/ab12"])
    flipped[0] ^= 1
    cases = {
        "manifest.json was altered": {"manifest.json": json.dumps(altered_manifest).encode()},
        "data/evidence/ab/ab12 was altered": {"data/evidence/ab/ab12": bytes(flipped)},
        f"{db_name} was altered": {db_name: members[db_name][:-1]
                                   + bytes([members[db_name][-1] ^ 1])},
    }
    target = tmp_path / "restored-data"
    for n, (reason, change) in enumerate(cases.items()):
        bad = tmp_path / f"bad{n}.tar"
        _rewrite(good, bad, change)
        with pytest.raises(RestoreRefused) as err:
            restore_backup(archive=bad, url=empty_db_url, data_dir=target, passphrase=PASS)
        assert reason in err.value.message
        assert _empty(empty_db_url) and not target.exists()

    with pytest.raises(InvalidInput) as wrong:
        restore_backup(archive=good, url=empty_db_url, data_dir=target,
                       passphrase="not the passphrase at all")
    assert wrong.value.details["field"] == "passphrase"

    # An operator who kept the signer's key refuses a backup signed by anyone else.
    with Session(engine) as s:
        other_key = store.verifier(store.get_log(session=s, name="orders/2026")).vkey
    with pytest.raises(RestoreRefused):
        restore_backup(archive=good, url=empty_db_url, data_dir=target, passphrase=PASS,
                       signer=other_key)
    restore_backup(archive=good, url=empty_db_url, data_dir=target, passphrase=PASS,
                   signer=manifest["signer"])
    # ... and a restore never goes into a database that holds anything.
    with pytest.raises(RestoreRefused) as full:
        restore_backup(archive=good, url=empty_db_url, data_dir=tmp_path / "other",
                       passphrase=PASS)
    assert "not empty" in full.value.message
    integ.close()


def test_retention_keeps_the_newest(tmp_path: Path) -> None:
    for day in range(1, 6):
        (tmp_path / f"zeren-backup-202611{day:02d}T023000Z.tar").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a backup")
    gone = prune(tmp_path, 2)
    assert [p.name for p in gone] == [f"zeren-backup-202611{d:02d}T023000Z.tar" for d in (1, 2, 3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt", "zeren-backup-20261104T023000Z.tar", "zeren-backup-20261105T023000Z.tar"]


def test_checkpoints_of_other_installations_are_left_aside() -> None:
    from zeren.ops.restore import GivenOut, check_given_out

    manifest = {"logs": [{"name": "orders/2026", "origin": "zeren.example/ledger/orders/2026",
                          "vkey": "unused", "size": 5, "root": "", "checkpoint": ""}]}
    other = GivenOut("witness state w.json", "other.example/ledger/orders/2026", 9, b"r", "")
    assert check_given_out(manifest, [other]) == [other]
    ours_but_missing = GivenOut("witness state w.json", "zeren.example/ledger/erasure/2026", 3,
                                b"r", "")
    with pytest.raises(RestoreRefused) as err:
        check_given_out(manifest, [other, ours_but_missing])
    assert "zeren.example/ledger/erasure/2026 is not in this backup" in err.value.message
