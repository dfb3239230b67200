"""The compliance programme (指南 第五条): the policy library (documents with kept versions,
owners and review days), training courses and completions imported from CSV (all or
nothing), completion per duty against the threshold in data, the confidential intake of
integrity (anti-bribery) cases, and the tracker of regulators' requests with deadlines."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.governance import domain as d
from zeren.governance.errors import AlreadyDecided, rejected
from zeren.governance.models import (
    Course,
    IntegrityCase,
    Policy,
    PolicyEvent,
    RegulatorRequest,
    TrainingCompletion,
    TrainingImport,
)
from zeren.governance.schemas import (
    CourseIn,
    IntegrityCloseIn,
    IntegrityIn,
    PolicyIn,
    PolicyReviewIn,
    PolicyVersionIn,
    RegulatorAnswerIn,
    RegulatorIn,
)
from zeren.org.domain import vocabulary
from zeren.org.models import Duty, Person
from zeren.pagination import PageParams, fetch_page
from zeren.timepolicy import beijing_today

READ = "governance.read"
WRITE = "governance.write"
INTEGRITY = "governance.integrity"            # read and handle integrity cases
INTEGRITY_REPORT = "governance.integrity.report"  # file a case through the channel
MAX_ROWS = 200_000


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _not_future(day: date, field: str, now: datetime) -> None:
    if day > beijing_today(now):
        raise InvalidInput(f"{field} is in the future", field=field)


# ----------------------------------------------------------------------- policy library


def add_policy(*, session: Session, actor: Actor, platform_id: str, data: PolicyIn,
               now: datetime | None = None) -> Policy:
    """Add a document to the library at version 1; its first review falls due after the
    interval in data."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    if session.scalar(select(Policy.id).where(Policy.platform_id == platform_id,
                                              Policy.code == data.code)):
        raise Conflict(f"policy {data.code!r} exists; add a version instead",
                       details={"field": "code"})
    digest = _sha(data.text)
    p = Policy(platform_id=platform_id, code=data.code, title=data.title, owner=data.owner,
               version=1, sha256=digest, last_reviewed_on=data.effective_on,
               review_due_on=data.effective_on + timedelta(days=d.policy_review_days()))
    session.add(p)
    session.flush()
    session.add(PolicyEvent(policy_id=p.id, platform_id=platform_id, kind="version", version=1,
                            sha256=digest, day=data.effective_on, notes="",
                            recorded_by=actor.username))
    record(session=session, actor=actor, action="governance.policy.create", target_type="policy",
           target_id=p.id, platform_id=platform_id, after=row_dict(p),
           summary={"code": data.code, "sha256": digest})
    return p


def get_policy(*, session: Session, actor: Actor, platform_id: str, code: str) -> Policy:
    actor.require(READ, platform_id)
    p = session.scalar(select(Policy).where(Policy.platform_id == platform_id,
                                            Policy.code == code))
    if p is None:
        raise NotFound(f"no policy {code!r} on this platform", details={"field": "code"})
    return p


def add_version(*, session: Session, actor: Actor, platform_id: str, code: str,
                data: PolicyVersionIn, now: datetime | None = None) -> Policy:
    """A new text of a policy: the version counts up, the review clock restarts."""
    p = get_policy(session=session, actor=actor, platform_id=platform_id, code=code)
    actor.require(WRITE, platform_id)
    if data.effective_on < p.last_reviewed_on:
        raise InvalidInput(f"effective_on is before the last version or review "
                           f"({p.last_reviewed_on})", field="effective_on")
    before = row_dict(p)
    digest = _sha(data.text)
    p.version += 1
    p.sha256 = digest
    p.last_reviewed_on = data.effective_on
    p.review_due_on = data.effective_on + timedelta(days=d.policy_review_days())
    session.add(PolicyEvent(policy_id=p.id, platform_id=platform_id, kind="version",
                            version=p.version, sha256=digest, day=data.effective_on,
                            notes=data.notes, recorded_by=actor.username))
    session.flush()
    record(session=session, actor=actor, action="governance.policy.version", target_type="policy",
           target_id=p.id, platform_id=platform_id, before=before, after=row_dict(p),
           summary={"version": p.version, "sha256": digest})
    return p


def review_policy(*, session: Session, actor: Actor, platform_id: str, code: str,
                  data: PolicyReviewIn, now: datetime | None = None) -> Policy:
    """A review that keeps the text as it is: kept as an event, the next review falls due."""
    p = get_policy(session=session, actor=actor, platform_id=platform_id, code=code)
    actor.require(WRITE, platform_id)
    _not_future(data.reviewed_on, "reviewed_on", now or utcnow())
    if data.reviewed_on < p.last_reviewed_on:
        raise InvalidInput(f"reviewed_on is before the last review ({p.last_reviewed_on})",
                           field="reviewed_on")
    before = row_dict(p)
    p.last_reviewed_on = data.reviewed_on
    p.review_due_on = data.reviewed_on + timedelta(days=d.policy_review_days())
    session.add(PolicyEvent(policy_id=p.id, platform_id=platform_id, kind="review",
                            version=p.version, sha256=p.sha256, day=data.reviewed_on,
                            notes=data.notes, recorded_by=actor.username))
    session.flush()
    record(session=session, actor=actor, action="governance.policy.review", target_type="policy",
           target_id=p.id, platform_id=platform_id, before=before, after=row_dict(p),
           summary={"reviewed_on": data.reviewed_on.isoformat()})
    return p


def list_policies(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
                  overdue_on: date | None = None) -> tuple[list[Policy], int]:
    actor.require(READ, platform_id)
    q = select(Policy).where(Policy.platform_id == platform_id, Policy.retired_on.is_(None))
    if overdue_on is not None:
        q = q.where(Policy.review_due_on < overdue_on)
    return fetch_page(session, q.order_by(Policy.review_due_on, Policy.code), params)


def policy_history(*, session: Session, actor: Actor, platform_id: str, code: str
                   ) -> list[PolicyEvent]:
    p = get_policy(session=session, actor=actor, platform_id=platform_id, code=code)
    return list(session.scalars(select(PolicyEvent).where(PolicyEvent.policy_id == p.id)
                                .order_by(PolicyEvent.created_at, PolicyEvent.version)))


# ----------------------------------------------------------------------- training


def add_course(*, session: Session, actor: Actor, platform_id: str, data: CourseIn) -> Course:
    actor.require(WRITE, platform_id)
    duties = vocabulary()["duties"]
    if data.duty != d.all_staff() and data.duty not in duties:
        raise InvalidInput(f"duty must be {d.all_staff()} or an org-registry duty: "
                           + ", ".join(duties), field="duty")
    if session.scalar(select(Course.id).where(Course.platform_id == platform_id,
                                              Course.code == data.code)):
        raise Conflict(f"course {data.code!r} exists", details={"field": "code"})
    c = Course(platform_id=platform_id, code=data.code, title=data.title, duty=data.duty,
               valid_days=data.valid_days)
    session.add(c)
    session.flush()
    record(session=session, actor=actor, action="governance.course.create", target_type="course",
           target_id=c.id, platform_id=platform_id, after=row_dict(c),
           summary={"code": data.code, "duty": data.duty})
    return c


def list_courses(*, session: Session, actor: Actor, platform_id: str) -> list[Course]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Course).where(Course.platform_id == platform_id)
                                .order_by(Course.code)))


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput("the file is neither UTF-8 nor GBK text", field="file") from None


@dataclass(frozen=True)
class _Row:
    person_id: str
    course_id: str
    completed_on: date
    score: float | None


def import_completions(*, session: Session, actor: Actor, platform_id: str, filename: str,
                       content: bytes, now: datetime | None = None) -> TrainingImport:
    """Import completion records from CSV (columns ``person`` — org-registry id or e-mail —,
    ``course``, ``completed_on``, optional ``score``): all or nothing; the first bad row is
    refused naming its row and field; the same file twice is refused."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    digest = hashlib.sha256(content).hexdigest()
    if session.scalar(select(TrainingImport.id).where(TrainingImport.platform_id == platform_id,
                                                      TrainingImport.sha256 == digest)):
        raise Conflict("this file was imported already", details={"field": "file",
                                                                   "sha256": digest})
    reader = csv.DictReader(io.StringIO(_decode(content)))
    header = [h.strip() for h in (reader.fieldnames or [])]
    for col in ("person", "course", "completed_on"):
        if col not in header:
            raise InvalidInput(f"the header lacks the column {col!r}", field=col)
    people: dict[str, str] = {}
    for pid, email in session.execute(select(Person.id, Person.email)
                                      .where(Person.platform_id == platform_id)):
        people[pid] = pid
        if email:
            people[email.lower()] = pid
    courses = {c.code: c.id for c in session.scalars(
        select(Course).where(Course.platform_id == platform_id))}
    today = beijing_today(now)
    rows: list[_Row] = []
    for n, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} rows", field="file")
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()
               if isinstance(v, str | type(None))}

        def bad(field: str, why: str, n: int = n) -> InvalidInput:
            return InvalidInput(f"row {n}: {field}: {why}",
                                details={"field": field, "row": n, "reason": why})

        who = people.get(row.get("person", "")) or people.get(row.get("person", "").lower())
        if not who:
            raise bad("person", "not on this platform's org registry (id or e-mail)")
        course = courses.get(row.get("course", ""))
        if not course:
            raise bad("course", "no such course on this platform")
        try:
            day = date.fromisoformat(row.get("completed_on", ""))
        except ValueError:
            raise bad("completed_on", "must be a date YYYY-MM-DD") from None
        if day > today:
            raise bad("completed_on", "is in the future")
        if day.year < 1990:
            raise bad("completed_on", "is before 1990")
        score: float | None = None
        if row.get("score"):
            try:
                score = float(row["score"])
            except ValueError:
                raise bad("score", "must be a number") from None
            if not 0 <= score <= 100:
                raise bad("score", "must be between 0 and 100")
        rows.append(_Row(who, course, day, score))
    if not rows:
        raise InvalidInput("the file holds no rows", field="file")
    imp = TrainingImport(platform_id=platform_id, filename=filename[:300], sha256=digest,
                         rows=len(rows), imported_by=actor.username)
    session.add(imp)
    session.flush()
    session.execute(insert(TrainingCompletion), [
        {"id": new_id(), "platform_id": platform_id, "course_id": r.course_id,
         "person_id": r.person_id, "completed_on": r.completed_on, "score": r.score,
         "import_id": imp.id, "created_at": now} for r in rows])
    record(session=session, actor=actor, action="governance.training.import",
           target_type="training_import", target_id=imp.id, platform_id=platform_id,
           after=row_dict(imp), summary={"rows": len(rows), "sha256": digest})
    return imp


def list_imports(*, session: Session, actor: Actor, platform_id: str) -> list[TrainingImport]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(TrainingImport)
                                .where(TrainingImport.platform_id == platform_id)
                                .order_by(TrainingImport.created_at.desc()).limit(200)))


def completion_figures(session: Session, platform_id: str, today: date
                       ) -> list[d.DutyCompletion]:
    """Completion per duty on ``today``: the people holding each duty a course serves (all
    people for ``all_staff``) against those with a completion still valid. Read by the
    posture check and the report alike; no permission (the caller decides)."""
    courses = list(session.scalars(select(Course).where(Course.platform_id == platform_id)))
    if not courses:
        return []
    duties = {c.duty for c in courses}
    holders: dict[str, set[str]] = {k: set() for k in duties}
    if d.all_staff() in duties:
        holders[d.all_staff()] = set(session.scalars(
            select(Person.id).where(Person.platform_id == platform_id)))
    for pid, duty in session.execute(
            select(Duty.person_id, Duty.duty).where(
                Duty.platform_id == platform_id, Duty.duty.in_(duties), Duty.since <= today,
                or_(Duty.until.is_(None), Duty.until >= today))):
        holders[duty].add(pid)
    done: dict[str, set[str]] = {k: set() for k in duties}
    for c in courses:
        since = today - timedelta(days=c.valid_days)
        done[c.duty].update(session.scalars(
            select(TrainingCompletion.person_id).distinct()
            .where(TrainingCompletion.platform_id == platform_id,
                   TrainingCompletion.course_id == c.id,
                   TrainingCompletion.completed_on > since,
                   TrainingCompletion.completed_on <= today)))
    return d.completion_by_duty(holders, done)


def completion(*, session: Session, actor: Actor, platform_id: str,
               now: datetime | None = None) -> list[d.DutyCompletion]:
    actor.require(READ, platform_id)
    return completion_figures(session, platform_id, beijing_today(now or utcnow()))


# ----------------------------------------------------------------------- integrity cases


def report_case(*, session: Session, actor: Actor, platform_id: str, data: IntegrityIn,
                now: datetime | None = None) -> IntegrityCase:
    """Receive an integrity report through the confidential channel; the reporter gets a
    reference to follow up. The audit trail keeps no words of the report or the contact."""
    actor.require(INTEGRITY_REPORT, platform_id)
    try:
        d.one_of(data.kind, d.integrity_kinds(), "kind")
    except d.Rejected as exc:
        raise rejected(exc) from None
    if not data.anonymous and not data.reporter_contact:
        raise InvalidInput("a named report needs the reporter's contact (or anonymous: true)",
                           field="reporter_contact")
    c = IntegrityCase(platform_id=platform_id, reference="IC-" + secrets.token_hex(5).upper(),
                      kind=data.kind, summary=data.summary, anonymous=data.anonymous,
                      reporter_contact="" if data.anonymous else data.reporter_contact,
                      received_at=now or utcnow(), outcome="")
    session.add(c)
    session.flush()
    record(session=session, actor=actor, action="governance.integrity.report",
           target_type="integrity_case", target_id=c.id, platform_id=platform_id,
           summary={"kind": data.kind, "anonymous": data.anonymous})
    return c


def _case(session: Session, actor: Actor, platform_id: str, case_id: str) -> IntegrityCase:
    actor.require(INTEGRITY, platform_id)
    c = session.get(IntegrityCase, case_id)
    if c is None or c.platform_id != platform_id:
        raise NotFound(f"no integrity case {case_id} on this platform",
                       details={"field": "case_id"})
    return c


def acknowledge_case(*, session: Session, actor: Actor, platform_id: str, case_id: str,
                     now: datetime | None = None) -> IntegrityCase:
    """Take a case on (once): the handler and the time are kept."""
    c = _case(session, actor, platform_id, case_id)
    done = session.execute(
        update(IntegrityCase).where(IntegrityCase.id == c.id,
                                    IntegrityCase.acknowledged_at.is_(None))
        .values(acknowledged_at=now or utcnow(), handler=actor.username)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise AlreadyDecided("this case is already acknowledged", details={"id": c.id})
    session.refresh(c)
    record(session=session, actor=actor, action="governance.integrity.acknowledge",
           target_type="integrity_case", target_id=c.id, platform_id=platform_id,
           summary={"reference": c.reference})
    return c


def close_case(*, session: Session, actor: Actor, platform_id: str, case_id: str,
               data: IntegrityCloseIn, now: datetime | None = None) -> IntegrityCase:
    """Close an acknowledged case with its outcome (once)."""
    c = _case(session, actor, platform_id, case_id)
    if c.acknowledged_at is None:
        raise Conflict("acknowledge the case before closing it", details={"id": c.id})
    done = session.execute(
        update(IntegrityCase).where(IntegrityCase.id == c.id, IntegrityCase.closed_at.is_(None))
        .values(closed_at=now or utcnow(), outcome=data.outcome)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise AlreadyDecided("this case is already closed", details={"id": c.id})
    session.refresh(c)
    record(session=session, actor=actor, action="governance.integrity.close",
           target_type="integrity_case", target_id=c.id, platform_id=platform_id,
           summary={"reference": c.reference})
    return c


def list_cases(*, session: Session, actor: Actor, platform_id: str, params: PageParams
               ) -> tuple[list[IntegrityCase], int]:
    actor.require(INTEGRITY, platform_id)
    q = select(IntegrityCase).where(IntegrityCase.platform_id == platform_id)
    return fetch_page(session, q.order_by(IntegrityCase.received_at.desc(), IntegrityCase.id),
                      params)


# ----------------------------------------------------------------------- regulators' requests


def record_regulator_request(*, session: Session, actor: Actor, platform_id: str,
                             data: RegulatorIn, now: datetime | None = None
                             ) -> RegulatorRequest:
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    try:
        d.one_of(data.channel, d.regulator_channels(), "channel")
    except d.Rejected as exc:
        raise rejected(exc) from None
    _not_future(data.received_on, "received_on", now)
    if data.due_on < data.received_on:
        raise InvalidInput(f"due_on {data.due_on} is before the request was received "
                           f"({data.received_on})", field="due_on")
    r = RegulatorRequest(platform_id=platform_id, authority=data.authority,
                         reference=data.reference, channel=data.channel, subject=data.subject,
                         received_on=data.received_on, due_on=data.due_on, owner=data.owner,
                         answer="", recorded_by=actor.username)
    session.add(r)
    session.flush()
    record(session=session, actor=actor, action="governance.regulator.record",
           target_type="regulator_request", target_id=r.id, platform_id=platform_id,
           after=row_dict(r), summary={"authority": data.authority, "reference": data.reference,
                                       "due_on": data.due_on.isoformat()})
    return r


def answer_regulator_request(*, session: Session, actor: Actor, platform_id: str,
                             request_id: str, data: RegulatorAnswerIn,
                             now: datetime | None = None) -> RegulatorRequest:
    """Record the answer given (once)."""
    actor.require(WRITE, platform_id)
    r = session.get(RegulatorRequest, request_id)
    if r is None or r.platform_id != platform_id:
        raise NotFound(f"no regulator request {request_id} on this platform",
                       details={"field": "request_id"})
    _not_future(data.answered_on, "answered_on", now or utcnow())
    if data.answered_on < r.received_on:
        raise InvalidInput("answered_on is before the request was received",
                           field="answered_on")
    before = row_dict(r)
    done = session.execute(
        update(RegulatorRequest).where(RegulatorRequest.id == r.id,
                                       RegulatorRequest.answered_on.is_(None))
        .values(answered_on=data.answered_on, answer=data.answer, answered_by=actor.username)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise AlreadyDecided("this request is already answered", details={"id": r.id})
    session.refresh(r)
    record(session=session, actor=actor, action="governance.regulator.answer",
           target_type="regulator_request", target_id=r.id, platform_id=platform_id,
           before=before, after=row_dict(r),
           summary={"answered_on": data.answered_on.isoformat(),
                    "late": data.answered_on > r.due_on})
    return r


def list_regulator_requests(*, session: Session, actor: Actor, platform_id: str,
                            params: PageParams, open_only: bool = False
                            ) -> tuple[list[RegulatorRequest], int]:
    actor.require(READ, platform_id)
    q = select(RegulatorRequest).where(RegulatorRequest.platform_id == platform_id)
    if open_only:
        q = q.where(RegulatorRequest.answered_on.is_(None))
    return fetch_page(session, q.order_by(RegulatorRequest.due_on, RegulatorRequest.id), params)
