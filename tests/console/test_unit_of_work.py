"""A console page uses the request's one unit of work, as the API does: one database
connection per request (no extra session opened in a middleware to find the user), and a
form's write is committed by the request, not by the handler."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.conftest import World
from tests.console.test_security import _login


def checkouts(app: FastAPI, client: TestClient, method: str, url: str, **kw: Any) -> int:
    seen: list[int] = []

    def count(*_a: Any) -> None:
        seen.append(1)
    event.listen(app.state.engine, "checkout", count)
    try:
        r = client.request(method, url, follow_redirects=False, **kw)
    finally:
        event.remove(app.state.engine, "checkout", count)
    assert r.status_code < 400, r.text
    return len(seen)


def test_a_page_and_a_form_each_use_one_connection(app: FastAPI, client: TestClient,
                                                   engine: Engine, world: World) -> None:
    csrf = _login(client, engine)
    assert checkouts(app, client, "GET", "/platforms/small/posture") == 1
    assert checkouts(app, client, "POST", "/platforms/small/posture/evaluate",
                     data={"csrf": csrf}) == 1
    page = client.get("/platforms/small/posture").text
    assert re.search(r"evaluation|评估", page)
