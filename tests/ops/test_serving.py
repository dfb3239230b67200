"""The production layout, for real: ``zeren serve --workers 2`` (two API worker processes, no
jobs in them) beside ``zeren jobs run --forever`` — plus a stray second job runner, as an
operator's mistake would leave one. Requests are answered, /metrics adds up both workers, and
no job runs twice: between two runs of a job lies at least its interval."""

from __future__ import annotations

import itertools
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, select

from tests.conftest import World
from tests.served import served
from zeren.jobs.domain import Every
from zeren.jobs.models import JobRun
from zeren.jobs.service import all_jobs

TOKEN = secrets.token_hex(20)  # random, so the scan of the processes' output can look for it


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


@pytest.fixture
def deployment(db_url: str, tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    env = {**os.environ, "ZEREN_DATABASE_URL": db_url, "ZEREN_DATA_DIR": str(tmp_path / "data"),
           "ZEREN_METRICS_TOKEN": TOKEN, "ZEREN_LOG_FORMAT": "json",
           "ZEREN_SECRET_KEY": secrets.token_urlsafe(32),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    runner = ["jobs", "run", "--forever", "--interval", "0.3"]
    with served(env, tmp_path / "logs", [["serve", "--workers", "2"], runner, runner],
                ready="/api/v1/ready") as s:
        yield s.base, s.procs


def test_two_workers_and_a_job_runner_never_run_a_job_twice(
    deployment: tuple[str, list[subprocess.Popen[bytes]]], engine: Engine, world: World
) -> None:
    base, procs = deployment
    assert len([c for c in _children(procs[0].pid)
                if b"multiprocessing" in Path(f"/proc/{c}/cmdline").read_bytes()]) >= 2
    h = {"Authorization": f"Bearer {world.tokens['admin']}"}
    for _ in range(30):
        assert httpx.get(f"{base}/api/v1/platforms", headers=h, timeout=60).status_code == 200
    scraped = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                        timeout=60).text
    served = sum(s.value for fam in text_string_to_metric_families(scraped)
                 if fam.name == "zeren_http_requests" for s in fam.samples
                 if s.labels.get("route") == "/api/v1/platforms" and s.name.endswith("_total"))
    assert served == 30, "every worker's requests, added up"

    names = {j.name for j in all_jobs()}
    deadline = time.monotonic() + 600
    runs: list[JobRun] = []
    while time.monotonic() < deadline:
        with engine.connect() as c:
            runs = [JobRun(**r._mapping) for r in c.execute(select(JobRun.__table__))]
        if {r.job for r in runs} >= names:
            break
        time.sleep(0.5)
    assert {r.job for r in runs} >= names, f"not every job ran: {sorted({r.job for r in runs})}"
    time.sleep(2)  # both runners go round several more times
    with engine.connect() as c:
        runs = [JobRun(**r._mapping) for r in c.execute(select(JobRun.__table__))]
    assert all(r.status == "ok" for r in runs), [(r.job, r.error) for r in runs if r.error]
    for job in all_jobs():
        starts = sorted(r.started_at for r in runs if r.job == job.name)
        gap = timedelta(seconds=job.schedule.seconds) if isinstance(job.schedule, Every) \
            else timedelta(hours=1)
        for a, b in itertools.pairwise(starts):
            assert b - a >= gap, f"{job.name} ran twice: {a} and {b}"
    assert all(p.poll() is None for p in procs), "every process still up"
