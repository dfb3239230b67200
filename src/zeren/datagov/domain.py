"""Pure rules of data governance: the classification scale and its rules (数据安全法 第二十一条,
GB/T 43697-2024), review intervals, the legal bases of processing (个保法 第十三条), the
cross-border mechanism a transfer needs (个保法 第三十八条), and the consent decision behind the
merge gate (指南 第十八条). The law comes from ``data/*.toml``, validated when loaded; nothing
here touches a database or the web, so the gate's core and the classifier can be measured
and tested alone."""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any


def load_data(name: str) -> dict[str, Any]:
    text = resources.files("zeren.datagov").joinpath(f"data/{name}").read_text("utf-8")
    return tomllib.loads(text)


# ----------------------------------------------------------------------- the scale


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: code, rank (levels only), names and the words accepted for it."""

    code: str
    zh: str
    en: str
    rank: int = 0
    aliases: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Rule:
    """One classification rule: every condition given must hold."""

    id: str
    level: str
    zh: str
    en: str
    source: str
    impact_objects: frozenset[str] = frozenset()
    impact_degrees: frozenset[str] = frozenset()
    declared: str | None = None
    persons_gte: int | None = None
    sensitive_persons_gte: int | None = None

    def matches(self, f: AssetFacts) -> bool:
        if self.impact_objects and not (self.impact_objects & f.impact_objects):
            return False
        if self.impact_degrees and f.impact_degree not in self.impact_degrees:
            return False
        if self.declared is not None and f.declared_level != self.declared:
            return False
        if self.persons_gte is not None and not (f.personal_info and f.persons >= self.persons_gte):
            return False
        return self.sensitive_persons_gte is None or (
            f.sensitive_personal_info and f.persons >= self.sensitive_persons_gte)


@dataclass(frozen=True)
class Scheme:
    """The classification scheme of ``classification.toml``."""

    version: str
    source: str
    levels: dict[str, Term]
    impact_objects: dict[str, Term]
    impact_degrees: dict[str, Term]
    rules: tuple[Rule, ...]
    review_days: dict[str, int]
    review_source: str
    thresholds: tuple[int, ...] = ()

    def level(self, value: str, *, field: str) -> str:
        """The level code for ``value`` (a code or one of its aliases)."""
        return _lookup(self.levels, value, field=field, what="classification level")

    def impact_object(self, value: str, *, field: str) -> str:
        return _lookup(self.impact_objects, value, field=field, what="impact object (影响对象)")

    def impact_degree(self, value: str, *, field: str) -> str:
        return _lookup(self.impact_degrees, value, field=field, what="impact degree (影响程度)")

    def rank(self, level: str) -> int:
        return self.levels[level].rank

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def canonical(self, f: AssetFacts) -> AssetFacts:
        """Facts that classify exactly like ``f``, with ``persons`` lowered to the largest
        threshold a rule compares it with (so a cache keyed on them hits across rows)."""
        rep = 0
        for t in self.thresholds:
            if f.persons >= t:
                rep = t
        return f if rep == f.persons else AssetFacts(
            f.personal_info, f.sensitive_personal_info, rep, f.impact_objects,
            f.impact_degree, f.declared_level)



class OutOfScale(ValueError):
    """A value outside a vocabulary; ``field`` names where it came from."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _lookup(terms: Mapping[str, Term], value: str, *, field: str, what: str) -> str:
    v = value.strip()
    if v in terms:
        return v
    code = _alias_index(id(terms), terms).get(v.lower())
    if code is not None:
        return code
    allowed = ", ".join(f"{t.code} ({t.zh})" for t in terms.values())
    raise OutOfScale(f"{value!r} is not a {what}; allowed: {allowed}", field)


_ALIASES: dict[int, dict[str, str]] = {}


def _alias_index(key: int, terms: Mapping[str, Term]) -> dict[str, str]:
    """code and every alias (lower-cased) → code; built once per vocabulary (imports look
    up the same few words hundreds of thousands of times)."""
    got = _ALIASES.get(key)
    if got is None:
        got = {}
        for t in terms.values():
            got[t.code.lower()] = t.code
            for a in t.aliases:
                got[a.lower()] = t.code
        _ALIASES[key] = got
    return got


def _terms(raw: Mapping[str, Any], *, ranked: bool = False) -> dict[str, Term]:
    out: dict[str, Term] = {}
    for code, spec in raw.items():
        if not isinstance(spec, dict):
            continue
        if ranked and not isinstance(spec.get("rank"), int):
            raise ValueError(f"level {code} needs an integer rank")
        out[code] = Term(code, str(spec["zh"]), str(spec["en"]), int(spec.get("rank", 0)),
                         tuple(spec.get("aliases", ())), str(spec.get("source", "")))
    return out


@lru_cache(maxsize=1)
def scheme() -> Scheme:
    """Load and validate ``classification.toml``."""
    raw = load_data("classification.toml")
    levels = _terms(raw["levels"], ranked=True)
    objects = _terms(raw["impact_objects"])
    degrees = _terms(raw["impact_degrees"])
    rules = []
    for r in raw["rules"]:
        rule = Rule(
            id=str(r["id"]), level=str(r["level"]), zh=str(r["zh"]), en=str(r["en"]),
            source=str(r["source"]), impact_objects=frozenset(r.get("impact_objects", ())),
            impact_degrees=frozenset(r.get("impact_degrees", ())), declared=r.get("declared"),
            persons_gte=r.get("persons_gte"), sensitive_persons_gte=r.get("sensitive_persons_gte"),
        )
        if rule.level not in levels or (rule.declared and rule.declared not in levels):
            raise ValueError(f"rule {rule.id}: unknown level")
        if not rule.impact_objects <= objects.keys() or not rule.impact_degrees <= degrees.keys():
            raise ValueError(f"rule {rule.id}: unknown impact object or degree")
        rules.append(rule)
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError("classification rule ids must be unique")
    lowest = min(levels.values(), key=lambda t: t.rank).code
    if not any(r.level == lowest and r.matches(AssetFacts()) for r in rules):
        raise ValueError("classification.toml needs a catch-all rule for the lowest level")
    review = dict(raw["review_days"])
    review_source = str(review.pop("source", ""))
    if set(review) != set(levels):
        raise ValueError("review_days needs one interval per level")
    thresholds = tuple(sorted({t for r in rules for t in (r.persons_gte,
                                                          r.sensitive_persons_gte)
                               if t is not None}))
    return Scheme(str(raw["version"]), str(raw["source"]), levels, objects, degrees,
                  tuple(rules), {k: int(v) for k, v in review.items()}, review_source,
                  thresholds)


@dataclass(frozen=True, slots=True)
class AssetFacts:
    """What the classifier reads about one data asset."""

    personal_info: bool = False
    sensitive_personal_info: bool = False
    persons: int = 0
    impact_objects: frozenset[str] = frozenset()
    impact_degree: str | None = None
    declared_level: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    level: str
    rule_id: str
    matched: tuple[str, ...]
    version: str


def classify(facts: AssetFacts, s: Scheme | None = None) -> Classification:
    """The highest level among matching rules; the first rule that gave it decides."""
    s = s or scheme()
    best: Rule | None = None
    matched: list[str] = []
    for r in s.rules:
        if r.matches(facts):
            matched.append(r.id)
            if best is None or s.levels[r.level].rank > s.levels[best.level].rank:
                best = r
    assert best is not None, "the scheme has a catch-all rule (checked when loaded)"
    return Classification(best.level, best.id, tuple(matched), s.version)


def review_due(*, level: str, since: datetime, s: Scheme | None = None) -> datetime:
    """When the next lifecycle review of an asset of ``level`` is due after ``since``."""
    s = s or scheme()
    return since + timedelta(days=s.review_days[level])


# ----------------------------------------------------------------------- parsing cells

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "有", "√", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "无", "", "f"})


def parse_bool(value: Any, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    v = str(value).strip().lower()
    if v in TRUE_WORDS:
        return True
    if v in FALSE_WORDS:
        return False
    raise OutOfScale(f"{value!r} is not yes/no (是/否, true/false, 1/0)", field)


def parse_count(value: Any, *, field: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise OutOfScale(f"{value!r} is not a whole number", field)
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        v = str(value).strip().replace(",", "").replace("_", "")
        if not v.isdigit():
            raise OutOfScale(f"{value!r} is not a whole number ≥ 0", field)
        n = int(v)
    if n < 0 or n > 10**15:
        raise OutOfScale(f"{value!r} is outside 0 … 10^15", field)
    return n


def split_list(value: Any) -> list[str]:
    """A cell holding several values: ``a;b``, ``a；b``, ``a,b``, ``a、b`` or a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for sep in ("；", "，", "、", ","):
        text = text.replace(sep, ";")
    return [p.strip() for p in text.split(";") if p.strip()]


# ----------------------------------------------------------------------- processing & transfer


@lru_cache(maxsize=1)
def processing_data() -> dict[str, Any]:
    raw = load_data("processing.toml")
    for key in ("legal_bases", "transfer_mechanisms", "transfer_thresholds", "reviews",
                "checks"):
        if key not in raw:
            raise ValueError(f"processing.toml lacks [{key}]")
    return raw


def legal_bases() -> dict[str, Term]:
    return _terms(processing_data()["legal_bases"])


def transfer_mechanisms() -> dict[str, Term]:
    return _terms(processing_data()["transfer_mechanisms"])


def required_mechanism(*, important: bool, persons: int, sensitive_persons: int) -> str:
    """The weakest mechanism a transfer may rely on (促进和规范数据跨境流动规定 [2nd], as data)."""
    t = processing_data()["transfer_thresholds"]
    if (important or persons >= int(t["assessment_persons"])
            or sensitive_persons >= int(t["assessment_sensitive_persons"])):
        return "security_assessment"
    if (persons >= int(t["contract_persons"])
            or sensitive_persons >= int(t["contract_sensitive_persons"])):
        return "standard_contract"
    return "exempt"


def mechanism_suffices(chosen: str, required: str) -> bool:
    m = transfer_mechanisms()
    return m[chosen].rank >= m[required].rank


def assessment_valid_until(approved_on: date) -> date:
    years = int(processing_data()["transfer_thresholds"]["assessment_valid_years"])
    try:
        return approved_on.replace(year=approved_on.year + years)
    except ValueError:  # 29 February
        return approved_on.replace(year=approved_on.year + years, day=28)


def activity_review_days() -> int:
    return int(processing_data()["reviews"]["activity_days"])


def check_days(name: str) -> int:
    """A period the posture checks read (``[checks]`` of processing.toml), in days."""
    value = processing_data()["checks"][name]
    if not isinstance(value, int) or value <= 0:
        raise ValueError(f"processing.toml [checks] {name} must be a positive whole number")
    return value


# ----------------------------------------------------------------------- consent (指南 第十八条)


def person_key(secret: bytes, person_ref: str) -> str:
    """The pseudonym under which a person's consents are found: HMAC-SHA256 of the reference
    under the platform's own key. The reference itself is personal data, sealed in the
    ledger's personal-data store; this key lets the gate find consents without it."""
    return hmac.new(secret, person_ref.strip().encode("utf-8"), hashlib.sha256).hexdigest()[:40]


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


class Reason(StrEnum):
    """Why the gate said what it said (codes callers can act on)."""

    CONSENT = "consent_active"              # 有效同意
    NO_CONSENT = "no_consent"               # 无同意记录
    WITHDRAWN = "consent_withdrawn"         # 同意已撤回
    PURPOSE = "purpose_not_covered"         # 同意未覆盖该目的
    SCOPE = "scope_not_covered"             # 同意未覆盖另一服务
    SAME_SERVICE = "same_service"           # 同一服务内，不构成跨服务合并


REASON_TEXT: dict[Reason, tuple[str, str]] = {
    Reason.CONSENT: ("个人已同意将两项服务中的个人信息合并用于该目的",
                     "the person consented to combining data of both services for this purpose"),
    Reason.NO_CONSENT: ("没有该个人对合并这两项服务个人信息的同意记录",
                        "no consent of this person to combine data of these services"),
    Reason.WITHDRAWN: ("个人已撤回同意，自撤回时起不得合并",
                       "the person withdrew consent; no merge from that moment"),
    Reason.PURPOSE: ("个人的同意不包括该处理目的", "the person's consent does not cover this purpose"),
    Reason.SCOPE: ("个人的同意不包括与另一服务合并",
                   "the person's consent does not cover combining with the other service"),
    Reason.SAME_SERVICE: ("两项为同一服务，不属于跨服务合并",
                          "both are the same service: not a merge across services"),
}


@dataclass(frozen=True, slots=True)
class ConsentFact:
    """One consent as the gate sees it (no personal data)."""

    id: str
    service: str
    purpose: str
    scope: frozenset[str]
    given_at: datetime
    withdrawn_at: datetime | None = None

    def covers_pair(self, a: str, b: str) -> bool:
        return (self.service == a and b in self.scope) or (self.service == b and a in self.scope)

    def active_at(self, at: datetime) -> bool:
        return self.given_at <= at and (self.withdrawn_at is None or self.withdrawn_at > at)


@dataclass(frozen=True, slots=True)
class GateDecision:
    outcome: Outcome
    reason: Reason
    consent_id: str | None = None
    withdrawn_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


def decide_merge(
    consents: Iterable[ConsentFact], *, services: Sequence[str], purpose: str, at: datetime
) -> GateDecision:
    """May one person's data from ``services`` (two) be combined for ``purpose`` at ``at``?

    Allowed only on a consent given before ``at``, not withdrawn by ``at``, for exactly this
    purpose, by which the person let one service's data be combined with the other's. A
    withdrawal counts from its moment; a consent given again later is a new consent."""
    a, b = services[0], services[1]
    if a == b:
        return GateDecision(Outcome.REFUSED, Reason.SAME_SERVICE)
    pair = [c for c in consents if c.covers_pair(a, b) and c.given_at <= at]
    same_purpose = [c for c in pair if c.purpose == purpose]
    active = [c for c in same_purpose if c.active_at(at)]
    if active:
        best = max(active, key=lambda c: (c.given_at, c.id))
        return GateDecision(Outcome.ALLOWED, Reason.CONSENT, best.id)
    if same_purpose:
        last = max(same_purpose, key=lambda c: (c.withdrawn_at or c.given_at, c.id))
        return GateDecision(Outcome.REFUSED, Reason.WITHDRAWN, last.id, last.withdrawn_at)
    if pair:
        return GateDecision(Outcome.REFUSED, Reason.PURPOSE)
    if any(c.service in (a, b) and c.given_at <= at for c in consents):
        return GateDecision(Outcome.REFUSED, Reason.SCOPE)
    return GateDecision(Outcome.REFUSED, Reason.NO_CONSENT)


# ----------------------------------------------------------------------- one asset, normalised

ASSET_FIELDS: dict[str, tuple[str, ...]] = {
    # field: the headers an inventory file may use for it (English, then Chinese)
    "code": ("code", "asset_code", "编码", "资产编码", "数据资产编码"),
    "system": ("system", "系统", "所属系统", "信息系统"),
    "dataset": ("dataset", "name", "数据集", "数据集名称", "资产名称"),
    "fields": ("fields", "字段", "数据项"),
    "personal_info": ("personal_info", "pi", "个人信息", "含个人信息"),
    "sensitive_personal_info": ("sensitive_personal_info", "spi", "敏感个人信息",
                                "含敏感个人信息"),
    "records": ("records", "volume", "数据量", "记录数"),
    "persons": ("persons", "subjects", "涉及人数", "个人信息主体数"),
    "location": ("location", "存储位置", "存储地"),
    "owner": ("owner", "责任部门", "归属部门"),
    "officer": ("officer", "officer_person_id", "重要数据负责人", "数据安全负责人"),
    "impact_objects": ("impact_objects", "impact_object", "影响对象"),
    "impact_degree": ("impact_degree", "影响程度"),
    "declared_level": ("declared_level", "level", "认定级别", "级别", "目录级别"),
}
REQUIRED_ASSET_FIELDS = ("code", "system", "dataset")
TEXT_LIMITS = {"code": 100, "system": 200, "dataset": 200, "location": 200, "owner": 200,
               "officer": 200}


@dataclass(frozen=True, slots=True)
class AssetInput:
    """One asset's values after checking, ready to classify and store."""

    code: str
    system: str
    dataset: str
    fields: tuple[str, ...]
    personal_info: bool
    sensitive_personal_info: bool
    records: int
    persons: int
    location: str
    owner: str
    officer: str
    impact_objects: tuple[str, ...]
    impact_degree: str | None
    declared_level: str | None

    def facts(self) -> AssetFacts:
        return AssetFacts(self.personal_info, self.sensitive_personal_info, self.persons,
                          frozenset(self.impact_objects), self.impact_degree,
                          self.declared_level)


def _text(raw: Mapping[str, Any], key: str) -> str:
    v = raw.get(key)
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    limit = TEXT_LIMITS.get(key)
    if limit is not None and len(s) > limit:
        raise OutOfScale(f"longer than {limit} characters", key)
    return s


_OBJECTS: dict[tuple[int, str], tuple[str, ...]] = {}


def _objects(s: Scheme, value: Any) -> tuple[str, ...]:
    """Impact objects of a cell; a text cell's answer is remembered (files repeat them)."""
    key = (id(s), value) if isinstance(value, str) else None
    if key is not None and key in _OBJECTS:
        return _OBJECTS[key]
    got = tuple(dict.fromkeys(s.impact_object(v, field="impact_objects")
                              for v in split_list(value)))
    if key is not None and len(_OBJECTS) < 10_000:
        _OBJECTS[key] = got
    return got


def normalise_asset(raw: Mapping[str, Any], s: Scheme | None = None) -> AssetInput:
    """Check one asset's values (from the API or one row of a file); raises OutOfScale
    naming the field."""
    s = s or scheme()
    for key in REQUIRED_ASSET_FIELDS:
        if not _text(raw, key):
            raise OutOfScale(f"{key} is required", key)
    pi = parse_bool(raw.get("personal_info", False), field="personal_info")
    spi = parse_bool(raw.get("sensitive_personal_info", False), field="sensitive_personal_info")
    if spi and not pi:
        raise OutOfScale("sensitive personal information is personal information: set "
                         "personal_info too", "personal_info")
    objects = _objects(s, raw.get("impact_objects"))
    degree_raw = _text(raw, "impact_degree")
    degree = s.impact_degree(degree_raw, field="impact_degree") if degree_raw else None
    if objects and degree is None:
        raise OutOfScale("an impact object (影响对象) needs its impact degree (影响程度)",
                         "impact_degree")
    if degree is not None and not objects:
        raise OutOfScale("an impact degree (影响程度) needs the impact object (影响对象)",
                         "impact_objects")
    level_raw = _text(raw, "declared_level")
    declared = s.level(level_raw, field="declared_level") if level_raw else None
    persons = parse_count(raw.get("persons"), field="persons")
    if persons and not pi:
        raise OutOfScale("persons counts individuals whose personal information the asset "
                         "holds: set personal_info", "persons")
    fields = tuple(split_list(raw.get("fields")))
    if any(len(f) > 200 for f in fields) or len(fields) > 2000:
        raise OutOfScale("at most 2000 fields of at most 200 characters each", "fields")
    return AssetInput(
        code=_text(raw, "code"), system=_text(raw, "system"), dataset=_text(raw, "dataset"),
        fields=fields, personal_info=pi, sensitive_personal_info=spi,
        records=parse_count(raw.get("records"), field="records"), persons=persons,
        location=_text(raw, "location"), owner=_text(raw, "owner"),
        officer=_text(raw, "officer"), impact_objects=objects, impact_degree=degree,
        declared_level=declared,
    )


def header_map(headers: Sequence[str]) -> dict[int, str]:
    """Column index → asset field for a file's header row; unknown columns are ignored."""
    lookup = {alias.lower(): key for key, aliases in ASSET_FIELDS.items() for alias in aliases}
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        key = lookup.get(str(h or "").strip().lower())
        if key is not None and key not in out.values():
            out[i] = key
    return out
