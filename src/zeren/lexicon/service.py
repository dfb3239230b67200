"""Use cases of the review lexicon: versioned lexicons (every change records who, when and
why and makes a new version), screening through a per-process cache of compiled matchers that
follows new versions without a restart, and the daily patrol. Functions take keyword-only
arguments and never commit: the request or the CLI command owns the unit of work."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import SYSTEM, Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, Forbidden, InvalidInput, NotFound
from zeren.lexicon import patrol
from zeren.lexicon.domain import (
    Action,
    data_text,
    default_rows,
    format_variants,
    row_to_term,
)
from zeren.lexicon.engine import InvalidTerm, Matcher
from zeren.lexicon.formats import Document, TermInput
from zeren.lexicon.models import (
    Lexicon,
    LexiconTerm,
    LexiconVersion,
    PatrolFinding,
    PatrolRun,
)
from zeren.lexicon.schedule import Schedule
from zeren.lexicon.screening import CACHE as CACHE
from zeren.lexicon.screening import DEFAULT_LEXICON as DEFAULT_LEXICON
from zeren.lexicon.screening import MatcherCache as MatcherCache
from zeren.lexicon.screening import as_input as _as_input
from zeren.lexicon.screening import check_platforms as _check_platforms
from zeren.lexicon.screening import live as _live
from zeren.lexicon.screening import matcher_for as matcher_for
from zeren.lexicon.screening import result_dict as result_dict
from zeren.lexicon.screening import screen_documents as screen_documents
from zeren.platforms.models import Platform


@lru_cache(maxsize=1)
def patrol_settings() -> dict[str, Any]:
    """Patrol schedule and Art 13 check thresholds from data/patrol.toml."""
    return tomllib.loads(data_text("patrol.toml"))


# -- lexicons and versions ---------------------------------------------------------------------


def get_lexicon(*, session: Session, name: str) -> Lexicon:
    """The lexicon called ``name``; NotFound otherwise."""
    lex = session.scalar(select(Lexicon).where(Lexicon.name == name))
    if lex is None:
        raise NotFound(f"no lexicon named {name!r}", details={"field": "lexicon", "name": name})
    return lex


def list_lexicons(*, session: Session) -> list[Lexicon]:
    """Every lexicon, by name."""
    return list(session.scalars(select(Lexicon).order_by(Lexicon.name)))


def create_lexicon(*, session: Session, actor: Actor, name: str, description: str = "") -> Lexicon:
    """A new, empty lexicon (version 0). Lexicons serve the whole group: creating one needs
    a group-wide ``lexicon.write``."""
    if not actor.can_group_wide("lexicon.write"):
        raise Forbidden(f"{actor.username} may not create lexicons; that needs lexicon.write "
                        "for the whole group",
                        details={"permission": "lexicon.write", "platform_id": None})
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a lexicon name is 1 to 100 characters", field="name")
    if session.scalar(select(Lexicon.id).where(Lexicon.name == name)) is not None:
        raise Conflict(f"a lexicon named {name!r} exists", details={"field": "name"})
    lex = Lexicon(name=name, description=description, current_version=0,
                  created_by=actor.username)
    session.add(lex)
    session.flush()
    record(session=session, actor=actor, action="lexicon.create", target_type="lexicon",
           target_id=lex.id, summary={"name": name})
    return lex


def terms_at(
    *, session: Session, lexicon: Lexicon, version: int | None = None
) -> list[LexiconTerm]:
    """The terms of ``lexicon`` as they stood at ``version`` (default: the current one)."""
    v = lexicon.current_version if version is None else version
    if v < 0 or v > lexicon.current_version:
        raise NotFound(f"lexicon {lexicon.name!r} has no version {v}",
                       details={"field": "version", "version": v})
    return list(session.scalars(
        select(LexiconTerm).where(_live(lexicon.id, v)).order_by(LexiconTerm.term)))


def apply_changes(
    *,
    session: Session,
    actor: Actor,
    name: str,
    upserts: Sequence[TermInput],
    removals: Iterable[tuple[str, str | None]] = (),
    reason: str,
    replace: bool = False,
    create: bool = True,
) -> LexiconVersion | None:
    """Make one new version of lexicon ``name``: add or change ``upserts``, end ``removals``
    (term, platform) and, with ``replace``, every term not in ``upserts``. Validates all of
    it first (all or nothing). Returns None when nothing would change.

    Each term is authorised on its own platform: a group-wide term (no platform) needs a
    group-wide ``lexicon.write``, a platform's term ``lexicon.write`` on that platform, for
    upserts and removals alike (ADR 0042)."""
    actor.require("lexicon.write")
    if not reason.strip():
        raise InvalidInput("say why the lexicon changes", field="reason")
    try:
        Matcher([u.to_term() for u in upserts])
    except InvalidTerm as e:
        raise InvalidInput(f"entry {e.index + 1}, field term: {e.reason}",
                           details={"line": e.index + 1, "field": "term"}) from None
    _check_platforms(session=session, ids={u.platform_id for u in upserts} - {None})
    lex = session.scalar(select(Lexicon).where(Lexicon.name == name))
    if lex is None:
        if not create:
            raise NotFound(f"no lexicon named {name!r}", details={"field": "lexicon"})
        lex = create_lexicon(session=session, actor=actor, name=name)
    current = {(t.term, t.platform_id): t for t in terms_at(session=session, lexicon=lex)}
    new_v = lex.current_version + 1
    wanted = {u.key: u for u in upserts}
    gone: set[tuple[str, str | None]] = set(removals)
    if replace:
        gone |= set(current) - set(wanted)
    for term, platform_id in sorted({*wanted, *gone}, key=str):
        _require_term_write(actor, term, platform_id)
    missing = [k for k in gone if k not in current]
    if missing:
        raise InvalidInput(f"cannot remove {missing[0][0]!r}: not in lexicon {name!r}",
                           details={"field": "removals", "term": missing[0][0]})
    added = removed = 0
    for key in gone:
        current[key].removed_in = new_v
        removed += 1
    for key, u in wanted.items():
        old = current.get(key)
        if old is not None and key not in gone:
            if _as_input(old) == u:
                continue
            old.removed_in = new_v
            removed += 1
        session.add(LexiconTerm(
            lexicon_id=lex.id, term=u.term, category=u.category, severity=str(u.severity),
            action=str(u.action), whitelist=u.whitelist, variants=u.variants,
            platform_id=u.platform_id, note=u.note, source=u.source, added_in=new_v))
        added += 1
    if not added and not removed:
        return None
    lex.current_version = new_v
    count = len(current) - removed + added
    ver = LexiconVersion(lexicon_id=lex.id, version=new_v, actor_id=actor.user_id,
                         actor_name=actor.username, reason=reason.strip(), added=added,
                         removed=removed, term_count=count)
    session.add(ver)
    session.flush()
    record(session=session, actor=actor, action="lexicon.change", target_type="lexicon",
           target_id=lex.id, summary={"name": name, "version": new_v, "added": added,
                                      "removed": removed, "reason": reason.strip()})
    return ver


def _require_term_write(actor: Actor, term: str, platform_id: str | None) -> None:
    if platform_id is None:
        if not actor.can_group_wide("lexicon.write"):
            raise Forbidden(
                f"{actor.username} may not change group-wide terms ({term!r}); that needs "
                "lexicon.write for the whole group",
                details={"permission": "lexicon.write", "platform_id": None, "term": term})
        return
    actor.require("lexicon.write", platform_id)


def may_read_term(actor: Actor, platform_id: str | None) -> bool:
    """Group-wide terms are read by anyone who may read lexicons; a platform's terms only by
    those who may read that platform's lexicon."""
    return actor.can("lexicon.read", platform_id)


def visible_terms(*, session: Session, actor: Actor, name: str, version: int | None = None
                  ) -> list[LexiconTerm]:
    """The terms of a version of lexicon ``name`` that ``actor`` may read."""
    actor.require("lexicon.read")
    lex = get_lexicon(session=session, name=name)
    return [t for t in terms_at(session=session, lexicon=lex, version=version)
            if may_read_term(actor, t.platform_id)]


def seed_default(*, session: Session, actor: Actor, name: str = DEFAULT_LEXICON
                 ) -> LexiconVersion | None:
    """Store the package's default lexicon as ``name`` (or bring it up to date)."""
    ups = []
    for row in default_rows():
        t = row_to_term(row)
        ups.append(TermInput(t.term, t.category, t.severity, t.action, t.whitelist,
                             format_variants(t.variants) if row.get("variants") else "",
                             row.get("note", ""), row.get("source", "")))
    return apply_changes(session=session, actor=actor, name=name, upserts=ups,
                         reason="default lexicon shipped with Zeren")


def list_versions(*, session: Session, name: str) -> list[LexiconVersion]:
    """Every version of lexicon ``name``, oldest first."""
    lex = get_lexicon(session=session, name=name)
    return list(session.scalars(select(LexiconVersion).where(
        LexiconVersion.lexicon_id == lex.id).order_by(LexiconVersion.version)))


@dataclass(frozen=True)
class Diff:
    added: list[TermInput]
    removed: list[TermInput]
    changed: list[tuple[TermInput, TermInput]]


def diff_versions(*, session: Session, actor: Actor, name: str, v1: int, v2: int) -> Diff:
    """What changed between two versions of lexicon ``name``, in the terms ``actor`` may
    read."""
    a = {t.key: t for t in map(_as_input, visible_terms(session=session, actor=actor,
                                                        name=name, version=v1))}
    b = {t.key: t for t in map(_as_input, visible_terms(session=session, actor=actor,
                                                        name=name, version=v2))}
    return Diff(
        added=[b[k] for k in sorted(b.keys() - a.keys(), key=str)],
        removed=[a[k] for k in sorted(a.keys() - b.keys(), key=str)],
        changed=[(a[k], b[k]) for k in sorted(a.keys() & b.keys(), key=str) if a[k] != b[k]],
    )


def export_rows(*, session: Session, actor: Actor, name: str, version: int | None = None
                ) -> list[dict[str, str]]:
    """Rows for a CSV export (the import header plus variants, note, source, platform_id), of
    the terms ``actor`` may read."""
    return [
        {"term": t.term, "category": t.category, "severity": t.severity, "action": t.action,
         "whitelist": "true" if t.whitelist else "false", "variants": t.variants,
         "note": t.note, "source": t.source, "platform_id": t.platform_id or ""}
        for t in visible_terms(session=session, actor=actor, name=name, version=version)
    ]


# -- daily patrol (日常巡查) ----------------------------------------------------------------------


def submit_items(*, session: Session, actor: Actor, platform_id: str,
                 items: Sequence[Document], kind: str = "listing") -> int:
    """Hand items to moderation as subjects of ``kind`` (a document's own kind wins): the
    patrol reads moderation's subjects, so this is how items from a file join them. They
    are screened before publication by moderation, and patrolled like every other item."""
    from zeren.moderation.domain import SubjectKind
    from zeren.moderation.schemas import SubjectIn
    from zeren.moderation.services.screening import submit_subjects

    _check_platforms(session=session, ids={platform_id})
    subs = [SubjectIn(kind=SubjectKind(d.kind or kind), external_ref=d.id, text=d.text)
            for d in items]
    return len(submit_subjects(session=session, actor=actor, platform_id=platform_id,
                               items=subs))


def start_patrol(*, session: Session, actor: Actor, platform_id: str, name: str,
                 now: datetime | None = None, partitions: int | None = None,
                 engine: str = "local") -> PatrolRun:
    """The platform's unfinished patrol run (to resume), or a new one on the current version
    over ``partitions`` partitions of its published items (patrol.toml: ``partitions``),
    started at ``now`` (default the clock's time)."""
    _check_platforms(session=session, ids={platform_id})
    lex = get_lexicon(session=session, name=name)
    run = session.scalar(select(PatrolRun).where(
        PatrolRun.platform_id == platform_id, PatrolRun.lexicon_id == lex.id,
        PatrolRun.status == "running").order_by(PatrolRun.started_at.desc()).limit(1))
    if run is not None:
        return run
    parts = partitions or int(patrol_settings().get("partitions", 1))
    if not 1 <= parts <= 4096:
        raise InvalidInput("partitions: 1 to 4096", field="partitions")
    return patrol.start_run(session=session, actor=actor, platform_id=platform_id, lexicon=lex,
                            partitions=parts, now=now or utcnow(), engine=engine)


_OLD_VERSIONS: dict[tuple[str, str, int], Matcher] = {}


def run_matcher(*, session: Session, run: PatrolRun) -> tuple[Matcher, str]:
    """The matcher of the run's lexicon version (an older one is kept for the run's next
    steps), and the lexicon's name."""
    lex = session.get(Lexicon, run.lexicon_id)
    assert lex is not None
    if run.version == lex.current_version:
        return CACHE.get(session=session, lexicon=lex, platform_id=run.platform_id), lex.name
    key = (lex.id, run.platform_id, run.version)
    m = _OLD_VERSIONS.get(key)
    if m is None:
        m = CACHE.get(session=session, lexicon=lex, platform_id=run.platform_id,
                      version=run.version)
        _OLD_VERSIONS.clear()  # one old version at a time is enough
        _OLD_VERSIONS[key] = m
    return m, lex.name


def patrol_step(*, session: Session, run: PatrolRun, batch_size: int | None = None) -> bool:
    """Screen the next batch of the run's items (patrol.py); True once the run has ended. The
    caller commits after each step, so an interrupted run resumes at its cursors."""
    if run.status != "running":
        return True
    cfg = patrol_settings()
    m, name = run_matcher(session=session, run=run)
    return patrol.patrol_step(session=session, run=run, matcher=m, lexicon_name=name,
                              batch_size=batch_size or int(cfg["batch_size"]),
                              max_attempts=int(cfg.get("max_attempts", 3)))


def latest_run(*, session: Session, platform_id: str, finished: bool = True) -> PatrolRun | None:
    """The platform's most recent (finished) patrol run."""
    q = select(PatrolRun).where(PatrolRun.platform_id == platform_id)
    if finished:
        q = q.where(PatrolRun.status == "finished")
    return session.scalar(q.order_by(PatrolRun.started_at.desc()).limit(1))


def new_findings(*, session: Session, run: PatrolRun) -> list[PatrolFinding]:
    """Hits first seen by ``run`` (new since the previous patrol)."""
    return list(session.scalars(select(PatrolFinding).where(
        PatrolFinding.first_run_id == run.id).order_by(PatrolFinding.found_at)))


def open_findings(*, session: Session, platform_id: str) -> list[PatrolFinding]:
    """Findings that ask for action (block or review) and nobody has handled yet."""
    return list(session.scalars(select(PatrolFinding).where(
        PatrolFinding.platform_id == platform_id, PatrolFinding.handled_at.is_(None),
        PatrolFinding.action.in_([str(Action.BLOCK), str(Action.REVIEW)]),
    ).order_by(PatrolFinding.found_at)))


FINDING_STATES = ("open", "handled", "all")


def list_findings(
    *, session: Session, platform_id: str, state: str = "open", offset: int = 0,
    limit: int = 50,
) -> tuple[list[PatrolFinding], int]:
    """A page of the platform's patrol findings, oldest first, and how many there are in all:
    ``open`` (nobody has handled them yet), ``handled`` or ``all``."""
    if state not in FINDING_STATES:
        raise InvalidInput(f"state is one of {', '.join(FINDING_STATES)}", field="state")
    refresh_handling(session=session, platform_id=platform_id)
    where = [PatrolFinding.platform_id == platform_id]
    if state == "open":
        where.append(PatrolFinding.handled_at.is_(None))
    elif state == "handled":
        where.append(PatrolFinding.handled_at.is_not(None))
    total = session.scalar(select(func.count()).select_from(PatrolFinding).where(*where)) or 0
    rows = list(session.scalars(select(PatrolFinding).where(*where).order_by(
        PatrolFinding.found_at, PatrolFinding.id).offset(offset).limit(limit)))
    return rows, total


def handle_finding(
    *, session: Session, actor: Actor, finding_id: str, handling: str,
    platform_id: str | None = None,
) -> PatrolFinding:
    """Record that a finding was dealt with (removed, kept after review, …) and by whom.
    With ``platform_id``, a finding of another platform counts as not found."""
    f = session.get(PatrolFinding, finding_id)
    if f is None or (platform_id is not None and f.platform_id != platform_id):
        raise NotFound(f"no patrol finding {finding_id!r}",
                       details={"field": "finding_id", "finding_id": finding_id})
    actor.check_platform(f.platform_id)
    if f.case_id is not None and f.handled_at is None:
        raise Conflict("this finding is handled by deciding its moderation case",
                       details={"finding_id": f.id, "case_id": f.case_id})
    if f.handled_at is not None:
        raise Conflict("finding already handled",
                       details={"finding_id": f.id, "handled_by": f.handled_by,
                                "handled_at": f.handled_at.isoformat()})
    if not handling.strip():
        raise InvalidInput("say how the finding was handled", field="handling")
    f.handled_at = utcnow()
    f.handled_by = actor.username
    f.handling = handling.strip()
    record(session=session, actor=actor, action="lexicon.finding.handle",
           target_type="patrol_finding", target_id=f.id, platform_id=f.platform_id,
           summary={"handling": f.handling, "term": f.term})
    return f


def refresh_handling(*, session: Session, platform_id: str) -> int:
    """Mark handled the platform's findings whose moderation case has been decided (the
    case's decision is their handling: who decided, when, what). Returns how many."""
    from zeren.moderation.services.patrol import case_states

    open_ = list(session.scalars(select(PatrolFinding).where(
        PatrolFinding.platform_id == platform_id, PatrolFinding.handled_at.is_(None),
        PatrolFinding.case_id.is_not(None))))
    states = case_states(session=session, case_ids=[f.case_id for f in open_ if f.case_id])
    n = 0
    for f in open_:
        c = states.get(f.case_id or "")
        if c is not None and c.decided_at is not None:
            f.handled_at = c.decided_at
            f.handled_by = c.decided_by
            f.handling = f"case {c.case_id}: {c.decision}"
            n += 1
    if n:
        session.flush()
    return n


def finding_cases(*, session: Session, findings: Sequence[PatrolFinding]
                  ) -> dict[str, tuple[str, str | None]]:
    """(status, decision) of the moderation case of each finding that has one, by finding
    id: the case's decision is the finding's handling."""
    from zeren.moderation.services.patrol import case_states

    states = case_states(session=session, case_ids=[f.case_id for f in findings if f.case_id])
    return {f.id: (states[f.case_id].status, states[f.case_id].decision)
            for f in findings if f.case_id and f.case_id in states}


def report_finding(*, session: Session, actor: Actor, finding_id: str, authority: str,
                   reference: str, summary: str, platform_id: str | None = None) -> Any:
    """Report a serious finding to an authority: an authority-report record on the finding's
    moderation case (moderation checks ``reports.write``). A finding without a case (a flag)
    cannot be reported: 409."""
    from zeren.moderation.services.authority import report_case

    f = session.get(PatrolFinding, finding_id)
    if f is None or (platform_id is not None and f.platform_id != platform_id):
        raise NotFound(f"no patrol finding {finding_id!r}",
                       details={"field": "finding_id", "finding_id": finding_id})
    if f.case_id is None:
        raise Conflict("this finding opened no moderation case (it asked for neither review "
                       "nor a block)", details={"finding_id": f.id, "field": "finding_id"})
    return report_case(session=session, actor=actor, case_id=f.case_id, authority=authority,
                       reference=reference,
                       summary=f"{summary} (patrol finding {f.id}: {f.matched} → {f.term})")


def patrol_plan(*, platform: Platform) -> tuple[Schedule, str]:
    """The platform's patrol schedule and lexicon: data/patrol.toml's defaults, or its
    ``[platform."<code or id>"]`` table where it has one."""
    cfg = patrol_settings()
    own: dict[str, Any] = {}
    for ref in (platform.id, platform.code):
        own = cfg.get("platform", {}).get(ref, own)
    return (_schedule(str(own.get("schedule", cfg["schedule"])),
                      str(own.get("timezone", cfg["timezone"]))),
            str(own.get("lexicon", cfg.get("lexicon", DEFAULT_LEXICON))))


@lru_cache(maxsize=64)
def _schedule(expr: str, tz: str) -> Schedule:
    return Schedule.parse(expr, tz)


def _running(*, session: Session, platform_id: str) -> PatrolRun | None:
    return session.scalar(select(PatrolRun).where(
        PatrolRun.platform_id == platform_id, PatrolRun.status == "running",
    ).order_by(PatrolRun.started_at.desc()).limit(1))


def patrol_due(*, session: Session, platform_id: str, now: datetime) -> bool:
    """Whether the platform's patrol is due at ``now``: a run is unfinished (resume it), or
    the schedule fired since the platform's last run started (or it never ran)."""
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFound(f"no platform with id {platform_id!r}", details={"field": "platform_id"})
    if _running(session=session, platform_id=platform_id) is not None:
        return True
    schedule, _ = patrol_plan(platform=platform)
    fired = schedule.last_fire(now)
    last = latest_run(session=session, platform_id=platform_id, finished=False)
    if last is None:
        return True
    return fired is not None and last.started_at < fired


@dataclass(frozen=True)
class PatrolOutcome:
    """What :func:`run_due_patrols` did for one platform."""

    platform_id: str
    lexicon: str
    run_id: str | None  # None when the patrol could not start (see ``error``)
    version: int | None
    resumed: bool  # True when it went on with an unfinished run
    finished: bool
    items_done: int
    items_total: int
    hits: int
    new_hits: int
    error: str | None = None

    def __str__(self) -> str:
        if self.error is not None and self.run_id is None:
            return f"platform {self.platform_id}: not started: {self.error}"
        state = "finished" if self.finished else "unfinished"
        return (f"platform {self.platform_id}: run {self.run_id} ({self.lexicon} "
                f"v{self.version}{', resumed' if self.resumed else ''}) {state}, "
                f"{self.items_done}/{self.items_total} items, {self.hits} hits, "
                f"{self.new_hits} new" + (f"; FAILED: {self.error}" if self.error else ""))


def run_due_patrols(
    *, session: Session, now: datetime, actor: Actor = SYSTEM, max_batches: int | None = None,
    batch_size: int | None = None,
) -> list[PatrolOutcome]:
    """Run (or resume) the patrol of every platform whose schedule (data/patrol.toml) is due
    at ``now``, one outcome per due platform. Never commits: the caller owns the unit of work.
    Each platform's run screens at most ``max_batches`` batches of ``batch_size`` items in
    this call (defaults: patrol.toml's ``max_batches_per_call``, 0 = no limit, and
    ``batch_size``), so one unit of work stays bounded; a run left unfinished (``finished``
    False) stays due, and the next call, after the caller commits, goes on at its cursor. A
    platform whose lexicon is not stored gets an outcome with ``error`` and nothing is
    written for it."""
    if max_batches is None:
        max_batches = int(patrol_settings().get("max_batches_per_call", 0)) or None
    out: list[PatrolOutcome] = []
    for platform in session.scalars(select(Platform).order_by(Platform.code)):
        if not patrol_due(session=session, platform_id=platform.id, now=now):
            continue
        _, name = patrol_plan(platform=platform)
        running = _running(session=session, platform_id=platform.id)
        if running is not None:
            lex = session.get(Lexicon, running.lexicon_id)
            name = lex.name if lex is not None else name
        elif session.scalar(select(Lexicon.id).where(Lexicon.name == name)) is None:
            out.append(PatrolOutcome(platform.id, name, None, None, False, False, 0, 0, 0, 0,
                                     error=f"no lexicon named {name!r}"))
            continue
        run = running or start_patrol(session=session, actor=actor, platform_id=platform.id,
                                      name=name, now=now)
        steps = 0
        finished = run.status == "finished"
        while not finished and (max_batches is None or steps < max_batches):
            finished = patrol_step(session=session, run=run, batch_size=batch_size)
            steps += 1
        out.append(PatrolOutcome(platform.id, name, run.id, run.version, running is not None,
                                 finished, run.items_done, run.items_total, run.hits_total,
                                 run.new_hits, error=run.error))
    return out
