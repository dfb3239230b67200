"""The main list routes page in SQL and read what they show in a fixed number of statements,
however many rows there are (no N+1): each is called with a few rows and with several times
as many, and must run the same number of SQL statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.conftest import World

API = "/api/v1"
UNTIL = (date.today() + timedelta(days=30)).isoformat()


@contextmanager
def counting(app: FastAPI) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)
    event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)


def statements(app: FastAPI, client: TestClient, url: str, headers: dict[str, str]) -> int:
    with counting(app) as seen:
        r = client.get(url, headers=headers)
    assert r.status_code == 200, r.text
    return len(seen)


def attest(client: TestClient, world: World, i: int) -> None:
    r = client.post(f"{API}/platforms/{world.small_id}/attestations",
                    headers=world.auth("compliance_officer"),
                    data={"obligation_key": "art33.tax_duties",
                          "statement": f"已依法纳税并履行代扣代缴义务，回执第 {i} 期", "valid_until": UNTIL},
                    files=[("files", (f"r{i}.txt", f"回执 {i}".encode(), "text/plain")),
                           ("files", (f"s{i}.txt", f"附件 {i}".encode(), "text/plain"))])
    assert r.status_code == 201, r.text


def report(client: TestClient, world: World, i: int) -> None:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                    headers=world.auth("api_client"),
                    json={"subject": {"kind": "post", "external_ref": f"q-{i}",
                                      "owner": {"kind": "user", "external_ref": f"qu-{i}"}},
                          "category": "fraud", "description": "骗钱"})
    assert r.status_code == 201, r.text


def evaluate(client: TestClient, world: World, _i: int) -> None:
    r = client.post(f"{API}/platforms/{world.small_id}/posture/evaluate",
                    headers=world.auth("compliance_officer"))
    assert r.status_code == 201, r.text


def test_list_routes_read_in_a_fixed_number_of_statements(
        app: FastAPI, client: TestClient, world: World) -> None:
    officer = world.auth("compliance_officer")
    routes: list[tuple[str, Callable[[TestClient, World, int], None], dict[str, str]]] = [
        (f"{API}/platforms/{world.small_id}/attestations", attest, officer),
        (f"{API}/platforms/{world.big_id}/moderation/cases", report, world.auth("moderator")),
        (f"{API}/platforms/{world.small_id}/posture/obligations/art33.tax_duties/history",
         evaluate, officer),
        (f"{API}/audit/events", attest, world.auth("auditor")),
    ]
    made = 0
    for url, make, headers in routes:
        for _ in range(2):
            make(client, world, made := made + 1)
        few = statements(app, client, url, headers)
        for _ in range(6):
            make(client, world, made := made + 1)
        many = statements(app, client, url, headers)
        assert many == few, f"{url}: {few} statements for a few rows, {many} for more"
        page = client.get(url, headers=headers).json()
        assert page["total"] >= 8 and len(page["items"]) == min(page["total"], 50)


def test_totals_count_every_row_not_a_capped_read(client: TestClient, world: World) -> None:
    officer = world.auth("compliance_officer")
    for _ in range(3):
        evaluate(client, world, 0)
    url = f"{API}/platforms/{world.small_id}/posture/obligations/art33.tax_duties/history"
    page = client.get(url, params={"limit": 1, "offset": 1}, headers=officer).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["offset"] == 1
