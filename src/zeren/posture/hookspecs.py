"""Zeren's extension points, declared once. Each domain module ships its built-in behaviour as
a plugin through these hooks (``zeren.posture.plugins`` registers them); outside packages can
add theirs through the ``zeren`` entry-point group."""

from __future__ import annotations

import pluggy

from zeren.posture.domain import Check

hookspec = pluggy.HookspecMarker("zeren")
hookimpl = pluggy.HookimplMarker("zeren")


@hookspec
def zeren_posture_checks() -> list[Check]:  # type: ignore[empty-body]
    """Return the posture checks this plugin contributes, one or more per article it serves."""
