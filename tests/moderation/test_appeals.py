"""Appeals: decided by someone who took no part in the first decision, whatever measure of
the case is appealed (the ladder's own measures included)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.moderation.test_api import API, decide, file_report


def _ladder_appeal(client: TestClient, world: World) -> dict[str, Any]:
    cid = file_report(client, world)["case_id"]
    assert client.post(f"{API}/moderation/cases/{cid}/claim",
                       headers=world.auth("moderator")).status_code == 200
    assert decide(client, world, cid).status_code == 200
    measures = client.get(f"{API}/platforms/{world.big_id}/moderation/measures",
                          headers=world.auth("moderator")).json()
    ladder = next(m for m in measures if m["trigger"] == "ladder")
    assert ladder["decided_by"] == "system:ladder"
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/appeals",
                    headers=world.auth("api_client"),
                    json={"measure_id": ladder["id"], "appellant_ref": "user-1",
                          "appellant_kind": "user", "grounds": "我没有违规"})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_ladder_measure_appeal_refuses_the_cases_decider(client: TestClient,
                                                         world: World) -> None:
    appeal = _ladder_appeal(client, world)
    decider = client.get(f"{API}/moderation/cases/{appeal['case_id']}",
                         headers=world.auth("moderator")).json()["case"]["decided_by"]
    assert appeal["first_decider"] == decider != "system:ladder"
    url = f"{API}/moderation/appeals/{appeal['id']}/decision"
    r = client.post(url, headers=world.auth("moderator"),
                    json={"outcome": "overturned", "reason": "I changed my mind"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "same_moderator"
    measures = client.get(f"{API}/platforms/{world.big_id}/moderation/measures",
                          headers=world.auth("moderator")).json()
    assert {m["status"] for m in measures} == {"active"}  # nothing changed
    r = client.post(url, headers=world.auth("compliance_officer"),
                    json={"outcome": "upheld", "reason": "rules applied correctly"})
    assert r.status_code == 200 and r.json()["status"] == "upheld"
