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
