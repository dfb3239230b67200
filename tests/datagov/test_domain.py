"""The classifier and the gate's decision as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.datagov import domain as d

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_scheme_loads_with_sources() -> None:
    s = d.scheme()
    assert set(s.levels) == {"core", "important", "general"}
    assert all(r.source for r in s.rules)
    assert s.rules[-1].id == "default-general"


@pytest.mark.parametrize(("facts", "level", "rule"), [
    (d.AssetFacts(), "general", "default-general"),
    (d.AssetFacts(impact_objects=frozenset({"national_security"}), impact_degree="serious"),
     "core", "GBT43697-6-ns-serious"),
    (d.AssetFacts(impact_objects=frozenset({"national_security"}), impact_degree="general"),
     "important", "GBT43697-6-ns-general"),
    (d.AssetFacts(impact_objects=frozenset({"social_order"}), impact_degree="general"),
     "general", "default-general"),
    (d.AssetFacts(impact_objects=frozenset({"public_interest"}),
                  impact_degree="especially_serious"), "core", "GBT43697-6-public-especially"),
    (d.AssetFacts(impact_objects=frozenset({"individual_rights"}),
                  impact_degree="especially_serious"), "general", "default-general"),
    (d.AssetFacts(True, True, 1_000_000), "important", "scale-sensitive-pi"),
    (d.AssetFacts(True, True, 999_999), "general", "default-general"),
    (d.AssetFacts(True, False, 10_000_000), "important", "scale-pi"),
    (d.AssetFacts(declared_level="core"), "core", "declared-core"),
])
def test_classification_by_rule(facts: d.AssetFacts, level: str, rule: str) -> None:
    c = d.classify(facts)
    assert (c.level, c.rule_id) == (level, rule)
    assert rule in c.matched and c.version == d.scheme().version


facts_st = st.builds(
    d.AssetFacts, st.booleans(), st.booleans(), st.integers(0, 10**9),
    st.frozensets(st.sampled_from(list(d.scheme().impact_objects))),
    st.sampled_from([None, *d.scheme().impact_degrees]),
    st.sampled_from([None, *d.scheme().levels]))


@given(facts_st)
def test_the_level_is_the_highest_matching_rule(f: d.AssetFacts) -> None:
    s = d.scheme()
    c = d.classify(f)
    ranks = [s.rank(r.level) for r in s.rules if r.matches(f)]
    assert s.rank(c.level) == max(ranks)
    assert s.rule(c.rule_id) is not None and s.rule(c.rule_id).level == c.level  # type: ignore[union-attr]
    if f.declared_level:  # a declared level is never lowered by the rules
        assert s.rank(c.level) >= s.rank(f.declared_level)


@given(facts_st)
def test_canonical_facts_classify_alike(f: d.AssetFacts) -> None:
    s = d.scheme()
    g = s.canonical(f)
    assert g.persons <= f.persons and d.classify(g) == d.classify(f)


@pytest.mark.parametrize(("raw", "field"), [
    ({"system": "s", "dataset": "d"}, "code"),
    ({"code": "A", "system": "s", "dataset": "d", "declared_level": "secret"}, "declared_level"),
    ({"code": "A", "system": "s", "dataset": "d", "declared_level": "4"}, "declared_level"),
    ({"code": "A", "system": "s", "dataset": "d", "impact_objects": "国家安全"}, "impact_degree"),
    ({"code": "A", "system": "s", "dataset": "d", "impact_objects": "天气",
      "impact_degree": "严重"}, "impact_objects"),
    ({"code": "A", "system": "s", "dataset": "d", "sensitive_personal_info": "是"},
     "personal_info"),
    ({"code": "A", "system": "s", "dataset": "d", "personal_info": "也许"}, "personal_info"),
    ({"code": "A", "system": "s", "dataset": "d", "personal_info": 1, "persons": "-5"},
     "persons"),
])
def test_out_of_scale_names_the_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(d.OutOfScale) as e:
        d.normalise_asset(raw)
    assert e.value.field == field


def test_chinese_cells_are_read() -> None:
    a = d.normalise_asset({"code": "A", "system": "会员", "dataset": "会员档案",
                           "fields": "姓名；手机号、地址", "personal_info": "是",
                           "sensitive_personal_info": "否", "persons": "1,200,000",
                           "impact_objects": "经济运行;社会秩序", "impact_degree": "严重危害",
                           "declared_level": "重要"})
    assert a.fields == ("姓名", "手机号", "地址") and a.persons == 1_200_000
    assert a.impact_objects == ("economic_operation", "social_order")
    assert a.declared_level == "important"


def test_transfer_mechanism_thresholds() -> None:
    assert d.required_mechanism(important=True, persons=0, sensitive_persons=0) == \
        "security_assessment"
    assert d.required_mechanism(important=False, persons=1_000_000, sensitive_persons=0) == \
        "security_assessment"
    assert d.required_mechanism(important=False, persons=100_000, sensitive_persons=0) == \
        "standard_contract"
    assert d.required_mechanism(important=False, persons=99_999, sensitive_persons=0) == "exempt"
    assert d.mechanism_suffices("security_assessment", "standard_contract")
    assert not d.mechanism_suffices("certification", "security_assessment")


# ----------------------------------------------------------------------- the gate

PAIR = ("mall", "pay")


def c(cid: str, given_h: float, withdrawn_h: float | None = None, *, purpose: str = "ads",
      service: str = "mall", scope: tuple[str, ...] = ("pay",)) -> d.ConsentFact:
    return d.ConsentFact(cid, service, purpose, frozenset(scope), T0 + timedelta(hours=given_h),
                         None if withdrawn_h is None else T0 + timedelta(hours=withdrawn_h))


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def test_given_withdrawn_given_again() -> None:
    hist = [c("c1", 0, 5), c("c2", 10)]
    assert d.decide_merge(hist, services=PAIR, purpose="ads", at=at(-1)).reason is \
        d.Reason.NO_CONSENT
    assert d.decide_merge(hist, services=PAIR, purpose="ads", at=at(1)).consent_id == "c1"
    got = d.decide_merge(hist, services=PAIR, purpose="ads", at=at(5))
    assert not got.allowed and got.reason is d.Reason.WITHDRAWN  # from that moment
    assert got.withdrawn_at == at(5)
    assert d.decide_merge(hist, services=PAIR, purpose="ads", at=at(11)).consent_id == "c2"
    # either direction of the pair
    assert d.decide_merge(hist, services=("pay", "mall"), purpose="ads", at=at(11)).allowed


def test_purpose_scope_and_same_service() -> None:
    hist = [c("c1", 0)]
    assert d.decide_merge(hist, services=PAIR, purpose="credit", at=at(1)).reason is \
        d.Reason.PURPOSE
    assert d.decide_merge(hist, services=("mall", "maps"), purpose="ads", at=at(1)).reason is \
        d.Reason.SCOPE
    assert d.decide_merge(hist, services=("mall", "mall"), purpose="ads", at=at(1)).reason is \
        d.Reason.SAME_SERVICE


histories = st.lists(st.tuples(st.integers(0, 50), st.one_of(st.none(), st.integers(0, 60)),
                               st.sampled_from(["ads", "credit"])), max_size=6)


@given(histories, st.integers(-5, 70))
def test_allowed_exactly_when_an_active_consent_covers(raw: list[tuple[int, int | None, str]],
                                                       when: int) -> None:
    hist = [c(f"c{i}", g, None if w is None else max(w, g), purpose=p)
            for i, (g, w, p) in enumerate(raw)]
    got = d.decide_merge(hist, services=PAIR, purpose="ads", at=at(when))
    active = [h for h in hist if h.purpose == "ads" and h.active_at(at(when))]
    assert got.allowed == bool(active)
    if got.allowed:
        assert got.consent_id in {h.id for h in active}
