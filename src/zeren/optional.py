"""Import a domain module that may not be installed in this build of Zeren."""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_import(name: str) -> ModuleType | None:
    """The module ``name``, or None when it (or a package above it) does not exist. An import
    error raised from inside an existing module is a bug and propagates."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise
