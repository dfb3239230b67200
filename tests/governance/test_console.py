"""The governance console pages, signed in through the login form: the index, a platform's
interoperability requests and its compliance programme; integrity cases only for those who
handle them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.console.test_security import _login
from tests.governance.conftest import url
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.db.session import unit_of_work


def test_pages(client: TestClient, engine: Engine, world: World) -> None:
    co = world.auth("compliance_officer")
    r = client.post(url(world, "/interop"), headers=co,
                    json={"requester": "某出行平台", "service": "地图开放接口",
                          "asked": "接入路线规划 API", "received_on": "2026-03-02"})
    assert r.status_code == 201
    client.post(url(world, "/integrity/cases"), headers=world.auth("api_client"),
                json={"kind": "kickback", "summary": "回扣线索"})
    _login(client, engine)
    page = client.get("/governance")
    assert page.status_code == 200 and "/platforms/big/governance/interop" in page.text
    page = client.get("/platforms/big/governance/interop")
    assert page.status_code == 200 and "某出行平台" in page.text
    page = client.get("/platforms/big/governance/compliance")
    assert page.status_code == 200 and 'id="integrity"' in page.text and "kickback" in page.text
    page = client.get("/platforms/big/governance/figures")
    assert page.status_code == 200 and 'id="figures-packaging"' in page.text
    page = client.get("/platforms/big/governance/enforcement")
    assert page.status_code == 200 and 'id="holds"' in page.text
    page = client.get("/platforms/big/governance/concentrations")
    assert page.status_code == 200 and "经营者集中申报标准" in page.text
    # an auditor sees the registers but not the integrity cases
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username="aud", display_name="a",
                    password="a-long-password", roles=[("auditor", None)])
    client.cookies.clear()
    page = client.get("/login").text
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m
    client.post("/login", data={"csrf": m.group(1), "username": "aud",
                                "password": "a-long-password", "next": "/"})
    page = client.get("/platforms/big/governance/compliance")
    assert page.status_code == 200 and 'id="integrity"' not in page.text
