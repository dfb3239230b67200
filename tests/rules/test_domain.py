"""Pure rules: periods counted in Beijing days whatever zone a time is given in, the
lifecycle's moves and statuses, diffs, fee comparison."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.rules import domain as d

BJ = timezone(timedelta(hours=8))
NY = timezone(timedelta(hours=-5))


def test_the_data_names_its_sources() -> None:
    data = d.rules_data()
    assert data.notice.days == 7 and "第三十四条" in data.notice.source
    assert data.consultation.days >= 1 and data.consultation.source
    assert "trading_rule" in data.kinds and "第三十四条" in data.exit_source


@pytest.mark.parametrize("raw, bad", [
    ({"notice": {"min_days": 0, "source": "x"}}, "notice.min_days"),
    ({"notice": {"min_days": 7}}, "notice.source"),
])
def test_bad_data_is_refused_when_loaded(raw: dict[str, object], bad: str) -> None:
    good = {"notice": {"min_days": 7, "source": "s"},
            "consultation": {"min_days": 7, "source": "s"},
            "exit": {"source": "s"}, "kinds": [{"code": "a", "zh": "甲", "en": "A"}]}
    with pytest.raises(ValueError, match=bad):
        d.parse_rules({**good, **raw})


def test_notice_counts_beijing_days_from_the_day_after_publication() -> None:
    # published 23:30 Beijing on 1 March (15:30 UTC): the seven days are 2–8 March,
    # so the earliest effective time is 00:00 Beijing on 9 March = 16:00 UTC on 8 March.
    pub = datetime(2026, 3, 1, 23, 30, tzinfo=BJ)
    first = d.earliest_effective(pub, 7)
    assert first == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    # the same instant given in UTC or New York time gives the same answer
    assert d.earliest_effective(pub.astimezone(UTC), 7) == first
    assert d.earliest_effective(pub.astimezone(NY), 7) == first
    # 16:30 UTC on 1 March is already 2 March in Beijing: one day later
    assert d.earliest_effective(datetime(2026, 3, 1, 16, 30, tzinfo=UTC), 7) == \
        first + timedelta(days=1)


def test_effective_times_are_checked_as_instants() -> None:
    now = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)   # 23:30 Beijing
    d.check_effective(effective_at=datetime(2026, 3, 8, 16, 0, tzinfo=UTC), now=now, days=7)
    d.check_effective(effective_at=datetime(2026, 3, 8, 11, 0, tzinfo=NY), now=now, days=7)
    d.check_effective(effective_at=datetime(2026, 3, 9, 0, 0, tzinfo=BJ), now=now, days=7)
    with pytest.raises(d.OutOfRule, match="shorter than 7 days") as e:
        d.check_effective(effective_at=datetime(2026, 3, 8, 23, 59, 59, tzinfo=BJ), now=now,
                          days=7)
    assert e.value.field == "effective_at"
    with pytest.raises(d.OutOfRule, match="in the past"):
        d.check_effective(effective_at=now - timedelta(seconds=1), now=now, days=7)
    with pytest.raises(d.OutOfRule, match="time zone"):
        d.check_effective(effective_at=datetime(2026, 4, 1), now=now, days=7)


def test_consultation_deadline_is_checked_the_same_way() -> None:
    now = datetime(2026, 3, 1, 10, 0, tzinfo=BJ)
    d.check_closes(closes_at=datetime(2026, 3, 9, tzinfo=BJ), now=now, days=7)
    with pytest.raises(d.OutOfRule, match="shorter") as e:
        d.check_closes(closes_at=datetime(2026, 3, 8, 15, 59, tzinfo=UTC), now=now, days=7)
    assert e.value.field == "closes_at"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.sampled_from([UTC, BJ, NY, timezone(timedelta(hours=14))])),
       st.integers(min_value=1, max_value=60))
def test_notice_is_never_shorter_than_its_days(pub: datetime, days: int) -> None:
    first = d.earliest_effective(pub, days)
    assert first - pub > timedelta(days=days)
    assert first - pub <= timedelta(days=days + 1)
    assert first.astimezone(BJ).time() == datetime.min.time()


def test_lifecycle_moves() -> None:
    d.check_move("draft", d.Stage.CONSULTATION)
    d.check_move("consultation", d.Stage.DECIDED)
    d.check_move("decided", d.Stage.PUBLISHED)
    for cur, nxt in [("draft", d.Stage.PUBLISHED), ("published", d.Stage.DRAFT),
                     ("withdrawn", d.Stage.CONSULTATION), ("draft", d.Stage.DECIDED)]:
        with pytest.raises(d.OutOfRule) as e:
            d.check_move(cur, nxt)
        assert e.value.field == "status"


def test_status_with_time_applied() -> None:
    eff = datetime(2026, 3, 9, tzinfo=BJ)
    later = datetime(2026, 6, 1, tzinfo=BJ)

    def at(now: datetime, sup: datetime | None = None) -> d.Shown:
        return d.shown_status(stage="published", now=now, closes_at=None, effective_at=eff,
                              superseded_at=sup)
    assert at(eff - timedelta(seconds=1)) == d.Shown.ANNOUNCED
    assert at(eff) == d.Shown.IN_FORCE
    assert at(later, later) == d.Shown.SUPERSEDED
    assert at(later - timedelta(seconds=1), later) == d.Shown.IN_FORCE
    assert d.shown_status(stage="consultation", now=eff, closes_at=eff, effective_at=None,
                          superseded_at=None) == d.Shown.CONSULTATION_CLOSED


def test_in_force_and_superseded() -> None:
    a, b = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    vs = [("v1", a), ("v2", b)]
    assert d.in_force_at(vs, a - timedelta(seconds=1)) is None
    assert d.in_force_at(vs, a) == "v1"
    assert d.in_force_at(vs, b) == "v2"
    assert d.superseded_at(vs, "v1") == b and d.superseded_at(vs, "v2") is None


def test_diffs_inline_and_side_by_side() -> None:
    old = "第一条 甲\n第二条 乙\n第三条 丙\n"
    new = "第一条 甲\n第二条 乙改\n第三条 丙\n第四条 丁\n"
    u = d.unified_diff(old, new, old_label="r v1", new_label="r v2")
    assert u.startswith("--- r v1\n+++ r v2\n")
    assert "-第二条 乙\n" in u and "+第二条 乙改\n" in u and "+第四条 丁\n" in u
    rows = d.side_by_side(old, new)
    assert [r.tag for r in rows] == ["equal", "replace", "equal", "insert"]
    assert rows[1].left == "第二条 乙" and rows[1].right == "第二条 乙改"
    assert rows[3].left_no is None and rows[3].right_no == 4
    assert d.diff_counts(rows) == {"added": 1, "removed": 0, "changed": 1}
    # a replaced block of unequal length pads the shorter side
    rows = d.side_by_side("a\nb\n", "x\n")
    assert [(r.left, r.right) for r in rows] == [("a", "x"), ("b", "")]
    assert d.diff_counts(rows) == {"added": 0, "removed": 1, "changed": 1}


@given(st.lists(st.sampled_from(["甲", "乙", "丙", "丁", ""]), max_size=12),
       st.lists(st.sampled_from(["甲", "乙", "丙", "戊", ""]), max_size=12))
def test_side_by_side_keeps_every_line_of_both_sides(a: list[str], b: list[str]) -> None:
    rows = d.side_by_side("\n".join(a), "\n".join(b))
    assert [r.left for r in rows if r.left_no] == "\n".join(a).splitlines()
    assert [r.right for r in rows if r.right_no] == "\n".join(b).splitlines()


def test_fee_changes() -> None:
    old = [{"code": "commission", "basis": "percent", "amount": 5, "applies_to": "all"},
           {"code": "deposit", "basis": "fixed", "amount": 1000, "applies_to": "all"}]
    same = [dict(f) for f in old]
    assert d.fee_changes(old, same) == [] and not d.fee_increase(old, same)
    cut = [{**old[0], "amount": 4}, old[1]]
    assert [c.change for c in d.fee_changes(old, cut)] == ["decreased"]
    assert not d.fee_increase(old, cut)
    up = [{**old[0], "amount": 6}, old[1], {"code": "tech", "basis": "per_year",
                                            "amount": 6000, "applies_to": "all"}]
    changes = {c.code: c.change for c in d.fee_changes(old, up)}
    assert changes == {"commission": "increased", "tech": "added"}
    assert d.fee_increase(old, up)
    assert d.notice_days(fee_increase=True, document_fee_days=30) == 30
    assert d.notice_days(fee_increase=False, document_fee_days=30) == 7
    assert d.notice_days(fee_increase=True, document_fee_days=None) == 7
