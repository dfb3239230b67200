"""Exemptions and the org registry on the console's platform page."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.conftest import World
from tests.console.test_security import _login
from zeren.exemptions.models import Exemption


def test_request_then_approve_by_another_officer(client: TestClient, engine: Engine,
                                                 world: World) -> None:
    csrf = _login(client, engine, "officer-a")
    form = {"csrf": csrf, "article": "30", "item": "", "ground": "beyond_control_or_capability",
            "justification": "保险供应商切换期间暂以自保替代。",
            "ends_on": (date.today() + timedelta(days=60)).isoformat()}
    r = client.post("/platforms/small/exemptions", data=form, follow_redirects=False)
    assert r.status_code == 303
    bad = client.post("/platforms/small/exemptions", data={**form, "ground": "because"})
    assert bad.status_code == 422 and "ground" in bad.text
    with Session(engine) as s:
        ex = s.scalars(select(Exemption)).one()
    page = client.get("/platforms/small").text
    assert f'data-exemption="{ex.id}" data-status="requested"' in page
    # the requester cannot approve their own request
    r = client.post(f"/platforms/small/exemptions/{ex.id}/decision",
                    data={"csrf": csrf, "action": "approve", "note": ""})
    assert r.status_code == 403
    csrf_b = _login(client, engine, "officer-b")
    r = client.post(f"/platforms/small/exemptions/{ex.id}/decision",
                    data={"csrf": csrf_b, "action": "approve", "note": "同意"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert f'data-exemption="{ex.id}" data-status="approved"' in client.get("/platforms/small").text
    # an exemption id of another platform is not reachable through this one's page
    r = client.post(f"/platforms/big/exemptions/{ex.id}/decision",
                    data={"csrf": csrf_b, "action": "withdraw", "note": "x"})
    assert r.status_code == 404


def test_org_registry_is_shown(client: TestClient, engine: Engine, world: World) -> None:
    _login(client, engine)
    page = client.get("/platforms/big").text
    assert 'id="org"' in page and 'id="exemptions"' in page
