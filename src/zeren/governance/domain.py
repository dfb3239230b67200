"""Pure rules of the governance registers: the vocabularies and default periods of
``data/governance.toml`` (each value with its source), the decision rules of interoperability
requests (指南 第三条: a refusal names a justified ground), and the sums the compliance checks
make (training completion per duty, 指南 第五条). No database, no web."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any


class Rejected(ValueError):
    """A value the rules refuse; ``field`` names the input it came from."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str
    source: str = ""


def load_data(name: str) -> dict[str, Any]:
    text = resources.files("zeren.governance").joinpath(f"data/{name}").read_text("utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    raw = load_data("governance.toml")
    for key in ("version", "interop", "compliance", "checks"):
        if key not in raw:
            raise ValueError(f"governance.toml lacks {key}")
    for key in ("decision_days",):
        if not isinstance(raw["interop"].get(key), int) or raw["interop"][key] <= 0:
            raise ValueError(f"governance.toml [interop] {key} must be a positive whole number")
    t = raw["compliance"].get("training_threshold")
    if not isinstance(t, float | int) or not 0 < t <= 1:
        raise ValueError("governance.toml [compliance] training_threshold must be in (0, 1]")
    return raw


def terms(section: Mapping[str, Any]) -> dict[str, Term]:
    return {k: Term(k, str(v["zh"]), str(v["en"]), str(v.get("source", "")))
            for k, v in section.items()}


def one_of(value: str, vocabulary: Mapping[str, Term], field: str) -> str:
    """``value`` when the vocabulary knows it, else a refusal listing what it knows."""
    if value not in vocabulary:
        raise Rejected(f"{field} must be one of "
                       + ", ".join(f"{k} ({t.zh})" for k, t in vocabulary.items()), field=field)
    return value


def check_days(name: str) -> int:
    value = data()["checks"][name]
    if not isinstance(value, int) or value <= 0:
        raise ValueError(f"governance.toml [checks] {name} must be a positive whole number")
    return value


# ----------------------------------------------------------------------- 第三条 interoperability


def interop_grounds() -> dict[str, Term]:
    return terms(data()["interop"]["grounds"])


def interop_decisions() -> dict[str, Term]:
    return terms(data()["interop"]["decisions"])


def interop_deadline(received_on: date, deadline: date | None) -> date:
    """The day a decision is due: the one given (never before receipt), else the default
    number of days after receipt."""
    if deadline is None:
        return received_on + timedelta(days=int(data()["interop"]["decision_days"]))
    if deadline < received_on:
        raise Rejected(f"deadline {deadline} is before the request was received "
                       f"({received_on})", field="deadline")
    return deadline


def check_interop_decision(decision: str, ground: str | None, reasons: str) -> None:
    """A decision names a known outcome; a refusal (whole or partial) names a justified
    ground from the data and says its reasons."""
    one_of(decision, interop_decisions(), "decision")
    if decision in ("refused", "partly_granted"):
        if not ground:
            raise Rejected("a refusal needs a ground: one of "
                           + ", ".join(interop_grounds()), field="ground")
        one_of(ground, interop_grounds(), "ground")
        if not reasons.strip():
            raise Rejected("a refusal needs its reasons in words", field="reasons")
    elif ground:
        raise Rejected("a ground is given only with a refusal", field="ground")


# ----------------------------------------------------------------------- 第五条 compliance


def compliance() -> dict[str, Any]:
    out: dict[str, Any] = data()["compliance"]
    return out


def regulator_channels() -> dict[str, Term]:
    return terms(compliance()["regulator_channels"])


def integrity_kinds() -> dict[str, Term]:
    return terms(compliance()["integrity_kinds"])


def policy_review_days() -> int:
    return int(compliance()["policy_review_days"])


def training_threshold() -> float:
    return float(compliance()["training_threshold"])


def all_staff() -> str:
    return str(compliance()["all_staff"])


@dataclass(frozen=True)
class DutyCompletion:
    """How many of a duty's holders completed a course for it within its validity."""

    duty: str
    holders: int
    completed: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float | None:
        return self.completed / self.holders if self.holders else None


def completion_by_duty(holders: Mapping[str, Iterable[str]],
                       completed: Mapping[str, Iterable[str]]) -> list[DutyCompletion]:
    """For each duty with at least one holder: holders who completed a course for it
    (``completed``: duty -> people with a valid completion). A duty nobody holds is not
    counted (no denominator, never 100 %)."""
    out = []
    for duty in sorted(holders):
        people = set(holders[duty])
        if not people:
            continue
        done = people & set(completed.get(duty, ()))
        out.append(DutyCompletion(duty, len(people), len(done), tuple(sorted(people - done))))
    return out


# ----------------------------------------------------------------------- 第十六条 concentrations


@dataclass(frozen=True)
class ThresholdRule:
    id: str
    zh: str
    source: str
    combined: str          # "global" or "china": which turnovers are summed
    combined_over: int     # the sum must be strictly more than this (超过)
    each_china_over: int   # ... and at least ``parties_over`` parties each more than this
    parties_over: int


@dataclass(frozen=True)
class Thresholds:
    version: str
    source: str
    unit: str
    unit_zh: str
    rules: tuple[ThresholdRule, ...]
    kinds: dict[str, Term]
    clearances: dict[str, Term]


@lru_cache(maxsize=1)
def thresholds() -> Thresholds:
    raw = load_data("concentration.toml")
    rules = []
    for r in raw["rules"]:
        if r["combined"] not in ("global", "china"):
            raise ValueError(f"concentration.toml rule {r['id']}: combined is global or china")
        for key in ("combined_over", "each_china_over", "parties_over"):
            if not isinstance(r[key], int) or r[key] <= 0:
                raise ValueError(f"concentration.toml rule {r['id']}: {key} must be a "
                                 "positive whole number")
        rules.append(ThresholdRule(str(r["id"]), str(r["zh"]), str(r["source"]),
                                   str(r["combined"]), int(r["combined_over"]),
                                   int(r["each_china_over"]), int(r["parties_over"])))
    if not rules:
        raise ValueError("concentration.toml has no rules")
    return Thresholds(str(raw["version"]), str(raw["source"]), str(raw["unit"]),
                      str(raw["unit_zh"]), tuple(rules), terms(raw["kinds"]),
                      terms(raw["clearances"]))


@dataclass(frozen=True)
class Turnover:
    """One party's turnovers of the last financial year, in whole yuan."""

    name: str
    global_turnover: int
    china_turnover: int


@dataclass(frozen=True)
class ThresholdResult:
    notifiable: bool
    rule_id: str | None
    version: str
    figures: dict[str, int]
    explanation: str


def check_unit(unit: str, field: str) -> None:
    """Turnovers are taken only in the unit the thresholds are written in."""
    t = thresholds()
    if unit != t.unit:
        raise Rejected(f"turnovers must be in {t.unit} ({t.unit_zh}), not {unit!r}; convert "
                       "them before sending", field=field)


def assess_concentration(parties: Iterable[Turnover]) -> ThresholdResult:
    """Whether a concentration must be notified under the thresholds in data: the first
    rule whose combined turnover is strictly over its line and where enough parties each
    have a China turnover strictly over theirs."""
    ps = list(parties)
    t = thresholds()
    total_global = sum(p.global_turnover for p in ps)
    total_china = sum(p.china_turnover for p in ps)
    figures = {"global_combined": total_global, "china_combined": total_china}
    for rule in t.rules:
        combined = total_global if rule.combined == "global" else total_china
        over = sum(1 for p in ps if p.china_turnover > rule.each_china_over)
        figures[f"{rule.id}.parties_over"] = over
        if combined > rule.combined_over and over >= rule.parties_over:
            return ThresholdResult(True, rule.id, t.version, figures,
                                   f"{rule.zh}（{rule.source}）")
    return ThresholdResult(False, None, t.version, figures,
                           "未达到申报标准：" + "；".join(r.zh for r in t.rules) + "均不满足")


# ----------------------------------------------------------------------- 第九、三十二条 figures


@dataclass(frozen=True)
class FigureField:
    name: str
    zh: str
    unit: str


def figure_kinds() -> dict[str, dict[str, FigureField]]:
    """Each kind of yearly figures (innovation, packaging) and its fields with units."""
    out: dict[str, dict[str, FigureField]] = {}
    for kind, spec in data()["figures"].items():
        out[kind] = {k: FigureField(k, str(v["zh"]), str(v["unit"]))
                     for k, v in spec["fields"].items()}
    return out


def check_figures(kind: str, values: Mapping[str, Any]) -> dict[str, int]:
    """The figures of one kind: every field present, a whole non-negative number in its
    unit, nothing else; a packaging share cannot exceed its whole."""
    kinds = figure_kinds()
    if kind not in kinds:
        raise Rejected("kind must be one of " + ", ".join(kinds), field="kind")
    fields = kinds[kind]
    for k in values:
        if k not in fields:
            raise Rejected(f"{kind} figures have no field {k!r}; they are: "
                           + ", ".join(fields), field=f"figures.{k}")
    out: dict[str, int] = {}
    for name, f in fields.items():
        if name not in values:
            raise Rejected(f"{name} ({f.zh}) is missing, in {f.unit}", field=f"figures.{name}")
        v = values[name]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise Rejected(f"{name} must be a whole number ≥ 0 in {f.unit}",
                           field=f"figures.{name}")
        out[name] = v
    if kind == "packaging":
        for part in ("reusable_shipments", "reduced_shipments"):
            if out[part] > out["shipments"]:
                raise Rejected(f"{part} exceeds shipments", field=f"figures.{part}")
    return out


def year_over_year(rows: Iterable[tuple[int, Mapping[str, int]]]) -> list[dict[str, Any]]:
    """Figures by year, oldest first, each field with its change from the year before
    (None for the first year or a year after a gap)."""
    by_year = sorted(rows, key=lambda r: r[0])
    out: list[dict[str, Any]] = []
    prev: tuple[int, Mapping[str, int]] | None = None
    for year, values in by_year:
        change: dict[str, int | None] = {}
        for k, v in values.items():
            change[k] = (v - prev[1][k]) if prev and prev[0] == year - 1 and k in prev[1] \
                else None
        out.append({"year": year, "figures": dict(values), "change": change})
        prev = (year, values)
    return out
