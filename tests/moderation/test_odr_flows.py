"""The whole IP notice-and-takedown and complaint flows through the public interfaces, with
the deployment's test clock moved by ``zeren clock advance`` (the server, the job runner and
the CLI read the same clock): the 15 days of 电子商务法 Art 43 with and without a lawsuit, the
late lawsuit after day 15, the merchant's 48-hour reply window, mediation after it, and every
outcome counted in the periodic report."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import World
from tests.moderation.test_api import API
from tests.moderation.test_parties import EV, complaint, inbox, notice
from zeren import clock
from zeren.cli import app as cli_app
from zeren.config import Settings, get_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data",
                    secret_key=secrets.token_urlsafe(32), env="development",
                    test_clock_file=tmp_path / "clock.json")


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``zeren …`` with the deployment's settings (the same database and test clock)."""
    monkeypatch.setenv("ZEREN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ZEREN_ENV", "development")
    monkeypatch.setenv("ZEREN_TEST_CLOCK_FILE", str(settings.test_clock_file))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> str:
        r = runner.invoke(cli_app, list(args))
        assert r.exit_code == 0, r.output
        return r.output

    yield run
    get_settings.cache_clear()
    clock.use_test_clock(None)


def tick(client: TestClient, world: World) -> dict[str, int]:
    r = client.post(f"{API}/moderation/tick", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    out: dict[str, int] = r.json()
    return out


def test_ip_clock_with_and_without_a_lawsuit(client: TestClient, world: World, cli: Any
                                             ) -> None:
    lawsuit = {"kind": "lawsuit", "reference": "(2026)京0491民初1号", "body": "北京互联网法院"}
    a = notice(client, world, "sku-1", "shop-1")  # the merchant declares, nobody sues
    b = notice(client, world, "sku-2", "shop-2")  # the rights holder sues on day 10
    for n, shop in ((a, "shop-1"), (b, "shop-2")):
        r = client.post(f"{API}/moderation/public/inbox/{inbox(client, world, shop)}"
                        f"/ip-notices/{n['id']}/counter-notice",
                        json={"declaration": "我方为正品授权经销商", "evidence": EV})
        assert r.status_code == 200, r.text
        n["clock_ends_at"] = r.json()["clock_ends_at"]
    cli("clock", "advance", "10d")
    r = client.post(f"{API}/moderation/public/ip-holder/{b['holder_token']}/action",
                    json=lawsuit)
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    assert tick(client, world)["ip_restored"] == 0
    cli("clock", "advance", "5d")  # day 15: the period runs to 24:00 of day 15, not yet over
    assert tick(client, world)["ip_restored"] == 0
    cli("clock", "advance", "4d")  # past the end whatever the weekday (at most 2 rest days)
    assert clock.now() > datetime.fromisoformat(a["clock_ends_at"])
    # the late lawsuit: refused, and the measure is ended by the job runner's tick
    r = client.post(f"{API}/moderation/public/ip-holder/{a['holder_token']}/action",
                    json=lawsuit)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ip_clock_ended"
    out = cli("jobs", "run", "--name", "moderation.tick", "--force")
    assert "moderation.tick" in out
    view = client.get(f"{API}/moderation/public/ip-holder/{a['holder_token']}").json()
    assert view["notice"]["status"] == "restored"
    changes = client.get(f"{API}/platforms/{world.big_id}/moderation/measure-changes",
                         headers=world.auth("moderator")).json()["items"]
    assert sorted(c["change"] for c in changes) == ["applied", "applied", "lifted"]
    report = client.get(f"{API}/platforms/{world.big_id}/moderation/report",
                        headers=world.auth("regulator")).json()["ip_notices"]
    assert (report["filed"], report["upheld"], report["restored"], report["open"],
            report["late"]) == (2, 1, 1, 0, 0)


def test_merchant_window_and_mediation(client: TestClient, world: World, cli: Any) -> None:
    slow = complaint(client, world, "shop-slow")  # lets its 48 hours pass
    quick = complaint(client, world, "shop-quick")  # answers in time, refuses
    late = complaint(client, world, "shop-late")  # mediated straight after its window
    ok = complaint(client, world, "shop-ok")  # accepts
    mediate = {"settled": True, "outcome": "平台调解：部分退款"}
    for c in (slow, late):  # mediation cannot skip the merchant while its window is open
        r = client.post(f"{API}/moderation/complaints/{c['id']}/mediation",
                        headers=world.auth("moderator"), json=mediate)
        assert r.status_code == 409 and r.json()["error"]["code"] == "merchant_reply_pending"
    cli("clock", "advance", "47h")
    r = client.post(f"{API}/moderation/public/inbox/{inbox(client, world, 'shop-quick')}"
                    f"/complaints/{quick['id']}/reply", json={"reply": "商品无误", "accepted": False})
    assert r.json()["status"] == "mediation"
    r = client.post(f"{API}/moderation/complaints/{ok['id']}/merchant-reply",
                    headers=world.auth("api_client"),
                    json={"reply": "同意退款", "accepted": True, "merchant_ref": "shop-ok"})
    assert r.json()["status"] == "resolved_by_merchant"
    assert tick(client, world)["complaints_to_mediation"] == 0
    cli("clock", "advance", "2h")
    r = client.post(f"{API}/moderation/complaints/{slow['id']}/merchant-reply",
                    headers=world.auth("api_client"),
                    json={"reply": "晚了", "accepted": True, "merchant_ref": "shop-slow"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "reply_window_passed"
    r = client.post(f"{API}/moderation/complaints/{late['id']}/mediation",
                    headers=world.auth("moderator"), json={"settled": False, "outcome": "未果"})
    assert r.status_code == 200 and r.json()["status"] == "closed_unresolved"
    out = cli("moderation", "tick")  # the CLI reads the same clock
    assert '"complaints_to_mediation": 1' in out
    for c, settled in ((slow, True), (quick, False)):
        r = client.post(f"{API}/moderation/complaints/{c['id']}/mediation",
                        headers=world.auth("moderator"),
                        json={"settled": settled, "outcome": "调解结果"})
        assert r.status_code == 200, r.text
    view = client.get(f"{API}{slow['consumer_link'].removeprefix(API)}").json()
    assert view["complaint"]["status"] == "resolved_in_mediation"
    report = client.get(f"{API}/platforms/{world.big_id}/moderation/report",
                        headers=world.auth("regulator")).json()["complaints"]
    assert (report["filed"], report["resolved_by_merchant"], report["resolved_in_mediation"],
            report["closed_unresolved"], report["open"]) == (4, 1, 1, 2, 0)
