"""The Art 10 checks of the merchant registry, four cases each: no data, a breach, a near
miss, compliance — called directly with a CheckContext on one platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update

from tests.conftest import World
from tests.merchants.conftest import enterprise, licence
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.merchants import domain as d
from zeren.merchants.checks import merchants_verified, reverification_on_time
from zeren.merchants.models import Licence, Merchant
from zeren.merchants.schemas import MerchantIn
from zeren.merchants.services import registry
from zeren.posture.domain import CheckContext, Status
from zeren.timepolicy import beijing_today

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
TODAY = beijing_today(NOW)


def add(s: Any, world: World, n: int, **kw: Any) -> Merchant:
    return registry.register_merchant(session=s, actor=SYSTEM, platform_id=world.big_id,
                                      data=MerchantIn(**enterprise(n, **kw)),
                                      now=NOW - timedelta(days=30))


def mark_verified(s: Any, m: Merchant, due: Any) -> None:
    s.execute(update(Merchant).where(Merchant.id == m.id)
              .values(verification="verified", reverify_due=due))


def ctx(s: Any, world: World, platform: str | None = None) -> CheckContext:
    return CheckContext(session=s, platform_id=platform or world.big_id, now=NOW)


def test_verified(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        r = merchants_verified(ctx(s, world))
        assert r.status is Status.NOT_ASSESSED and r.reason.startswith("no data:")
        a, b = add(s, world, 1), add(s, world, 2, licences=[licence()])
        mark_verified(s, a, TODAY + timedelta(days=100))
        r = merchants_verified(ctx(s, world))
        assert r.status is Status.UNMET and r.figures["verified"] == 1  # breach
        mark_verified(s, b, TODAY + timedelta(days=100))
        # near miss: every merchant verified, but one licence ended yesterday
        s.execute(update(Licence).where(Licence.merchant_id == b.id)
                  .values(valid_until=TODAY - timedelta(days=1)))
        r = merchants_verified(ctx(s, world))
        assert r.status is Status.UNMET and r.figures["with_expired_licence"] == 1
        s.execute(update(Licence).where(Licence.merchant_id == b.id).values(valid_until=TODAY))
        r = merchants_verified(ctx(s, world))
        assert r.status is Status.MET and r.seen == 2
        # the other platform has nothing: no data there, whatever this one holds
        assert merchants_verified(ctx(s, world, world.small_id)).status is Status.NOT_ASSESSED


def test_reverified(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        a, b = add(s, world, 1), add(s, world, 2)
        r = reverification_on_time(ctx(s, world))
        assert r.status is Status.NOT_ASSESSED  # nobody verified yet: nothing can be due
        mark_verified(s, a, TODAY - timedelta(days=1))
        mark_verified(s, b, TODAY + timedelta(days=60))
        r = reverification_on_time(ctx(s, world))
        assert r.status is Status.UNMET and r.figures["overdue"] == 1
        mark_verified(s, a, TODAY)  # due today: not yet overdue (near miss)
        r = reverification_on_time(ctx(s, world))
        assert r.status is Status.MET and r.seen == 2
        assert d.registry().reverify_months == 6


def test_sanctions_with_grounds(engine: Engine, world: World,
                                monkeypatch: Any) -> None:
    import zeren.moderation.services.appeals as appeals
    from zeren.merchants.checks import sanctions_with_grounds

    board: list[dict[str, Any]] = []
    monkeypatch.setattr(appeals, "sanctions_board", lambda **_kw: board)
    with unit_of_work(engine) as s:
        assert sanctions_with_grounds(ctx(s, world)).status is Status.NOT_ASSESSED
        add(s, world, 1)
        board.append({"merchant_ref": "M000001", "ground": {"law": "电子商务法", "article": "36"}})
        board.append({"merchant_ref": "GHOST", "ground": {}})  # not registered: a figure only
        r = sanctions_with_grounds(ctx(s, world))
        assert r.status is Status.MET and r.seen == 1
        assert r.figures["of_unregistered_refs"] == 1
        board.append({"merchant_ref": "M000001", "ground": {}})
        r = sanctions_with_grounds(ctx(s, world))
        assert r.status is Status.UNMET and r.figures["without_ground"] == 1
