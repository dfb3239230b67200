"""Shared pieces of the merchant tests: URLs, the merchant_ops tokens, sample bodies with
identifiers that carry valid check digits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import World
from zeren.merchants.domain import sample_resident_id, sample_uscc


def url(world: World, path: str = "", platform: str | None = None) -> str:
    return f"/api/v1/platforms/{platform or world.big_id}/merchants{path}"


@pytest.fixture
def ops(world: World) -> dict[str, str]:
    return world.auth("merchant_ops")


def enterprise(n: int, **kw: Any) -> dict[str, Any]:
    return {"merchant_ref": f"M{n:06d}", "kind": "enterprise",
            "legal_name": f"测试商贸有限公司{n}", "uscc": sample_uscc(n),
            "representative": "张三", "business_scope": "日用百货销售",
            "registered_address": "北京市朝阳区建国路1号", **kw}


def natural_person(n: int, **kw: Any) -> dict[str, Any]:
    return {"merchant_ref": f"P{n:06d}", "kind": "natural_person", "legal_name": f"李四{n}",
            "resident_id": sample_resident_id(n), "ground": "零星小额", **kw}


def licence(**kw: Any) -> dict[str, Any]:
    return {"kind": "food_business", "number": "JY11105000000001", "issuer": "北京市朝阳区市场监督管理局",
            "valid_from": "2024-01-01", "valid_until": "2029-12-31", **kw}


runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from zeren.config import get_settings

    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    from zeren.cli import app

    r = runner.invoke(app, list(args))
    return r.exit_code, r.output
