"""Zeren's extension points, declared once, each with what it is for. Built-in domain modules
ship their behaviour as the first plugins (``zeren.plugins.BUILTIN_PLUGINS``); outside
packages join through the ``zeren`` entry-point group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from zeren.console.web import ConsolePages
    from zeren.jobs.domain import Job
    from zeren.posture.domain import Check, OpenFinding

hookspec = pluggy.HookspecMarker("zeren")
hookimpl = pluggy.HookimplMarker("zeren")


@hookspec
def zeren_posture_checks() -> list[Check]:  # type: ignore[empty-body]
    """Return the posture checks this plugin contributes, one or more per article it serves."""


@hookspec
def zeren_posture_findings(  # type: ignore[empty-body]
    session: Session, platform_id: str, now: datetime
) -> list[OpenFinding]:
    """Return the findings that weigh on the platform's posture now: an independent
    auditor's finding whose remediation is overdue makes its obligation at_risk (Art 8). The
    posture lowers the obligation to the finding's status (never raises it) and names it."""


@hookspec
def zeren_erasure_holds(  # type: ignore[empty-body]
    session: Session, platform_id: str | None, subject: str, now: datetime
) -> list[str]:
    """Return why the personal data of the ledger record about ``subject`` must not be
    erased now, beyond its retention period: each active hold that covers it (an authority's
    enforcement request, Art 34) as one line naming the hold. The ledger refuses erasure
    while any plugin returns one."""


@hookspec
def zeren_jobs() -> list[Job]:  # type: ignore[empty-body]
    """Return the scheduled jobs this plugin contributes (daily patrol, posture evaluation,
    SLA sweeps, …); the job runner runs each when its schedule says it is due."""


@hookspec
def zeren_console_pages() -> list[ConsolePages]:  # type: ignore[empty-body]
    """Return the console pages this plugin contributes: a router whose handlers take
    ``ConsoleActor``, ``SessionDep`` and ``CsrfForm`` (``zeren.console.web``), call one
    service each and render; the folder of its templates; the folder of its message
    catalogues. The console includes them in plugin order (docs/architecture.md)."""
