"""The posture vocabulary: no met without positive evidence, zero of zero is not 100 %,
checks declare obligations the guideline lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zeren.posture.domain import (
    Check,
    CheckContext,
    CheckResult,
    NoEvidence,
    Period,
    Status,
    share,
)
from zeren.posture.plugins import validate

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _noop(_ctx: CheckContext) -> CheckResult:
    return CheckResult.no_data("nothing")


def test_met_needs_evidence_seen_and_a_period() -> None:
    with pytest.raises(NoEvidence):
        CheckResult(Status.MET, "all fine")
    with pytest.raises(NoEvidence):
        CheckResult.met("0/0 answered", seen=0, period=Period.last(NOW, timedelta(days=30)))
    with pytest.raises(NoEvidence):
        CheckResult(Status.MET, "no period", seen=3)
    ok = CheckResult.met("3 answered", seen=3, period=Period.last(NOW, timedelta(days=30)))
    assert ok.period_dict() == {"start": "2026-05-02T00:00:00+00:00",
                                "end": "2026-06-01T00:00:00+00:00"}
    # other findings need no evidence count
    assert CheckResult.found(Status.UNMET, "x", period=None).status == Status.UNMET


def test_no_data_reads_as_such() -> None:
    r = CheckResult.no_data("no patrol ran", what_zh="尚未巡查")
    assert r.status == Status.NOT_ASSESSED
    assert r.reason == "no data: no patrol ran" and r.reason_zh == "无数据：尚未巡查"


def test_zero_of_zero_is_no_share() -> None:
    assert share(0, 0) is None
    assert share(3, 4) == 0.75


def test_registry_refuses_what_the_guideline_does_not_list() -> None:
    def check(key: str, *obs: str) -> Check:
        return Check(key=key, obligations=obs, title_zh="测", title_en="t", evaluate=_noop)

    validate([check("a", "art13.patrol"), check("b", "art13.lexicon", "art13.review")])
    with pytest.raises(RuntimeError, match="unknown obligations"):
        validate([check("a", "art13.nope")])
    with pytest.raises(RuntimeError, match="articles"):
        validate([check("a", "art13.patrol", "art12.records_kept")])
    with pytest.raises(RuntimeError, match="no obligation"):
        validate([check("a")])
    with pytest.raises(RuntimeError, match="twice"):
        validate([check("a", "art13.patrol"), check("a", "art13.patrol")])
    assert check("a", "art13.patrol").article == 13
