"""``zeren backup`` / ``zeren restore`` / ``zeren jobs run --name ops.backup`` at the terminal:
the same services, the passphrase from a file, clear refusals with a non-zero exit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from zeren.cli import app
from zeren.config import get_settings
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys, key_dir

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "pass").write_text("a passphrase long enough\n")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_backup_then_restore(env: Path, engine: Engine, empty_db_url: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    integ = Integrator(engine, keys=LogKeys(key_dir(env / "data")), batch_size=16, batch_ms=5)
    integ.append("orders/2026", [PendingEntry(b"o%d" % i) for i in range(40)])
    integ.close()
    r = runner.invoke(app, ["backup", "--out", str(env / "b.tar"), "--passphrase-file",
                            str(env / "pass")])
    assert r.exit_code == 0, r.output
    assert re.search(r"orders/2026\s+40", r.output) and "zeren-backup+" in r.output
    short = env / "short"
    short.write_text("too short")
    r = runner.invoke(app, ["backup", "--out", str(env / "c.tar"), "--passphrase-file",
                            str(short)])
    assert r.exit_code == 2 and "at least 12 characters" in r.output

    monkeypatch.setenv("ZEREN_DATABASE_URL", empty_db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(env / "restored"))
    get_settings.cache_clear()
    r = runner.invoke(app, ["restore", str(env / "b.tar"), "--passphrase-file",
                            str(env / "pass")])
    assert r.exit_code == 0, r.output
    assert re.search(r"OK orders/2026\s+40", r.output), r.output
    r = runner.invoke(app, ["restore", str(env / "b.tar"), "--passphrase-file",
                            str(env / "pass")])
    assert r.exit_code == 2 and "restore_refused" in r.output and "not empty" in r.output


def test_scheduled_backup_keeps_the_newest(env: Path, engine: Engine,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    r = runner.invoke(app, ["jobs", "run", "--name", "ops.backup", "--force"])
    assert r.exit_code == 0 and "skipped" in r.output
    monkeypatch.setenv("ZEREN_BACKUP_DIR", str(env / "backups"))
    monkeypatch.setenv("ZEREN_BACKUP_PASSPHRASE_FILE", str(env / "pass"))
    monkeypatch.setenv("ZEREN_BACKUP_KEEP", "2")
    get_settings.cache_clear()
    (env / "backups").mkdir()
    for old in ("20200101T000000Z", "20200102T000000Z"):
        (env / "backups" / f"zeren-backup-{old}.tar").write_bytes(b"old")
    r = runner.invoke(app, ["jobs", "run", "--name", "ops.backup", "--force"])
    assert r.exit_code == 0 and "ops.backup: ok" in r.output, r.output
    kept = sorted(p.name for p in (env / "backups").iterdir())
    assert len(kept) == 2 and kept[0] == "zeren-backup-20200102T000000Z.tar"
    assert kept[1] > kept[0]
