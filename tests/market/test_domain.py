"""The datasets and detectors as data, and the pure pieces of findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from zeren.market.domain import (
    Finding,
    beijing_day,
    catalogue,
    evidence_digest,
    price_score,
)


def test_every_detector_parameter_names_its_source() -> None:
    cat = catalogue()
    det = cat.detectors["fake_original_price"]
    assert det.p("lookback_days") == 7 and "Art 16" in det.params["lookback_days"].source
    assert set(det.datasets) <= set(cat.datasets)
    for d in cat.detectors.values():
        assert d.source and all(p.source for p in d.params.values())


def test_every_dataset_has_a_required_time_and_key() -> None:
    for ds in catalogue().datasets.values():
        assert ds.column(ds.time).type == "timestamp" and ds.time in ds.required
        assert all(k in ds.names for k in ds.key)


def test_beijing_day() -> None:
    assert str(beijing_day(datetime(2026, 3, 9, 16, 0, tzinfo=UTC))) == "2026-03-10"
    assert str(beijing_day(datetime(2026, 3, 9, 15, 59, tzinfo=UTC))) == "2026-03-09"
    assert str(beijing_day(datetime(2026, 3, 10, 1, tzinfo=timezone(timedelta(hours=9))))) \
        == "2026-03-10"
    with pytest.raises(ValueError):
        beijing_day(datetime(2026, 3, 10))


def test_price_score() -> None:
    assert price_score(150, 100, 0.5) == 1.0
    assert price_score(110, 100, 0.5) == 0.2
    assert price_score(100, 100, 0.5) == 0.0 == price_score(90, 100, 0.5)
    assert price_score(5, 0, 0.5) == 1.0


def test_the_digest_is_canonical() -> None:
    t = datetime(2026, 3, 1, tzinfo=UTC)
    a = evidence_digest([{"b": 1.0, "a": t}])
    assert a == evidence_digest([{"a": t.isoformat(), "b": 1.0000000001}])
    assert a != evidence_digest([{"a": t, "b": 2.0}])
    f = Finding("d", "promotion", "A/P1", None, 1.0, "", "", {}, [])
    g = Finding("d", "promotion", "A/P1", "m", 0.5, "x", "y", {"k": 1}, [{"a": 1}])
    assert f.fingerprint == g.fingerprint != Finding("d", "promotion", "A/P2", None, 1.0, "",
                                                     "", {}, []).fingerprint
