"""Erasure keeps every proof valid while the personal data can no longer be read; it is
refused during the retention period (电子商务法 第三十一条); witnessing refuses rollbacks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from zeren.errors import Conflict, Immutable
from zeren.ledger import store
from zeren.ledger import verify as v
from zeren.ledger.integrator import Integrator
from zeren.ledger.interfaces import LedgerRecordLog
from zeren.ledger.service import erase_personal, ingest_order, order_records
from zeren.ledger.witness import witness


def _order(order_id: str) -> dict[str, object]:
    return {
        "platform_id": "p1", "order_id": order_id, "merchant_id": "m1",
        "items": [{"sku": "A1", "title": "茶叶 500g", "unit_price": "88.00", "quantity": 2}],
        "amounts": {"total": "176.00", "paid": "176.00", "currency": "CNY"},
    }


def test_erasure_keeps_proofs_and_hides_personal_data(
    integrator: Integrator, engine: Engine
) -> None:
    rl = LedgerRecordLog(integrator)
    now = datetime.now(UTC)
    old = ingest_order(record_log=rl, record=_order("o-old"), buyer={"buyer_ref": "u-42",
                       "phone": "13800000000"}, completed_at=now - timedelta(days=4 * 366))
    recent = ingest_order(record_log=rl, record=_order("o-new"), buyer={"buyer_ref": "u-43"},
                          completed_at=now - timedelta(days=10))
    with Session(engine) as s:
        (view,) = order_records(session=s, platform_id="p1", order_id="o-old", with_personal=True)
        assert view.personal is not None and view.personal.data["phone"] == "13800000000"
        assert view.personal.commitment_ok
        assert "13800000000" not in view.proof.entry.decode()  # only the commitment is logged
        with pytest.raises(Immutable, match="电子商务法"):
            erase_personal(session=s, integrator=integrator, log=recent.log,
                           index=recent.index, legal_basis="PIPL Art 47", approver="dpo")
        tomb = erase_personal(session=s, integrator=integrator, log=old.log, index=old.index,
                              legal_basis="个人信息保护法 第四十七条; request #9", approver="dpo")
    with Session(engine) as s:
        (view,) = order_records(session=s, platform_id="p1", order_id="o-old", with_personal=True)
        assert view.personal is not None and view.personal.erased and view.personal.data is None
        log = store.get_log(session=s, name=old.log)
        cp = v.open_checkpoint(store.latest_checkpoint(session=s, log=log).note,
                               [store.verifier(log)])
        p = view.proof
        v.verify_inclusion(leaf=v.leaf_hash(p.entry), index=p.index, size=cp.size,
                           proof=p.proof, root=cp.root_hash)
        store.self_check(session=s, log=log)
        tlog = store.get_log(session=s, name=tomb.log)
        assert store.self_check(session=s, log=tlog) == 1
        assert b"dpo" in store.get_entry(session=s, log=tlog, index=tomb.index)
        with pytest.raises(Conflict, match="already erased"):
            erase_personal(session=s, integrator=integrator, log=old.log, index=old.index,
                           legal_basis="again", approver="dpo")


def _cp(key: Ed25519PrivateKey, origin: str, tree: list[bytes]) -> str:
    c = v.Checkpoint(origin, len(tree), v.root_from_entries(tree))
    return v.Note(c.text(), [v.sign_note_text(c.text(), name=origin, private_key=key)]).encode(
    ).decode()


def test_witness_cosigns_only_consistent_growth(tmp_path: Path) -> None:
    from zeren.ledger.tree import MemoryTree

    key, wkey = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    origin = "zeren.example/log"
    lv = v.make_verifier(origin, v.raw_public_key(key.public_key()))
    wv = v.make_verifier("w.example/1", v.raw_public_key(wkey.public_key()), 4)
    entries = [bytes([i]) for i in range(40)]
    t = MemoryTree(entries)
    state = tmp_path / "w.json"
    w1 = witness(state_path=state, key=wkey, name="w.example/1", log_vkey=lv,
                 checkpoint=_cp(key, origin, entries[:10]), proof=[])
    v.open_checkpoint(w1.cosigned, [lv, wv])
    w2 = witness(state_path=state, key=wkey, name="w.example/1", log_vkey=lv,
                 checkpoint=_cp(key, origin, entries[:40]), proof=t.consistency_proof(10, 40))
    assert (w2.old_size, w2.new_size) == (10, 40)
    with pytest.raises(v.VerificationError, match="smaller"):
        witness(state_path=state, key=wkey, name="w.example/1", log_vkey=lv,
                checkpoint=_cp(key, origin, entries[:20]), proof=[])
    forked = [*entries[:30], b"rewritten", *entries[31:]]
    with pytest.raises(v.VerificationError, match="consistency"):
        witness(state_path=state, key=wkey, name="w.example/1", log_vkey=lv,
                checkpoint=_cp(key, origin, [*forked, b"more"]),
                proof=MemoryTree([*forked, b"more"]).consistency_proof(40, 41))
    assert base64.b64decode(__import__("json").loads(state.read_text())["logs"][origin]["root"]
                            ) == v.root_from_entries(entries)


def test_origin_prefix_setting_with_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from zeren.errors import InvalidInput
    from zeren.ledger import personal

    class FakeSettings:
        ledger_origin_prefix: str | None = "ledger.example.com/zeren/"

    monkeypatch.setattr("zeren.config.get_settings", lambda: FakeSettings())
    assert personal.origin_prefix() == "ledger.example.com/zeren"
    FakeSettings.ledger_origin_prefix = None  # Settings without the field yet: retention.toml
    assert personal.origin_prefix() == "zeren.local/ledger"
    FakeSettings.ledger_origin_prefix = "two words"
    with pytest.raises(InvalidInput, match="origin prefix"):
        personal.origin_prefix()
