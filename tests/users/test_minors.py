"""Minors (指南 第三十一条): the game windows and spending limits at their boundaries (pure),
bad logs refused naming the field with nothing written, and the two posture checks on
planted logs — no data, a breach, a near miss (exactly at the limit), compliance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.governance.conftest import no_data, run
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.errors import InvalidInput
from zeren.posture.domain import Status
from zeren.posture.plugins import all_checks
from zeren.timepolicy import BEIJING
from zeren.users import checks
from zeren.users import domain as d
from zeren.users.models import MinorSession
from zeren.users.schemas import MinorIn, PaymentIn, SessionIn
from zeren.users.services import minors

NOW = datetime(2026, 11, 30, 12, tzinfo=BEIJING)  # a Monday
FRI = datetime(2026, 11, 27, tzinfo=BEIJING)


def t(day: datetime, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return day + timedelta(hours=hh, minutes=mm, seconds=ss)


def test_game_window_boundaries() -> None:
    assert d.game_allowed(t(FRI, 20), t(FRI, 21))  # exactly the window
    assert not d.game_allowed(t(FRI, 20), t(FRI, 21, 0, 1))
    assert not d.game_allowed(t(FRI, 19, 59, 59), t(FRI, 20, 30))
    thursday = FRI - timedelta(days=1)
    assert not d.game_allowed(t(thursday, 20), t(thursday, 20, 30))
    holiday = datetime(2026, 10, 1, tzinfo=BEIJING)  # a Thursday, a statutory holiday
    assert holiday.weekday() == 3 and d.game_allowed(t(holiday, 20), t(holiday, 20, 30))
    # the zone the time is written in does not matter: 12:00 UTC is 20:00 in Beijing
    assert d.game_allowed(t(FRI, 20).astimezone(UTC), t(FRI, 21).astimezone(UTC))


def test_spending_limits_boundaries() -> None:
    pay = [("a", f"p{i}", "from_8_to_16", t(FRI, 10, i), 5000) for i in range(4)]
    assert d.spending_breaches(pay) == []  # 50 yuan each, 200 in the month: at the limits
    got = d.spending_breaches([*pay, ("a", "p9", "from_8_to_16", t(FRI, 11), 1)])
    assert [(b.rule, b.amount_fen, b.limit_fen) for b in got] == [("monthly", 20001, 20000)]
    got = d.spending_breaches([("b", "q", "from_16_to_18", t(FRI, 9), 10001)])
    assert [(b.rule, b.limit_fen) for b in got] == [("single", 10000)]
    assert d.spending_breaches([("c", "r", "under_8", t(FRI, 9), 1)])[0].rule == "single"
    # a new Beijing month starts a new total (the 1st at 00:00 Beijing is 16:00 UTC before)
    dec = datetime(2026, 12, 1, tzinfo=BEIJING)
    assert d.spending_breaches([*pay, ("a", "n", "from_8_to_16", dec, 5000)]) == []


def _flag(engine: Engine, world: World, **bands: str) -> None:
    with unit_of_work(engine) as s:
        minors.flag_minors(session=s, actor=SYSTEM, platform_id=world.big_id,
                           accounts=[MinorIn(account_id=a, band=b) for a, b in bands.items()])


def _sessions(engine: Engine, world: World, *rows: tuple[str, datetime, datetime]) -> None:
    with unit_of_work(engine) as s:
        minors.import_sessions(session=s, actor=SYSTEM, platform_id=world.big_id, sessions=[
            SessionIn(account_id=a, starts_at=x, ends_at=y) for a, x, y in rows])


def _payments(engine: Engine, world: World, *rows: tuple[str, str, datetime, int]) -> None:
    with unit_of_work(engine) as s:
        minors.import_payments(session=s, actor=SYSTEM, platform_id=world.big_id, payments=[
            PaymentIn(account_id=a, payment_id=p, paid_at=x, amount_fen=f)
            for a, p, x, f in rows])


def test_bad_logs_are_refused_naming_the_field(engine: Engine, world: World) -> None:
    with pytest.raises(InvalidInput) as e:
        _flag(engine, world, k1="toddler")
    assert e.value.details == {"field": "accounts.0.band"}
    _flag(engine, world, k1="from_8_to_16")
    cases: list[tuple[Any, str]] = [
        (lambda: _sessions(engine, world, ("adult", t(FRI, 20), t(FRI, 21))),
         "sessions.0.account_id"),
        (lambda: _sessions(engine, world, ("k1", t(FRI, 20).replace(tzinfo=None),
                                           t(FRI, 21))), "sessions.0.starts_at"),
        (lambda: _sessions(engine, world, ("k1", t(FRI, 20), t(FRI, 20, 30)),
                           ("k1", t(FRI, 20, 10), t(FRI, 20, 40))), "sessions.1.starts_at"),
        (lambda: _sessions(engine, world, ("k1", t(FRI, 21), t(FRI, 20))),
         "sessions.0.ends_at"),
        (lambda: _payments(engine, world, ("adult", "p1", t(FRI, 20), 100)),
         "payments.0.account_id"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as e:
            call()
        assert e.value.details == {"field": field}
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(MinorSession)) == 0


def test_game_time_check(engine: Engine, world: World) -> None:
    assert {c.key for c in all_checks() if c.article == 31} >= {"users.art31.game_time",
                                                                "users.art31.spending"}
    assert no_data(run(engine, world, checks.game_time, NOW))
    _flag(engine, world, k1="from_8_to_16", k2="from_16_to_18")
    _sessions(engine, world, ("k1", t(FRI, 20), t(FRI, 21)))  # near miss: exactly the hour
    got = run(engine, world, checks.game_time, NOW)
    assert got.status is Status.MET and got.seen == 1
    sat = FRI + timedelta(days=1)
    _sessions(engine, world, ("k2", t(sat, 21, 30), t(sat, 22, 30)))  # past 21:00
    got = run(engine, world, checks.game_time, NOW)
    assert got.status is Status.UNMET and got.inputs["accounts"] == ["k2"]
    assert no_data(run(engine, world, checks.game_time, NOW, platform=world.small_id))
    assert no_data(run(engine, world, checks.game_time, NOW + timedelta(days=60)))


def test_spending_check(engine: Engine, world: World) -> None:
    assert no_data(run(engine, world, checks.spending, NOW))
    _flag(engine, world, k1="from_8_to_16")
    _payments(engine, world, *[("k1", f"p{i}", t(FRI, 10, i), 5000) for i in range(4)])
    got = run(engine, world, checks.spending, NOW)  # near miss: 200 yuan in the month
    assert got.status is Status.MET and got.seen == 4
    _payments(engine, world, ("k1", "p9", t(FRI, 11), 1))
    got = run(engine, world, checks.spending, NOW)
    assert got.status is Status.UNMET and got.figures["over_monthly"] == 1
