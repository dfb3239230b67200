"""``python -m bench`` runs every benchmark (or those named) with its own options, each in its
own process, and goes on after one that exits."""

from __future__ import annotations

import subprocess
from typing import Any

import bench.__main__ as runner
import pytest


def test_every_benchmark_is_found() -> None:
    assert {"api", "ledger", "lexicon", "moderation"} <= set(runner.benchmarks())


def test_options_go_to_the_benchmark_they_follow() -> None:
    names = ["ledger", "lexicon", "moderation"]
    assert runner.plan([], names) == [(n, []) for n in names]
    assert runner.plan(["lexicon", "--patterns", "20", "moderation", "--quick"], names) == [
        ("lexicon", ["--patterns", "20"]), ("moderation", ["--quick"])]
    with pytest.raises(SystemExit):
        runner.plan(["--quick"], names)


def test_one_benchmark_exiting_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    ran: list[list[str]] = []

    def fake_run(cmd: list[str], **_kw: Any) -> subprocess.CompletedProcess[bytes]:
        ran.append(cmd[2:])
        return subprocess.CompletedProcess(cmd, 2 if cmd[2] == "bench.api" else 0)
    monkeypatch.setattr(runner.subprocess, "run", fake_run)
    assert runner.main(["api", "--x", "1", "ledger"]) == 1
    assert ran == [["bench.api", "--x", "1"], ["bench.ledger"]]
    ran.clear()
    assert runner.main([]) == 1 and [r[0] for r in ran] == [
        f"bench.{n}" for n in runner.benchmarks()]
