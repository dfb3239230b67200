"""Pure org-registry vocabulary: department kinds and duties, from org.yaml."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, dict[str, Any]]]:
    raw: dict[str, dict[str, dict[str, Any]]] = yaml.safe_load(
        resources.files("zeren.org").joinpath("data/org.yaml").read_text("utf-8")
    )
    return raw
