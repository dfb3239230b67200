"""``GET /metrics`` is scraped and parsed as Prometheus would: the metric names and types an
operator relies on are there, their values follow the data, every label is from a bounded set
(route templates, never a path with an id in it), and only the metrics token gets in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.config import Settings
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.jobs import service as jobs
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys, key_dir
from zeren.moderation.schemas import ReportIn, SubjectIn
from zeren.moderation.services import cases, intake

TOKEN = "metrics-" + "x" * 40
EXPECTED = {
    "zeren_http_requests": "counter",
    "zeren_http_request_duration_seconds": "histogram",
    "zeren_screening_documents": "counter",
    "zeren_moderation_open_cases": "gauge",
    "zeren_moderation_sla_breaches": "counter",
    "zeren_moderation_subjects": "gauge",
    "zeren_ledger_entries": "counter",
    "zeren_ledger_last_checkpoint_timestamp_seconds": "gauge",
    "zeren_ledger_backlog": "gauge",
    "zeren_patrol_runs_finished": "counter",
    "zeren_patrol_running": "gauge",
    "zeren_patrol_items_done": "gauge",
    "zeren_patrol_items_total": "gauge",
    "zeren_job_runs": "counter",
    "zeren_job_last_success_timestamp_seconds": "gauge",
    "zeren_webhook_delivery_failures": "counter",
    "zeren_webhook_messages": "gauge",
}
BOUNDED = {
    "route": None,  # checked apart: templates only
    "method": {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"},
    "status": None,  # three digits
    "decision": {"pass", "review", "block", "other"},
    "sla_state": {"within", "due_soon", "overdue"},
    "outbox": {"ledger", "moderation"},
    "verdict": {"pass", "review", "block", "pending"},
    "state": {"pending", "delivered", "dead"},
    "status_job": {"ok", "failed"},
    "le": None,
}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data", metrics_token=TOKEN,
                    secret_key="k" * 40)


@pytest.fixture
def scraped(client: TestClient, world: World, engine: Engine, settings: Settings
            ) -> Iterator[dict[str, tuple[str, list[tuple[str, dict[str, str], float]]]]]:
    now = utcnow()
    with unit_of_work(engine) as s:
        intake.submit_reports(session=s, platform_id=world.big_id, received_by="t", now=now,
                           items=[ReportIn(subject=SubjectIn(kind="post", external_ref=f"p{i}",
                                                             text="今天天气很好"),
                                           category="illegal.rumours") for i in range(3)])
    with unit_of_work(engine) as s:  # SLA breached: escalated, with a new deadline
        cases.escalate_overdue(session=s, now=now + timedelta(days=30))
    tick = next(j for j in jobs.all_jobs() if j.name == "moderation.tick")
    assert jobs.run_job(engine=engine, job=tick, force=True) is not None
    with unit_of_work(engine) as s:  # reported long ago, not yet seen by a tick: overdue
        intake.submit_reports(session=s, platform_id=world.big_id, received_by="t",
                           now=now - timedelta(days=30),
                           items=[ReportIn(subject=SubjectIn(kind="post", external_ref=f"q{i}"),
                                           category="illegal.rumours") for i in range(2)])
    integ = Integrator(engine, keys=LogKeys(key_dir(settings.data_dir)), batch_size=64,
                       batch_ms=5)
    integ.append("orders/2026", [PendingEntry(b"o%d" % i) for i in range(130)])
    integ.close()
    h = world.auth("admin")
    client.get(f"/api/v1/platforms/{world.big_id}", headers=h)
    client.get(f"/api/v1/platforms/{world.small_id}", headers=h)
    client.get("/api/v1/no/such/route/123456")
    client.post("/api/v1/screen", headers=h, json={"text": "这是一段正常的文字"})
    r = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for fam in text_string_to_metric_families(r.text):
        out[fam.name] = (fam.type, [(s.name, s.labels, s.value) for s in fam.samples])
    yield out


def test_names_and_types(scraped: dict[str, tuple[str, list[object]]]) -> None:
    for name, kind in EXPECTED.items():
        assert name in scraped, f"{name} missing from /metrics"
        assert scraped[name][0] == kind, f"{name} is a {scraped[name][0]}, not a {kind}"


def test_values_follow_the_data(scraped: dict[str, tuple[str, list[tuple[str, dict[str, str],
                                                                         float]]]]) -> None:
    def value(name: str, **labels: str) -> float:
        return sum(v for n, lb, v in scraped[name][1]
                   if all(lb.get(k) == x for k, x in labels.items())
                   and not n.endswith("_created"))

    assert value("zeren_moderation_open_cases", sla_state="overdue") == 2
    assert value("zeren_moderation_open_cases", queue="escalated", sla_state="within") == 3
    assert value("zeren_moderation_sla_breaches") == 3
    assert value("zeren_ledger_entries", record_class="orders") == 130
    assert value("zeren_job_runs", job="moderation.tick", status="ok") == 1
    assert value("zeren_http_requests", route="/api/v1/platforms/{platform_id}",
                 method="GET", status="200") >= 2
    assert value("zeren_http_requests", route="<unmatched>", status="404") >= 1
    assert value("zeren_screening_documents", decision="pass") >= 1


def test_labels_are_bounded(scraped: dict[str, tuple[str, list[tuple[str, dict[str, str],
                                                                       float]]]],
                            world: World) -> None:
    hexish = re.compile(r"[0-9a-f]{8,}|\d{4,}")
    for _name, (_kind, samples) in scraped.items():
        for _n, labels, _v in samples:
            for key, val in labels.items():
                assert world.big_id not in val and world.small_id not in val
                if key == "route":
                    assert val == "<unmatched>" or val.startswith("/"), val
                    assert not hexish.search(val), f"route label with an id: {val}"
                elif key == "status":
                    assert re.fullmatch(r"[1-5]\d\d|ok|failed", val), val
                elif key in ("job", "queue", "record_class", "le"):
                    assert not hexish.search(val.replace(".", "")) or key == "le", val
                else:
                    assert key in BOUNDED and val in (BOUNDED[key] or {val}), (key, val)


def test_only_the_token_gets_in(client: TestClient, settings: Settings) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    settings.metrics_token = None
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_live_and_ready(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    assert client.get("/api/v1/live").json() == {"status": "ok"}
    r = client.get("/api/v1/ready")
    assert r.status_code == 200 and r.json()["ready"] is True, r.text
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the data folder should be")
    settings.data_dir = blocker
    r = client.get("/api/v1/ready")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "not_ready"
    assert r.json()["error"]["details"]["checks"]["data_dir"].startswith("not writable")
    assert SYSTEM  # (the walk of routes checks these are public)
