"""Pure platform rules: identifier checks and the platform types shipped as data."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError


@lru_cache(maxsize=1)
def platform_types() -> dict[str, dict[str, str]]:
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("zeren.platforms").joinpath("data/platform_types.yaml").read_text("utf-8")
    )
    types: dict[str, dict[str, str]] = raw["types"]
    return types


def uscc_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 统一社会信用代码 (GB 32100-2015), or None if it is."""
    try:
        stdnum_uscc.validate(value)
    except ValidationError as exc:
        return f"not a valid unified social credit code (GB 32100-2015): {exc}"
    return None
