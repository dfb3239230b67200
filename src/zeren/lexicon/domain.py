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


ACTION_ZH = {Action.BLOCK: "拦截", Action.REVIEW: "送人工审核", Action.FLAG: "记录放行"}


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
    """Spellings a term may be expanded into when the lexicon is built (变体), and the
    options a term opts in to. The first four are on by default; the rest only when a term
    names them."""

    PINYIN = "pinyin"  # full pinyin and every pinyin/hanzi mix: qiangzhi, 枪zhi, qiang支
    INITIALS = "initials"  # pinyin initials of three letters or more: gjj
    HOMOPHONE = "homophone"  # 同音字, same tone (data/homophones.tsv)
    SPLIT = "split"  # 拆字 from data/split_chars.tsv
    # opt-ins
    INITIALS2 = "initials2"  # two-letter initials (qz), never one on data/latin_common.txt
    HOMOPHONE_ANY = "homophone_any"  # 同音字 of any tone (抢支 for 枪支)
    LINES = "lines"  # matches across a line break too
    BOUNDARY_FULL = "boundary_full"  # across sentence punctuation, keep the term's action


ALL_VARIANTS: frozenset[VariantKind] = frozenset(
    {VariantKind.PINYIN, VariantKind.INITIALS, VariantKind.HOMOPHONE, VariantKind.SPLIT})
OPT_INS: frozenset[VariantKind] = frozenset(VariantKind) - ALL_VARIANTS


class ContentKind(StrEnum):
    """What a screened text is (内容类型); a category may apply to some kinds only. The same
    item kinds as moderation's subjects."""

    POST = "post"  # 帖子、文章、动态
    LISTING = "listing"  # 商品
    AD = "ad"  # 广告
    REVIEW = "review"  # 评价
    PROFILE = "profile"  # 用户或店铺资料
    MESSAGE = "message"  # 私信、聊天


def parse_kind(value: str | None) -> ContentKind | None:
    """A content kind from a field (None or empty: not said, every category applies);
    ValueError names the kinds."""
    if value is None or not value.strip():
        return None
    try:
        return ContentKind(value.strip().lower())
    except ValueError:
        raise ValueError(f"kind is one of {', '.join(k.value for k in ContentKind)}") from None


class Evasion(StrEnum):
    """Evasions seen in a hit (规避手法)."""

    NOISE = "noise"
    TRADITIONAL = "traditional"
    PINYIN = "pinyin"
    HOMOPHONE = "homophone"
    SPLIT = "split"
    WIDTH = "width"
    REPEAT = "repeat"
    INITIALS = "initials"
    BOUNDARY = "boundary"  # across sentence punctuation (or a line break a term opted in to)


class Place(StrEnum):
    """Where a hit stands (命中位置), which weighs on its confidence."""

    ALONE = "alone"  # standing alone, or among words that do not absorb it
    WORD = "word"  # inside a longer ordinary word (原子弹 for 子弹), or itself one (簧片)
    LATIN = "latin"  # a Latin spelling in a run of Latin words ("the HP laptop")


_DATA = resources.files("zeren.lexicon") / "data"


def data_text(name: str) -> str:
    """The text of one of the package's data files."""
    return (_DATA / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Category:
    """A lexicon category with the defaults a term takes and the law it comes from, the
    content kinds it applies to (None: all) and those where its action is one step lower
    (a thing named in a post or a review is more often talked about than offered)."""

    code: str
    name_zh: str
    name_en: str
    severity: Severity
    action: Action
    source: str
    applies_to: frozenset[ContentKind] | None = None
    lower_in: frozenset[ContentKind] = frozenset()

    def action_in(self, action: Action, kind: ContentKind | None) -> Action | None:
        """A term's action in content of ``kind``; None where the category does not apply."""
        if kind is None:
            return action
        if self.applies_to is not None and kind not in self.applies_to:
            return None
        if kind in self.lower_in:
            return lower(action)
        return action


def lower(action: Action) -> Action:
    """One step lower: block → review → flag."""
    return Action.REVIEW if action is Action.BLOCK else Action.FLAG


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
            applies_to=(frozenset(ContentKind(k) for k in c["applies_to"])
                        if "applies_to" in c else None),
            lower_in=frozenset(ContentKind(k) for k in c.get("lower_in", ())),
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
    """Variant options from a cell: empty → the default (the four default kinds for ordinary
    terms, none for whitelist terms); ``none``; ``all`` (the four default kinds); or a
    comma/space/semicolon list such as ``pinyin,split`` or ``all,initials2,lines`` (``all``
    may be combined with opt-ins)."""
    if value is None or not value.strip():
        return frozenset() if whitelist else ALL_VARIANTS
    v = value.strip().lower()
    if v == "none":
        return frozenset()
    parts = [p for p in v.replace(";", ",").replace(" ", ",").split(",") if p]
    out: set[VariantKind] = set()
    for p in parts:
        if p == "all":
            out |= ALL_VARIANTS
        else:
            out.add(VariantKind(p))
    return frozenset(out)


def format_variants(v: Iterable[VariantKind]) -> str:
    """The inverse of :func:`parse_variants` for export."""
    s = set(v)
    if not s:
        return "none"
    if s == set(ALL_VARIANTS):
        return ""
    if s > set(ALL_VARIANTS):
        return ",".join(["all", *sorted(s - set(ALL_VARIANTS))])
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
