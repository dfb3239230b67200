"""Shared pieces of the market tests: a data folder with the price fixture stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.market.fixtures import ALL
from zeren.market import store
from zeren.market.domain import catalogue


def load(root: Path, platform_id: str = "p1") -> Path:
    cat = catalogue()
    for name, rows in ALL.items():
        ds = cat.datasets[name]
        store.ingest(root=root, platform_id=platform_id, ds=ds,
                     source=store.open_records(rows, "api", ds), sha256="0" * 64)
    return root


@pytest.fixture
def price_root(tmp_path: Path) -> Path:
    return load(tmp_path / "data")
