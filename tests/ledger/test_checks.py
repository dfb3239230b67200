"""Art 10 ledger checks, four cases each (ADR 0030): no data, breach, near miss, compliance;
each reads only the platform asked about."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from tests.conftest import World
from tests.ledger.test_api import _order
from zeren.db.base import utcnow
from zeren.ledger import models as m
from zeren.ledger.checks import LOOKBACK, checkpoints_verify, transaction_records_logged
from zeren.ledger.outbox import OutboxRow
from zeren.posture.domain import CheckContext, CheckResult, Status


def _ctx(s: Session, pid: str, now: datetime | None = None) -> CheckContext:
    return CheckContext(session=s, platform_id=pid, now=now or utcnow())


def _no_data(r: CheckResult) -> bool:
    return r.status == Status.NOT_ASSESSED and r.reason.startswith("no data: ")


def test_transaction_records_four_cases(client: TestClient, world: World,
                                        engine: Engine) -> None:
    with Session(engine) as s:
        assert _no_data(transaction_records_logged(_ctx(s, world.small_id)))
    r = client.post("/api/v1/orders", headers=world.auth("admin"),
                    json=_order(world.small_id, "T-1"))
    assert r.status_code == 201, r.text
    with Session(engine) as s:
        ok = transaction_records_logged(_ctx(s, world.small_id))
        assert ok.status == Status.MET and ok.seen == 1  # compliance
        # the other platform's orders do not show this one's duty
        assert _no_data(transaction_records_logged(_ctx(s, world.big_id)))
        # near miss: a day inside the window, then a day past it (nothing logged since)
        inside = transaction_records_logged(_ctx(s, world.small_id,
                                                 utcnow() + LOOKBACK - timedelta(days=1)))
        assert inside.status == Status.MET
        past = transaction_records_logged(_ctx(s, world.small_id,
                                               utcnow() + LOOKBACK + timedelta(days=1)))
        assert _no_data(past) and past.figures["records"] == 1
    with Session(engine) as s:  # breach: an order of this platform stuck in the outbox
        s.add(OutboxRow(record_class="orders", record={"order_id": "T-2"},
                        subject=f"order:{world.small_id}:T-2", at=utcnow(),
                        created_at=utcnow() - timedelta(hours=1), retention_source="test"))
        s.commit()
        r2 = transaction_records_logged(_ctx(s, world.small_id))
        assert r2.status == Status.UNMET and r2.figures["outbox_late"] == 1
        assert _no_data(transaction_records_logged(_ctx(s, world.big_id)))


def test_checkpoints_verify_four_cases(client: TestClient, world: World,
                                       engine: Engine) -> None:
    with Session(engine) as s:
        # logs exist for other records, but none holds this platform's orders: no data
        assert _no_data(checkpoints_verify(_ctx(s, world.small_id)))
    assert client.post("/api/v1/orders", headers=world.auth("admin"),
                       json=_order(world.small_id, "V-1")).status_code == 201
    with Session(engine) as s:
        ok = checkpoints_verify(_ctx(s, world.small_id))
        assert ok.status == Status.MET and ok.seen == 1  # compliance
        assert _no_data(checkpoints_verify(_ctx(s, world.big_id)))  # not the group's logs
        log_id, size = s.execute(select(m.CHECKPOINTS.c.log_id, m.CHECKPOINTS.c.size)
                                 .order_by(m.CHECKPOINTS.c.size.desc()).limit(1)).one()
        # breach: a newer checkpoint whose signature does not verify
        s.execute(insert(m.CHECKPOINTS).values(
            log_id=log_id, size=size + 1, root_hash=b"\0" * 32,
            note="zeren.local/forged\n2\nAAAA\n\n— forged AAAA\n", created_at=utcnow()))
        s.commit()
        bad = checkpoints_verify(_ctx(s, world.small_id))
        assert bad.status == Status.UNMET and bad.figures["failing"] == 1
