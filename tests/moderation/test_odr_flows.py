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
from tests.moderation.test_parties import EV, complaint, inbox, notice, public_view, refused
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


def forbidden(r: Any) -> None:
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"


def new_sender(client: TestClient) -> None:
    """The public links' rate limit (10 writes a minute per address, data/intake.toml) runs
    on real time and is not under test here: each phase writes as a new sender."""
    client.app.state.moderation_limiter = None  # type: ignore[attr-defined]


def test_every_wrong_party_on_the_clock(client: TestClient, world: World, cli: Any) -> None:
    """Each step of both flows, tried by each party that is not the one the record names, at
    the point of the deployment's time where the step is open: 403 (``wrong_party`` for a
    party the record does not name, ``forbidden`` for a role without the permission) and
    nothing changes; then the right party succeeds."""
    n = notice(client, world, "sku-w1", "shop-w1")
    other = notice(client, world, "sku-w2", "shop-w2")
    own, stranger = inbox(client, world, "shop-w1"), inbox(client, world, "shop-w2")
    # another party's link: a consumer's (its complaint is over before this one starts)
    consumer_token = complaint(client, world, "shop-w0")["consumer_link"].rsplit("/", 1)[1]
    decl = {"declaration": "我方有授权", "evidence": EV}
    lawsuit = {"kind": "lawsuit", "reference": "(2026)京0491民初2号", "body": "北京互联网法院"}
    ip_url = f"{API}/moderation/ip-notices/{n['id']}"

    # the merchant's declaration: only shop-w1, from its inbox or named by a platform system
    before = public_view(client, n["receipt"])
    refused(client.post(f"{ip_url}/counter-notice", headers=world.auth("api_client"),
                        json={**decl, "merchant_ref": "shop-w2"}))
    refused(client.post(f"{API}/moderation/public/inbox/{stranger}/ip-notices/{n['id']}"
                        "/counter-notice", json=decl))
    forbidden(client.post(f"{ip_url}/counter-notice", headers=world.auth("api_client", True),
                          json={**decl, "merchant_ref": "shop-w1"}))  # another platform's
    for token in (n["holder_token"], consumer_token):  # no other party's link is an inbox
        assert client.post(f"{API}/moderation/public/inbox/{token}/ip-notices/{n['id']}"
                           "/counter-notice", json=decl).status_code == 404
    # the rights holder cannot skip the merchant's turn (the machine, not the party)
    r = client.post(f"{API}/moderation/public/ip-holder/{n['holder_token']}/action",
                    json=lawsuit)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    assert public_view(client, n["receipt"]) == before
    r = client.post(f"{API}/moderation/public/inbox/{own}/ip-notices/{n['id']}/counter-notice",
                    json=decl)
    assert r.status_code == 200 and r.json()["status"] == "counter_noticed"

    new_sender(client)
    # day 10: the rights holder's complaint or lawsuit, and its withdrawal, only with its token
    cli("clock", "advance", "10d")
    before = public_view(client, n["receipt"])
    for token in (other["holder_token"], "guess"):
        refused(client.post(f"{ip_url}/rights-holder-action", headers=world.auth("moderator"),
                            json={**lawsuit, "holder_token": token}))
        refused(client.post(f"{ip_url}/withdrawal", headers=world.auth("api_client"),
                            json={"holder_token": token}))
    forbidden(client.post(f"{ip_url}/rights-holder-action",
                          headers=world.auth("api_client", True),
                          json={**lawsuit, "holder_token": n["holder_token"]}))
    for token in (own, consumer_token):  # the merchant's inbox, the consumer's link
        assert client.post(f"{API}/moderation/public/ip-holder/{token}/action",
                           json=lawsuit).status_code == 404
        assert client.post(f"{API}/moderation/public/ip-holder/{token}/withdrawal",
                           json={}).status_code == 404
    assert public_view(client, n["receipt"]) == before

    new_sender(client)
    # day 16: too late even for the right party; a wrong one is still refused as such
    cli("clock", "advance", "6d")
    refused(client.post(f"{ip_url}/rights-holder-action", headers=world.auth("api_client"),
                        json={**lawsuit, "holder_token": other["holder_token"]}))
    r = client.post(f"{ip_url}/rights-holder-action", headers=world.auth("api_client"),
                    json={**lawsuit, "holder_token": n["holder_token"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "ip_clock_ended"
    assert public_view(client, n["receipt"]) == before
    assert tick(client, world)["ip_restored"] == 1

    new_sender(client)
    # the complaint, filed now: the merchant complained about answers; the platform mediates
    # only after it
    c = complaint(client, world, "shop-w3")
    complaint(client, world, "shop-w4")
    seller, rival = inbox(client, world, "shop-w3"), inbox(client, world, "shop-w4")
    consumer_token = c["consumer_link"].rsplit("/", 1)[1]
    cl = f"{API}/moderation/complaints/{c['id']}"
    view = client.get(f"{API}/moderation/public/complaint/{consumer_token}").json()
    answer = {"reply": "同意", "accepted": True}
    refused(client.post(f"{cl}/merchant-reply", headers=world.auth("api_client"),
                        json={**answer, "merchant_ref": "shop-w4"}))
    refused(client.post(f"{API}/moderation/public/inbox/{rival}/complaints/{c['id']}/reply",
                        json=answer))
    forbidden(client.post(f"{cl}/merchant-reply", headers=world.auth("api_client", True),
                          json={**answer, "merchant_ref": "shop-w3"}))
    assert client.post(f"{API}/moderation/public/inbox/{consumer_token}/complaints/{c['id']}"
                       "/reply", json=answer).status_code == 404
    mediate = {"settled": True, "outcome": "调解：退款"}
    for role in ("api_client", "auditor"):  # no mediator's permission
        forbidden(client.post(f"{cl}/mediation", headers=world.auth(role), json=mediate))
    forbidden(client.post(f"{cl}/mediation", headers=world.auth("moderator", True),
                          json=mediate))
    r = client.post(f"{cl}/mediation", headers=world.auth("moderator"), json=mediate)
    assert r.status_code == 409 and r.json()["error"]["code"] == "merchant_reply_pending"
    assert client.get(f"{API}/moderation/public/complaint/{consumer_token}").json() == view

    new_sender(client)
    # 49 hours on: the window has passed; a wrong merchant is still refused as such
    cli("clock", "advance", "49h")
    refused(client.post(f"{API}/moderation/public/inbox/{rival}/complaints/{c['id']}/reply",
                        json=answer))
    r = client.post(f"{API}/moderation/public/inbox/{seller}/complaints/{c['id']}/reply",
                    json=answer)
    assert r.status_code == 409 and r.json()["error"]["code"] == "reply_window_passed"
    forbidden(client.post(f"{cl}/mediation", headers=world.auth("api_client"), json=mediate))
    assert client.get(f"{API}/moderation/public/complaint/{consumer_token}").json() == view
    r = client.post(f"{cl}/mediation", headers=world.auth("moderator"), json=mediate)
    assert r.status_code == 200 and r.json()["status"] == "resolved_in_mediation"
    report = client.get(f"{API}/platforms/{world.big_id}/moderation/report",
                        headers=world.auth("regulator")).json()
    assert (report["ip_notices"]["restored"], report["ip_notices"]["open"]) == (1, 1)
    # shop-w0's complaint went to mediation on the clock and stays open, as does shop-w4's
    assert (report["complaints"]["resolved_in_mediation"], report["complaints"]["open"]) == (1, 2)


def check_of(client: TestClient, world: World, key: str) -> dict[str, Any]:
    posture = client.get(f"{API}/platforms/{world.big_id}/posture",
                         headers=world.auth("regulator")).json()
    found: dict[str, Any] = next(c for a in posture["articles"] for c in a["checks"]
                                 if c["key"] == key)
    return found


def test_every_outcome_counted_on_the_clock(client: TestClient, world: World, cli: Any
                                            ) -> None:
    """Each outcome of both flows reached through the API on the test clock, and counted in
    the periodic report and in the Art 22 and Art 28 posture checks: IP notices upheld,
    restored, withdrawn and late (the 15 days over, the measure not yet ended); complaints
    filed, resolved by the merchant, resolved in mediation, closed unresolved, still open and
    late (open beyond the 15 days of data/deadlines.toml)."""
    lawsuit = {"kind": "complaint", "reference": "市监投〔2026〕1号", "body": "市场监督管理局"}
    ips = {k: notice(client, world, f"sku-{k}", f"shop-{k}")
           for k in ("upheld", "restored", "late", "withdrawn")}
    for k in ("upheld", "restored", "late"):
        r = client.post(f"{API}/moderation/ip-notices/{ips[k]['id']}/counter-notice",
                        headers=world.auth("api_client"),
                        json={"declaration": "不侵权", "evidence": EV, "merchant_ref": f"shop-{k}"})
        assert r.status_code == 200, r.text
    r = client.post(f"{API}/moderation/public/ip-holder/{ips['withdrawn']['holder_token']}"
                    "/withdrawal", json={"reason": "已和解"})
    assert r.json()["status"] == "withdrawn"
    cs = {k: complaint(client, world, f"shop-c-{k}")
          for k in ("by_merchant", "in_mediation", "unresolved", "late")}
    for k, accepted in (("by_merchant", True), ("in_mediation", False), ("unresolved", False)):
        r = client.post(f"{API}/moderation/complaints/{cs[k]['id']}/merchant-reply",
                        headers=world.auth("api_client"),
                        json={"reply": "答复", "accepted": accepted, "merchant_ref": f"shop-c-{k}"})
        assert r.status_code == 200, r.text
    cli("clock", "advance", "1d")
    for k, settled in (("in_mediation", True), ("unresolved", False)):
        r = client.post(f"{API}/moderation/complaints/{cs[k]['id']}/mediation",
                        headers=world.auth("moderator"), json={"settled": settled, "outcome": "结果"})
        assert r.status_code == 200, r.text
    r = client.post(f"{API}/moderation/public/ip-holder/{ips['upheld']['holder_token']}/action",
                    json=lawsuit)
    assert r.json()["status"] == "upheld"

    cli("clock", "advance", "18d")  # day 19: both 15-day clocks over, the tick not yet run
    complaint(client, world, "shop-c-new")  # filed today: open, not late
    report = client.get(f"{API}/platforms/{world.big_id}/moderation/report",
                        headers=world.auth("regulator")).json()
    ip, comp = report["ip_notices"], report["complaints"]
    assert (ip["filed"], ip["upheld"], ip["withdrawn"], ip["counter_noticed"], ip["restored"],
            ip["open"], ip["late"]) == (4, 1, 1, 2, 0, 2, 2)
    assert (comp["filed"], comp["resolved_by_merchant"], comp["resolved_in_mediation"],
            comp["closed_unresolved"], comp["open"], comp["late"]) == (5, 1, 1, 1, 2, 1)
    art22 = check_of(client, world, "moderation.art22.ip_clocks")
    assert art22["status"] == "unmet" and art22["figures"]["clock_overrun"] == 2
    assert art22["figures"]["outcomes"] == {k: v for k, v in ip.items()}
    art28 = check_of(client, world, "moderation.art28.complaints")
    assert art28["status"] == "unmet" and art28["figures"]["late"] == 1
    assert art28["figures"]["outcomes"] == {k: v for k, v in comp.items()
                                            if k != "median_hours_to_close"}

    cli("jobs", "run", "--name", "moderation.tick", "--force")  # the job runner ends both
    ip = client.get(f"{API}/platforms/{world.big_id}/moderation/report",
                    headers=world.auth("regulator")).json()["ip_notices"]
    assert (ip["restored"], ip["counter_noticed"], ip["open"], ip["late"]) == (2, 0, 0, 0)
    art22 = check_of(client, world, "moderation.art22.ip_clocks")
    assert art22["status"] == "met" and art22["figures"]["outcomes"]["restored"] == 2
