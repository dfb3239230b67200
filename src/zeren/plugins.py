"""The plugin manager behind Zeren's extension points (``zeren.hookspecs``). Built-in domain
modules are registered as the first plugins; outside packages join through the ``zeren``
entry-point group."""

from __future__ import annotations

from functools import lru_cache

import pluggy

from zeren import hookspecs
from zeren.loading import load_module

# Modules that implement hooks; a domain adds its ``checks``, ``jobs`` and ``console``
# modules here.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "zeren.posture.builtin_checks",
    "zeren.jobs.builtin",
    "zeren.ledger.checks",
    "zeren.lexicon.checks",
    "zeren.moderation.checks",
    "zeren.datagov.checks",
    "zeren.security.checks",
    "zeren.assessment.checks",
    "zeren.moderation.jobs",
    "zeren.ledger.jobs",
    "zeren.notify.jobs",
    "zeren.datagov.jobs",
    "zeren.security.jobs",
    "zeren.merchants.jobs",
    "zeren.merchants.checks",
    "zeren.rules.checks",
    "zeren.reviews.checks",
    "zeren.credit.checks",
    "zeren.ops.jobs",
    "zeren.market.checks",
    "zeren.governance.checks",
    "zeren.workers.checks",
    "zeren.users.checks",
    # console pages, in the order their routes are tried
    "zeren.platforms.console",
    "zeren.exemptions.console",
    "zeren.posture.console",
    "zeren.guideline.console",
    "zeren.audit.console",
    "zeren.auth.console",
    "zeren.moderation.console",
    "zeren.datagov.console",
    "zeren.security.console",
    "zeren.assessment.console",
    "zeren.governance.console",
    "zeren.rules.console",
    "zeren.reviews.console",
    "zeren.credit.console",
    "zeren.merchants.console",
)


@lru_cache(maxsize=1)
def registered_modules() -> frozenset[str]:
    """The domain modules this installation runs: those named by the registries of routes
    (``zeren.app.ROUTERS``), plugins (``BUILTIN_PLUGINS`` and entry points) and commands
    (``zeren.cli.DOMAIN_GROUPS``/``DOMAIN_COMMANDS``), plus the console itself. A guideline
    capability is ``available`` when its module is one of them, else ``planned``."""
    from zeren.app import ROUTERS
    from zeren.cli import DOMAIN_COMMANDS, DOMAIN_GROUPS

    names = [*ROUTERS, *BUILTIN_PLUGINS, *(m for m, _, _ in DOMAIN_GROUPS + DOMAIN_COMMANDS)]
    names += [n for n, _ in plugin_manager().list_name_plugin() if n]
    out = {"console"}
    for n in names:
        parts = n.split(".")
        if len(parts) >= 2 and parts[0] == "zeren":
            out.add(parts[1])
    return frozenset(out)


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("zeren")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(load_module(name, registry="zeren.plugins.BUILTIN_PLUGINS"), name=name)
    pm.load_setuptools_entrypoints("zeren")
    return pm
