"""The display audit on planted data: each kind of tampering (removed, altered, reordered,
invented) is found, hidden-with-a-measure is not, and honest displays give nothing."""

from __future__ import annotations

import itertools
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


def _reference_audit(expected: d.Expected, displayed: list[str],
                     shown_fingerprints: dict[str, str] | None = None,
                     check_order: bool = True) -> d.AuditResult:
    """The audit as ADR 0600 first wrote it, one id at a time (the fast one must agree)."""
    import bisect

    rank = {ref: i for i, ref in enumerate(expected.order)}
    seen: set[str] = set()
    findings: list[d.Finding] = []
    ranks: list[int] = []
    refs: list[str] = []
    for pos, ref in enumerate(displayed):
        if ref in seen:
            continue
        seen.add(ref)
        r = rank.get(ref)
        if r is None:
            findings.append(d.Finding("unknown", ref, {"position": pos}))
            continue
        if shown_fingerprints is not None:
            fp = shown_fingerprints.get(ref)
            if fp is not None and fp != expected.fingerprints.get(ref):
                findings.append(d.Finding("altered", ref, {"position": pos}))
        ranks.append(r)
        refs.append(ref)
    for ref in [ref for ref in expected.order if ref not in expected.hidden]:
        if ref not in seen:
            findings.append(d.Finding("missing", ref, {"expected_position": rank[ref]}))
    if check_order and ranks:
        n = len(ranks)
        keep = {n - 1 - k for k in d._longest_increasing([-r for r in reversed(ranks)])}
        ordered = sorted(ranks)
        for i, (ref, r) in enumerate(zip(refs, ranks, strict=True)):
            if i in keep or ref in expected.moved:
                continue
            belongs = bisect.bisect_left(ordered, r)
            if i > belongs:
                findings.append(d.Finding("pushed_down", ref,
                                          {"position": i, "expected_position": belongs}))
    hidden = sum(1 for ref in expected.order if ref in expected.hidden)
    return d.AuditResult(len(expected.order), len(displayed), hidden, findings)


def _plain_lis(seq: list[int]) -> int:
    best = [1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


@given(st.lists(st.integers(min_value=-30, max_value=30), max_size=40))
def test_longest_increasing_is_longest_and_increasing(seq: list[int]) -> None:
    got = sorted(d._longest_increasing(seq))
    assert len(got) == _plain_lis(seq)
    assert all(seq[a] < seq[b] for a, b in itertools.pairwise(got))


@given(st.integers(min_value=0, max_value=40), st.data())
def test_the_fast_audit_agrees_with_the_one_id_at_a_time_audit(n: int,
                                                               data: st.DataObject) -> None:
    e0 = _expected(n)
    hidden = frozenset(data.draw(st.lists(st.sampled_from(e0.order), max_size=n))) if n else \
        frozenset()
    moved = frozenset(data.draw(st.lists(st.sampled_from(e0.order), max_size=3))) if n else \
        frozenset()
    e = d.Expected(order=e0.order, fingerprints=e0.fingerprints, hidden=hidden, moved=moved)
    pool = [*e0.order, "fake-1", "fake-2"]
    shown = data.draw(st.lists(st.sampled_from(pool), max_size=n + 5))
    fps = data.draw(st.dictionaries(st.sampled_from(pool),
                                    st.sampled_from([d.fingerprint(5, "x"), "r"]),
                                    max_size=6))
    fps.update({r: e0.fingerprints[r] for r in e0.order[: n // 2]})
    check = data.draw(st.booleans())
    want = _reference_audit(e, shown, fps, check)
    got = d.audit_display(e, shown, fps, check)
    assert got == want
    assert d.audit_display(e, shown, None, check) == _reference_audit(e, shown, None, check)
