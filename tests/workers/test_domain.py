"""The pure working-time and pay rules (指南 第三十条) on columns: each rule at its limit
(within) and one step past it (a breach), a segment across Beijing midnight split between
the two days, overlaps found, amounts in fen."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.workers import domain as d

MON = d.day_number(date(2026, 11, 23))
T0 = int(d.instant(MON).timestamp())  # Monday 00:00 Beijing
H = 3600
LIM = d.limits()
WAGE = np.array([d.minimum_wage("beijing")], dtype=np.int64)


def run(segs: list[tuple[int, int, int]], weeks: int = 1, wage: np.ndarray = WAGE
        ) -> d.Assessment:
    log = d.Log.of([0] * len(segs), [a for a, _, _ in segs], [b for _, b, _ in segs],
                   [p for _, _, p in segs], 1)
    return d.assess(log, first_day=MON, weeks=weeks, wage_fen=wage, lim=LIM)


def pay_for(seconds: int) -> int:
    return -(-int(WAGE[0]) * seconds // H)  # the least pay at the minimum wage


def test_limits_come_from_data_with_sources() -> None:
    assert LIM.daily_order_s == 8 * H and LIM.continuous_s == 4 * H and LIM.pause_s == 1200
    assert LIM.max_work_days == 6
    raw = d.data()["limits"]
    assert all(raw[k] for k in ("daily_order_hours_source", "continuous_source",
                                "rest_source", "pay_source"))
    assert all(w["source"] for w in d.data()["minimum_wage"].values())


def test_daily_order_time_at_and_past_the_limit() -> None:
    # four 2 h stretches 20 min apart (each gap a pause): 8 h exactly is within the limit
    segs = [(T0 + 8 * H + i * (2 * H + 1200), T0 + 8 * H + i * (2 * H + 1200) + 2 * H, 0)
            for i in range(4)]
    segs = [(a, b, pay_for(2 * H)) for a, b, _ in segs]
    got = run(segs)
    assert got.rules["daily_order_time"].breaches == 0
    assert got.rules["daily_order_time"].assessed == 1
    assert got.rules["continuous_work"].breaches == 0
    a, b, p = segs[-1]
    got = run([*segs[:-1], (a, b + 1, p)])
    f = got.rules["daily_order_time"]
    assert f.breaches == 1 and f.value.tolist() == [8 * H + 1] and f.day.tolist() == [MON]


def test_a_segment_across_midnight_counts_on_both_days() -> None:
    # 22:00 Monday to 07:00 Tuesday: 2 h Monday, 7 h Tuesday; with 2 h more on Tuesday
    # evening Tuesday has 9 h
    got = run([(T0 + 22 * H, T0 + 31 * H, 0), (T0 + 40 * H, T0 + 42 * H, 0)])
    f = got.rules["daily_order_time"]
    assert f.day.tolist() == [MON + 1] and f.value.tolist() == [9 * H]


def test_continuous_work_needs_a_full_pause() -> None:
    four = [(T0 + 9 * H, T0 + 13 * H, pay_for(4 * H))]
    assert run(four).rules["continuous_work"].breaches == 0  # 4 h exactly: within
    # a 19-minute gap is no pause: the stretch runs on to 4 h 20 min
    short_gap = [*four, (T0 + 13 * H + 1140, T0 + 13 * H + 1200, 100)]
    f = run(short_gap).rules["continuous_work"]
    assert f.breaches == 1 and f.value.tolist() == [4 * H + 1200]
    # a 20-minute gap is the pause: two stretches, none too long
    paused = [*four, (T0 + 13 * H + 1200, T0 + 14 * H, 100)]
    got = run(paused).rules["continuous_work"]
    assert got.breaches == 0 and got.assessed == 2


def test_a_rest_day_each_week() -> None:
    six = [(T0 + k * 24 * H + 9 * H, T0 + k * 24 * H + 10 * H, pay_for(H)) for k in range(6)]
    assert run(six).rules["rest_day"].breaches == 0
    seven = [*six, (T0 + 6 * 24 * H + 9 * H, T0 + 6 * 24 * H + 10 * H, pay_for(H))]
    f = run(seven).rules["rest_day"]
    assert f.breaches == 1 and f.value.tolist() == [7] and f.day.tolist() == [MON]


def test_pay_against_the_minimum_wage_exactly() -> None:
    assert run([(T0 + 9 * H, T0 + 10 * H, int(WAGE[0]))]).rules["minimum_pay"].breaches == 0
    f = run([(T0 + 9 * H, T0 + 10 * H, int(WAGE[0]) - 1)]).rules["minimum_pay"]
    assert f.breaches == 1 and f.limit.tolist() == [int(WAGE[0])]
    # weekly: a poorly paid hour is made up by a well paid one the same week
    ok = run([(T0 + 9 * H, T0 + 10 * H, 0), (T0 + 33 * H, T0 + 34 * H, 2 * int(WAGE[0]))])
    assert ok.rules["minimum_pay"].breaches == 0


def test_the_period_starts_on_a_monday() -> None:
    with pytest.raises(d.Rejected):
        d.assess(d.Log.of([], [], [], [], 0), first_day=MON + 1, weeks=1, wage_fen=WAGE[:0],
                 lim=LIM)


def test_overlaps_are_found() -> None:
    w = np.array([0, 0, 1, 1])
    assert d.first_overlap(w, np.array([0, 10, 0, 5]), np.array([10, 20, 6, 9])) == 3
    assert d.first_overlap(w, np.array([0, 10, 0, 6]), np.array([10, 20, 6, 9])) is None


def test_amounts_in_fen() -> None:
    assert d.fen("12.5", field="x") == 1250 and d.fen("0.07", field="x") == 7
    for bad in ("12.555", "-1", "1e3", "", "十"):
        with pytest.raises(d.Rejected):
            d.fen(bad, field="x")


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 14 * 24 * H),
                          st.integers(1, 12 * H), st.integers(0, 10_000)), max_size=40))
def test_breaches_are_past_their_limits(
        rows: list[tuple[int, int, int, int]]) -> None:
    """Properties: breaches never exceed what was assessed, and every breach is past its
    limit in the direction of the rule."""
    log = d.Log.of([r[0] for r in rows], [T0 + r[1] for r in rows],
                   [T0 + r[1] + r[2] for r in rows], [r[3] for r in rows], 4)
    got = d.assess(log, first_day=MON, weeks=2, wage_fen=np.full(4, 2770), lim=LIM)
    for name, f in got.rules.items():
        assert f.breaches <= f.assessed
        if name == "minimum_pay":
            assert (f.value <= f.limit).all()
        else:
            assert (f.value > f.limit).all()
