"""Loud loading of Zeren's registries (routers, console pages and other plugins, CLI command
groups): a module a registry names is imported, or start-up fails with the registry, the
name and the reason. Nothing is skipped silently: a misspelled module name is a bug, not a
smaller build."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LoadError(RuntimeError):
    """A registry names a module (or an attribute of one) that cannot be loaded."""


def load_module(name: str, *, registry: str) -> ModuleType:
    """The module ``name``; a ``LoadError`` naming it and ``registry`` if it cannot be
    imported."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise LoadError(f"{registry} names module {name!r}, which cannot be imported: "
                        f"{exc}") from exc


def load_attr(name: str, attr: str, *, registry: str) -> Any:
    """``name.attr``; a ``LoadError`` naming both if either is missing."""
    module = load_module(name, registry=registry)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise LoadError(f"{registry} names {name}.{attr}, but {name!r} has no {attr!r}"
                        ) from None
