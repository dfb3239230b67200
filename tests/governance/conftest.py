"""Shared pieces of the governance tests: the compliance officer's headers, URLs, running a
check on its own, and org-registry people with duties."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.org import service as org
from zeren.platforms.models import Platform
from zeren.posture.domain import CheckContext, CheckResult, Status


def url(world: World, path: str, platform: str | None = None) -> str:
    return f"/api/v1/platforms/{platform or world.big_id}/governance{path}"


@pytest.fixture
def co(world: World) -> dict[str, str]:
    return world.auth("compliance_officer")


def run(engine: Engine, world: World, check: object, at: datetime,
        platform: str | None = None) -> CheckResult:
    with unit_of_work(engine) as s:
        got = check(CheckContext(session=s, platform_id=platform or world.big_id, now=at))  # type: ignore[operator]
    assert isinstance(got, CheckResult)
    return got


def no_data(r: CheckResult) -> bool:
    return r.status is Status.NOT_ASSESSED and r.reason.startswith("no data: ")


def people(engine: Engine, platform_id: str, n: int, duty: str | None = None,
           since: date = date(2020, 1, 1)) -> list[str]:
    """``n`` people on the org registry (e-mails p0@… onwards), each holding ``duty``."""
    ids = []
    with unit_of_work(engine) as s:
        p = s.get(Platform, platform_id)
        assert p is not None
        for i in range(n):
            person = org.add_person(session=s, actor=SYSTEM, platform=p,
                                    data={"name": f"员工{i}", "email": f"p{i}@example.com"})
            if duty:
                org.assign_duty(session=s, actor=SYSTEM, platform=p, person_id=person.id,
                                duty=duty, since=since)
            ids.append(person.id)
    return ids
