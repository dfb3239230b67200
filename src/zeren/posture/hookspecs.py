"""Kept for the domain modules that import ``hookimpl`` from here; the extension points are
declared in ``zeren.hookspecs``."""

from zeren.hookspecs import hookimpl, hookspec, zeren_posture_checks

__all__ = ["hookimpl", "hookspec", "zeren_posture_checks"]
