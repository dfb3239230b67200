"""Bad input to the ledger fails alone and with a 4xx naming the field: a naive time, an
oversized number, never a 500 and never another caller's entry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.conftest import World
from tests.ledger.test_api import _order
from zeren.errors import InvalidInput
from zeren.ledger import store
from zeren.ledger.integrator import Integrator, PendingEntry, Receipt
from zeren.ledger.interfaces import LedgerRecordLog
from zeren.ledger.keys import LogKeys


def test_a_bad_entry_fails_only_its_own_future(engine: Engine, keys: LogKeys) -> None:
    # A long batch window so that the good and the bad entries share one batch.
    integ = Integrator(engine, keys=keys, batch_size=256, batch_ms=300)
    rl = LedgerRecordLog(integ)

    def good(i: int) -> Receipt:
        return rl.append(record_class="orders", record={"order_id": f"good-{i}"},
                         personal={"b": i}, retain_until=datetime(2030, 1, 1, tzinfo=UTC),
                         retention_source="test")

    def naive() -> Receipt:
        return rl.append(record_class="orders", record={"order_id": "bad"}, personal={"b": 0},
                         retain_until=datetime(2030, 1, 1), retention_source="test")

    def long_subject() -> Receipt:
        return rl.append(record_class="orders", record={"order_id": "bad2"}, subject="s" * 201)

    try:
        with ThreadPoolExecutor(8) as ex:
            goods = [ex.submit(good, i) for i in range(5)]
            bads = [ex.submit(naive), ex.submit(long_subject)]
            assert sorted(f.result().index for f in goods) == [0, 1, 2, 3, 4]
            fields = []
            for f in bads:
                exc = f.exception()
                assert isinstance(exc, InvalidInput)
                fields.append(exc.details["field"])
            assert fields == ["retain_until", "subject"]
        with pytest.raises(InvalidInput) as err:
            rl.append(record_class="orders", record={"x": 1}, at=datetime(2025, 1, 1))
        assert err.value.details["field"] == "at"
        with pytest.raises(InvalidInput):  # a direct batch is checked the same way
            integ.append_batch("orders/2030", [PendingEntry(b"x", subject="s" * 201)])
    finally:
        integ.close()


@pytest.mark.parametrize("field", ["placed_at", "paid_at", "completed_at"])
def test_order_times_need_a_time_zone(client: TestClient, world: World, field: str) -> None:
    body = {**_order(world.small_id, "N-1"), field: "2025-03-05T10:00:00"}
    r = client.post("/api/v1/orders", headers=world.auth("admin"), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"]["field"] == field
    ok = client.post("/api/v1/orders", headers=world.auth("admin"),
                     json=_order(world.small_id, "N-2"))
    assert ok.status_code == 201, ok.text


def test_huge_numbers_are_bad_input_naming_the_field(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    log = client.post("/api/v1/orders", headers=h, json=_order(world.small_id, "H-1")).json()["log"]
    huge, neg = str(10**20), str(-(10**20))
    for query, field in [
        (f"proof?log={log}&index=0&size={huge}", "size"),
        (f"proof?log={log}&index={huge}", "index"),
        (f"proof?log={log}&index={neg}", "index"),
        (f"proof?log={log}&index=0&size=1e20", "size"),
        (f"consistency?log={log}&from=0&to={huge}", "to"),
        (f"consistency?log={log}&from={neg}&to=1", "from"),
        (f"consistency?log={log}&from={huge}&to={huge}", "from"),
    ]:
        r = client.get(f"/api/v1/ledger/{query}", headers=h)
        assert r.status_code == 422, (query, r.status_code, r.text)
        assert r.json()["error"]["details"]["field"] == field, query
    r = client.post("/api/v1/ledger/erasures", headers=h, json={
        "log": log, "index": 10**20, "legal_basis": "x", "approver": "y"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "index"


def test_store_refuses_sizes_no_column_holds(engine: Engine, integrator: Integrator) -> None:
    integrator.append("test/2025", [PendingEntry(b"one")])
    with Session(engine) as s:
        log = store.get_log(session=s, name="test/2025")
        for call, field in [
            (lambda: store.inclusion(session=s, log=log, index=0, size=2**64), "size"),
            (lambda: store.consistency(session=s, log=log, size1=-(2**64), size2=1), "from"),
            (lambda: store.consistency(session=s, log=log, size1=0, size2=2**64), "to"),
            (lambda: store.checkpoint_covering(session=s, log=log, index=2**64), "index"),
        ]:
            with pytest.raises(InvalidInput) as err:
                call()
            assert err.value.details["field"] == field
