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
from typing import Any, cast


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
    # Whole-collection steps (dicts, sets, comprehensions) rather than work per id in a
    # Python loop: a display of a million ids audits in seconds (bench.reviews).
    order = expected.order
    rank = dict(zip(order, range(len(order)), strict=True))
    seen = set(displayed)
    dups = len(seen) != len(displayed)
    # the first showing of each id, in display order
    shown = list(dict.fromkeys(displayed)) if dups else displayed
    looked = list(map(rank.get, shown))
    known: Sequence[str]
    if None in looked:
        known = [ref for ref, r in zip(shown, looked, strict=True) if r is not None]
        ranks = [r for r in looked if r is not None]
    else:
        known, ranks = shown, cast(list[int], looked)
    odd: list[tuple[int, Finding]] = []  # unknown and altered, by display position
    unknown = [] if len(known) == len(shown) else [
        ref for ref, r in zip(shown, looked, strict=True) if r is None]
    bad: list[str] = []
    if shown_fingerprints:
        fps = expected.fingerprints
        bad = [ref for ref, fp in shown_fingerprints.items()
               if fp is not None and ref in rank and ref in seen and fp != fps.get(ref)]
    if unknown or bad:
        pos = _positions(displayed, [*unknown, *bad])
        odd = [(pos[ref], Finding("unknown", ref, {"position": pos[ref]})) for ref in unknown]
        odd += [(pos[ref], Finding("altered", ref, {"position": pos[ref]})) for ref in bad]
    findings = [f for _, f in sorted(odd, key=lambda x: x[0])]
    gone = rank.keys() - seen
    gone -= expected.hidden
    findings += [Finding("missing", ref, {"expected_position": rank[ref]})
                 for ref in sorted(gone, key=rank.__getitem__)]
    if check_order and known:
        # a longest in-order run, found from the end so that among equally long runs the one
        # keeping what is shown higher wins: of two swapped neighbours, the lower is reported
        n = len(ranks)
        kept = _longest_increasing([-r for r in reversed(ranks)])
        inrun = bytearray(n)
        for k in kept:
            inrun[n - 1 - k] = 1
        out = [i for i in range(n) if not inrun[i]]
        if out:
            # where each displayed review belongs among the displayed ones: its rank's place
            ordered = sorted(ranks)
            moved = expected.moved
            for i in out:
                ref = known[i]
                if ref in moved:
                    continue
                belongs = bisect.bisect_left(ordered, ranks[i])
                if i > belongs:
                    findings.append(Finding("pushed_down", ref,
                                            {"position": i, "expected_position": belongs}))
    hidden = len(expected.hidden.intersection(order)) if expected.hidden else 0
    return AuditResult(len(order), len(displayed), hidden, findings)


def _positions(displayed: Sequence[str], refs: Sequence[str]) -> dict[str, int]:
    """The first position of each of ``refs`` in ``displayed`` (a search in C per ref when
    they are few, one pass when many)."""
    if len(refs) <= 64:
        return {ref: displayed.index(ref) for ref in refs}
    want = set(refs)
    out: dict[str, int] = {}
    for i, ref in enumerate(displayed):
        if ref in want and ref not in out:
            out[ref] = i
    return out


def audit_count(expected: Expected, displayed_count: int) -> AuditResult:
    """A display given as a count only: reviews missing by number."""
    visible = sum(1 for ref in expected.order if ref not in expected.hidden)
    missing = max(0, visible - displayed_count)
    found = [Finding("missing", "", {"count": missing, "visible": visible,
                                     "displayed": displayed_count})] if missing else []
    return AuditResult(len(expected.order), displayed_count, len(expected.order) - visible,
                       found)


def _longest_increasing(seq: Sequence[int]) -> list[int]:
    """Indices of one longest strictly increasing subsequence (patience sorting, O(n log n);
    a value above every pile top, the common case of a display mostly in order, is appended
    without a search)."""
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(seq)
    bisect_left = bisect.bisect_left
    for i, x in enumerate(seq):
        if not tails or x > tails[-1]:
            if tail_idx:
                prev[i] = tail_idx[-1]
            tails.append(x)
            tail_idx.append(i)
            continue
        j = bisect_left(tails, x)
        tails[j] = x
        tail_idx[j] = i
        prev[i] = tail_idx[j - 1] if j else -1
    out: list[int] = []
    k = tail_idx[-1] if tail_idx else -1
    while k != -1:
        out.append(k)
        k = prev[k]
    return out
