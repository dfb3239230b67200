"""The audit trail: every write appends an attributable event, nobody can change it through
the product, and the database refuses UPDATE and DELETE on it and the other kept records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.auth.test_role_routes import api_routes
from tests.conftest import World, big_figures
from zeren.audit.service import canonical_json, digest
from zeren.auth.policy import SYSTEM
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.exemptions.service import decide_exemption, request_exemption
from zeren.platforms.models import Platform
from zeren.posture.service import attest, evaluate


def _events(client: TestClient, world: World, **params: str) -> list[dict[str, object]]:
    r = client.get("/api/v1/audit/events", headers=world.auth("auditor"),
                   params={"limit": "500", **params})
    items: list[dict[str, object]] = r.json()["items"]
    return items


def test_every_write_is_attributed(client: TestClient, world: World) -> None:
    before = len(_events(client, world))
    h = world.auth("compliance_officer")
    rid = "req-test-0001"
    r = client.post(f"/api/v1/platforms/{world.big_id}/figures",
                    headers={**h, "X-Request-ID": rid}, json=big_figures(utcnow().year - 1))
    assert r.status_code == 201
    evs = _events(client, world)
    assert len(evs) == before + 2  # figures + tier assessment
    figs = next(e for e in evs if e["action"] == "platform.figures")
    assert figs["actor_name"] == "u-compliance-officer"
    assert figs["request_id"] == rid
    assert figs["platform_id"] == world.big_id
    assert figs["after_digest"] and len(str(figs["after_digest"])) == 64
    assert {e["action"] for e in evs} >= {"platform.create", "user.create", "token.create",
                                          "platform.classify"}


def test_failed_write_leaves_no_event(client: TestClient, world: World) -> None:
    before = len(_events(client, world))
    r = client.post(f"/api/v1/platforms/{world.big_id}/figures",
                    headers=world.auth("compliance_officer"),
                    json={**big_figures(2020), "annual_active_users": -1})
    assert r.status_code == 422
    assert len(_events(client, world)) == before


# Routes that replace a user's credentials or role grants. These are not kept records: each
# change is itself an audit event, and the old value stays in the trail as its before-digest.
REPLACES_CREDENTIALS = {
    ("PUT", "/api/v1/me/password"),
    ("PUT", "/api/v1/users/{username}/password"),
    ("PUT", "/api/v1/users/{username}/roles"),
}


# Working registers that officers keep current (a risk's rating, an algorithm's disclosure or
# filing number). Each change is an audit event with before and after digests, and the state a
# signed assessment relied on is kept in its evidence snapshots.
WORKING_REGISTERS = {
    ("PATCH", "/api/v1/risks/{risk_id}"),
    ("PATCH", "/api/v1/algorithms/{algorithm_id}"),
}
# A rule version still in draft (not yet put to consultation); a published version refuses edits.
DRAFTS = {("PATCH", "/api/v1/platforms/{platform_id}/rules/versions/{version_id}")}


def test_no_route_changes_or_deletes_kept_records(app: FastAPI) -> None:
    for method, path, _perm in api_routes(app):
        if (method, path) in REPLACES_CREDENTIALS | WORKING_REGISTERS | DRAFTS:
            continue
        assert method not in ("DELETE", "PUT", "PATCH"), f"{method} {path}"
        if path.startswith("/api/v1/audit/events"):  # the trail itself (audit engagements are apart)
            assert method == "GET"


KEPT = ["audit_events", "evidence_snapshots", "exemption_events", "tier_assessments",
        "platform_figures", "attestations"]


@pytest.fixture
def kept_rows(engine: Engine, world: World, tmp_path: Path) -> World:
    """At least one row in every kept table."""
    with unit_of_work(engine) as s:
        small = s.get(Platform, world.small_id)
        assert small
        ex = request_exemption(session=s, actor=SYSTEM, platform=small, data={
            "article": 30, "ground": "law_or_policy_exception", "justification": "测试用的变通理由说明",
            "ends_on": (date.today() + timedelta(days=9)).isoformat()})
        decide_exemption(session=s, actor=SYSTEM, exemption_id=ex.id, action="reject", note="否")
        attest(session=s, actor=SYSTEM, platform=small, obligation_key="art32.green_packaging",
               statement="测试声明：包装减量已落实", valid_from=None,
               valid_until=datetime.now(UTC) + timedelta(days=5), files=[], data_dir=tmp_path)
        evaluate(session=s, actor=SYSTEM, platform=small)
    return world


@pytest.mark.parametrize("table", KEPT)
def test_database_refuses_update_and_delete(engine: Engine, kept_rows: World, table: str
                                            ) -> None:
    with engine.connect() as c:
        n = c.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
    assert n, f"fixture left {table} empty"
    for stmt in (f"DELETE FROM {table}", f"UPDATE {table} SET id = id" if table != "audit_events"
                 else "UPDATE audit_events SET action = 'forged'"):
        with engine.connect() as c, pytest.raises(DBAPIError, match="append-only"):
            c.execute(text(stmt))
            c.commit()
    with engine.connect() as c:
        assert c.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == n


def test_digest_is_stable() -> None:
    assert digest({"b": 1, "a": "中"}) == digest({"a": "中", "b": 1})
    assert canonical_json({"b": 1, "a": "中"}) == '{"a":"中","b":1}'.encode()
