"""Pure rules of the audit engagement (指南 第八条): finding severities and the states of
remediation, what counts as overdue, the period of an engagement, and the deterministic
sample of records an auditor draws; and of the yearly risk assessment (第六条): the shipped
catalogue (Art 6's three kinds, systems, the likelihood × impact scale, the indicators), and
what blocks a sign-off. No database, no web."""

from __future__ import annotations

import random
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any


class Severity(StrEnum):
    """How grave a finding is: 低 low / 中 medium / 高 high / 严重 critical."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ZH = {Severity.LOW: "低", Severity.MEDIUM: "中", Severity.HIGH: "高",
               Severity.CRITICAL: "严重"}


class FindingStatus(StrEnum):
    """Remediation of a finding: 待整改 open → 整改中 in_progress → 已整改待验证 remediated
    (the platform says it is done) → 已关闭 closed (the auditor has checked it). The auditor
    may reopen a remediated finding."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REMEDIATED = "remediated"
    CLOSED = "closed"


STATUS_ZH = {FindingStatus.OPEN: "待整改", FindingStatus.IN_PROGRESS: "整改中",
             FindingStatus.REMEDIATED: "已整改待验证", FindingStatus.CLOSED: "已关闭"}

# Who may move a finding where: the platform carries out remediation, the auditor alone
# closes (or reopens) a finding.
PLATFORM_MOVES: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.OPEN: frozenset({FindingStatus.IN_PROGRESS, FindingStatus.REMEDIATED}),
    FindingStatus.IN_PROGRESS: frozenset({FindingStatus.REMEDIATED}),
    FindingStatus.REMEDIATED: frozenset(),
    FindingStatus.CLOSED: frozenset(),
}
AUDITOR_MOVES: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.OPEN: frozenset({FindingStatus.CLOSED}),
    FindingStatus.IN_PROGRESS: frozenset({FindingStatus.CLOSED}),
    FindingStatus.REMEDIATED: frozenset({FindingStatus.CLOSED, FindingStatus.OPEN}),
    FindingStatus.CLOSED: frozenset(),
}


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """Overdue: remediation not yet done (open or in progress) and the due date has passed.
    A finding the platform reports remediated waits for the auditor, and is not overdue."""
    return status in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS) and due_on < today


# Art 8 asks for a regular (定期) audit; Zeren's default is yearly, the period the posture
# reads for a signed audit report (UNCONFIRMED: the guideline names no interval).
AUDIT_INTERVAL = timedelta(days=366)


@dataclass(frozen=True)
class AuditPeriod:
    start: datetime
    end: datetime


def check_period(start: datetime, end: datetime, now: datetime) -> str | None:
    """Why a period cannot be audited, or None."""
    if start.utcoffset() is None or end.utcoffset() is None:
        return "period start and end need a time zone"
    if end <= start:
        return "period end is not after its start"
    if end > now:
        return "period end is in the future: a bundle proves what has been signed already"
    return None


def sample_indexes(*, seed: str, lo: int, hi: int, n: int) -> list[int]:
    """``n`` distinct record indexes in [lo, hi), drawn from ``seed`` (the auditor's), in the
    order drawn: the same seed draws the same sample, so the auditor can show how it was
    drawn."""
    span = hi - lo
    if span <= 0 or n <= 0:
        return []
    rng = random.Random(seed)  # reproducible audit sampling, not secrecy
    return [lo + i for i in rng.sample(range(span), min(n, span))]


def ledger_ref(log: str, index: int) -> str:
    """How a finding cites a ledger record: ``ledger:<log>#<index>``."""
    return f"ledger:{log}#{index}"


def parse_ledger_ref(ref: str) -> tuple[str, int] | None:
    """``ledger:<log>#<index>`` → (log, index); None for anything else."""
    if not ref.startswith("ledger:") or "#" not in ref:
        return None
    log, _, idx = ref[len("ledger:"):].rpartition("#")
    if not log or not idx.isdigit() or (idx != "0" and idx.startswith("0")):
        return None
    return log, int(idx)


# -- the risk register and the yearly assessment (指南 第六条) -------------------------------

_DATA = Path(__file__).with_name("data")


def data(name: str) -> dict[str, Any]:
    """One of the package's TOML data files, parsed."""
    return tomllib.loads((_DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class RiskKind:
    key: str
    item: int
    obligation: str
    zh: str
    en: str


@dataclass(frozen=True)
class CatalogueRisk:
    key: str
    kind: str
    zh: str
    en: str
    systems: tuple[str, ...]


@dataclass(frozen=True)
class System:
    key: str
    zh: str
    en: str
    art6: bool


@dataclass(frozen=True)
class Level:
    key: str
    zh: str
    max: int


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    zh: str
    en: str
    source: str
    required: bool


@dataclass(frozen=True)
class Catalogue:
    """The shipped catalogue: Art 6's kinds, the risks under them, the systems, the scale."""

    kinds: dict[str, RiskKind]
    risks: dict[str, CatalogueRisk]
    systems: dict[str, System]
    likelihood: dict[int, dict[str, str]]
    impact: dict[int, dict[str, str]]
    levels: tuple[Level, ...]
    interval: timedelta
    indicators: dict[str, IndicatorSpec]
    sources: dict[str, str]

    def level(self, likelihood: int, impact: int) -> Level:
        score = likelihood * impact
        for lv in self.levels:
            if score <= lv.max:
                return lv
        return self.levels[-1]

    def check_scale(self, field: str, value: int, axis: str) -> str | None:
        scale = self.likelihood if axis == "likelihood" else self.impact
        if value not in scale:
            return f"{field} {value} is not on the {axis} scale {min(scale)}–{max(scale)}"
        return None

    @property
    def required_indicators(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.indicators.items() if v.required)

    @property
    def art6_systems(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.systems.items() if v.art6)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    r, sy, sc, ind = (data("risks.toml"), data("systems.toml"), data("scale.toml"),
                      data("indicators.toml"))
    kinds = {k: RiskKind(k, int(v["item"]), v["obligation"], v["zh"], v["en"])
             for k, v in r["kinds"].items()}
    systems = {k: System(k, v["zh"], v["en"], bool(v["art6"])) for k, v in sy["systems"].items()}
    risks: dict[str, CatalogueRisk] = {}
    for x in r["risks"]:
        if x["kind"] not in kinds or not set(x["systems"]) <= set(systems):
            raise ValueError(f"risks.toml: {x['key']} names an unknown kind or system")
        risks[x["key"]] = CatalogueRisk(x["key"], x["kind"], x["zh"], x["en"],
                                        tuple(x["systems"]))
    levels = tuple(Level(x["key"], x["zh"], int(x["max"])) for x in sc["levels"])
    return Catalogue(
        kinds=kinds, risks=risks, systems=systems,
        likelihood={int(k): v for k, v in sc["likelihood"].items()},
        impact={int(k): v for k, v in sc["impact"].items()},
        levels=levels, interval=timedelta(days=int(sc["interval_days"])),
        indicators={k: IndicatorSpec(k, v["zh"], v["en"], v["from"], bool(v["required"]))
                    for k, v in ind["indicators"].items()},
        sources={"risks": r["source"], "systems": sy["source"], "scale": sc["source"],
                 "interval": sc["interval_source"], "indicators": ind["source"]})


class AssessmentStatus(StrEnum):
    """进行中 in progress → 已签署 signed (the compliance officer and a second approver)."""

    IN_PROGRESS = "in_progress"
    SIGNED = "signed"


class SignoffRole(StrEnum):
    OFFICER = "officer"  # 合规负责人
    APPROVER = "approver"  # 第二审批人


def per_million(part: int, whole: int) -> float | None:
    """``part`` per million of ``whole``; None when there is no whole (never a made-up 0)."""
    if whole <= 0:
        return None
    return round(part * 1_000_000 / whole, 3)


def missing_indicators(values: dict[str, Any], required: Sequence[str]) -> list[str]:
    """Required indicators that were not pulled, or that the modules could not measure."""
    return [k for k in required if values.get(k) is None or values.get(k) == {}]


def signoff_blockers(*, indicators: dict[str, Any] | None, required: Sequence[str],
                     risk_ids: Sequence[str], judged: Sequence[str]) -> list[tuple[str, str]]:
    """Why an assessment cannot be signed yet, as (field, reason) pairs; empty when it can."""
    out: list[tuple[str, str]] = []
    if indicators is None:
        out.append(("indicators", "no indicators pulled for the period"))
    else:
        for k in missing_indicators(indicators, required):
            out.append((f"indicators.{k}", f"required indicator {k} is missing for the period"))
    if not risk_ids:
        out.append(("judgements", "the platform's risk register is empty"))
    for rid in risk_ids:
        if rid not in judged:
            out.append((f"judgements.{rid}", f"risk {rid} has no judgement in this assessment"))
    return out


def next_due(signed_on: date, interval: timedelta) -> date:
    """The next yearly assessment falls due one interval after this one was signed."""
    return signed_on + interval


# -- the algorithm register and emergency plans (指南 第七条) --------------------------------


@dataclass(frozen=True)
class AlgorithmRules:
    types: dict[str, dict[str, str]]
    options: dict[str, dict[str, Any]]
    filing_working_days: int
    review_interval: timedelta
    source: str

    def options_for(self, algorithm_type: str) -> list[str]:
        """The user-facing options a review of this type of algorithm must check."""
        return [k for k, v in self.options.items() if algorithm_type in v["types"]]


@lru_cache(maxsize=1)
def algorithm_rules() -> AlgorithmRules:
    raw = data("algorithms.toml")
    return AlgorithmRules(types=raw["types"], options=raw["options"],
                          filing_working_days=int(raw["filing_working_days"]),
                          review_interval=timedelta(days=int(raw["review_interval_days"])),
                          source=raw["source"])


def add_working_days(day: date, n: int) -> date:
    """``n`` weekdays after ``day`` (public holidays are not known here)."""
    out = day
    while n > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            n -= 1
    return out


class DrillOutcome(StrEnum):
    """How an emergency drill went: 通过 passed / 部分通过 partial / 未通过 failed."""

    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"


def missing_options(algorithm_type: str, checked: dict[str, bool]) -> list[str]:
    """Options a review had to check that it did not find working."""
    return [k for k in algorithm_rules().options_for(algorithm_type) if not checked.get(k)]
