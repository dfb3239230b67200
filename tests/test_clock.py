"""The process clock: the system clock unless a development or test deployment names a test
clock file, refused in production, shared by every process that reads the same settings, and
moved with ``zeren clock``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from zeren import clock
from zeren.cli import app
from zeren.config import Settings, get_settings
from zeren.db.base import utcnow
from zeren.errors import InvalidInput
from zeren.timepolicy import now_utc


@pytest.fixture(autouse=True)
def system_clock_after() -> Iterator[None]:
    yield
    clock.use_test_clock(None)


def test_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="refused when ZEREN_ENV is production"):
        Settings(env="production", test_clock_file=tmp_path / "clock.json")
    assert Settings(env="development", test_clock_file=tmp_path / "c.json").test_clock_file
    assert Settings().test_clock_file is None


def test_offset_file_moves_every_reader(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    before = datetime.now(UTC)
    clock.use_test_clock(path)
    assert abs(utcnow() - before) < timedelta(minutes=1)  # no file yet: offset 0
    clock.write_offset(path, timedelta(days=15))
    assert utcnow() - before >= timedelta(days=15)
    assert now_utc() - before >= timedelta(days=15)  # the time policy reads the same clock
    clock.write_offset(path, timedelta(hours=-2, days=15))  # re-read once the file changes
    assert timedelta(days=14) < utcnow() - before < timedelta(days=15)
    clock.use_test_clock(None)
    assert utcnow() - before < timedelta(minutes=1)


def test_bad_file_and_durations(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    path.write_text("not json", "utf-8")
    with pytest.raises(InvalidInput):
        clock.read_offset(path)
    assert clock.parse_duration("15d") == timedelta(days=15)
    assert clock.parse_duration("48h") == timedelta(hours=48)
    assert clock.parse_duration("-30m") == timedelta(minutes=-30)
    with pytest.raises(InvalidInput):
        clock.parse_duration("15 days")


def test_cli_moves_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    path = tmp_path / "clock.json"
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        r = runner.invoke(app, ["clock", "show"])
        assert r.exit_code == 2 and "ZEREN_TEST_CLOCK_FILE" in r.output
        monkeypatch.setenv("ZEREN_ENV", "development")
        monkeypatch.setenv("ZEREN_TEST_CLOCK_FILE", str(path))
        get_settings.cache_clear()
        r = runner.invoke(app, ["clock", "advance", "15d"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["offset_seconds"] == 15 * 86400
        r = runner.invoke(app, ["clock", "advance", "48h"])
        assert json.loads(r.output)["offset_seconds"] == 17 * 86400
        assert utcnow() - datetime.now(UTC) > timedelta(days=16)  # this process reads it too
        r = runner.invoke(app, ["clock", "set", "2030-01-01T08:00+08:00"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["now"].startswith("2030-01-01T00:00")
        r = runner.invoke(app, ["clock", "reset"])
        assert json.loads(r.output)["offset_seconds"] == 0
        r = runner.invoke(app, ["clock", "advance", "soon"])
        assert r.exit_code != 0 and "duration" in r.output
    finally:
        get_settings.cache_clear()


def test_screen_started_alone_reads_the_test_clock(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # `zeren screen` starts without the full command tree (zeren.entry), so without its
    # callback; it reads the deployment's test clock itself.
    from zeren.lexicon.cli_screen import screen_main

    path = tmp_path / "clock.json"
    clock.write_offset(path, timedelta(days=15))
    monkeypatch.setenv("ZEREN_ENV", "development")
    monkeypatch.setenv("ZEREN_TEST_CLOCK_FILE", str(path))
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit):
            screen_main([str(tmp_path / "missing.txt")])
        assert clock.test_clock_in_use() == path
        assert utcnow() - datetime.now(UTC) > timedelta(days=14)
    finally:
        get_settings.cache_clear()
