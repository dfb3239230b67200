"""Pure rules of the merchant registry (电子商务法 第十条, 第十五条, 第二十七条; 指南 第十条):
the kinds of merchant and what each must show, the identifiers and their check digits
(统一社会信用代码 GB 32100-2015 through ``stdnum.cn.uscc``, 居民身份证号码 GB 11643 through
``stdnum.cn.ric``), licence kinds, the periods the law sets, the re-verification clock, and
the normalisation of one merchant as an API body or an import row gives it. The law comes
from ``data/registry.toml``, validated when loaded; nothing here touches a database or the
web, so the import's per-row work can be measured alone."""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.util import isdigits


class OutOfScale(ValueError):
    """A value the registry refuses; ``field`` names where it came from."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


# ----------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Kind:
    """A kind of merchant (企业 / 个体工商户 / 不需登记的自然人) and what it must show."""

    code: str
    zh: str
    en: str
    uscc: str  # required | optional | none
    resident_id: str
    representative: str
    uscc_prefixes: tuple[str, ...]
    grounds: tuple[tuple[str, str], ...]  # (code, zh)
    source: str


@dataclass(frozen=True)
class LicenceKind:
    code: str
    zh: str
    en: str
    categories: tuple[str, ...]
    source: str
    without_licence: str = "review"  # refuse | review: a listing of a merchant without it


@dataclass(frozen=True)
class ListingRules:
    max_title: int
    max_description: int
    max_images: int
    review_category: str
    source: str


@dataclass(frozen=True)
class Period:
    value: int
    unit: str
    source: str


@dataclass(frozen=True)
class VerificationRules:
    active_statuses: frozenset[str]
    lapsed_measure: str
    lapsed_category: str
    source: str


@dataclass(frozen=True)
class Registry:
    version: str
    kinds: Mapping[str, Kind]
    licences: Mapping[str, LicenceKind]
    periods: Mapping[str, Period]
    verification: VerificationRules
    listings: ListingRules

    def licence_for(self, category: str) -> LicenceKind | None:
        """The licence kind a listing category needs (the data's mapping), or None."""
        key = category.strip().casefold()
        for lk in self.licences.values():
            if any(key == c.casefold() for c in lk.categories):
                return lk
        return None

    @property
    def reverify_months(self) -> int:
        return self.periods["reverification"].value

    @property
    def licence_notice_days(self) -> int:
        return self.periods["licence_notice"].value

    @property
    def exit_notice_days(self) -> int:
        return self.periods["exit_notice"].value

    @property
    def reverify_lead_days(self) -> int:
        return self.periods["reverification_lead"].value


_REQ = ("required", "optional", "none")


def parse_registry(raw: Mapping[str, Any]) -> Registry:
    """Validate the data file's content (raises ValueError naming the entry)."""
    kinds: dict[str, Kind] = {}
    for code, k in raw["kinds"].items():
        for key in ("uscc", "resident_id", "representative"):
            if k[key] not in _REQ:
                raise ValueError(f"kinds.{code}.{key} must be one of {_REQ}")
        if not k.get("source"):
            raise ValueError(f"kinds.{code} names no source")
        grounds = []
        for g in k.get("grounds", []):
            zh, _, gcode = str(g).partition(" ")
            if not gcode:
                raise ValueError(f"kinds.{code}.grounds: {g!r} is not '中文 code'")
            grounds.append((gcode, zh))
        kinds[code] = Kind(code, k["zh"], k["en"], k["uscc"], k["resident_id"],
                           k["representative"], tuple(k.get("uscc_prefixes", [])),
                           tuple(grounds), k["source"])
    licences: dict[str, LicenceKind] = {}
    for code, lk in raw["licences"].items():
        if not lk.get("source"):
            raise ValueError(f"licences.{code} names no source")
        without = str(lk.get("without_licence", "review"))
        if without not in ("refuse", "review"):
            raise ValueError(f"licences.{code}.without_licence must be refuse or review")
        licences[code] = LicenceKind(code, lk["zh"], lk["en"], tuple(lk.get("categories", [])),
                                     lk["source"], without)
    periods: dict[str, Period] = {}
    for name, p in raw["periods"].items():
        unit = next((u for u in ("months", "days", "years") if u in p), None)
        if unit is None or int(p[unit]) <= 0 or not p.get("source"):
            raise ValueError(f"periods.{name} needs a positive months/days/years and a source")
        periods[name] = Period(int(p[unit]), unit, p["source"])
    for need in ("reverification", "licence_notice", "exit_notice", "identity_retention",
                 "reverification_lead"):
        if need not in periods:
            raise ValueError(f"periods.{need} is missing")
    v = raw["verification"]
    if not v.get("source") or not v.get("active_statuses"):
        raise ValueError("verification needs active_statuses and a source")
    rules = VerificationRules(frozenset(v["active_statuses"]), str(v["lapsed_measure"]),
                              str(v["lapsed_category"]), str(v["source"]))
    li = raw["listings"]
    if not li.get("source"):
        raise ValueError("listings names no source")
    listing_rules = ListingRules(int(li["max_title"]), int(li["max_description"]),
                                 int(li["max_images"]), str(li["review_category"]),
                                 str(li["source"]))
    return Registry(str(raw["version"]), kinds, licences, periods, rules, listing_rules)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry data shipped with Zeren (``data/registry.toml``)."""
    text = resources.files("zeren.merchants").joinpath("data/registry.toml").read_text("utf-8")
    return parse_registry(tomllib.loads(text))


# ----------------------------------------------------------------------- identifiers

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _why(exc: Exception, what: str) -> str:
    if isinstance(exc, InvalidLength):
        return f"{what} has the wrong length"
    if isinstance(exc, InvalidChecksum):
        return f"{what}'s check digit is wrong"
    if isinstance(exc, InvalidComponent):
        return f"{what} holds an impossible part (region or birth date)"
    if isinstance(exc, InvalidFormat):
        return f"{what} holds characters outside its charset"
    return f"{what} is not valid"


def check_uscc(value: str, *, field: str = "uscc") -> str:
    """A 统一社会信用代码 in its compact form (upper case, no spaces), or OutOfScale naming
    why: length (18), charset (digits and 20 capitals, no I O S V Z), check digit."""
    text = (value or "").strip()
    try:
        if text.isascii() and " " not in text and "-" not in text:
            return _uscc_fast(text.upper())
        return str(_uscc.validate(text))
    except Exception as exc:  # stdnum's ValidationError family
        raise OutOfScale(f"{_why(exc, 'USCC')} ({text[:40]!r})", field) from None


_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHJKLMNPQRTUWXY")}
_DIGITS = frozenset("0123456789")


def _uscc_fast(number: str) -> str:
    """``stdnum.cn.uscc.validate``'s steps in its order for a compact ASCII number (no
    separators to clean, which is the slow part of python-stdnum here); a property test holds
    the two to the same answers."""
    if len(number) != 18:
        raise InvalidLength()
    if not _DIGITS.issuperset(number[:8]):
        raise InvalidFormat()
    if any(c not in _USCC_VALUE for c in number[8:]):
        raise InvalidFormat()
    total = sum(_USCC_VALUE[c] * w for c, w in zip(number[:17], _USCC_WEIGHTS, strict=True))
    if number[-1] != USCC_CHARSET[(31 - total) % 31]:
        raise InvalidChecksum()
    return number


def check_resident_id(value: str, *, field: str = "resident_id") -> str:
    """A 居民身份证号码 (18 characters, GB 11643 check digit, birth date, and a region code
    that existed in the birth year), or OutOfScale naming why. The same steps as
    ``stdnum.cn.ric.validate``, through its own functions, with the region look-up (python-
    stdnum's table, the slow part) remembered per region and year; a property test holds the
    two to the same answers."""
    text = (value or "").strip()
    try:
        # python-stdnum's compact() cleans Unicode character by character (slow); an ASCII
        # number without spaces is already compact.
        number = text.upper() if text.isascii() and " " not in text else _ric.compact(text)
        if len(number) != 18:
            raise InvalidLength()
        if not isdigits(number[:-1]):
            raise InvalidFormat()
        if number[-1] != _ric.calc_check_digit(number):
            raise InvalidChecksum()
        born = _ric.get_birth_date(number)
        if not _region_existed(number[:6], born.year):
            raise InvalidComponent()
        return str(number)
    except Exception as exc:
        # The message never echoes the number: it is personal data.
        raise OutOfScale(_why(exc, "resident ID"), field) from None


@lru_cache(maxsize=1 << 16)
def _region_existed(region: str, year: int) -> bool:
    try:
        _ric.get_birth_place(f"{region}{year:04d}01010000")
    except (InvalidComponent, KeyError):  # KeyError: a region stdnum knows only as a province
        return False
    return True


def mask_resident_id(value: str) -> str:
    """What the registry shows of a resident ID: region and the last four characters."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# ----------------------------------------------------------------------- the clock


def add_months(at: date, months: int) -> date:
    """``at`` plus ``months`` calendar months; a day the target month lacks becomes its last
    day (31 August + 6 months = 28 or 29 February)."""
    total = at.month - 1 + months
    year, month = at.year + total // 12, total % 12 + 1
    return date(year, month, min(at.day, calendar.monthrange(year, month)[1]))


def reverification_due(verified_on: date, reg: Registry | None = None) -> date:
    """The day a merchant verified on ``verified_on`` must be verified again."""
    return add_months(verified_on, (reg or registry()).reverify_months)


class Status(StrEnum):
    active = "active"
    suspended = "suspended"
    exiting = "exiting"
    exited = "exited"


class Verification(StrEnum):
    unverified = "unverified"
    verified = "verified"
    rejected = "rejected"
    needs_documents = "needs_documents"


# ----------------------------------------------------------------------- verification


@dataclass(frozen=True)
class RegisterEntry:
    """What an outside register says of a body (国家企业信用信息公示系统 or the like)."""

    uscc: str
    name: str
    status: str
    representative: str = ""


@dataclass(frozen=True)
class LicenceEntry:
    """What a licence register says of a licence."""

    kind: str
    number: str
    holder_uscc: str
    valid_until: date | None
    status: str = "有效"


@dataclass(frozen=True)
class LicenceFacts:
    id: str
    kind: str
    number: str
    valid_from: date
    valid_until: date | None
    documents: int


@dataclass(frozen=True)
class CheckItem:
    """One thing a verification looked at: ``ok`` None when it could not be looked at."""

    name: str
    ok: bool | None
    detail: str


@dataclass(frozen=True)
class Assessment:
    outcome: Verification
    checks: tuple[CheckItem, ...]
    reasons: tuple[str, ...]


def same_name(a: str, b: str) -> bool:
    """Names compared as registers write them: spaces dropped, full-width brackets and
    letters folded to half-width."""
    def fold(x: str) -> str:
        out = []
        for c in x.strip():
            o = ord(c)
            if 0xFF01 <= o <= 0xFF5E:
                c = chr(o - 0xFEE0)
            if not c.isspace():
                out.append(c)
        return "".join(out).upper()
    return fold(a) == fold(b)


def assess(*, kind: str, legal_name: str, uscc: str | None, has_resident_id: bool,
           licences: Sequence[LicenceFacts], register: RegisterEntry | None,
           licence_register: Mapping[tuple[str, str], LicenceEntry | None], today: date,
           looked_up: bool, reg: Registry | None = None) -> Assessment:
    """The outcome of one verification (核验) from what the registry holds and what the outside
    registers say: identifier format and check digit, the register's entry (found, in
    business, same name), each licence's validity and its register entry or document.
    ``looked_up`` says whether an outside register was consulted at all."""
    reg = reg or registry()
    k = reg.kinds[kind]
    checks: list[CheckItem] = []
    rejected: list[str] = []
    missing: list[str] = []
    if uscc:
        try:
            check_uscc(uscc)
            checks.append(CheckItem("uscc_check_digit", True, "USCC length, charset and check "
                                                              "digit (GB 32100-2015)"))
        except OutOfScale as exc:
            checks.append(CheckItem("uscc_check_digit", False, str(exc)))
            rejected.append(f"uscc: {exc}")
    if k.resident_id == "required":
        checks.append(CheckItem("resident_id", has_resident_id,
                                "resident ID on record (checked on entry, GB 11643)"
                                if has_resident_id else "no resident ID on record"))
        if not has_resident_id:
            missing.append("resident_id: none on record")
    if uscc and looked_up:
        if register is None:
            checks.append(CheckItem("register_entry", False, "not found in the register"))
            rejected.append("uscc: not found in the register")
        else:
            checks.append(CheckItem("register_entry", True, f"found: {register.name} "
                                                            f"({register.status})"))
            active = register.status in reg.verification.active_statuses
            checks.append(CheckItem("register_status", active, register.status))
            if not active:
                rejected.append(f"register status is {register.status}")
            match = same_name(register.name, legal_name)
            checks.append(CheckItem("name_match", match,
                                    "same name" if match else
                                    f"register: {register.name}; registry: {legal_name}"))
            if not match:
                rejected.append(f"legal_name differs from the register ({register.name})")
    elif uscc:
        checks.append(CheckItem("register_entry", None, "no register consulted"))
        missing.append("uscc: no register consulted")
    for lc in licences:
        name = f"licence:{lc.kind}:{lc.number}"
        if lc.valid_until is not None and lc.valid_until < today:
            checks.append(CheckItem(name, False, f"expired on {lc.valid_until}"))
            rejected.append(f"licence {lc.number} expired on {lc.valid_until}")
            continue
        entry = licence_register.get((lc.kind, lc.number))
        if entry is not None:
            ok = (entry.status in ("有效", "valid", "active")
                  and (not uscc or not entry.holder_uscc or entry.holder_uscc == uscc)
                  and entry.valid_until == lc.valid_until)
            checks.append(CheckItem(name, ok, "licence register agrees" if ok else
                                    f"licence register: holder {entry.holder_uscc}, until "
                                    f"{entry.valid_until}, {entry.status}"))
            if not ok:
                rejected.append(f"licence {lc.number} differs from the licence register")
        elif lc.documents:
            checks.append(CheckItem(name, True, f"not in a register; {lc.documents} "
                                                f"document(s) on file"))
        else:
            checks.append(CheckItem(name, None, "not in a register and no document on file"))
            missing.append(f"licence {lc.number}: no register entry and no document")
    if rejected:
        return Assessment(Verification.rejected, tuple(checks), tuple(rejected + missing))
    if missing:
        return Assessment(Verification.needs_documents, tuple(checks), tuple(missing))
    return Assessment(Verification.verified, tuple(checks), ())


# ----------------------------------------------------------------------- one merchant


@dataclass(frozen=True)
class LicenceInput:
    kind: str
    number: str
    issuer: str
    scope: str
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class MerchantInput:
    """A merchant as the registry keeps it, normalised and checked."""

    merchant_ref: str
    kind: str
    legal_name: str
    uscc: str | None
    representative: str | None
    resident_id: str | None
    ground: str | None
    business_scope: str
    registered_address: str
    business_address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    shop_ref: str | None = None
    shop_name: str | None = None
    shop_url: str | None = None
    licences: tuple[LicenceInput, ...] = field(default_factory=tuple)


def _kind_of(value: str, reg: Registry) -> Kind:
    text = (value or "").strip()
    for k in reg.kinds.values():
        if text.lower() in (k.code, k.en.lower()) or text == k.zh or (
                text and k.zh.startswith(text)):
            return k
    raise OutOfScale(f"unknown merchant kind {text[:40]!r}; one of "
                     + ", ".join(f"{k.code} ({k.zh})" for k in reg.kinds.values()), "kind")


def licence_kind(value: str, reg: Registry | None = None, *, field: str = "licence_kind"
                 ) -> LicenceKind:
    """A licence kind by code or Chinese name."""
    reg = reg or registry()
    text = (value or "").strip()
    for lk in reg.licences.values():
        if text in (lk.code, lk.zh) or text.lower() == lk.en.lower():
            return lk
    raise OutOfScale(f"unknown licence kind {text[:40]!r}; one of "
                     + ", ".join(f"{lk.code} ({lk.zh})" for lk in reg.licences.values()), field)


def _text(values: Mapping[str, Any], key: str, limit: int, *, required: bool = False) -> str:
    raw = values.get(key)
    text = "" if raw is None else str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():  # a spreadsheet's number cell
        text = str(int(raw))
    if required and not text:
        raise OutOfScale(f"{key} is required", key)
    if len(text) > limit:
        raise OutOfScale(f"{key} is longer than {limit} characters", key)
    return text


def _day(values: Mapping[str, Any], key: str, *, required: bool) -> date | None:
    raw = values.get(key)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = "" if raw is None else str(raw).strip()
    if not text or text in ("长期", "long-term", "—", "-"):
        if required:
            raise OutOfScale(f"{key} is required (YYYY-MM-DD)", key)
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise OutOfScale(f"{key} must be a date (YYYY-MM-DD), not {text[:20]!r}", key) from None


def normalise_licence(values: Mapping[str, Any], reg: Registry, *, today: date,
                      prefix: str = "licence_") -> LicenceInput:
    """One licence from ``{prefix}kind``, ``number``, ``issuer``, ``scope``, ``valid_from``,
    ``valid_until``: the kind must be known, the period must be a period, and a licence that
    has already expired is refused (it proves nothing)."""
    def k(name: str) -> str:
        return f"{prefix}{name}"

    lk = licence_kind(_text(values, k("kind"), 60, required=True), reg, field=k("kind"))
    number = _text(values, k("number"), 100, required=True)
    issuer = _text(values, k("issuer"), 200, required=True)
    scope = _text(values, k("scope"), 2000)
    start = _day(values, k("valid_from"), required=True)
    until = _day(values, k("valid_until"), required=False)
    assert start is not None
    if until is not None and until < start:
        raise OutOfScale(f"{k('valid_until')} {until} is before {k('valid_from')} {start}",
                         k("valid_until"))
    if until is not None and until < today:
        raise OutOfScale(f"the licence expired on {until}", k("valid_until"))
    return LicenceInput(lk.code, number, issuer, scope, start, until)


def normalise_merchant(values: Mapping[str, Any], reg: Registry, *, today: date
                       ) -> MerchantInput:
    """One merchant from field → value (an API body or an import row): every rule of its
    kind, every identifier's check digit. Raises OutOfScale naming the field."""
    ref = _text(values, "merchant_ref", 100, required=True)
    kind = _kind_of(_text(values, "kind", 60, required=True), reg)
    name = _text(values, "legal_name", 200, required=True)
    for key in ("resident_id", "uscc"):
        if isinstance(values.get(key), int | float):
            raise OutOfScale(f"{key} was stored as a number in the spreadsheet (digits are lost "
                             "that way); format the column as text", key)
    raw_uscc = _text(values, "uscc", 40)
    uscc: str | None = None
    if raw_uscc:
        if kind.uscc == "none":
            raise OutOfScale(f"a {kind.en.lower()} has no USCC; use kind individual_business "
                             "or enterprise", "uscc")
        uscc = check_uscc(raw_uscc)
        if kind.uscc_prefixes and not uscc.startswith(kind.uscc_prefixes):
            raise OutOfScale(f"a USCC of a {kind.en.lower()} begins with "
                             f"{' or '.join(kind.uscc_prefixes)} (GB 32100-2015), "
                             f"not {uscc[:2]}", "uscc")
    elif kind.uscc == "required":
        raise OutOfScale(f"uscc is required for a {kind.en.lower()}", "uscc")
    rep = _text(values, "representative", 100) or None
    if kind.representative == "required" and not rep:
        raise OutOfScale(f"representative is required for a {kind.en.lower()}",
                         "representative")
    raw_id = _text(values, "resident_id", 40)
    rid = check_resident_id(raw_id) if raw_id else None
    if rid is None and kind.resident_id == "required":
        raise OutOfScale(f"resident_id is required for a {kind.en.lower()}", "resident_id")
    ground: str | None = None
    if kind.grounds:
        g = _text(values, "ground", 60, required=True)
        ground = next((c for c, zh in kind.grounds if g in (c, zh)), None)
        if ground is None:
            raise OutOfScale(f"unknown ground {g!r}; one of "
                             + ", ".join(f"{c} ({zh})" for c, zh in kind.grounds), "ground")
    elif _text(values, "ground", 60):
        raise OutOfScale(f"a ground applies only to a natural person, not a {kind.en.lower()}",
                         "ground")
    email = _text(values, "contact_email", 200)
    if email and ("@" not in email or " " in email):
        raise OutOfScale(f"contact_email {email[:40]!r} is not an e-mail address",
                         "contact_email")
    shop_ref = _text(values, "shop_ref", 100) or None
    shop_name = _text(values, "shop_name", 200) or None
    shop_url = _text(values, "shop_url", 500) or None
    if (shop_name or shop_url) and not shop_ref:
        raise OutOfScale("shop_ref is required when a shop is given", "shop_ref")
    if shop_url and not shop_url.startswith(("https://", "http://")):
        raise OutOfScale("shop_url must begin with https:// or http://", "shop_url")
    licences: tuple[LicenceInput, ...] = ()
    if any(_text(values, f"licence_{k}", 2000) for k in ("kind", "number")):
        licences = (normalise_licence(values, reg, today=today),)
    return MerchantInput(
        merchant_ref=ref, kind=kind.code, legal_name=name, uscc=uscc, representative=rep,
        resident_id=rid, ground=ground,
        business_scope=_text(values, "business_scope", 2000),
        registered_address=_text(values, "registered_address", 500),
        business_address=_text(values, "business_address", 500),
        contact_name=_text(values, "contact_name", 100),
        contact_phone=_text(values, "contact_phone", 50),
        contact_email=email, shop_ref=shop_ref, shop_name=shop_name or shop_ref,
        shop_url=shop_url, licences=licences)


# ----------------------------------------------------------------------- import files

# field → (English header, Chinese headers...)
COLUMNS: dict[str, tuple[str, ...]] = {
    "merchant_ref": ("merchant_ref", "商家编号", "商家ID", "merchant_id"),
    "kind": ("kind", "类型", "主体类型"),
    "legal_name": ("legal_name", "名称", "主体名称", "姓名"),
    "uscc": ("uscc", "统一社会信用代码"),
    "representative": ("representative", "法定代表人", "经营者"),
    "resident_id": ("resident_id", "身份证号", "身份证号码"),
    "ground": ("ground", "免登记理由"),
    "business_scope": ("business_scope", "经营范围"),
    "registered_address": ("registered_address", "注册地址", "住所"),
    "business_address": ("business_address", "经营地址"),
    "contact_name": ("contact_name", "联系人"),
    "contact_phone": ("contact_phone", "联系电话"),
    "contact_email": ("contact_email", "电子邮箱"),
    "shop_ref": ("shop_ref", "店铺编号"),
    "shop_name": ("shop_name", "店铺名称"),
    "shop_url": ("shop_url", "店铺网址"),
    "licence_kind": ("licence_kind", "许可证类型"),
    "licence_number": ("licence_number", "许可证编号"),
    "licence_issuer": ("licence_issuer", "发证机关"),
    "licence_scope": ("licence_scope", "许可范围"),
    "licence_valid_from": ("licence_valid_from", "有效期起"),
    "licence_valid_until": ("licence_valid_until", "有效期至"),
}
REQUIRED_COLUMNS = ("merchant_ref", "kind", "legal_name")


def header_map(headers: Sequence[Any]) -> dict[int, str]:
    """Column index → field for a file's header row; unknown columns are ignored."""
    lookup = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        key = lookup.get(str(h or "").strip().lstrip("\ufeff").lower())
        if key is not None and key not in out.values():
            out[i] = key
    return out


class NotText(ValueError):
    """The bytes of a CSV are not text in the encoding asked for."""


def decode_csv(content: bytes, encoding: str = "auto") -> tuple[str, str]:
    """(text, encoding used). ``auto`` reads UTF-8 (with or without BOM) and, when the bytes
    are not UTF-8 but are valid GB18030 (GBK's superset, what Excel on a Chinese Windows
    saves), reads that and says so. An explicit encoding is held to: a GBK file sent as
    ``utf-8`` is refused with the hint."""
    enc = encoding.lower().replace("_", "-")
    if enc in ("auto", "utf-8", "utf8"):
        try:
            return content.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as exc:
            line = content[:exc.start].count(b"\n") + 1
            gbk = _gb18030(content)
            if enc == "auto" and gbk is not None:
                return gbk, "gb18030"
            hint = (" It reads as GBK/GB18030: save it as UTF-8, or send encoding=gb18030."
                    if gbk is not None else "")
            raise NotText(f"the file is not UTF-8 (line {line}, byte {exc.start}).{hint}"
                          ) from None
    if enc in ("gbk", "gb2312", "gb18030"):
        text = _gb18030(content)
        if text is None:
            raise NotText("the file is not GBK/GB18030 text")
        return text, "gb18030"
    raise NotText(f"unknown encoding {encoding!r}; use auto, utf-8 or gb18030")


def _gb18030(content: bytes) -> str | None:
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # Any byte string of pairs decodes as *something* in GB18030; ask for real CJK text.
    if not any("\u4e00" <= c <= "\u9fff" for c in text[:65536]):
        return None
    return text


# ----------------------------------------------------------------------- sample identifiers
# For the demo group, tests and benchmarks: identifiers shaped as real ones, with valid check
# digits (the check digit computed by python-stdnum, the same code that validates them).

_REGIONS = ("110101", "110102", "110105", "110108", "310101", "310104", "310110", "120101",
            "120102")


def sample_uscc(n: int, prefix: str = "91") -> str:
    """The ``n``-th sample USCC: registering authority and kind ``prefix``, a region code, an
    organisation code from ``n``, and its check digit."""
    region = _REGIONS[n % len(_REGIONS)]
    digits = ""
    x = n
    for _ in range(8):
        x, r = divmod(x, len(USCC_CHARSET))
        digits = USCC_CHARSET[r] + digits
    body = f"{prefix}{region}{digits}{_org_digit(digits)}"
    return body + str(_uscc.calc_check_digit(body))


def _org_digit(digits: str) -> str:
    """The organisation code's own check character (GB 11714): weights 3 7 9 10 5 8 4 2."""
    values = [USCC_CHARSET.index(c) if c.isdigit() else ord(c) - 55 for c in digits]
    c = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "0" if c == 11 else "X" if c == 10 else str(c)


def sample_resident_id(n: int) -> str:
    """The ``n``-th sample resident ID: a real region code, a birth date from 1960 on, a
    sequence number from ``n``, and its check digit."""
    region = _REGIONS[n % len(_REGIONS)]
    born = date(1960, 1, 1).toordinal() + (n * 7919) % 14600
    seq = f"{n % 1000:03d}"
    body = f"{region}{date.fromordinal(born):%Y%m%d}{seq}"
    return body + str(_ric.calc_check_digit(body + "0"))  # it skips the last character


# ----------------------------------------------------------------------- listings


class ListingStatus(StrEnum):
    """Where a listing version stands: published, held for a person, blocked by the
    lexicon, or withdrawn by the merchant."""

    active = "active"
    in_review = "in_review"
    blocked = "blocked"
    withdrawn = "withdrawn"


@dataclass(frozen=True)
class ListingOutcome:
    status: ListingStatus
    reasons: tuple[str, ...]


def listing_outcome(*, screening: str, needs: LicenceKind | None, licensed: bool
                    ) -> ListingOutcome:
    """What a submitted listing becomes: the lexicon's verdict (block > review > pass) and,
    in a category that needs a licence the merchant lacks, a hold for review. A kind whose
    data says ``refuse`` never gets here (the service refuses it before anything is
    written)."""
    reasons: list[str] = []
    status = ListingStatus.active
    if screening == "block":
        status = ListingStatus.blocked
        reasons.append("lexicon: block")
    elif screening == "review":
        status = ListingStatus.in_review
        reasons.append("lexicon: review")
    if needs is not None and not licensed:
        reasons.append(f"licence_missing:{needs.code}")
        if status == ListingStatus.active:
            status = ListingStatus.in_review
    return ListingOutcome(status, tuple(reasons))


def licence_valid_on(valid_from: date, valid_until: date | None, status: str, day: date
                     ) -> bool:
    """A licence holds on ``day``: recorded as valid, started, not ended."""
    return (status == "valid" and valid_from <= day
            and (valid_until is None or valid_until >= day))


def is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def listing_digest(content: Mapping[str, Any]) -> str:
    """SHA-256 of a listing version's content in canonical JSON (sorted keys, UTF-8): what
    the ledger entry and the kept version both carry, so either proves the other."""
    import hashlib
    import json

    raw = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------- disclosure (Art 15)


@dataclass(frozen=True)
class Expected:
    """What a merchant's shop page must show (电子商务法 第十五条): the name, the USCC of a
    registered body, each licence valid today, and a natural person's ground."""

    legal_name: str
    uscc: str | None
    licences: tuple[tuple[str, str, date | None], ...]  # (kind, number, valid_until)
    ground: str | None


@dataclass(frozen=True)
class Finding:
    item: str  # legal_name / uscc / licence:<kind>:<number> / ground
    problem: str  # missing / mismatch
    expected: str
    shown: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "problem": self.problem, "expected": self.expected,
                "shown": self.shown}


def _fold(text: str) -> str:
    """Text compared as a reader sees it: full-width forms folded, spaces dropped, case
    ignored (a USCC shown in lower case is the same code)."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def compare_disclosure(expected: Expected, shown: Mapping[str, Any]) -> list[Finding]:
    """The items a shop page's fields (``legal_name``, ``uscc``, ``licences`` as
    ``[{kind, number, valid_until}]``, ``ground``) leave out or show otherwise."""
    out: list[Finding] = []

    def field(item: str, want: str | None, got: Any) -> None:
        if not want:
            return
        if got is None or not str(got).strip():
            out.append(Finding(item, "missing", want, None))
        elif _fold(str(got)) != _fold(want):
            out.append(Finding(item, "mismatch", want, str(got)))

    field("legal_name", expected.legal_name, shown.get("legal_name"))
    field("uscc", expected.uscc, shown.get("uscc"))
    field("ground", expected.ground, shown.get("ground"))
    lics = [x for x in shown.get("licences") or [] if isinstance(x, Mapping)]
    for kind, number, until in expected.licences:
        item = f"licence:{kind}:{number}"
        same = [x for x in lics if _fold(str(x.get("number", ""))) == _fold(number)]
        if not same:
            out.append(Finding(item, "missing", number, None))
            continue
        got_until = same[0].get("valid_until")
        want_until = until.isoformat() if until else None
        if want_until and got_until and str(got_until)[:10] != want_until:
            out.append(Finding(f"{item}:valid_until", "mismatch", want_until, str(got_until)))
    return out


def compare_snapshot(expected: Expected, page_text: str) -> list[Finding]:
    """The items a page snapshot's text does not contain (each looked for as folded text)."""
    text = _fold(page_text)
    out: list[Finding] = []
    for item, want in (("legal_name", expected.legal_name), ("uscc", expected.uscc),
                       ("ground", expected.ground),
                       *((f"licence:{k}:{n}", n) for k, n, _u in expected.licences)):
        if want and _fold(want) not in text:
            out.append(Finding(item, "missing", want, None))
    return out


def page_text(content: bytes) -> str:
    """The visible text of a page snapshot (HTML or plain text, UTF-8 or GB18030): tags,
    scripts and styles dropped, entities decoded."""
    import html
    import re

    try:
        raw = content.decode("utf-8")
    except UnicodeDecodeError:
        raw = content.decode("gb18030", errors="replace")
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", raw)
    raw = re.sub(r"(?s)<[^>]*>", " ", raw)
    return html.unescape(raw)


# ----------------------------------------------------------------------- exit (Art 16)


def earliest_exit(today: date, reg: Registry | None = None) -> date:
    """The first day a merchant announcing its exit today may leave (电子商务法 第十六条:
    announced at least N days ahead, N from data)."""
    from datetime import timedelta

    return today + timedelta(days=(reg or registry()).exit_notice_days)


def retention_end(exited_on: date, reg: Registry | None = None) -> date:
    """The last day a merchant's identity records must be kept after its exit (data)."""
    r = reg or registry()
    years = r.periods["identity_retention"].value
    try:
        return exited_on.replace(year=exited_on.year + years)
    except ValueError:  # 29 February into a common year
        return exited_on.replace(year=exited_on.year + years, day=28)


# ----------------------------------------------------------------------- reports (Art 33)


@dataclass(frozen=True)
class TaxRules:
    due_months_after_quarter: int
    identity_fields: tuple[str, ...]
    goods: tuple[tuple[str, str], ...]  # (code, zh)
    services: tuple[tuple[str, str], ...]  # (income kind, zh)
    source: str


@dataclass(frozen=True)
class ReportRules:
    version: str
    identity_months: tuple[int, ...]
    identity_fields: tuple[str, ...]
    identity_source: str
    tax: TaxRules


def parse_reports(raw: Mapping[str, Any]) -> ReportRules:
    """Validate ``data/reports.toml`` (raises ValueError naming the entry)."""
    ident, tax = raw["identity"], raw["tax"]
    months = tuple(int(x) for x in ident["months"])
    if not months or any(not 1 <= x <= 12 for x in months) or not ident.get("source"):
        raise ValueError("identity.months must be months 1–12, with a source")
    identity_columns(tuple(ident["fields"]))  # every field has its heading
    if not tax.get("source") or int(tax["due_months_after_quarter"]) < 1:
        raise ValueError("tax needs a source and due_months_after_quarter ≥ 1")
    goods = tuple((str(g["code"]), str(g["zh"])) for g in tax["goods"])
    if [c for c, _ in goods] != ["goods_gross", "goods_returns", "goods_net", "goods_other"]:
        raise ValueError("tax.goods must list goods_gross, goods_returns, goods_net, goods_other")
    services = tuple((str(x["kind"]), str(x["zh"])) for x in tax["services"])
    return ReportRules(str(raw["version"]), months, tuple(ident["fields"]), str(ident["source"]),
                       TaxRules(int(tax["due_months_after_quarter"]),
                                tuple(tax["identity_fields"]), goods, services,
                                str(tax["source"])))


@lru_cache(maxsize=1)
def report_rules() -> ReportRules:
    text = resources.files("zeren.merchants").joinpath("data/reports.toml").read_text("utf-8")
    return parse_reports(tomllib.loads(text))


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q3`` (or ``2026-Q3``), or OutOfScale naming ``quarter``."""
        t = (text or "").strip().upper().replace("-", "")
        if len(t) != 6 or t[4] != "Q" or not t[:4].isdigit() or t[5] not in "1234":
            raise OutOfScale(f"{text[:20]!r} is not a quarter like 2026Q3", "quarter")
        year = int(t[:4])
        if not 1900 <= year <= 2999:
            raise OutOfScale("the year must lie between 1900 and 2999", "quarter")
        return cls(year, int(t[5]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def bounds(self) -> tuple[datetime, datetime]:
        """The quarter as instants: Beijing midnight of its first day to that of the next
        quarter's (half-open)."""
        from zoneinfo import ZoneInfo

        bj = ZoneInfo("Asia/Shanghai")
        a, b = self.first_day, self.next.first_day
        return (datetime(a.year, a.month, a.day, tzinfo=bj),
                datetime(b.year, b.month, b.day, tzinfo=bj))

    def ended(self, today: date) -> bool:
        return today >= self.next.first_day

    def due(self, rules: TaxRules | None = None) -> date:
        """The last day to report the quarter: the end of the Nth month after it."""
        months = (rules or report_rules().tax).due_months_after_quarter
        start = add_months(self.next.first_day, months)
        from datetime import timedelta

        return start - timedelta(days=1)


def last_ended_quarter(today: date) -> Quarter:
    return Quarter.of(today).previous


def tax_columns(rules: TaxRules) -> list[tuple[str, str]]:
    """The report's columns (code, Chinese heading): identity, goods, services by kind."""
    heads = {"merchant_ref": "平台内经营者编号", "kind": "类型", "legal_name": "名称（姓名）",
             "uscc": "统一社会信用代码", "resident_id_masked": "身份证件号码（脱敏）"}
    cols = [(f, heads.get(f, f)) for f in rules.identity_fields]
    cols += [(c, f"销售货物-{zh}") for c, zh in rules.goods]
    for kind, zh in rules.services:
        cols += [(f"{kind}.gross", f"提供服务-{zh}-收入总额"),
                 (f"{kind}.net", f"提供服务-{zh}-收入净额")]
    return cols


@dataclass(frozen=True)
class Income:
    """Summed order figures of one merchant, income kind and record (order / refund)."""

    merchant_ref: str
    income_kind: str
    record: str
    amount_cents: int
    other_cents: int


def tax_figures(identities: Sequence[Mapping[str, Any]], income: Sequence[Income],
                rules: TaxRules) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One row per merchant (registry order, then any merchant_ref with income but no
    registration, marked ``unregistered``) with its income in fen, and the column totals."""
    money = [c for c, _ in tax_columns(rules) if c not in rules.identity_fields]
    rows: dict[str, dict[str, Any]] = {}
    for ident in identities:
        ref = str(ident["merchant_ref"])
        rows[ref] = {**{f: ident.get(f) for f in rules.identity_fields},
                     **dict.fromkeys(money, 0)}
    service_kinds = {k for k, _ in rules.services}
    for inc in income:
        row = rows.get(inc.merchant_ref)
        if row is None:
            row = rows[inc.merchant_ref] = {**dict.fromkeys(rules.identity_fields),
                                            "merchant_ref": inc.merchant_ref,
                                            "kind": "unregistered",
                                            **dict.fromkeys(money, 0)}
        if inc.income_kind == "goods":
            if inc.record == "order":
                row["goods_gross"] += inc.amount_cents
                row["goods_other"] += inc.other_cents
            else:
                row["goods_returns"] += inc.amount_cents
        elif inc.income_kind in service_kinds:
            key = inc.income_kind
            if inc.record == "order":
                row[f"{key}.gross"] += inc.amount_cents
                row[f"{key}.net"] += inc.amount_cents
            else:
                row[f"{key}.net"] -= inc.amount_cents
        else:
            raise ValueError(f"income kind {inc.income_kind!r} is not in the report's data")
    for row in rows.values():
        row["goods_net"] = row["goods_gross"] - row["goods_returns"]
    totals = {c: sum(int(r[c]) for r in rows.values()) for c in money}
    return list(rows.values()), totals


def _yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def render_csv(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]],
               money: Sequence[str]) -> bytes:
    """The report as CSV: UTF-8 with a byte-order mark (spreadsheets then read the Chinese
    headings), amounts in yuan with two decimals."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([zh for _c, zh in columns])
    ms = set(money)
    for r in rows:
        w.writerow([_yuan(int(r[c])) if c in ms else ("" if r.get(c) is None else r[c])
                    for c, _zh in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def render_xlsx(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]],
                money: Sequence[str], *, title: str) -> bytes:
    """The report as XLSX (openpyxl, write-only): amounts as numbers in yuan, two decimals."""
    import io
    from decimal import Decimal

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append([zh for _c, zh in columns])
    ms = set(money)
    for r in rows:
        ws.append([Decimal(int(r[c])) / 100 if c in ms else r.get(c) for c, _zh in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------- identity report (网络交易监督管理办法 第二十五条)


@dataclass(frozen=True, order=True)
class ReportMonth:
    """A month the identity report is due in (``2027-01``); it covers the merchants on the
    platform since the previous month of the schedule began."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> ReportMonth:
        """``2027-01`` (or ``202701``), or OutOfScale naming ``period``."""
        t = (text or "").strip().replace("-", "")
        if len(t) != 6 or not t.isdigit() or not 1 <= int(t[4:]) <= 12:
            raise OutOfScale(f"{text[:20]!r} is not a month like 2027-01", "period")
        if not 1900 <= int(t[:4]) <= 2999:
            raise OutOfScale("the year must lie between 1900 and 2999", "period")
        return cls(int(t[:4]), int(t[4:]))

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def due(self) -> date:
        """The last day of the month: the report is filed within it."""
        from datetime import timedelta

        return add_months(self.first_day, 1) - timedelta(days=1)

    def window(self, months: Sequence[int]) -> tuple[date, date]:
        """The days the report covers, half-open: from the first day of the schedule's
        previous month to this month's first day."""
        if self.month not in months:
            raise OutOfScale(f"{self.label} is not a month of the identity report's schedule "
                             f"(months {', '.join(str(x) for x in sorted(months))})", "period")
        earlier = [x for x in sorted(months) if x < self.month]
        start = date(self.year, earlier[-1], 1) if earlier else \
            date(self.year - 1, max(months), 1)
        return start, self.first_day


def last_report_month(today: date, months: Sequence[int]) -> ReportMonth:
    """The latest month of the schedule that has begun by ``today``."""
    mine = [x for x in sorted(months) if x <= today.month]
    return ReportMonth(today.year, mine[-1]) if mine else ReportMonth(today.year - 1,
                                                                        max(months))


IDENTITY_HEADS = {"merchant_ref": "平台内经营者编号", "kind": "类型", "legal_name": "名称（姓名）",
                  "uscc": "统一社会信用代码", "representative": "法定代表人（经营者）",
                  "resident_id_masked": "身份证件号码（脱敏）", "business_address": "经营地址",
                  "registered_address": "注册地址", "shops": "店铺（编号 名称 网址）",
                  "status": "状态", "exited_on": "退出日期"}


def identity_columns(fields: Sequence[str]) -> list[tuple[str, str]]:
    """The identity report's columns (code, Chinese heading), in the data's order."""
    unknown = [f for f in fields if f not in IDENTITY_HEADS]
    if unknown:
        raise ValueError(f"identity.fields names unknown field(s): {', '.join(unknown)}")
    return [(f, IDENTITY_HEADS[f]) for f in fields]


def identity_row(merchant: Mapping[str, Any], shops: Sequence[Mapping[str, Any]],
                 fields: Sequence[str], *, window_end: date) -> dict[str, Any]:
    """One merchant's row: addresses by kind, shops joined, and its status at the window's
    end (a merchant that left inside the window is ``exited`` with its day)."""
    addresses = {a.get("kind"): a.get("address") for a in merchant.get("addresses") or []}
    exited = merchant.get("exited_on")
    status = "exited" if exited is not None and exited < window_end else \
        ("active" if merchant.get("status") == "exited" else merchant.get("status"))
    values = {**merchant, "business_address": addresses.get("business")
              or addresses.get("registered") or "",
              "registered_address": addresses.get("registered") or "",
              "shops": "; ".join(" ".join(x for x in (s.get("shop_ref"), s.get("name"),
                                                     s.get("url")) if x) for s in shops),
              "status": status,
              "exited_on": exited.isoformat() if exited is not None and exited < window_end
              else ""}
    return {f: values.get(f) for f in fields}
