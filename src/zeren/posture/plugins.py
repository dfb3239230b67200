"""The posture checks every plugin contributes (see ``zeren.hookspecs``)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from zeren.guideline.domain import load_guideline
from zeren.plugins import plugin_manager
from zeren.posture.domain import Check, OpenFinding


def validate(checks: list[Check]) -> None:
    """Refuse duplicate keys, checks that declare no obligation, unknown obligation keys and
    checks that read obligations of two articles (a check serves one article)."""
    g = load_guideline()
    keys = [c.key for c in checks]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise RuntimeError(f"posture check keys contributed twice: {sorted(dupes)}")
    for c in checks:
        if not c.obligations:
            raise RuntimeError(f"posture check {c.key} declares no obligation")
        unknown = [k for k in c.obligations if g.obligation(k) is None]
        if unknown:
            raise RuntimeError(f"posture check {c.key} reads unknown obligations {unknown}; "
                               "see the guideline's obligations")
        articles = {g.obligation(k).article for k in c.obligations}  # type: ignore[union-attr]
        if len(articles) != 1:
            raise RuntimeError(f"posture check {c.key} reads obligations of articles "
                               f"{sorted(articles)}; a check serves one article")


@lru_cache(maxsize=1)
def all_checks() -> tuple[Check, ...]:
    """Every check from every plugin, ordered by article then key."""
    found: list[Check] = []
    for batch in plugin_manager().hook.zeren_posture_checks():
        found.extend(batch)
    validate(found)
    return tuple(sorted(found, key=lambda c: (c.article, c.key)))


def checks_for(article: int) -> tuple[Check, ...]:
    return tuple(c for c in all_checks() if c.article == article)


@lru_cache(maxsize=1)
def checks_by_obligation() -> dict[str, tuple[Check, ...]]:
    """Obligation key → the checks that read it (obligations no check reads are absent)."""
    out: dict[str, list[Check]] = {}
    for c in all_checks():
        for k in c.obligations:
            out.setdefault(k, []).append(c)
    return {k: tuple(v) for k, v in out.items()}


def open_findings(*, session: Session, platform_id: str, now: datetime
                  ) -> dict[str, list[OpenFinding]]:
    """Obligation key → the findings plugins say weigh on it now (``zeren_posture_findings``)."""
    out: dict[str, list[OpenFinding]] = {}
    for batch in plugin_manager().hook.zeren_posture_findings(
            session=session, platform_id=platform_id, now=now):
        for f in batch:
            out.setdefault(f.obligation_key, []).append(f)
    return out
