"""ledger_0002 moves entries stored one row each (ledger_0001) into entry-bundle rows: every
entry, every proof and the newest checkpoint still verify after the upgrade."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.orm import Session

from zeren.db.migrate import upgrade
from zeren.db.session import make_engine
from zeren.ledger import store
from zeren.ledger import verify as v
from zeren.ledger.tree import TreeState


def test_upgrade_moves_entries_into_bundles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "ledger_0001")
    key = Ed25519PrivateKey.generate()
    origin = "zeren.test/ledger/old/2025"
    data = [f"old entry {i}".encode() * (1 + i % 5) for i in range(700)]
    state = TreeState()
    tiles = state.extend(v.leaf_hash(d) for d in data)
    cp = v.Checkpoint(origin, len(data), state.root())
    note = v.Note(cp.text(), [v.sign_note_text(cp.text(), name=origin, private_key=key)])
    engine = make_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as c:
        c.execute(text("INSERT INTO ledger_logs (id, name, record_class, period, origin, "
                       "public_key, created_at) VALUES (1, 'old/2025', 'old', '2025', :o, :k, :t)"),
                  {"o": origin, "k": v.raw_public_key(key.public_key()), "t": now})
        c.execute(text("INSERT INTO ledger_entries VALUES (1, :i, :h, :d)"),
                  [{"i": i, "h": hashlib.sha256(b"\x00" + d).digest(), "d": d}
                   for i, d in enumerate(data)])
        c.execute(text("INSERT INTO ledger_tiles VALUES (1, :l, :i, :h, :r)"),
                  [{"l": t.level, "i": t.index, "h": t.hashes, "r": t.root} for t in tiles])
        c.execute(text("INSERT INTO ledger_checkpoints VALUES (1, :s, :r, :n, :t)"),
                  [{"s": 0, "r": v.EMPTY_ROOT, "n": "-", "t": now},
                   {"s": cp.size, "r": cp.root_hash, "n": note.encode().decode(), "t": now}])
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s:
        log = store.get_log(session=s, name="old/2025")
        assert store.self_check(session=s, log=log) == 700
        for i in (0, 255, 256, 699):
            assert store.get_entry(session=s, log=log, index=i) == data[i]
            p = store.inclusion(session=s, log=log, index=i)
            v.verify_inclusion(leaf=v.leaf_hash(p.entry), index=i, size=700, proof=p.proof,
                               root=cp.root_hash)
        widths = s.execute(text("SELECT idx, width, count FROM ledger_bundles ORDER BY idx")).all()
        assert [tuple(r) for r in widths] == [(0, 256, 256), (1, 256, 256), (2, 188, 188)]
    engine.dispose()
