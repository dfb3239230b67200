"""Pure rules of platform rules (平台规则; 指南 第十四条, 电子商务法 第三十四条): the kinds of
rule document, the lifecycle of a version (draft → consultation → decided → published → in
force → superseded), the periods (notice before the effective time, length of the
consultation) counted as 民法典 第二百零一条、第二百零三条 count them, and the diffs between
versions (``difflib`` from the standard library; ADR 0500). The law comes from
``data/rules.toml``, validated when loaded; nothing here touches a database or the web."""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from zeren.timepolicy import BEIJING


class OutOfRule(ValueError):
    """A value the rules refuse; ``field`` names where it came from."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


# ----------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Kind:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Period:
    days: int
    source: str


@dataclass(frozen=True)
class RulesData:
    kinds: Mapping[str, Kind]
    notice: Period
    consultation: Period
    exit_source: str
    public_max_requests: int = 5
    public_window_seconds: float = 60.0


def parse_rules(raw: Mapping[str, Any]) -> RulesData:
    """The rules data, checked: positive periods, each with its source, unique kinds."""
    def period(key: str) -> Period:
        sec = raw.get(key)
        if not isinstance(sec, Mapping):
            raise ValueError(f"rules.toml: [{key}] is missing")
        days, source = sec.get("min_days"), sec.get("source")
        if not isinstance(days, int) or days < 1:
            raise ValueError(f"rules.toml: {key}.min_days must be a positive whole number")
        if not isinstance(source, str) or not source:
            raise ValueError(f"rules.toml: {key}.source is missing")
        return Period(days, source)

    kinds: dict[str, Kind] = {}
    for k in raw.get("kinds", []):
        if k["code"] in kinds:
            raise ValueError(f"rules.toml: kind {k['code']} twice")
        kinds[k["code"]] = Kind(code=k["code"], zh=k["zh"], en=k["en"])
    if not kinds:
        raise ValueError("rules.toml: no kinds")
    exit_source = str(raw.get("exit", {}).get("source", ""))
    if not exit_source:
        raise ValueError("rules.toml: exit.source is missing")
    pub = raw.get("public", {})
    mr, ws = pub.get("max_requests", 5), pub.get("window_seconds", 60)
    if not isinstance(mr, int) or mr < 1 or not isinstance(ws, int | float) or ws <= 0:
        raise ValueError("rules.toml: public.max_requests and window_seconds must be positive")
    return RulesData(kinds=kinds, notice=period("notice"), consultation=period("consultation"),
                     exit_source=exit_source, public_max_requests=mr,
                     public_window_seconds=float(ws))


@lru_cache(maxsize=1)
def rules_data() -> RulesData:
    """The rules data shipped with Zeren (``data/rules.toml``)."""
    text = resources.files("zeren.rules").joinpath("data/rules.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text))


def kind_of(value: str) -> str:
    """A kind code from its code or Chinese name."""
    for k in rules_data().kinds.values():
        if value in (k.code, k.zh):
            return k.code
    raise OutOfRule(f"unknown kind {value!r}; known: {', '.join(rules_data().kinds)}", "kind")


# ----------------------------------------------------------------------- periods


def days_after(start: datetime, days: int) -> datetime:
    """民法典 第二百零一条第一款、第二百零三条: the start day is not counted; a period of
    ``days`` days ends at 24:00 (Beijing) of its last day, returned as 00:00 of the day after."""
    local = start.astimezone(BEIJING).date()
    return datetime.combine(local + timedelta(days=days + 1), time(0), tzinfo=BEIJING)


def earliest_effective(published_at: datetime, notice_days: int) -> datetime:
    """The earliest time a version published at ``published_at`` may take effect: after a
    full notice of ``notice_days`` days (电子商务法 第三十四条: 至少在实施前七日予以公示)."""
    return days_after(published_at, notice_days)


def notice_days(*, fee_increase: bool, document_fee_days: int | None,
                data: RulesData | None = None) -> int:
    """The notice the version needs: the law's minimum, or the platform's own longer notice
    for fee increases where it set one."""
    base = (data or rules_data()).notice.days
    if fee_increase and document_fee_days:
        return max(base, document_fee_days)
    return base


def check_effective(*, effective_at: datetime, now: datetime, days: int) -> None:
    """Refuse an effective time in the past or before the notice has run."""
    if effective_at.utcoffset() is None:
        raise OutOfRule("needs a time zone (e.g. 2026-03-10T00:00+08:00)", "effective_at")
    if effective_at <= now:
        raise OutOfRule("the effective time is in the past", "effective_at")
    first = earliest_effective(now, days)
    if effective_at < first:
        raise OutOfRule(f"the notice is shorter than {days} days: the earliest effective time "
                        f"is {first.isoformat()}", "effective_at")


def check_closes(*, closes_at: datetime, now: datetime, days: int) -> None:
    """Refuse a consultation deadline in the past or shorter than the minimum."""
    if closes_at.utcoffset() is None:
        raise OutOfRule("needs a time zone (e.g. 2026-03-10T00:00+08:00)", "closes_at")
    if closes_at <= now:
        raise OutOfRule("the consultation deadline is in the past", "closes_at")
    first = days_after(now, days)
    if closes_at < first:
        raise OutOfRule(f"the consultation is shorter than {days} days: the earliest deadline "
                        f"is {first.isoformat()}", "closes_at")


# ----------------------------------------------------------------------- lifecycle


class Stage(StrEnum):
    """The stored stage of a version."""

    DRAFT = "draft"                  # 草案
    CONSULTATION = "consultation"    # 公开征求意见
    DECIDED = "decided"              # 已决定（待公示）
    PUBLISHED = "published"          # 已公示
    WITHDRAWN = "withdrawn"          # 已撤回


class Shown(StrEnum):
    """A version's status at a given time (the stored stage, with time applied)."""

    DRAFT = "draft"
    CONSULTATION = "consultation"    # open for comments
    CONSULTATION_CLOSED = "consultation_closed"   # deadline passed, awaiting a decision
    DECIDED = "decided"
    ANNOUNCED = "announced"          # published, notice running (公示期)
    IN_FORCE = "in_force"            # 生效中
    SUPERSEDED = "superseded"        # 已被替代
    WITHDRAWN = "withdrawn"


def shown_status(*, stage: str, now: datetime, closes_at: datetime | None,
                 effective_at: datetime | None, superseded_at: datetime | None) -> Shown:
    """The status at ``now``: a published version is announced until its effective time, in
    force from then, superseded once a later published version takes effect."""
    if stage == Stage.PUBLISHED:
        assert effective_at is not None
        if now < effective_at:
            return Shown.ANNOUNCED
        if superseded_at is not None and superseded_at <= now:
            return Shown.SUPERSEDED
        return Shown.IN_FORCE
    if stage == Stage.CONSULTATION:
        if closes_at is not None and now >= closes_at:
            return Shown.CONSULTATION_CLOSED
        return Shown.CONSULTATION
    return Shown(stage)


NEXT: Mapping[Stage, frozenset[Stage]] = {
    Stage.DRAFT: frozenset({Stage.CONSULTATION, Stage.WITHDRAWN}),
    Stage.CONSULTATION: frozenset({Stage.DECIDED, Stage.WITHDRAWN}),
    Stage.DECIDED: frozenset({Stage.PUBLISHED}),
    Stage.PUBLISHED: frozenset(),
    Stage.WITHDRAWN: frozenset(),
}


def check_move(current: str, target: Stage) -> None:
    """Refuse a move the lifecycle does not allow (named ``status``)."""
    if target not in NEXT[Stage(current)]:
        raise OutOfRule(f"a {current} version cannot become {target.value}", "status")


def in_force_at(versions: Sequence[tuple[str, datetime]], at: datetime) -> str | None:
    """Of published versions ``(id, effective_at)`` of one document, the one in force at
    ``at``: the latest effective time not after ``at``."""
    best: tuple[datetime, str] | None = None
    for vid, eff in versions:
        if eff <= at and (best is None or eff > best[0]):
            best = (eff, vid)
    return best[1] if best else None


def superseded_at(versions: Sequence[tuple[str, datetime]], vid: str) -> datetime | None:
    """When version ``vid`` stops being in force: the next later effective time."""
    mine = next((e for v, e in versions if v == vid), None)
    if mine is None:
        return None
    later = [e for v, e in versions if e > mine]
    return min(later) if later else None


def body_digest(body_md: str) -> str:
    return hashlib.sha256(body_md.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------- diffs


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side diff: ``equal``, ``replace``, ``delete`` or ``insert``;
    line numbers from 1, None where the side has no line."""

    tag: str
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def unified_diff(old: str, new: str, *, old_label: str, new_label: str,
                 context: int = 3) -> str:
    """The inline (unified) diff of two texts (``difflib.unified_diff``)."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True), fromfile=old_label,
                                        tofile=new_label, n=context, lineterm="\n"))


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """The side-by-side diff as rows, from ``difflib.SequenceMatcher``'s opcodes; a replaced
    block pairs its lines, the longer side padded with empty cells."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [DiffRow("equal", i1 + k + 1, a[i1 + k], j1 + k + 1, b[j1 + k])
                     for k in range(i2 - i1)]
        elif tag == "delete":
            rows += [DiffRow("delete", i + 1, a[i], None, "") for i in range(i1, i2)]
        elif tag == "insert":
            rows += [DiffRow("insert", None, "", j + 1, b[j]) for j in range(j1, j2)]
        else:
            for k in range(max(i2 - i1, j2 - j1)):
                li, rj = i1 + k, j1 + k
                rows.append(DiffRow("replace", li + 1 if li < i2 else None,
                                    a[li] if li < i2 else "", rj + 1 if rj < j2 else None,
                                    b[rj] if rj < j2 else ""))
    return rows


def diff_counts(rows: Sequence[DiffRow]) -> dict[str, int]:
    """Lines added, removed and changed."""
    out = {"added": 0, "removed": 0, "changed": 0}
    for r in rows:
        if r.tag == "insert" or (r.tag == "replace" and r.left_no is None):
            out["added"] += 1
        elif r.tag == "delete" or (r.tag == "replace" and r.right_no is None):
            out["removed"] += 1
        elif r.tag == "replace":
            out["changed"] += 1
    return out


# ----------------------------------------------------------------------- fees (Art 29)


@dataclass(frozen=True)
class FeeChange:
    """A fee that appears, goes, or changes between two versions."""

    code: str
    change: str              # added / removed / increased / decreased / basis_changed
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None

    @property
    def burdens(self) -> bool:
        """Whether merchants pay more (or may): a new fee, a higher one, a changed basis."""
        return self.change in ("added", "increased", "basis_changed")


def fee_changes(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
                ) -> list[FeeChange]:
    """Fees compared by code between two versions' structured fee items."""
    a = {str(f["code"]): f for f in old}
    b = {str(f["code"]): f for f in new}
    out: list[FeeChange] = []
    for code in sorted(a.keys() | b.keys()):
        fo, fn = a.get(code), b.get(code)
        if fo is None:
            out.append(FeeChange(code, "added", None, fn))
        elif fn is None:
            out.append(FeeChange(code, "removed", fo, None))
        elif fo.get("basis") != fn.get("basis") or fo.get("applies_to") != fn.get("applies_to"):
            out.append(FeeChange(code, "basis_changed", fo, fn))
        elif float(fn["amount"]) > float(fo["amount"]):
            out.append(FeeChange(code, "increased", fo, fn))
        elif float(fn["amount"]) < float(fo["amount"]):
            out.append(FeeChange(code, "decreased", fo, fn))
    return out


def fee_increase(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> bool:
    return any(c.burdens for c in fee_changes(old, new))


@dataclass(frozen=True)
class ObligationChange:
    """An obligation or restriction on merchants that appears, goes, or is reworded."""

    code: str
    change: str              # added / removed / changed
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None

    @property
    def burdens(self) -> bool:
        return self.change in ("added", "changed")


def obligation_changes(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
                       ) -> list[ObligationChange]:
    a = {str(o["code"]): o for o in old}
    b = {str(o["code"]): o for o in new}
    out: list[ObligationChange] = []
    for code in sorted(a.keys() | b.keys()):
        oo, on = a.get(code), b.get(code)
        if oo is None:
            out.append(ObligationChange(code, "added", None, on))
        elif on is None:
            out.append(ObligationChange(code, "removed", oo, None))
        elif (oo.get("text"), oo.get("applies_to")) != (on.get("text"), on.get("applies_to")):
            out.append(ObligationChange(code, "changed", oo, on))
    return out


@dataclass(frozen=True)
class Review:
    """The Art 29 review of a version against the one before it: what merchants pay and owe
    that changes, whether that needs a justification, and whom it reaches."""

    fees: tuple[FeeChange, ...]
    obligations: tuple[ObligationChange, ...]

    @property
    def flagged(self) -> bool:
        """Fees or obligations change to merchants' burden: a justification is needed."""
        return any(c.burdens for c in self.fees) or any(c.burdens for c in self.obligations)

    @property
    def fee_increase(self) -> bool:
        return any(c.burdens for c in self.fees)

    @property
    def applies_to(self) -> frozenset[str]:
        """Whom the burdensome changes reach: ``all``, or merchant kinds named by the items."""
        out: set[str] = set()
        items: list[FeeChange | ObligationChange] = [*self.fees, *self.obligations]
        for c in items:
            if c.burdens:
                out.add(str((c.new or c.old or {}).get("applies_to") or "all"))
        return frozenset(out)


def review(old_fees: Sequence[Mapping[str, Any]], new_fees: Sequence[Mapping[str, Any]],
           old_obl: Sequence[Mapping[str, Any]], new_obl: Sequence[Mapping[str, Any]]
           ) -> Review:
    return Review(tuple(fee_changes(old_fees, new_fees)),
                  tuple(obligation_changes(old_obl, new_obl)))


def affects(applies_to: frozenset[str], merchant_kind: str) -> bool:
    return "all" in applies_to or merchant_kind in applies_to


# ----------------------------------------------------------------------- exclusivity (Art 16)


@dataclass(frozen=True)
class ExclusivityData:
    source: str
    category: str
    patterns: tuple[tuple[str, str, str], ...]   # term, severity, variants


def parse_exclusivity(raw: Mapping[str, Any]) -> ExclusivityData:
    source, category = raw.get("source"), raw.get("category")
    if not isinstance(source, str) or not source or not isinstance(category, str):
        raise ValueError("exclusivity.toml: source and category are required")
    pats: list[tuple[str, str, str]] = []
    for p in raw.get("patterns", []):
        if len(p) != 3 or p[1] not in ("low", "medium", "high") or not p[0]:
            raise ValueError(f"exclusivity.toml: bad pattern {p!r}")
        pats.append((str(p[0]), str(p[1]), str(p[2])))
    if not pats:
        raise ValueError("exclusivity.toml: no patterns")
    return ExclusivityData(source=source, category=category, patterns=tuple(pats))


@lru_cache(maxsize=1)
def exclusivity_data() -> ExclusivityData:
    text = resources.files("zeren.rules").joinpath("data/exclusivity.toml").read_text("utf-8")
    return parse_exclusivity(tomllib.loads(text))


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    matched: str
    term: str
    severity: str
    confidence: float
    excerpt: str


def excerpt(text: str, start: int, end: int, width: int = 40) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a else "") + text[a:b].replace("\n", " ") + ("…" if b < len(text) else "")


@lru_cache(maxsize=1)
def _matcher() -> Any:
    from zeren.lexicon.domain import Action, Severity, Term, parse_variants
    from zeren.lexicon.engine import build

    data = exclusivity_data()
    return build([Term(term=t, category=data.category, severity=Severity(sev),
                       action=Action.REVIEW, variants=parse_variants(var))
                  for t, sev, var in data.patterns])


def scan_exclusivity(text: str) -> list[Match]:
    """The exclusivity and tying patterns found in ``text`` by the lexicon's engine (variants,
    noise and traditional characters seen through), with their offsets and an excerpt."""
    got = sorted(_matcher().screen(text, None).hits, key=lambda h: (h.start, h.start - h.end))
    out: list[Match] = []
    for h in got:  # a shorter pattern inside a longer one's hit (独家 in 独家合作) is one finding
        if out and h.start >= out[-1].start and h.end <= out[-1].end:
            continue
        out.append(Match(h.start, h.end, h.matched, h.term, h.severity, float(h.confidence),
                         excerpt(text, h.start, h.end)))
    return out
