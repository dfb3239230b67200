"""The shared ledger outbox: rows written in the caller's transaction reach the ledger after
commit, personal data moves to the ledger's store, and the flusher thread ends when idle."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, select

from zeren.db.session import unit_of_work
from zeren.ledger import outbox
from zeren.ledger.service import integrator_for


def test_rows_reach_the_ledger_and_keys_leave_the_outbox(engine: Engine, tmp_path: Path) -> None:
    with unit_of_work(engine) as s:
        q = outbox.enqueue(session=s, item=outbox.Item(
            record_class="consents", record={"event": "given"}, subject="consent:x:1",
            personal={"person_ref": "u-1"}))
        assert q.pd_id
        assert outbox.open_personal(session=s, pd_id=q.pd_id) == {"person_ref": "u-1"}
    flusher = outbox.Flusher(engine, integrator_for(engine, tmp_path), idle_s=0.2)
    flusher.kick()
    deadline = time.monotonic() + 30
    while True:
        with unit_of_work(engine) as s:
            row = s.execute(select(outbox.OutboxRow.log_index, outbox.OutboxRow.pd_key)).one()
        if row[0] is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert row == (0, None)
    with unit_of_work(engine) as s:  # now read from the ledger's personal-data store
        assert outbox.open_personal(session=s, pd_id=q.pd_id) == {"person_ref": "u-1"}
    deadline = time.monotonic() + 10
    while flusher._thread is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flusher._thread is None  # idle: the thread ended
    flusher.stop()
