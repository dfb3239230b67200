"""Pure vocabulary of the review lexicon (审核词库): actions, severities, variant and evasion
kinds, the categories shipped as data with their legal sources, a term as the engine sees it,
and how a document's decision follows from its hits. No database, no web, no I/O beyond reading
the package's own data files."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any


class Action(StrEnum):
    """What a hit asks for. 拦截 block / 送人工审核 review / 记录放行 flag."""

    BLOCK = "block"
    REVIEW = "review"
    FLAG = "flag"


class Severity(StrEnum):
    """How bad a hit is: 低 low / 中 medium / 高 high."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Decision(StrEnum):
    """A document's outcome: 拦截 block / 人工审核 review / 通过 pass."""

    BLOCK = "block"
    REVIEW = "review"
    PASS = "pass"


class VariantKind(StrEnum):
    """Spellings a term may be expanded into when the lexicon is built (变体)."""

    PINYIN = "pinyin"  # full pinyin and pinyin/hanzi mixes: qiangzhi, 枪zhi
    INITIALS = "initials"  # pinyin initials: qz
    HOMOPHONE = "homophone"  # 同音字 from data/homophones.tsv
    SPLIT = "split"  # 拆字 from data/split_chars.tsv


ALL_VARIANTS: frozenset[VariantKind] = frozenset(VariantKind)


class Evasion(StrEnum):
    """Evasions seen in a hit (规避手法)."""

    NOISE = "noise"
    TRADITIONAL = "traditional"
    PINYIN = "pinyin"
    HOMOPHONE = "homophone"
    SPLIT = "split"
    WIDTH = "width"
    REPEAT = "repeat"


_DATA = resources.files("zeren.lexicon") / "data"


def data_text(name: str) -> str:
    """The text of one of the package's data files."""
    return (_DATA / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Category:
    """A lexicon category with the defaults a term takes and the law it comes from."""

    code: str
    name_zh: str
    name_en: str
    severity: Severity
    action: Action
    source: str


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    """Every known category by code, from data/categories.toml."""
    raw = tomllib.loads(data_text("categories.toml"))
    out: dict[str, Category] = {}
    for c in raw["category"]:
        out[c["code"]] = Category(
            code=c["code"],
            name_zh=c["name_zh"],
            name_en=c["name_en"],
            severity=Severity(c["severity"]),
            action=Action(c["action"]),
            source=c["source"],
        )
    return out


@lru_cache(maxsize=1)
def normalisation_settings() -> dict[str, Any]:
    """The screening normalisation settings from data/normalisation.toml."""
    return tomllib.loads(data_text("normalisation.toml"))


@dataclass(frozen=True)
class Term:
    """One lexicon entry as the engine needs it. ``whitelist`` terms (白名单) never hit: they
    suppress the hits of other terms that lie inside them (水枪 is not 枪)."""

    term: str
    category: str
    severity: Severity
    action: Action
    whitelist: bool = False
    variants: frozenset[VariantKind] = field(default=ALL_VARIANTS)
    ref: str | None = None  # the stored entry's id, echoed in hits when set


def parse_variants(value: str | None, *, whitelist: bool = False) -> frozenset[VariantKind]:
    """Variant options from a cell: empty → the default (all for ordinary terms, none for
    whitelist terms); ``none``; or a comma/space/semicolon list such as ``pinyin,split``."""
    if value is None or not value.strip():
        return frozenset() if whitelist else ALL_VARIANTS
    v = value.strip().lower()
    if v == "none":
        return frozenset()
    if v == "all":
        return ALL_VARIANTS
    parts = [p for p in v.replace(";", ",").replace(" ", ",").split(",") if p]
    return frozenset(VariantKind(p) for p in parts)


def format_variants(v: Iterable[VariantKind]) -> str:
    """The inverse of :func:`parse_variants` for export."""
    s = set(v)
    if not s:
        return "none"
    if s == set(ALL_VARIANTS):
        return ""
    return ",".join(sorted(s))


def decide(actions: Iterable[Action | str]) -> Decision:
    """A document's decision from the actions of its hits: any block → block; else any
    review → review; else pass (flag hits are recorded but let through)."""
    seen = set(actions)
    if Action.BLOCK in seen:
        return Decision.BLOCK
    if Action.REVIEW in seen:
        return Decision.REVIEW
    return Decision.PASS


def default_terms() -> list[Term]:
    """The small default lexicon shipped with the package (data/default_lexicon.csv)."""
    return [row_to_term(r) for r in default_rows()]


def default_rows() -> Iterator[dict[str, str]]:
    """Rows of data/default_lexicon.csv as dictionaries."""
    yield from csv.DictReader(io.StringIO(data_text("default_lexicon.csv")))


def row_to_term(row: dict[str, str]) -> Term:
    """A Term from a CSV row of the default lexicon, defaults taken from its category."""
    cat = categories()[row["category"]]
    wl = row.get("whitelist", "").strip().lower() == "true"
    return Term(
        term=row["term"],
        category=cat.code,
        severity=Severity(row["severity"]) if row.get("severity") else cat.severity,
        action=Action(row["action"]) if row.get("action") else cat.action,
        whitelist=wl,
        variants=parse_variants(row.get("variants"), whitelist=wl),
    )
