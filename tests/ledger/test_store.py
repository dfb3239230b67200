"""The integrator and readers on a real database (SQLite and PostgreSQL legs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from zeren.errors import InvalidInput, NotFound
from zeren.ledger import store
from zeren.ledger import verify as v
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys


def entries(n: int, start: int = 0) -> list[PendingEntry]:
    return [PendingEntry(f"entry {i}".encode() * 3) for i in range(start, start + n)]


def test_append_proofs_export_and_rehash(
    integrator: Integrator, engine: Engine, tmp_path: Path
) -> None:
    sizes = [1, 255, 256, 300, 1000]
    done = 0
    for s in sizes:
        got = [r for b in integrator.append("test/2025", entries(s - done, done))
               for r in b.receipts()]
        assert [r.index for r in got] == list(range(done, s))
        assert all(r.checkpoint_size > r.index for r in got)
        done = s
    with Session(engine) as session:
        log = store.get_log(session=session, name="test/2025")
        ver = store.verifier(log)
        cp = store.latest_checkpoint(session=session, log=log)
        assert cp.size == 1000
        body = v.open_checkpoint(cp.note, [v.parse_vkey(ver.vkey)])
        assert body.root_hash == v.root_from_entries(e.data for e in entries(1000))
        assert store.self_check(session=session, log=log) == 1000
        for i in [0, 1, 255, 256, 511, 999]:
            p = store.inclusion(session=session, log=log, index=i)
            v.verify_inclusion(leaf=v.leaf_hash(p.entry), index=i, size=1000, proof=p.proof,
                               root=body.root_hash)
        # Every checkpoint the log ever signed is consistent with the newest one.
        for old in [0, 1, 255, 256, 300]:
            cpf = store.consistency(session=session, log=log, size1=old, size2=1000)
            o = v.open_checkpoint(cpf.old_checkpoint, [ver])
            v.verify_consistency(size1=old, size2=1000, proof=cpf.proof, root1=o.root_hash,
                                 root2=body.root_hash)
        with pytest.raises(InvalidInput, match="out of range"):
            store.inclusion(session=session, log=log, index=1000)
        with pytest.raises(NotFound):
            store.get_log(session=session, name="nope/2025")
        rep = store.export(session=session, log=log, out=tmp_path / "exp")
    assert (rep.size, rep.bundles) == (1000, 4)
    vkey = tmp_path / "vkey"
    vkey.write_text(ver.vkey)
    assert v.main(["tiles", "--vkey", f"@{vkey}", str(tmp_path / "exp")]) == 0
    assert (tmp_path / "exp/tile/0/003.p/232").exists()
    assert (tmp_path / "exp/tile/1/000.p/3").exists()


def test_restart_continues_the_same_tree(engine: Engine, keys: LogKeys) -> None:
    a = Integrator(engine, keys=keys, batch_size=100, batch_ms=0)
    a.append("restart", entries(650))
    b = Integrator(engine, keys=keys, batch_size=77, batch_ms=0)  # a fresh process, in effect
    b.append("restart", entries(400, 650))
    a.append("restart", entries(10, 1050))  # a's cached edge is stale: it must reload
    with Session(engine) as session:
        log = store.get_log(session=session, name="restart")
        cp = store.latest_checkpoint(session=session, log=log)
        assert cp.size == 1060
        assert cp.root_hash == v.root_from_entries(e.data for e in entries(1060))
        store.self_check(session=session, log=log)


def test_submit_batches_and_resolves(integrator: Integrator, engine: Engine) -> None:
    futs = [integrator.submit("queued", e) for e in entries(600)]
    got = sorted(f.result(timeout=30).index for f in futs)
    assert got == list(range(600))
    cp = store.wait_for_checkpoint(engine=engine, log_name="queued", index=599)
    assert cp.size == 600


def test_database_refuses_changes(integrator: Integrator, engine: Engine) -> None:
    integrator.append("guarded", entries(300))
    for stmt in [
        "UPDATE ledger_bundles SET data = data WHERE idx = 0",
        "DELETE FROM ledger_bundles WHERE idx = 0",
        "UPDATE ledger_checkpoints SET note = note",
        "DELETE FROM ledger_checkpoints",
        "DELETE FROM ledger_tiles",
        "UPDATE ledger_tiles SET root = root",
        "DELETE FROM ledger_logs",
    ]:
        with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(stmt))


def test_wrong_key_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    Integrator(engine, keys=LogKeys(tmp_path / "k1")).append("keyed", entries(1))
    other = Integrator(engine, keys=LogKeys(tmp_path / "k2"))
    from zeren.errors import Conflict
    with pytest.raises(Conflict):
        other.append("keyed", entries(1))
