"""Pure guideline logic: the data file's schema (validated when loaded), the tier test and
which articles apply. No database and no web here."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Scope = Literal["super_large", "all", "applicability"]
Tier = Literal["super_large", "ordinary"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Frozen):
    number: int = Field(ge=1)
    label: str
    text_zh: str = Field(min_length=1)
    summary_en: str = Field(min_length=1)


class Article(_Frozen):
    number: int = Field(ge=1, le=35)
    title_zh: str
    title_en: str
    scope: Scope
    text_zh: str = Field(min_length=1)
    summary_en: str = Field(min_length=1)
    items: tuple[Item, ...] = ()
    capabilities: tuple[str, ...] = ()

    def item(self, number: int) -> Item | None:
        return next((i for i in self.items if i.number == number), None)


class ExemptionGround(_Frozen):
    code: str
    label: str
    text_zh: str
    summary_en: str


class Definition(_Frozen):
    number: int
    label: str
    term_zh: str
    term_en: str
    text_zh: str
    summary_en: str


class Capability(_Frozen):
    key: str
    module: str
    title_zh: str
    title_en: str


class Obligation(_Frozen):
    """One duty an article states: the unit the posture is evaluated in (ADR 0030).
    ``source`` holds the article's own words it comes from (each a verbatim part of the
    article's text); ``item`` the item number where the text numbers items."""

    key: str = Field(pattern=r"^art([1-9]|[12][0-9]|3[0-5])\.[a-z][a-z0-9_]*$")
    article: int = Field(ge=1, le=35)
    item: int | None = Field(default=None, ge=1)
    source: tuple[str, ...] = Field(min_length=1)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    also_attestable: bool = False


class NonDutyText(_Frozen):
    """Words of an article that state no duty of their own (a list's introduction, the
    grounds of an exemption)."""

    article: int = Field(ge=1, le=35)
    text: str = Field(min_length=1)


# Punctuation, white space and item labels carry no duty: they need no obligation.
_NOT_TEXT = re.compile(r"（[一二三四五六七八九十0-9]+）|[\s，。；;：:、（）()《》“”]")


class Source(_Frozen):
    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str
    published: date
    note_en: str = ""


class Guideline(_Frozen):
    source: Source
    preamble_zh: str
    articles: tuple[Article, ...]
    exemption_grounds: tuple[ExemptionGround, ...]
    exemption_limit_zh: str
    definitions: tuple[Definition, ...]
    capabilities: tuple[Capability, ...]
    obligations: tuple[Obligation, ...] = ()
    non_duty_text: tuple[NonDutyText, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Guideline:
        numbers = [a.number for a in self.articles]
        if numbers != list(range(1, 36)):
            raise ValueError(f"articles must be numbered 1..35 in order, got {numbers}")
        for a in self.articles:
            expected: Scope = (
                "super_large" if a.number <= 9 else "all" if a.number <= 34 else "applicability"
            )
            if a.scope != expected:
                raise ValueError(f"article {a.number} scope {a.scope!r}, expected {expected!r}")
            items = [i.number for i in a.items]
            if items != list(range(1, len(items) + 1)):
                raise ValueError(f"article {a.number} items must be numbered 1..n, got {items}")
        keys = {c.key for c in self.capabilities}
        if len(keys) != len(self.capabilities):
            raise ValueError("capability keys must be unique")
        for a in self.articles:
            missing = set(a.capabilities) - keys
            if missing:
                raise ValueError(f"article {a.number} names unknown capabilities {sorted(missing)}")
        seen: set[str] = set()
        for o in self.obligations:
            if o.key in seen:
                raise ValueError(f"obligation {o.key} is listed twice")
            seen.add(o.key)
            art = self.articles[o.article - 1]
            if not o.key.startswith(f"art{o.article}."):
                raise ValueError(f"obligation {o.key} must start with art{o.article}.")
            if o.item is not None and art.item(o.item) is None:
                raise ValueError(f"obligation {o.key} names item {o.item} that article "
                                 f"{o.article} does not have")
            for words in o.source:
                if words not in art.text_zh:
                    raise ValueError(f"obligation {o.key}: {words!r} is not in the text of "
                                     f"article {o.article}")
        for n in self.non_duty_text:
            if n.text not in self.articles[n.article - 1].text_zh:
                raise ValueError(f"non-duty text {n.text!r} is not in article {n.article}")
        if len(self.exemption_grounds) != 3:
            raise ValueError("Art 35 has exactly three grounds for exemption")
        return self

    def article(self, number: int) -> Article | None:
        if 1 <= number <= len(self.articles):
            return self.articles[number - 1]
        return None

    def obligations_of(self, article: int) -> tuple[Obligation, ...]:
        return tuple(o for o in self.obligations if o.article == article)

    def obligation(self, key: str) -> Obligation | None:
        return next((o for o in self.obligations if o.key == key), None)

    def uncovered_text(self, article: int) -> str:
        """The characters of the article's text that neither an obligation's source nor a
        non-duty text covers (punctuation and item labels aside): '' when all is covered."""
        text = self.articles[article - 1].text_zh
        covered = [False] * len(text)
        parts = [w for o in self.obligations_of(article) for w in o.source]
        parts += [n.text for n in self.non_duty_text if n.article == article]
        for words in parts:
            start = text.find(words)
            while start >= 0:
                for i in range(start, start + len(words)):
                    covered[i] = True
                start = text.find(words, start + 1)
        for m in _NOT_TEXT.finditer(text):
            for i in range(m.start(), m.end()):
                covered[i] = True
        return "".join(c for c, ok in zip(text, covered, strict=True) if not ok)

    def capability_status(self, modules: frozenset[str]) -> dict[str, str]:
        """Each capability's status given the modules the installation runs: ``available``
        when its module is registered, ``planned`` when not (derived, never typed in data)."""
        return {c.key: "available" if c.module in modules else "planned"
                for c in self.capabilities}

    def ground(self, code: str) -> ExemptionGround | None:
        return next((g for g in self.exemption_grounds if g.code == code), None)


class Criterion(_Frozen):
    key: str
    zh: str
    en: str
    kind: Literal["minimum", "judgement"]
    figure: str
    threshold: int | None = None
    unit: str | None = None
    rationale: str | None = None


class TierInfo(_Frozen):
    zh: str
    en: str
    articles: tuple[int, int]


class TierRules(_Frozen):
    version: str
    source: dict[str, str]
    tiers: dict[Tier, TierInfo]
    criteria: tuple[Criterion, ...]
    sanity: dict[str, int]


def _read(package: str, name: str) -> Any:
    return yaml.safe_load(resources.files(package).joinpath(name).read_text("utf-8"))


@lru_cache(maxsize=1)
def load_guideline() -> Guideline:
    """The guideline shipped with Zeren, validated (raises on a malformed data file)."""
    return Guideline.model_validate(_read("zeren.guideline", "data/guideline.yaml"))


@lru_cache(maxsize=1)
def load_tier_rules() -> TierRules:
    return TierRules.model_validate(_read("zeren.guideline", "data/tiers.yaml"))


class CriterionResult(_Frozen):
    key: str
    zh: str
    en: str
    figure: Any
    threshold: Any
    rationale: str | None
    met: bool


class TierResult(_Frozen):
    tier: Tier
    criteria: tuple[CriterionResult, ...]
    thresholds_version: str


def classify(figures: dict[str, Any], rules: TierRules | None = None) -> TierResult:
    """Run the 附则(4) test on one year's figures: super-large only if every criterion holds."""
    rules = rules or load_tier_rules()
    results: list[CriterionResult] = []
    for c in rules.criteria:
        value = figures[c.figure]
        if c.kind == "minimum":
            assert c.threshold is not None
            met = Decimal(value) >= Decimal(c.threshold)
            shown: Any = int(value)
        else:
            met = bool(value)
            shown = bool(value)
        results.append(
            CriterionResult(
                key=c.key, zh=c.zh, en=c.en, figure=shown, threshold=c.threshold,
                rationale=figures.get(c.rationale) if c.rationale else None, met=met,
            )
        )
    tier: Tier = "super_large" if all(r.met for r in results) else "ordinary"
    return TierResult(tier=tier, criteria=tuple(results), thresholds_version=rules.version)


def applicable_articles(tier: Tier, rules: TierRules | None = None) -> tuple[int, ...]:
    """Art 35: super-large platforms carry Art 1–35; every other platform Art 10–34."""
    rules = rules or load_tier_rules()
    lo, hi = rules.tiers[tier].articles
    return tuple(range(lo, hi + 1))
