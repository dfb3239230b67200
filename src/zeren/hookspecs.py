"""Zeren's extension points, declared once, each with what it is for. Built-in domain modules
ship their behaviour as the first plugins (``zeren.plugins.BUILTIN_PLUGINS``); outside
packages join through the ``zeren`` entry-point group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from zeren.jobs.domain import Job
    from zeren.posture.domain import Check

hookspec = pluggy.HookspecMarker("zeren")
hookimpl = pluggy.HookimplMarker("zeren")


@hookspec
def zeren_posture_checks() -> list[Check]:  # type: ignore[empty-body]
    """Return the posture checks this plugin contributes, one or more per article it serves."""


@hookspec
def zeren_jobs() -> list[Job]:  # type: ignore[empty-body]
    """Return the scheduled jobs this plugin contributes (daily patrol, posture evaluation,
    SLA sweeps, …); the job runner runs each when its schedule says it is due."""
