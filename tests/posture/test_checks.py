"""Every registered check, whoever contributed it: none returns ``met`` on an empty database
for any platform (ADR 0030); the built-in Art 35 check in four cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.conftest import HOME_USCC, MALL_USCC, big_figures, mall_data
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.platforms.service import create_platform, record_figures
from zeren.posture import service
from zeren.posture.builtin_checks import tier_assessed
from zeren.posture.domain import CheckContext, Status
from zeren.posture.plugins import all_checks

NOW = st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime.now(),
                   timezones=st.just(UTC))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(now=NOW, with_figures=st.booleans())
def test_no_check_is_met_on_an_empty_database(engine: Engine, now: datetime,
                                              with_figures: bool) -> None:
    """Platforms with nothing recorded but their profile (and, drawn, their yearly figures,
    which only the tier check reads): no check may say met, and the evaluation counts no
    met obligation of any kind."""
    with unit_of_work(engine) as s:
        plats = [create_platform(session=s, actor=SYSTEM, data=mall_data(f"p{i}", uscc))
                 for i, uscc in enumerate((MALL_USCC, HOME_USCC))]
        if with_figures:
            record_figures(session=s, actor=SYSTEM, platform=plats[0],
                           data=big_figures(now.year - 1))
        for p in plats:
            ctx = CheckContext(session=s, platform_id=p.id, now=now)
            for check in all_checks():
                if with_figures and p is plats[0] and check.key == "art35.tier_assessed":
                    continue  # the figures recorded are exactly its evidence
                r = check.evaluate(ctx)
                assert r.status != Status.MET, (check.key, p.code, r.reason)
            ev = service.evaluate(session=s, actor=SYSTEM, platform=p, now=now, store=False)
            counts = ev.obligation_counts()
            assert counts["met_attested"] == 0
            assert counts["met_data"] == (1 if with_figures and p is plats[0] else 0)
        s.rollback()


def test_tier_assessed_four_cases(engine: Engine) -> None:
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:
        p = create_platform(session=s, actor=SYSTEM, data=mall_data("t35"))
        ctx = CheckContext(session=s, platform_id=p.id, now=now)
        r = tier_assessed(ctx)
        assert r.status == Status.NOT_ASSESSED and r.reason.startswith("no data: ")
        record_figures(session=s, actor=SYSTEM, platform=p, data=big_figures(now.year - 2))
        r = tier_assessed(ctx)  # breach: only the year before last was tested
        assert r.status == Status.UNMET
        # near miss: on 1 January the year just ended has no test yet
        jan = CheckContext(session=s, platform_id=p.id,
                           now=datetime(now.year - 1, 12, 31, 23, tzinfo=UTC))
        assert tier_assessed(jan).status == Status.MET
        record_figures(session=s, actor=SYSTEM, platform=p, data=big_figures(now.year - 1))
        r = tier_assessed(ctx)  # compliance
        assert r.status == Status.MET and r.seen == 1 and r.figures["tier"] == "super_large"
        assert r.period is not None and r.period.start is not None
        assert r.period.start.year == now.year - 1
        assert now - r.period.end < timedelta(seconds=1)
