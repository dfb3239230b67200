"""Writes a platform-scoped actor may make on records named by id rather than by platform: the
service checks the record's own platform."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World


def test_a_scoped_officer_deactivates_their_platforms_webhook_only(client: TestClient,
                                                                   world: World) -> None:
    own = world.auth("compliance_officer", scoped=True)
    mine = client.post(f"/api/v1/platforms/{world.small_id}/moderation/webhooks", headers=own,
                       json={"url": "https://hooks.example.com/small"})
    assert mine.status_code == 201, mine.text
    theirs = client.post(f"/api/v1/platforms/{world.big_id}/moderation/webhooks",
                         headers=world.auth("admin"), json={"url": "https://hooks.example.com/big"})
    assert theirs.status_code == 201
    r = client.post(f"/api/v1/moderation/webhooks/{theirs.json()['id']}/deactivation",
                    headers=own)
    assert r.status_code == 403
    r = client.post(f"/api/v1/moderation/webhooks/{mine.json()['id']}/deactivation",
                    headers=own)
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.post(f"/api/v1/moderation/webhooks/{mine.json()['id']}/deactivation",
                    headers=world.auth("moderator", scoped=True))
    assert r.status_code == 403
