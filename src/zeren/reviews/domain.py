"""Pure rules of reviews (指南 第十五条; 电子商务法 第三十九条): the data (retention, limits),
a review's fingerprint (SHA-256 over rating and text, what the display audit compares), and
the display audit itself — which reviews the platform's display leaves out, alters, or pushes
down without a recorded measure, and which it shows that were never written. No database, no
web: the audit of a million displayed ids runs here alone (bench/reviews_bench.py)."""

from __future__ import annotations

import bisect
import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ReviewsData:
    retention_years: int
    retention_source: str
    no_deletion: str
    no_tampering: str
    max_batch: int


def parse_data(raw: Mapping[str, Any]) -> ReviewsData:
    r, law, ing = raw.get("retention", {}), raw.get("law", {}), raw.get("ingest", {})
    years, mb = r.get("years"), ing.get("max_batch")
    if not isinstance(years, int) or years < 1 or not r.get("source"):
        raise ValueError("reviews.toml: retention.years and retention.source are required")
    if not isinstance(mb, int) or mb < 1:
        raise ValueError("reviews.toml: ingest.max_batch must be a positive whole number")
    if not law.get("no_deletion") or not law.get("no_tampering"):
        raise ValueError("reviews.toml: law.no_deletion and law.no_tampering are required")
    return ReviewsData(years, str(r["source"]), str(law["no_deletion"]),
                       str(law["no_tampering"]), mb)


@lru_cache(maxsize=1)
def reviews_data() -> ReviewsData:
    text = resources.files("zeren.reviews").joinpath("data/reviews.toml").read_text("utf-8")
    return parse_data(tomllib.loads(text))


def fingerprint(rating: int, text: str) -> str:
    """SHA-256 of what a reader sees of a review: its rating and its text."""
    return hashlib.sha256(f"{rating}\n{text}".encode()).hexdigest()


# ----------------------------------------------------------------------- the display audit


@dataclass(frozen=True)
class Expected:
    """The reviews of one listing or merchant as the ledger holds them: refs in the order the
    platform's declared rule shows them (newest first), each ref's fingerprint, and the refs
    a moderation measure hides or lets the platform move."""

    order: Sequence[str]
    fingerprints: Mapping[str, str]
    hidden: frozenset[str] = frozenset()
    moved: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Finding:
    kind: str            # missing / altered / pushed_down / unknown
    review: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditResult:
    expected: int
    displayed: int
    hidden_with_measure: int
    findings: list[Finding]

    def counts(self) -> dict[str, int]:
        out = {"missing": 0, "altered": 0, "pushed_down": 0, "unknown": 0}
        for f in self.findings:
            out[f.kind] += 1
        return out


def audit_display(expected: Expected, displayed: Sequence[str],
                  shown_fingerprints: Mapping[str, str] | None = None,
                  check_order: bool = True) -> AuditResult:
    """Compare a display (review refs in display order; optionally the fingerprint shown for
    each) with the ledger's reviews.

    * ``missing``: a review not hidden by a measure that the display leaves out;
    * ``altered``: a displayed review whose fingerprint differs from the ledger's;
    * ``pushed_down``: a review shown lower than the declared order puts it, found as the
      reviews outside a longest run kept in order (so one review moved is one finding, not
      every review it passed), shown below where it belongs, with no measure allowing it;
    * ``unknown``: a displayed ref the ledger does not hold (a review no one wrote).
    """
    rank = {ref: i for i, ref in enumerate(expected.order)}
    seen: set[str] = set()
    findings: list[Finding] = []
    ranks: list[int] = []
    refs: list[str] = []
    for pos, ref in enumerate(displayed):
        if ref in seen:
            continue
        seen.add(ref)
        r = rank.get(ref)
        if r is None:
            findings.append(Finding("unknown", ref, {"position": pos}))
            continue
        if shown_fingerprints is not None:
            fp = shown_fingerprints.get(ref)
            if fp is not None and fp != expected.fingerprints.get(ref):
                findings.append(Finding("altered", ref, {"position": pos}))
        ranks.append(r)
        refs.append(ref)
    visible = [ref for ref in expected.order if ref not in expected.hidden]
    for ref in visible:
        if ref not in seen:
            findings.append(Finding("missing", ref, {"expected_position": rank[ref]}))
    if check_order and ranks:
        # a longest in-order run, found from the end so that among equally long runs the one
        # keeping what is shown higher wins: of two swapped neighbours, the lower is reported
        n = len(ranks)
        keep = {n - 1 - k for k in _longest_increasing([-r for r in reversed(ranks)])}
        # where each displayed review belongs among the displayed ones: its rank's place
        ordered = sorted(ranks)
        for i, (ref, r) in enumerate(zip(refs, ranks, strict=True)):
            if i in keep or ref in expected.moved:
                continue
            belongs = bisect.bisect_left(ordered, r)
            if i > belongs:
                findings.append(Finding("pushed_down", ref,
                                        {"position": i, "expected_position": belongs}))
    hidden = sum(1 for ref in expected.order if ref in expected.hidden)
    return AuditResult(len(expected.order), len(displayed), hidden, findings)


def audit_count(expected: Expected, displayed_count: int) -> AuditResult:
    """A display given as a count only: reviews missing by number."""
    visible = sum(1 for ref in expected.order if ref not in expected.hidden)
    missing = max(0, visible - displayed_count)
    found = [Finding("missing", "", {"count": missing, "visible": visible,
                                     "displayed": displayed_count})] if missing else []
    return AuditResult(len(expected.order), displayed_count, len(expected.order) - visible,
                       found)


def _longest_increasing(seq: Sequence[int]) -> set[int]:
    """Indices of one longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, x in enumerate(seq):
        j = bisect.bisect_left(tails, x)
        if j == len(tails):
            tails.append(x)
            tail_idx.append(i)
        else:
            tails[j] = x
            tail_idx[j] = i
        prev[i] = tail_idx[j - 1] if j else -1
    out: set[int] = set()
    k = tail_idx[-1] if tail_idx else -1
    while k != -1:
        out.add(k)
        k = prev[k]
    return out
