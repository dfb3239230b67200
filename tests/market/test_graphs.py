"""The graph detectors on DuckDB + rustworkx against the hand-computed fixture: the brushing
ring (a dense 3-core with a shared device and a review) and not the 2-core beside it; the
pyramid scheme of 31 members in 3 levels with fees, and not the flat one or the free one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zeren.market import detectors
from zeren.market.backend import DuckDBBackend


def _run(root: Path, name: str) -> list[Any]:
    b = DuckDBBackend(root, "p1")
    try:
        return detectors.run(b, name)
    finally:
        b.close()


def test_brushing_ring(price_root: Path) -> None:
    found = _run(price_root, "brushing_ring")
    assert len(found) == 1
    ring = found[0]
    assert ring.facts["merchants"] == ["s1", "s2", "s3"]
    assert ring.facts["buyers"] == [f"r{i}" for i in range(1, 7)]
    assert (ring.facts["fill"], ring.facts["orders"], ring.facts["shared_buyers"],
            ring.facts["reviews"]) == (1.0, 36, 3, 1)
    assert ring.score == round(0.6 * 1.0 + 0.4 * 0.5, 4)
    assert [e["review_id"] for e in ring.evidence if e["kind"] == "review"] == ["rv1"]
    assert sum(1 for e in ring.evidence if e["kind"] == "order") == 30  # capped
    assert ring.subject_id.startswith("ring-") and "刷单" in ring.explanation_zh


def test_pyramid_scheme(price_root: Path) -> None:
    found = _run(price_root, "pyramid_scheme")
    assert [f.subject_id for f in found] == ["S1"]  # S2: 2 levels; S3: no fee, no team pay
    s1 = found[0]
    assert (s1.facts["participants"], s1.facts["levels"], s1.facts["fees"],
            s1.facts["serious"]) == (31, 3, 3100.0, False)
    assert s1.score == round(0.5 + 0.5 * 31 / 120, 4)
    assert [e["kind"] for e in s1.evidence] == ["chain"] * 3
    assert s1.evidence[0]["member_id"] == "S1-0"


def test_pyramid_thresholds_come_from_the_data(price_root: Path) -> None:
    from dataclasses import replace

    from zeren.market import graphs
    from zeren.market.domain import Param, catalogue

    det = catalogue().detectors["pyramid_scheme"]
    low = replace(det, params={**det.params, "min_levels": Param(2, "test"),
                               "serious_participants": Param(35, "test")})
    b = DuckDBBackend(price_root, "p1")
    try:
        found = {f.subject_id: f for f in graphs.pyramid_scheme(b, low)}
    finally:
        b.close()
    assert set(found) == {"S1", "S2"} and found["S2"].facts["serious"] is True
    assert found["S2"].score == 1.0
