"""``zeren market ingest|run|findings`` at the terminal over the same services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import World
from tests.market.fixtures import ORDERS, PRICES
from zeren.cli import app
from zeren.config import get_settings

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_ingest_run_findings(env: Path, world: World) -> None:
    orders, prices = env / "orders.jsonl", env / "prices.jsonl"
    orders.write_text("\n".join(json.dumps(r) for r in ORDERS) + "\n")
    prices.write_text("\n".join(json.dumps(r) for r in PRICES) + "\n")
    for f, ds, n in ((orders, "orders", len(ORDERS)), (prices, "prices", len(PRICES))):
        r = runner.invoke(app, ["market", "ingest", str(f), "--dataset", ds, "--platform", "big"])
        assert r.exit_code == 0, r.output
        assert f"stored {n} rows into {ds}" in r.output
    r = runner.invoke(app, ["market", "ingest", str(orders), "--dataset", "orders",
                            "--platform", "big"])
    assert r.exit_code == 2 and "already stored" in r.output and "bad_rows" in r.output
    r = runner.invoke(app, ["market", "run", "fake_original_price", "--platform", "big"])
    assert r.exit_code == 0, r.output
    assert "2 new, 0 seen before" in r.output
    r = runner.invoke(app, ["market", "findings", "--platform", "big", "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["total"] == 2 and got["items"][0]["subject"] == "A/P1"
    r = runner.invoke(app, ["market", "findings", "--platform", "big", "--lang", "en"])
    assert "Art 16" in r.output
