"""The display audit on planted data: each kind of tampering (removed, altered, reordered,
invented) is found, hidden-with-a-measure is not, and honest displays give nothing."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.reviews import domain as d


def _expected(n: int, hidden: set[str] | None = None) -> d.Expected:
    order = [f"r{i:03d}" for i in range(n)]
    return d.Expected(order=order, fingerprints={r: d.fingerprint(5, r) for r in order},
                      hidden=frozenset(hidden or set()))


def test_data_names_its_sources() -> None:
    data = d.reviews_data()
    assert "第三十九条" in data.no_deletion and "第三十一条" in data.retention_source
    with pytest.raises(ValueError):
        d.parse_data({"retention": {"years": 0}})


def test_honest_display_has_no_finding() -> None:
    e = _expected(20)
    res = d.audit_display(e, list(e.order), dict(e.fingerprints))
    assert res.findings == [] and res.expected == res.displayed == 20


def test_each_tampering_is_found() -> None:
    e = _expected(20)
    removed = [r for r in e.order if r != "r007"]
    assert [(f.kind, f.review) for f in d.audit_display(e, removed).findings] == [
        ("missing", "r007")]
    altered = {**e.fingerprints, "r003": d.fingerprint(5, "改过的文字")}
    assert [(f.kind, f.review) for f in d.audit_display(e, e.order, altered).findings] == [
        ("altered", "r003")]
    pushed = [r for r in e.order if r != "r002"] + ["r002"]   # a bad review sent to the end
    got = d.audit_display(e, pushed).findings
    assert [(f.kind, f.review) for f in got] == [("pushed_down", "r002")]
    assert got[0].detail == {"position": 19, "expected_position": 2}
    invented = [*e.order[:5], "fake-1", *e.order[5:]]
    assert [(f.kind, f.review) for f in d.audit_display(e, invented).findings] == [
        ("unknown", "fake-1")]
    # the order is not judged when the display does not claim the declared order
    assert d.audit_display(e, pushed, check_order=False).findings == []


def test_a_review_hidden_by_a_measure_is_not_missing() -> None:
    e = _expected(10, hidden={"r004"})
    shown = [r for r in e.order if r != "r004"]
    res = d.audit_display(e, shown)
    assert res.findings == [] and res.hidden_with_measure == 1
    # but one silently removed beside it is
    shown.remove("r006")
    assert [(f.kind, f.review) for f in d.audit_display(e, shown).findings] == [
        ("missing", "r006")]


def test_counts() -> None:
    e = _expected(10, hidden={"r001"})
    assert d.audit_count(e, 9).findings == []
    got = d.audit_count(e, 7).findings
    assert got[0].kind == "missing" and got[0].detail["count"] == 2


@given(st.integers(min_value=1, max_value=60), st.data())
def test_honest_displays_of_any_size_and_hidden_set(n: int, data: st.DataObject) -> None:
    e0 = _expected(n)
    hidden = set(data.draw(st.lists(st.sampled_from(e0.order), max_size=n)))
    e = _expected(n, hidden)
    shown = [r for r in e.order if r not in hidden]
    assert d.audit_display(e, shown, {r: e.fingerprints[r] for r in shown}).findings == []


@given(st.integers(min_value=3, max_value=80), st.data())
def test_one_review_moved_down_is_one_finding(n: int, data: st.DataObject) -> None:
    e = _expected(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 2))
    j = data.draw(st.integers(min_value=i + 2, max_value=n))
    shown = list(e.order)
    moved = shown.pop(i)
    shown.insert(j - 1, moved)
    got = d.audit_display(e, shown).findings
    assert len(got) == 1 and got[0].kind == "pushed_down"


def test_a_shuffled_display_is_reported_but_not_every_review() -> None:
    e = _expected(200)
    shown = list(e.order)
    random.Random(7).shuffle(shown)
    got = d.audit_display(e, shown).findings
    assert got and all(f.kind == "pushed_down" for f in got) and len(got) < 200
