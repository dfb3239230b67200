"""The posture checks every plugin contributes (see ``zeren.hookspecs``)."""

from __future__ import annotations

from functools import lru_cache

from zeren.plugins import plugin_manager
from zeren.posture.domain import Check


@lru_cache(maxsize=1)
def all_checks() -> tuple[Check, ...]:
    """Every check from every plugin, ordered by article then key; keys must be unique."""
    found: list[Check] = []
    for batch in plugin_manager().hook.zeren_posture_checks():
        found.extend(batch)
    keys = [c.key for c in found]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise RuntimeError(f"posture check keys contributed twice: {sorted(dupes)}")
    return tuple(sorted(found, key=lambda c: (c.article, c.item or 0, c.key)))


def checks_for(article: int) -> tuple[Check, ...]:
    return tuple(c for c in all_checks() if c.article == article)
