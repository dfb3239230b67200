"""Use cases for platforms: profiles, yearly figures and the tier test."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.guideline.domain import Tier, applicable_articles, classify, load_tier_rules
from zeren.pagination import PageParams, fetch_page
from zeren.platforms.domain import platform_types, uscc_problem
from zeren.platforms.models import Platform, PlatformFigures, TierAssessment

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
EARLIEST_YEAR = 2000


def create_platform(*, session: Session, actor: Actor, data: dict[str, Any]) -> Platform:
    """Register a platform of the group."""
    actor.require("platform.create")
    code = str(data.get("code", ""))
    if not CODE_RE.match(code):
        raise InvalidInput("code must be 2–64 lowercase letters, digits or '-'", field="code")
    for f in ("name", "legal_entity"):
        if not str(data.get(f, "")).strip():
            raise InvalidInput(f"{f} is required", field=f)
    uscc = str(data.get("uscc", "")).strip().upper()
    problem = uscc_problem(uscc)
    if problem:
        raise InvalidInput(problem, field="uscc")
    ptype = str(data.get("platform_type", ""))
    if ptype not in platform_types():
        raise InvalidInput(
            f"unknown platform_type {ptype!r}; expected one of {', '.join(platform_types())}",
            field="platform_type",
        )
    if session.scalar(select(Platform).where(Platform.code == code)):
        raise Conflict(f"a platform with code {code!r} exists", details={"field": "code"})
    p = Platform(
        code=code, name=data["name"].strip(), legal_entity=data["legal_entity"].strip(), uscc=uscc,
        address=data.get("address", ""), contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""), contact_email=data.get("contact_email", ""),
        main_business=data.get("main_business", ""), platform_type=ptype,
    )
    session.add(p)
    session.flush()
    record(session=session, actor=actor, action="platform.create", target_type="platform",
           target_id=p.id, platform_id=p.id, after=row_dict(p), summary={"code": code})
    return p


def get_platform(*, session: Session, platform_ref: str) -> Platform:
    """A platform by id or by code."""
    p = session.get(Platform, platform_ref) or session.scalar(
        select(Platform).where(Platform.code == platform_ref)
    )
    if p is None:
        raise NotFound(f"no platform {platform_ref!r}", details={"field": "platform"})
    return p


def platform_for(*, session: Session, actor: Actor, platform_ref: str, permission: str
                 ) -> Platform:
    """The platform (by id or code), if ``actor`` holds ``permission`` on it."""
    p = get_platform(session=session, platform_ref=platform_ref)
    actor.require(permission, p.id)
    return p


def _platforms_query(actor: Actor) -> Select[Any]:
    q = select(Platform).order_by(Platform.code)
    ids = actor.platforms_for("platform.read")
    if ids is not None:
        q = q.where(Platform.id.in_(ids))
    return q


def list_platforms(*, session: Session, actor: Actor) -> list[Platform]:
    """The platforms ``actor`` may read, by code."""
    return list(session.scalars(_platforms_query(actor)))


def platforms_page(*, session: Session, actor: Actor, page: PageParams
                   ) -> tuple[list[Platform], int]:
    """A page of the platforms ``actor`` may read, and how many there are."""
    return fetch_page(session, _platforms_query(actor), page)


def _validated_figures(data: dict[str, Any], now_year: int) -> dict[str, Any]:
    rules = load_tier_rules()
    try:
        year = int(data["year"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("year is required and must be a whole number", field="year") from None
    if not EARLIEST_YEAR <= year <= now_year:
        raise InvalidInput(f"year must be between {EARLIEST_YEAR} and {now_year}", field="year")
    out: dict[str, Any] = {"year": year}
    bounds = {
        "annual_active_users": rules.sanity["annual_active_users_max"],
        "market_value_rmb": rules.sanity["market_value_rmb_max"],
    }
    for f, hi in bounds.items():
        raw = data.get(f)
        if raw is None or isinstance(raw, bool):
            raise InvalidInput(f"{f} is required", field=f)
        try:
            v = Decimal(str(raw))
        except Exception:
            raise InvalidInput(f"{f} must be a number", field=f) from None
        if not v.is_finite() or v != v.to_integral_value():
            raise InvalidInput(f"{f} must be a whole number", field=f)
        if v < 0:
            raise InvalidInput(f"{f} cannot be negative", field=f)
        if v > hi:
            raise InvalidInput(f"{f} of {v} is beyond the plausible maximum {hi}", field=f)
        out[f] = int(v)
    for f in ("prominent_main_business", "strong_reach_restriction"):
        flag = data.get(f)
        if not isinstance(flag, bool):
            raise InvalidInput(f"{f} must be true or false", field=f)
        out[f] = flag
        rationale = str(data.get(f"{f}_rationale") or "").strip()
        if not rationale:
            raise InvalidInput(f"{f}_rationale is required: say why", field=f"{f}_rationale")
        out[f"{f}_rationale"] = rationale
    return out


def record_figures(
    *, session: Session, actor: Actor, platform: Platform, data: dict[str, Any]
) -> tuple[PlatformFigures, TierAssessment]:
    """Record one year's figures (a new revision when the year has some) and run the tier test."""
    actor.require("platform.write", platform.id)
    clean = _validated_figures(data, utcnow().year)
    prev_rev = session.scalar(
        select(func.max(PlatformFigures.revision)).where(
            PlatformFigures.platform_id == platform.id, PlatformFigures.year == clean["year"]
        )
    )
    fig = PlatformFigures(platform_id=platform.id, revision=(prev_rev or 0) + 1,
                          recorded_by=actor.user_id, **clean)
    session.add(fig)
    session.flush()
    record(session=session, actor=actor, action="platform.figures", target_type="platform_figures",
           target_id=fig.id, platform_id=platform.id, after=row_dict(fig),
           summary={"year": fig.year, "revision": fig.revision})
    return fig, assess_tier(session=session, actor=actor, platform=platform, figures=fig)


def assess_tier(
    *, session: Session, actor: Actor, platform: Platform, figures: PlatformFigures
) -> TierAssessment:
    result = classify(row_dict(figures))
    ta = TierAssessment(
        platform_id=platform.id, year=figures.year, figures_id=figures.id, tier=result.tier,
        criteria=[c.model_dump() for c in result.criteria],
        thresholds_version=result.thresholds_version, assessed_by=actor.user_id,
    )
    session.add(ta)
    session.flush()
    record(session=session, actor=actor, action="platform.classify", target_type="tier_assessment",
           target_id=ta.id, platform_id=platform.id, after=row_dict(ta),
           summary={"year": ta.year, "tier": ta.tier})
    return ta


def latest_figures(*, session: Session, platform_id: str, year: int | None = None
                   ) -> PlatformFigures | None:
    q = select(PlatformFigures).where(PlatformFigures.platform_id == platform_id)
    if year is not None:
        q = q.where(PlatformFigures.year == year)
    return session.scalar(
        q.order_by(PlatformFigures.year.desc(), PlatformFigures.revision.desc()).limit(1)
    )


def classify_platform(*, session: Session, actor: Actor, platform: Platform, year: int | None
                      ) -> TierAssessment:
    """Re-run the tier test on the newest figures (of ``year`` if given)."""
    actor.require("platform.write", platform.id)
    fig = latest_figures(session=session, platform_id=platform.id, year=year)
    if fig is None:
        raise NotFound("no figures recorded" + (f" for {year}" if year else ""),
                       details={"field": "year"})
    return assess_tier(session=session, actor=actor, platform=platform, figures=fig)


def _tiers_query(platform_id: str) -> Select[Any]:
    return (select(TierAssessment).where(TierAssessment.platform_id == platform_id)
            .order_by(TierAssessment.year.desc(), TierAssessment.assessed_at.desc()))


def tier_history(*, session: Session, platform_id: str) -> list[TierAssessment]:
    return list(session.scalars(_tiers_query(platform_id)))


def tier_history_page(*, session: Session, platform_id: str, page: PageParams
                      ) -> tuple[list[TierAssessment], int]:
    return fetch_page(session, _tiers_query(platform_id), page)


def current_tier(*, session: Session, platform_id: str) -> TierAssessment | None:
    """The newest assessment of the newest year assessed."""
    return session.scalar(
        select(TierAssessment).where(TierAssessment.platform_id == platform_id)
        .order_by(TierAssessment.year.desc(), TierAssessment.assessed_at.desc()).limit(1)
    )


def effective_tier(*, session: Session, platform_id: str) -> Tier:
    """The tier that decides which articles apply; 'ordinary' until a test says otherwise."""
    ta = current_tier(session=session, platform_id=platform_id)
    return "super_large" if ta is not None and ta.tier == "super_large" else "ordinary"


def applicable(*, session: Session, platform_id: str) -> tuple[int, ...]:
    return applicable_articles(effective_tier(session=session, platform_id=platform_id))
