"""Pure posture vocabulary: statuses, evidence kinds, what a check declares and what it may
return, and how statuses combine. No database and no web here.

The unit of the posture is the obligation (ADR 0030): each duty an article states, listed in
the guideline data. A check declares the obligations it reads; its result cannot say ``met``
unless it saw positive evidence (``seen`` records, in a stated period and scope)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


T = TypeVar("T")


class Status(StrEnum):
    """What a check found. 合规 met / 有风险 at_risk / 未合规 unmet / 不适用 not_applicable /
    已变通 exempted / 未评估 not_assessed."""

    MET = "met"
    AT_RISK = "at_risk"
    UNMET = "unmet"
    NOT_APPLICABLE = "not_applicable"
    EXEMPTED = "exempted"
    NOT_ASSESSED = "not_assessed"


class Evidence(StrEnum):
    """Where an obligation's status comes from: a check over the platform's data, a dated
    attestation, an approved exemption, or nothing yet (``none``)."""

    DATA = "data"
    ATTESTED = "attested"
    EXEMPTED = "exempted"
    NONE = "none"


# Worst first: an article is as good as its worst applicable obligation.
SEVERITY_ORDER: tuple[Status, ...] = (
    Status.UNMET,
    Status.AT_RISK,
    Status.NOT_ASSESSED,
    Status.MET,
    Status.EXEMPTED,
    Status.NOT_APPLICABLE,
)

NO_DATA = "no data: "

# What a check read: the platform asked about, or (named in the result) the whole group.
ScopeKind = Literal["platform", "group"]


def worst(statuses: Iterable[Status]) -> Status:
    """The status an article shows given its obligations' statuses (none: not_assessed)."""
    found = list(statuses)
    if not found:
        return Status.NOT_ASSESSED
    return min(found, key=SEVERITY_ORDER.index)


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide: zero of zero is never 100 %."""
    return part / whole if whole > 0 else None


@dataclass(frozen=True)
class Period:
    """The time a check looked at: ``start`` (None: since records began) up to ``end``."""

    end: datetime
    start: datetime | None = None

    @classmethod
    def last(cls, now: datetime, span: timedelta) -> Period:
        return cls(end=now, start=now - span)

    @classmethod
    def at(cls, now: datetime) -> Period:
        """A state read as it stands at ``now`` (who holds a duty today …)."""
        return cls(end=now, start=now)

    @classmethod
    def since_records_began(cls, now: datetime) -> Period:
        return cls(end=now)

    def as_dict(self) -> dict[str, str | None]:
        return {"start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat()}


@dataclass(frozen=True)
class OpenFinding:
    """A finding from outside the checks that weighs on one obligation (an audit finding
    whose remediation is overdue): the obligation shows at most ``status``, with the reason."""

    obligation_key: str
    status: Status
    ref: str
    reason: str
    reason_zh: str


class NoEvidence(ValueError):
    """A check tried to return ``met`` without positive evidence: the posture turns this into
    ``not_assessed`` with the reason, so a careless check cannot make a duty look met."""


@dataclass(frozen=True)
class CheckResult:
    """What one check found for the obligations it declares.

    ``seen``: how many records showing the duty carried out the check read (patrol items
    screened, reports answered in time, reports signed …). ``met`` needs ``seen >= 1`` and a
    ``period``. ``scope``: what was read, ``platform`` (only the platform asked about) or
    ``group``. ``reason`` is one English line, ``reason_zh`` the same in Chinese; with no data
    the reason starts with ``no data: `` (use :meth:`no_data`)."""

    status: Status
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    reason_zh: str = ""
    seen: int = 0
    period: Period | None = None
    scope: ScopeKind = "platform"

    def __post_init__(self) -> None:
        if self.status == Status.MET:
            if self.seen < 1:
                raise NoEvidence(f"met without positive evidence (seen={self.seen}): "
                                 f"{self.reason}")
            if self.period is None:
                raise NoEvidence(f"met without a period: {self.reason}")
        if self.seen < 0:
            raise ValueError("seen cannot be negative")

    @classmethod
    def met(cls, reason: str, *, seen: int, period: Period, reason_zh: str = "",
            figures: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None,
            scope: ScopeKind = "platform") -> CheckResult:
        return cls(Status.MET, reason, figures or {}, inputs or {}, reason_zh, seen, period,
                   scope)

    @classmethod
    def no_data(cls, what: str, *, period: Period | None = None, what_zh: str = "",
                figures: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None,
                scope: ScopeKind = "platform") -> CheckResult:
        """``not_assessed`` because nothing was there to read: ``what`` says what data would
        show the duty (it becomes the reason after ``no data: ``)."""
        return cls(Status.NOT_ASSESSED, NO_DATA + what, figures or {}, inputs or {},
                   f"无数据：{what_zh}" if what_zh else "", 0, period, scope)

    @classmethod
    def found(cls, status: Status, reason: str, *, period: Period | None, seen: int = 0,
              reason_zh: str = "", figures: dict[str, Any] | None = None,
              inputs: dict[str, Any] | None = None, scope: ScopeKind = "platform"
              ) -> CheckResult:
        """Any other finding (``unmet``, ``at_risk`` …), with what was read."""
        return cls(status, reason, figures or {}, inputs or {}, reason_zh, seen, period, scope)

    def period_dict(self) -> dict[str, str | None] | None:
        return self.period.as_dict() if self.period else None


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the open session, the platform being assessed, and 'now'.
    A check reads only ``platform_id``'s records unless its result says ``scope='group'``.

    One context serves every check of one evaluation: inputs several checks read (the newest
    signed assessment, the logs holding the platform's orders, the market detectors' runs …)
    are read once through :meth:`shared` and kept for the rest of the evaluation."""

    session: Session
    platform_id: str
    now: datetime
    _shared: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()`` once per evaluation under ``key`` (name it after the module and what
        it reads, with any argument that changes the answer); later calls get the same
        value. Treat the value as read-only: other checks receive the same object."""
        if key not in self._shared:
            self._shared[key] = read()
        return cast(T, self._shared[key])


@dataclass(frozen=True, kw_only=True)
class Check:
    """A reading of the platform's data for one or more obligations of one article.

    ``key`` is stable (it names evidence snapshots); ``obligations`` the guideline obligation
    keys it reads (``art13.patrol`` …; the registry refuses unknown keys and keys of two
    articles); ``version`` changes whenever the check's logic changes, so a stored evaluation
    says what was run."""

    key: str
    obligations: tuple[str, ...]
    title_zh: str
    title_en: str
    evaluate: Callable[[CheckContext], CheckResult]
    version: str = "1"

    @property
    def article(self) -> int:
        return int(self.obligations[0].split(".", 1)[0][3:])


@dataclass(frozen=True)
class Due:
    """An item a duty gives a deadline: ``due`` the last day (or instant) it may be done on,
    ``done`` when it was (None while open). Days and instants are not mixed in one list."""

    id: str
    due: Any
    done: Any = None


def deadlines(items: Iterable[Due], *, now: Any, period: Period, noun: str, noun_zh: str,
              done_verb: str, done_verb_zh: str, what: str, what_zh: str,
              figures: dict[str, Any] | None = None) -> CheckResult:
    """The one reading of "open items past their deadline" the registers share: nothing in
    the window is no data; any item open past its deadline is unmet; any done after its
    deadline is at risk; items all open within time are still no data; else met. ``now`` is
    a day when the deadlines are days (on the due day an item is not yet overdue)."""
    rows = list(items)
    if not rows:
        return CheckResult.no_data(what, period=period, what_zh=what_zh)
    overdue = [x.id for x in rows if x.done is None and x.due < now]
    late = [x.id for x in rows if x.done is not None and x.done > x.due]
    on_time = [x.id for x in rows if x.done is not None and x.done <= x.due]
    got = {"items": len(rows), "on_time": len(on_time), "late": len(late),
           "overdue": len(overdue), "open": sum(1 for x in rows if x.done is None),
           **(figures or {})}
    inputs = {"overdue_ids": overdue, "late_ids": late}
    if overdue:
        return CheckResult.found(Status.UNMET, f"{len(overdue)} {noun}(s) not {done_verb} by "
                                 "the deadline", period=period, seen=len(on_time),
                                 figures=got, inputs=inputs,
                                 reason_zh=f"{len(overdue)} 项{noun_zh}逾期未{done_verb_zh}")
    if late:
        return CheckResult.found(Status.AT_RISK, f"{len(late)} {noun}(s) {done_verb} after "
                                 "the deadline", period=period, seen=len(on_time),
                                 figures=got, inputs=inputs,
                                 reason_zh=f"{len(late)} 项{noun_zh}逾期后才{done_verb_zh}")
    if not on_time:
        return CheckResult.no_data(f"{noun}s are open within their deadline, none "
                                   f"{done_verb} yet", period=period, figures=got,
                                   what_zh=f"{noun_zh}均未到期，尚无{done_verb_zh}记录")
    return CheckResult.met(f"{len(on_time)} {noun}(s) {done_verb} by the deadline",
                           seen=len(on_time), period=period, figures=got,
                           reason_zh=f"{len(on_time)} 项{noun_zh}均按期{done_verb_zh}")
