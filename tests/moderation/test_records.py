"""Records the law asks the platform to keep stay as they were: the content a decision judged
is kept apart from the subject's current text, which the platform may update."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import World
from tests.moderation.test_api import API, case, decide, file_report, report_body
from zeren.db.session import unit_of_work


def test_update_after_decision_keeps_the_judged_content(client: TestClient, world: World,
                                                         engine: Engine) -> None:
    cid = file_report(client, world)["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid).status_code == 200
    judged = case(client, world, cid)["judged"]
    assert judged["text"] == "某地发生大事了" and len(judged["sha256"]) == 64
    body = report_body()["subject"]
    body["text"] = "完全无害的文本"
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/subjects",
                    headers=world.auth("api_client"), json=body)
    assert r.status_code == 201, r.text
    page = case(client, world, cid)
    assert page["judged"] == judged  # what was judged did not move
    assert page["subject"]["text"] == "完全无害的文本"  # the platform's current text
    measures = [m for m in page["measures"]]
    for m in measures:
        st = client.get(f"{API}/moderation/measures/{m['id']}/statement",
                        headers=world.auth("moderator")).json()
        assert st["body"]["content"]["sha256"] == judged["sha256"]
    with pytest.raises(Exception, match="append-only"), unit_of_work(engine) as s:
        s.execute(text("UPDATE mod_judged_content SET text = 'x'"))


def test_open_case_has_no_judged_content_yet(client: TestClient, world: World) -> None:
    cid = file_report(client, world)["case_id"]
    assert case(client, world, cid)["judged"] is None
