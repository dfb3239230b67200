"""The market's posture checks: no data is not assessed; data but no run in the period, or a
finding left without action past the handling period, is unmet; a finding awaiting action
within it is at risk; runs with every finding handled is met."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from tests.conftest import World
from tests.market.fixtures import ALL
from zeren.auth.policy import SYSTEM
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.market.checks import zeren_posture_checks
from zeren.market.services import actions, ingest, runs
from zeren.pagination import PageParams
from zeren.posture.domain import CheckContext, Status


def _check(key: str):  # type: ignore[no-untyped-def]
    return next(c for c in zeren_posture_checks() if c.key == key)


def test_pyramid_check_through_its_states(engine: Engine, world: World, tmp_path: Path) -> None:
    pid, root = world.big_id, tmp_path / "data"
    check = _check("market.art23.pyramid")
    assert check.article == 23 and check.obligations == ("art23.no_pyramid_selling",)
    now = utcnow()
    with unit_of_work(engine) as s:
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=now))
        assert r.status == Status.NOT_ASSESSED and "no data" in r.reason
        ingest.ingest_rows(session=s, actor=SYSTEM, platform_id=pid, root=root,
                           dataset_name="referrals", rows=ALL["referrals"])
    with unit_of_work(engine) as s:
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=now))
        assert r.status == Status.UNMET and "not run" in r.reason
        runs.run_detector(session=s, actor=SYSTEM, platform_id=pid, root=root,
                          name="pyramid_scheme")
    later = utcnow()
    with unit_of_work(engine) as s:
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=later))
        assert r.status == Status.AT_RISK and r.figures["open_findings"] == 1
        r = check.evaluate(CheckContext(session=s, platform_id=pid,
                                        now=later + timedelta(days=16)))
        # 16 days on: the run is still in the 31-day period, the finding is late
        assert r.status == Status.UNMET and r.figures["late_findings"] == 1
        fid = runs.list_findings(session=s, actor=SYSTEM, platform_id=pid,
                                 params=PageParams(offset=0, limit=5))[0][0].id
        actions.act(session=s, actor=SYSTEM, platform_id=pid, finding_id=fid)
    with unit_of_work(engine) as s:
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=utcnow()))
        assert r.status == Status.MET and r.seen == 1
        r = check.evaluate(CheckContext(session=s, platform_id=pid,
                                        now=utcnow() + timedelta(days=40)))
        assert r.status == Status.UNMET and "not run" in r.reason


def test_every_check_names_one_article() -> None:
    got = {c.key: c.article for c in zeren_posture_checks()}
    assert got == {"market.art1.merchant_data": 1, "market.art2.self_preferencing": 2,
                   "market.art17.brushing": 17, "market.art20.pricing": 20,
                   "market.art23.pyramid": 23, "market.art19.algorithm_fairness": 19,
                   "market.art24.grey_accounts": 24}


def _states(engine: Engine, world: World, root: Path, key: str, datasets: tuple[str, ...],
            detectors: tuple[str, ...]) -> None:
    """No data, data but a detector not run, a finding awaiting action (at risk), one
    second before the handling deadline still at risk and at it unmet (the near miss), and
    every finding acted on (met); another platform reads nothing of it."""
    pid, check = world.big_id, _check(key)
    with unit_of_work(engine) as s:
        assert check.evaluate(CheckContext(session=s, platform_id=pid, now=utcnow())
                              ).status == Status.NOT_ASSESSED
        for ds in datasets:
            ingest.ingest_rows(session=s, actor=SYSTEM, platform_id=pid, root=root,
                               dataset_name=ds, rows=ALL[ds])
        runs.run_detector(session=s, actor=SYSTEM, platform_id=pid, root=root,
                          name=detectors[0])
    with unit_of_work(engine) as s:
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=utcnow()))
        if len(detectors) > 1:
            assert r.status == Status.UNMET and detectors[1] in r.reason
            for name in detectors[1:]:
                runs.run_detector(session=s, actor=SYSTEM, platform_id=pid, root=root,
                                  name=name)
    with unit_of_work(engine) as s:
        found = runs.list_findings(session=s, actor=SYSTEM, platform_id=pid,
                                   params=PageParams(offset=0, limit=500))[0]
        found = [f for f in found if f.detector in detectors]
        assert found, "the fixture plants a finding for the article"
        handle = timedelta(days=15)
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=utcnow()))
        assert r.status == Status.AT_RISK and r.figures["open_findings"] == len(found)
        oldest = min(f.created_at for f in found)
        r = check.evaluate(CheckContext(session=s, platform_id=pid,
                                        now=oldest + handle - timedelta(seconds=1)))
        assert r.status == Status.AT_RISK, r.reason
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=oldest + handle))
        assert r.status == Status.UNMET and r.figures["late_findings"] >= 1
        for f in found:
            actions.act(session=s, actor=SYSTEM, platform_id=pid, finding_id=f.id,
                        assignee="排序算法负责人")
    with unit_of_work(engine) as s:
        r = check.evaluate(CheckContext(session=s, platform_id=pid, now=utcnow()))
        assert r.status == Status.MET and r.seen == len(detectors)
        r = check.evaluate(CheckContext(session=s, platform_id=world.small_id, now=utcnow()))
        assert r.status == Status.NOT_ASSESSED


def test_grey_accounts_check_art24(engine: Engine, world: World, tmp_path: Path) -> None:
    _states(engine, world, tmp_path / "data", "market.art24.grey_accounts",
            ("account_signals",), ("grey_accounts",))


def test_algorithm_fairness_check_art19(engine: Engine, world: World, tmp_path: Path) -> None:
    _states(engine, world, tmp_path / "data", "market.art19.algorithm_fairness",
            ("exposures", "prices"), ("self_preferencing", "price_discrimination"))
