"""The shared ledger outbox: rows written in the caller's transaction reach the ledger after
commit, personal data moves to the ledger's store, and the flusher thread ends when idle."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.errors import InvalidInput
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


def test_a_batch_row_is_consecutive_entries_with_one_sealing(engine: Engine,
                                                            tmp_path: Path) -> None:
    from zeren.ledger import models as lm
    from zeren.ledger import store
    from zeren.ledger.service import entry_json

    records = [{"event": "e", "n": i, "text": "评价" * i} for i in range(5)]
    subjects = [f"thing:{i}" for i in range(5)]
    with unit_of_work(engine) as s:
        outbox.enqueue(session=s, item=outbox.Item(record_class="things", record={"one": 1}))
        q = outbox.enqueue_batch(session=s, batch=outbox.BatchItem(
            record_class="things", records=records, subjects=subjects,
            personal={"a": {"id": "p-1"}, "b": {"id": "p-2"}}))
        outbox.enqueue(session=s, item=outbox.Item(record_class="things", record={"two": 2}))
    integ = integrator_for(engine, tmp_path)
    # limit 2: the single row first, then the batch alone (never split), then the last row
    assert outbox.flush(engine=engine, integrator=integ, limit=2) == 1
    assert outbox.flush(engine=engine, integrator=integ, limit=2) == 5
    assert outbox.flush_all(engine=engine, integrator=integ, limit=2) == 1
    with unit_of_work(engine) as s:
        assert outbox.logged(session=s, seqs=[q.seq])[q.seq][1] == 1
        info = store.get_log(session=s, name=outbox.log_name("things", utcnow()))
        bodies = [entry_json(store.get_entry(session=s, log=info, index=i)) for i in range(7)]
        assert [b.get("n") for b in bodies[1:6]] == [0, 1, 2, 3, 4]
        assert [b["outbox_entry"] for b in bodies[1:6]] == [0, 1, 2, 3, 4]
        assert {b["personal"]["ref"] for b in bodies[1:6]} == {q.pd_id}
        got = s.execute(select(lm.SUBJECTS.c.idx, lm.SUBJECTS.c.subject)
                        .order_by(lm.SUBJECTS.c.idx)).all()
        assert [tuple(r) for r in got] == [(1 + i, f"thing:{i}") for i in range(5)]
        n_pd = s.scalar(select(func.count()).select_from(lm.PERSONAL))
        assert n_pd == 1  # one sealed record for the batch
        assert outbox.open_personal(session=s, pd_id=q.pd_id) == {
            "a": {"id": "p-1"}, "b": {"id": "p-2"}}


def test_a_batch_refuses_a_record_the_ledger_would_refuse(engine: Engine) -> None:
    big = {"text": "x" * 70_000}
    with pytest.raises(InvalidInput) as e, unit_of_work(engine) as s:
        outbox.enqueue_batch(session=s, batch=outbox.BatchItem(
            record_class="things", records=[{"a": 1}, big], subjects=[None, None]))
    assert e.value.details["field"] == "records.1"
    with pytest.raises(InvalidInput) as e, unit_of_work(engine) as s:
        outbox.enqueue_batch(session=s, batch=outbox.BatchItem(
            record_class="things", records=[{"class": "x"}], subjects=[None]))
    assert e.value.details["field"] == "records.0"
    with unit_of_work(engine) as s:
        assert outbox.pending(session=s) == 0


@pytest.mark.parametrize("value", [
    {"a": "\x01\u4e2d", "b": [1, 2.5, None, True, -(10 ** 30)], "c": {"d": ""}},
    {"t": "\u0000" * 100, "e": [], "f": {}}, {"k": [[["x"]]], "z": -2.2250738585072014e-308},
])
def test_the_size_bound_is_never_below_the_encoding(value: dict[str, object]) -> None:
    from zeren.ledger.personal import canonical_json

    assert outbox._bound(value) >= len(canonical_json(value))
