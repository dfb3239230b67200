"""Ledger fixtures: an integrator on the test database with its keys in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from zeren.ledger.integrator import Integrator
from zeren.ledger.keys import LogKeys


@pytest.fixture
def keys(tmp_path: Path) -> LogKeys:
    return LogKeys(tmp_path / "keys")


@pytest.fixture
def integrator(engine: Engine, keys: LogKeys) -> Iterator[Integrator]:
    integ = Integrator(engine, keys=keys, batch_size=256, batch_ms=20)
    yield integ
    integ.close()
