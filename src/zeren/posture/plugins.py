"""The plugin manager behind Zeren's extension points. Built-in domain modules are registered
here as the first plugins; outside packages join through the ``zeren`` entry-point group."""

from __future__ import annotations

from functools import lru_cache

import pluggy

from zeren.optional import optional_import
from zeren.posture import hookspecs
from zeren.posture.domain import Check

# Modules that implement hooks. A domain adds its ``checks`` module here when it ships one.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "zeren.posture.builtin_checks",
    "zeren.ledger.checks",
    "zeren.lexicon.checks",
    "zeren.moderation.checks",
)


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("zeren")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        module = optional_import(name)
        if module is not None:
            pm.register(module, name=name)
    pm.load_setuptools_entrypoints("zeren")
    return pm


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
