"""Pure rules of the governance registers: the data file, deadlines, decisions, completion."""

from __future__ import annotations

from datetime import date

import pytest

from zeren.governance import domain as d


def test_the_data_names_a_source_for_every_ground() -> None:
    assert d.interop_grounds() and all(t.source for t in d.interop_grounds().values())
    assert set(d.interop_decisions()) == {"granted", "partly_granted", "refused"}
    assert 0 < d.training_threshold() <= 1


def test_deadline_defaults_and_is_never_before_receipt() -> None:
    got = d.interop_deadline(date(2026, 1, 1), None)
    assert (got - date(2026, 1, 1)).days == d.data()["interop"]["decision_days"]
    assert d.interop_deadline(date(2026, 1, 1), date(2026, 1, 1)) == date(2026, 1, 1)
    with pytest.raises(d.Rejected) as e:
        d.interop_deadline(date(2026, 1, 2), date(2026, 1, 1))
    assert e.value.field == "deadline"


@pytest.mark.parametrize(("decision", "ground", "reasons", "field"), [
    ("refused", None, "x", "ground"),
    ("refused", "because", "x", "ground"),
    ("partly_granted", "security", " ", "reasons"),
    ("granted", "security", "", "ground"),
    ("maybe", None, "", "decision"),
])
def test_a_refusal_needs_a_known_ground_and_reasons(decision: str, ground: str | None,
                                                     reasons: str, field: str) -> None:
    with pytest.raises(d.Rejected) as e:
        d.check_interop_decision(decision, ground, reasons)
    assert e.value.field == field


def test_good_decisions_pass() -> None:
    d.check_interop_decision("granted", None, "")
    d.check_interop_decision("refused", "security", "接口会暴露用户数据")


def test_completion_counts_holders_and_never_divides_by_zero() -> None:
    got = d.completion_by_duty({"compliance_head": {"a", "b"}, "nobody": set()},
                               {"compliance_head": {"a", "z"}})
    assert [(c.duty, c.holders, c.completed, c.missing) for c in got] == [
        ("compliance_head", 2, 1, ("b",))]
    assert got[0].share == 0.5
    assert d.completion_by_duty({"x": set()}, {}) == []
