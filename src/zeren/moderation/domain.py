"""Pure rules of moderation: the vocabularies (sources, categories, measures), routing, SLA
deadlines and priority, the case / appeal / IP-notice / complaint state machines, strikes and
the ladder, webhook signatures and the statistics of the authority report. The law and the
platform's defaults come from ``data/*.toml`` (each value names its source); nothing here
touches the database or the web."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from zeren.timepolicy import BEIJING

_DATA = resources.files("zeren.moderation") / "data"


def data(name: str) -> dict[str, Any]:
    """One of the package's TOML data files, parsed."""
    return tomllib.loads((_DATA / name).read_text(encoding="utf-8"))


# -- vocabularies ---------------------------------------------------------------------------


class Source(StrEnum):
    """Where a report or case came from (来源)."""

    PUBLIC = "public"  # 公众举报 (public form, no login)
    USER = "user"  # 用户举报 (a signed-in user of the platform)
    RIGHTS_HOLDER = "rights_holder"  # 权利人
    TRUSTED_FLAGGER = "trusted_flagger"  # 可信举报人
    AUTHORITY = "authority"  # 主管部门指令 (with authority and document number)
    SCREENING = "screening"  # 发布前审核 (the review lexicon)
    PATROL = "patrol"  # 日常巡查
    PLATFORM = "platform"  # 平台主动发现


AUTOMATED_SOURCES = frozenset({Source.SCREENING, Source.PATROL})


class SubjectKind(StrEnum):
    """What is moderated: items (内容/商品) and the accounts behind them."""

    POST = "post"
    LISTING = "listing"
    AD = "ad"
    REVIEW = "review"
    PROFILE = "profile"
    MESSAGE = "message"
    USER = "user"
    MERCHANT = "merchant"


ACCOUNT_KINDS = frozenset({SubjectKind.USER, SubjectKind.MERCHANT})


class CaseStatus(StrEnum):
    OPEN = "open"  # 待处理
    CLAIMED = "claimed"  # 处理中 (one moderator holds it)
    DECIDED = "decided"  # 已处理


class Decision(StrEnum):
    ACTION = "action"  # measures applied
    NO_ACTION = "no_action"  # report unfounded / content allowed


class MeasureStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    LIFTED = "lifted"  # ended early: appeal overturned, IP clock ran out


class Automation(StrEnum):
    """How automated the decision was (DSA: fully / partially / not automated)."""

    FULLY = "fully"
    PARTIALLY = "partially"
    NOT_AUTOMATED = "not_automated"


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # 维持
    OVERTURNED = "overturned"  # 撤销


class IPStatus(StrEnum):
    """电子商务法 Art 42-44: notice → measures + forwarding → counter-notice → forwarding →
    15-day clock → the measure ends unless the rights holder shows a complaint or lawsuit."""

    RECEIVED = "received"  # 通知已收到
    MEASURES_TAKEN = "measures_taken"  # 已采取必要措施并转送经营者
    REJECTED = "rejected"  # 通知不成立
    COUNTER_NOTICED = "counter_noticed"  # 声明已转送权利人, clock running
    UPHELD = "upheld"  # 权利人已投诉或起诉: measures stay
    RESTORED = "restored"  # 期满未收到投诉/起诉通知: measures ended
    WITHDRAWN = "withdrawn"  # 权利人撤回通知: measures ended


class ComplaintStatus(StrEnum):
    """指南 Art 28: complaint → merchant reply → platform mediation → outcome."""

    AWAITING_MERCHANT = "awaiting_merchant"  # 待商家答复
    MEDIATION = "mediation"  # 平台调解中
    RESOLVED_BY_MERCHANT = "resolved_by_merchant"  # 商家接受诉求
    RESOLVED_IN_MEDIATION = "resolved_in_mediation"  # 调解成功
    CLOSED_UNRESOLVED = "closed_unresolved"  # 调解未果, 结案


class Party(StrEnum):
    """Who may make a move of the IP and complaint state machines (data/transitions.toml)."""

    PLATFORM = "platform"  # 平台 (moderation.decide)
    MERCHANT = "merchant"  # 平台内经营者
    RIGHTS_HOLDER = "rights_holder"  # 知识产权权利人
    CONSUMER = "consumer"  # 消费者
    MEDIATOR = "mediator"  # 调解人 (platform staff, moderation.decide)
    SYSTEM = "system"  # Zeren's clocks


# -- state machines -------------------------------------------------------------------------

CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.CLAIMED}),
    CaseStatus.CLAIMED: frozenset({CaseStatus.OPEN, CaseStatus.DECIDED}),
    CaseStatus.DECIDED: frozenset(),
}



@dataclass(frozen=True)
class Edge:
    """One allowed move: from, to, the parties who may make it, and its source."""

    frm: str
    to: str
    by: frozenset[Party]
    source: str


@dataclass(frozen=True)
class Machine:
    """A state machine read from data/transitions.toml."""

    name: str
    initial: str
    edges: tuple[Edge, ...]
    requires: dict[str, frozenset[str]]
    source: str

    def transitions(self) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for e in self.edges:
            out.setdefault(e.frm, set()).add(e.to)
            out.setdefault(e.to, set())
        return {k: frozenset(v) for k, v in out.items()}

    def edge(self, frm: str, to: str) -> Edge | None:
        return next((e for e in self.edges if e.frm == frm and e.to == to), None)

    def may(self, frm: str, to: str, party: str) -> bool:
        """Whether ``party`` may move a record from ``frm`` to ``to``."""
        e = self.edge(frm, to)
        return e is not None and party in e.by

    def parties(self, frm: str, to: str) -> frozenset[Party]:
        e = self.edge(frm, to)
        return e.by if e is not None else frozenset()

    @property
    def ends(self) -> frozenset[str]:
        return frozenset(s for s, n in self.transitions().items() if not n)


def load_machine(raw: dict[str, Any], *, name: str, states: type[StrEnum]) -> Machine:
    """Build and validate one machine: every state is one of ``states``, every party known,
    every end state has its ``requires`` entry (an empty list says "none")."""
    known = {str(s) for s in states}
    spec = raw[name]

    def state(v: Any, where: str) -> str:
        if v not in known:
            raise ValueError(f"transitions.toml [{name}] {where}: unknown state {v!r}")
        return str(v)

    edges = tuple(Edge(frm=state(e["from"], "from"), to=state(e["to"], "to"),
                       by=frozenset(Party(p) for p in e["by"]), source=str(e["source"]))
                  for e in spec["edge"])
    if any(not e.by or not e.source for e in edges):
        raise ValueError(f"transitions.toml [{name}]: every edge names its parties and source")
    requires = {state(k, "requires"): frozenset(state(x, "requires") for x in v)
                for k, v in spec.get("requires", {}).items()}
    m = Machine(name=name, initial=state(spec["initial"], "initial"), edges=edges,
                requires=requires, source=str(spec["source"]))
    missing = m.ends - set(requires)
    if missing:
        raise ValueError(f"transitions.toml [{name}]: end states without requires: "
                         f"{sorted(missing)}")
    if known - set(m.transitions()):
        raise ValueError(f"transitions.toml [{name}]: states in no edge: "
                         f"{sorted(known - set(m.transitions()))}")
    return m


@lru_cache(maxsize=1)
def machines() -> dict[str, Machine]:
    raw = data("transitions.toml")
    return {"ip": load_machine(raw, name="ip", states=IPStatus),
            "complaint": load_machine(raw, name="complaint", states=ComplaintStatus)}


IP_MACHINE = machines()["ip"]
COMPLAINT_MACHINE = machines()["complaint"]
IP_TRANSITIONS: dict[str, frozenset[str]] = IP_MACHINE.transitions()
COMPLAINT_TRANSITIONS: dict[str, frozenset[str]] = COMPLAINT_MACHINE.transitions()


def can_move(machine: dict[Any, frozenset[Any]], current: str, target: str) -> bool:
    """Whether a state machine allows ``current`` → ``target``."""
    for state, nexts in machine.items():
        if state == current:
            return any(n == target for n in nexts)
    return False


# -- categories -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    group: str
    severity: int
    name_zh: str
    name_en: str
    source: str
    sla_hours: float | None = None


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    """Every category by code (data/categories.toml)."""
    raw = data("categories.toml")
    out: dict[str, Category] = {}
    for c in raw["category"]:
        out[c["code"]] = Category(code=c["code"], group=c["group"], severity=int(c["severity"]),
                                  name_zh=c["name_zh"], name_en=c["name_en"], source=c["source"],
                                  sla_hours=c.get("sla_hours"))
    return out


@lru_cache(maxsize=1)
def category_aliases() -> dict[str, str]:
    return dict(data("categories.toml").get("aliases", {}))


def category(code: str) -> Category | None:
    """The category named ``code`` (lexicon aliases resolved), or None when unknown."""
    cats = categories()
    return cats.get(code) or cats.get(category_aliases().get(code, ""))


# -- measures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureType:
    code: str
    family: str  # content | user | merchant
    rung: int
    target: str  # item | account
    name_zh: str
    name_en: str
    source: str
    default_days: int | None = None
    publicise: bool = False


@lru_cache(maxsize=1)
def measure_types() -> dict[str, MeasureType]:
    """Every measure by code (data/measures.toml)."""
    out: dict[str, MeasureType] = {}
    for m in data("measures.toml")["measure"]:
        out[m["code"]] = MeasureType(
            code=m["code"], family=m["family"], rung=int(m["rung"]), target=m["target"],
            name_zh=m["name_zh"], name_en=m["name_en"], source=m["source"],
            default_days=m.get("default_days"), publicise=bool(m.get("publicise", False)))
    return out


def ladder() -> list[MeasureType]:
    """The graded ladder of 指南 Art 12, mildest first."""
    return sorted((m for m in measure_types().values() if m.family == "content"),
                  key=lambda m: m.rung)


def measure_end(start: datetime, code: str, days: float | None) -> datetime | None:
    """When a measure ends: the decision's duration, else the data default, else never."""
    mt = measure_types()[code]
    if days is None:
        days = mt.default_days
    if days is None:
        return None
    return start + timedelta(days=days)


def measure_allowed_on(code: str, subject_kind: str) -> bool:
    """Merchant measures act on merchants; other account measures on accounts; item
    measures on items (an item's account measures reach its owner)."""
    mt = measure_types()[code]
    if mt.family == "merchant":
        return subject_kind == SubjectKind.MERCHANT or subject_kind not in ACCOUNT_KINDS
    if mt.target == "item":
        return subject_kind not in ACCOUNT_KINDS
    return True


SUBJECT_STATES = ("visible", "warned", "restricted", "removed", "account_suspended",
                  "account_closed")


def subject_state(active_codes: Iterable[str]) -> str:
    """What the platform should show for a subject given its active measures."""
    codes = set(active_codes)
    if codes & {"close_account", "terminate_service", "merchant_terminate"}:
        return "account_closed"
    if codes & {"suspend_updates", "merchant_suspend"}:
        return "account_suspended"
    if codes & {"stop_transmission", "removal"}:
        return "removed"
    if codes & {"restrict_posting", "restrict_service"}:
        return "restricted"
    if codes & {"warning", "merchant_warning"}:
        return "warned"
    return "visible"


# -- routing, SLA, priority -----------------------------------------------------------------


@lru_cache(maxsize=1)
def routing() -> dict[str, Any]:
    return data("routing.toml")


@lru_cache(maxsize=1)
def sla_settings() -> dict[str, Any]:
    return data("sla.toml")


def route(*, source: str, cat: Category) -> str:
    """The queue of a new case: the first routing rule that matches."""
    rules = routing()
    for rule in rules.get("rule", []):
        if "sources" in rule and source not in rule["sources"]:
            continue
        if "groups" in rule and cat.group not in rule["groups"]:
            continue
        if "categories" in rule and cat.code not in rule["categories"]:
            continue
        if cat.severity < int(rule.get("min_severity", 0)):
            continue
        return str(rule["queue"])
    return str(rules["default_queue"])


def sla_hours(*, cat: Category, sources: Iterable[str]) -> float:
    """The handling target in hours: the tightest of category, severity and sources."""
    s = sla_settings()
    hours = [float(s["severity_hours"][str(cat.severity)])]
    if cat.sla_hours is not None:
        hours.append(float(cat.sla_hours))
    for src in sources:
        if src in s["source_hours"]:
            hours.append(float(s["source_hours"][src]))
    return min(hours)


def sla_deadline(*, opened_at: datetime, cat: Category, sources: Iterable[str]) -> datetime:
    return opened_at + timedelta(hours=sla_hours(cat=cat, sources=sources))


def priority(*, severity: int, reports: int, sources: Iterable[str], escalations: int = 0) -> int:
    """Priority rises with severity, report volume, the most urgent source and escalation."""
    p = sla_settings()["priority"]
    bonus = max((int(p["source_bonus"].get(s, 0)) for s in sources), default=0)
    extra = min(max(reports - 1, 0), int(p["report_cap"])) * int(p["per_report"])
    boost = int(sla_settings()["escalation"]["priority_boost"])
    return severity * int(p["per_severity"]) + extra + bonus + escalations * boost


def time_left(due: datetime, now: datetime) -> timedelta:
    return due - now


def escalation_queue() -> str:
    return str(sla_settings()["escalation"]["queue"])


# -- strikes and the ladder ------------------------------------------------------------------


@lru_cache(maxsize=1)
def strike_settings() -> dict[str, Any]:
    return data("strikes.toml")


def strike_weight(severity: int) -> int:
    return int(strike_settings()["weight_by_severity"][str(severity)])


def strike_total(strikes: Iterable[tuple[int, datetime]], *, now: datetime) -> int:
    """Points within the window: (weight, counted_at) pairs; reversals carry negative weight."""
    window = timedelta(days=int(strike_settings()["window_days"]))
    return max(0, sum(w for w, at in strikes if now - at <= window))


def ladder_step(*, family: str, total: int, active: Iterable[str]) -> str | None:
    """The account measure a strike total calls for, unless it or a stronger measure of the
    same family is active (strikes.toml); rungs of different families do not compare."""
    thresholds = strike_settings()["threshold"].get(family, [])
    reached = [t for t in thresholds if total >= int(t["points"])]
    if not reached:
        return None
    code = str(max(reached, key=lambda t: int(t["points"]))["measure"])
    types = measure_types()
    want = types[code]
    for a in active:
        have = types.get(a)
        if have is not None and have.family == want.family and have.target == "account" \
                and have.rung >= want.rung:
            return None
    return code


# -- deadlines ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def deadlines() -> dict[str, Any]:
    return data("deadlines.toml")


def appeal_deadline(notified_at: datetime) -> datetime:
    return notified_at + timedelta(days=int(deadlines()["appeal"]["window_days"]))


def civil_days_end(start: datetime, days: int, *, weekend_is_rest: bool,
                   holidays: Iterable[date]) -> datetime:
    """The end of a period of ``days`` days counted as 民法典 Art 201 and 203 count it: the
    start day is not counted, the period ends at 24:00 (Beijing) of its last day, and a last
    day that is a rest day moves to the next working day. Returned as the instant 00:00 of
    the day after the last day."""
    rest = set(holidays)
    last = start.astimezone(BEIJING).date() + timedelta(days=days)
    while last in rest or (weekend_is_rest and last.weekday() >= 5):
        last += timedelta(days=1)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=BEIJING)


def ip_clock_end(forwarded_at: datetime) -> datetime:
    """When the 15 days of 电子商务法 Art 43 end for a declaration forwarded at
    ``forwarded_at`` (data/deadlines.toml [ip])."""
    ip = deadlines()["ip"]
    return civil_days_end(forwarded_at, int(ip["counter_notice_clock_days"]),
                          weekend_is_rest=bool(ip.get("weekend_is_rest", True)),
                          holidays=[date.fromisoformat(str(h)) for h in ip.get("holidays", [])])


def merchant_reply_due(filed_at: datetime) -> datetime:
    return filed_at + timedelta(hours=float(deadlines()["complaint"]["merchant_reply_hours"]))


def mediation_due(started_at: datetime) -> datetime:
    return started_at + timedelta(days=float(deadlines()["complaint"]["mediation_days"]))


@dataclass(frozen=True)
class ForwardingKind:
    """What is forwarded to a party, with the statement that goes with it
    (data/forwarding.toml)."""

    code: str
    to: Party
    title_zh: str
    title_en: str
    statement_zh: str
    statement_en: str
    source: str


@lru_cache(maxsize=1)
def forwarding_kinds() -> dict[str, ForwardingKind]:
    out: dict[str, ForwardingKind] = {}
    for code, k in data("forwarding.toml")["kind"].items():
        out[code] = ForwardingKind(code=code, to=Party(k["to"]), title_zh=k["title_zh"],
                                   title_en=k["title_en"], statement_zh=k["statement_zh"],
                                   statement_en=k["statement_en"], source=k["source"])
        if not k["source"]:
            raise ValueError(f"forwarding.toml [kind.{code}] names no source")
    return out


@lru_cache(maxsize=1)
def statement_vocab() -> dict[str, Any]:
    return data("statement.toml")


def complaint_outcomes(rows: Iterable[tuple[str, datetime, datetime | None]], *,
                       now: datetime) -> dict[str, int]:
    """Every complaint counted once by outcome, and how many are late: (status, filed_at,
    closed_at) rows. Late: closed, or still open, beyond ``resolve_within_days``."""
    limit = timedelta(days=float(deadlines()["complaint"]["resolve_within_days"]))
    out = {"filed": 0, **{str(s): 0 for s in ComplaintStatus}, "open": 0, "late": 0}
    for status, filed, closed in rows:
        out["filed"] += 1
        out[status] = out.get(status, 0) + 1
        if closed is None:
            out["open"] += 1
        if (closed or now) - filed > limit:
            out["late"] += 1
    return out


def ip_outcomes(rows: Iterable[tuple[str, datetime | None]], *, now: datetime
                ) -> dict[str, int]:
    """Every IP notice counted once by status, and how many 15-day clocks ran past their end
    without the measure being ended: (status, clock_ends_at) rows."""
    out = {"filed": 0, **{str(s): 0 for s in IPStatus}, "open": 0, "late": 0}
    for status, clock_end in rows:
        out["filed"] += 1
        out[status] = out.get(status, 0) + 1
        if IP_TRANSITIONS.get(status):
            out["open"] += 1
        if status == IPStatus.COUNTER_NOTICED and clock_end is not None and clock_end < now:
            out["late"] += 1
    return out


# -- receipts and signatures ---------------------------------------------------------------

_RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def receipt_number(prefix: str, at: datetime) -> str:
    """A follow-up number people can read out: ``R-20261128-7KQ2M9XA4BCD`` (12 characters
    from 31 unambiguous ones, about 59 random bits: collisions within a day stay negligible
    at millions of reports; the database's unique key is the last word)."""
    n = int.from_bytes(secrets.token_bytes(8), "big")
    tail = []
    for _ in range(12):
        n, r = divmod(n, len(_RECEIPT_ALPHABET))
        tail.append(_RECEIPT_ALPHABET[r])
    return f"{prefix}-{at:%Y%m%d}-{''.join(tail)}"


def sign_payload(secret: str, timestamp: int, body: bytes) -> str:
    """Webhook signature header: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>." + body>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, *, now: int,
                     tolerance_s: int = 300) -> bool:
    """What a receiving platform does: recompute and compare in constant time."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign_payload(secret, ts, body), header)


WEBHOOK_BACKOFF_S: tuple[int, ...] = (10, 60, 300, 1800, 7200, 21600)


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to retry after ``attempts`` failed deliveries; None once retries are spent."""
    if attempts > len(WEBHOOK_BACKOFF_S):
        return None
    return now + timedelta(seconds=WEBHOOK_BACKOFF_S[attempts - 1])


# -- statistics -----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


# -- the public form's flood guard ---------------------------------------------------------


@lru_cache(maxsize=1)
def intake_settings() -> dict[str, Any]:
    return data("intake.toml")


class RateLimiter:
    """Sliding-window limit per key (a sender's address): at most ``max_requests`` within
    ``window_s`` seconds. In-process state; the caller supplies the clock."""

    def __init__(self, max_requests: int, window_s: float) -> None:
        import threading
        from collections import deque

        self.max_requests = max_requests
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._deque = deque

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            q = self._hits.setdefault(key, self._deque())
            while q and now - q[0] >= self.window_s:
                q.popleft()
            if len(q) >= self.max_requests:
                return False
            q.append(now)
            if len(self._hits) > 100_000:  # forget idle senders
                for k in [k for k, v in self._hits.items() if not v][:50_000]:
                    del self._hits[k]
            return True

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` may send again (0 when it may now)."""
        with self._lock:
            q = self._hits.get(key)
            if not q or len(q) < self.max_requests:
                return 0.0
            return max(0.0, self.window_s - (now - q[0]))
