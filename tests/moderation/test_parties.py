"""Who may act at each step of IP notice-and-takedown and of consumer complaints, through the
HTTP API: the merchant the notice was forwarded to (its inbox link, or a platform system
naming it), the rights holder (the link or token given at filing), the merchant complained
about, and the platform's mediator only once the merchant had its turn. Every wrong party
gets 403 ``wrong_party`` and nothing changes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.moderation.test_api import API

EV = [{"kind": "url", "ref": "https://example.com/cert.pdf"}]


def notice(client: TestClient, world: World, sku: str, shop: str | None) -> dict[str, Any]:
    subject: dict[str, Any] = {"kind": "listing", "external_ref": sku}
    if shop:
        subject["owner"] = {"kind": "merchant", "external_ref": shop}
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/ip-notices",
                    headers=world.auth("api_client"),
                    json={"subject": subject, "rights_holder": "某品牌有限公司",
                          "rights_holder_contact": "legal@brand.example",
                          "right_type": "trademark", "right_ref": "第123号", "evidence": EV})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    r = client.post(f"{API}/moderation/ip-notices/{out['id']}/measures",
                    headers=world.auth("moderator"), json={"code": "stop_transmission"})
    assert r.status_code == 200, r.text
    return out


def inbox(client: TestClient, world: World, shop: str) -> str:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/inbox-links",
                    headers=world.auth("api_client"), json={"account_ref": shop})
    assert r.status_code == 200, r.text
    assert r.json()["link"].endswith(r.json()["token"])
    token: str = r.json()["token"]
    return token


def public_view(client: TestClient, nid: str) -> dict[str, Any]:
    pub = client.get(f"{API}/moderation/public/ip-notices", params={"platform": "big"}).json()
    found: dict[str, Any] = next(x for x in pub if x["receipt"] == nid)
    return found


def refused(r: Any) -> None:
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "wrong_party"


def test_counter_notice_only_by_the_notices_merchant(client: TestClient, world: World) -> None:
    c = notice(client, world, "sku-c", "shop-c")
    notice(client, world, "sku-d", "shop-d")
    before = public_view(client, c["receipt"])
    url = f"{API}/moderation/ip-notices/{c['id']}/counter-notice"
    # a platform system naming another shop (the case), or naming nobody
    refused(client.post(url, headers=world.auth("api_client"),
                        json={"declaration": "不侵权", "evidence": EV, "merchant_ref": "shop-d"}))
    r = client.post(url, headers=world.auth("api_client"),
                    json={"declaration": "不侵权", "evidence": EV})
    assert r.status_code == 422
    # another merchant's inbox link
    other = inbox(client, world, "shop-d")
    refused(client.post(f"{API}/moderation/public/inbox/{other}/ip-notices/{c['id']}"
                        "/counter-notice", json={"declaration": "不侵权", "evidence": EV}))
    assert public_view(client, c["receipt"]) == before  # nothing changed
    # the notice's own merchant, from its inbox
    mine = inbox(client, world, "shop-c")
    r = client.post(f"{API}/moderation/public/inbox/{mine}/ip-notices/{c['id']}/counter-notice",
                    json={"declaration": "我方有授权", "evidence": EV})
    assert r.status_code == 200 and r.json()["status"] == "counter_noticed"
    after = public_view(client, c["receipt"])
    assert [e["kind"] for e in after["events"]][-2:] == ["counter_notice_received",
                                                        "forwarded_to_rights_holder"]


def test_counter_notice_by_api_client_for_the_right_merchant(client: TestClient,
                                                             world: World) -> None:
    c = notice(client, world, "sku-e", "shop-e")
    r = client.post(f"{API}/moderation/ip-notices/{c['id']}/counter-notice",
                    headers=world.auth("api_client"),
                    json={"declaration": "不侵权", "evidence": EV, "merchant_ref": "shop-e"})
    assert r.status_code == 200 and r.json()["status"] == "counter_noticed"


def test_no_one_declares_for_a_listing_without_a_known_merchant(client: TestClient,
                                                                world: World) -> None:
    c = notice(client, world, "sku-orphan", None)
    refused(client.post(f"{API}/moderation/ip-notices/{c['id']}/counter-notice",
                        headers=world.auth("api_client"),
                        json={"declaration": "不侵权", "evidence": EV, "merchant_ref": "x"}))


def test_rights_holder_steps_only_with_its_link_or_token(client: TestClient,
                                                         world: World) -> None:
    a = notice(client, world, "sku-a", "shop-a")
    b = notice(client, world, "sku-b", "shop-b")
    client.post(f"{API}/moderation/ip-notices/{a['id']}/counter-notice",
                headers=world.auth("api_client"),
                json={"declaration": "否", "evidence": EV, "merchant_ref": "shop-a"})
    before = public_view(client, a["receipt"])
    action = {"kind": "lawsuit", "reference": "(2026)京0101民初1号", "body": "北京互联网法院"}
    url = f"{API}/moderation/ip-notices/{a['id']}/rights-holder-action"
    # the platform's own staff cannot act for the rights holder without its token
    r = client.post(url, headers=world.auth("moderator"), json=action)
    assert r.status_code == 422
    refused(client.post(url, headers=world.auth("moderator"),
                        json={**action, "holder_token": "guess"}))
    # another notice's rights-holder token
    refused(client.post(url, headers=world.auth("api_client"),
                        json={**action, "holder_token": b["holder_token"]}))
    refused(client.post(f"{API}/moderation/ip-notices/{a['id']}/withdrawal",
                        headers=world.auth("api_client"),
                        json={"holder_token": b["holder_token"]}))
    # the merchant's inbox is no rights holder's link
    shop = inbox(client, world, "shop-a")
    assert client.post(f"{API}/moderation/public/ip-holder/{shop}/action",
                       json=action).status_code == 404
    assert public_view(client, a["receipt"]) == before
    # the rights holder, from the link it was given at filing
    view = client.get(f"{API}{a['holder_link'].removeprefix(API)}")
    assert view.status_code == 200 and view.json()["notice"]["id"] == a["id"]
    r = client.post(f"{API}/moderation/public/ip-holder/{a['holder_token']}/action",
                    json=action)
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    # a rights holder's action before any declaration: the machine refuses (409)
    r = client.post(f"{API}/moderation/public/ip-holder/{b['holder_token']}/action",
                    json=action)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"


def test_rights_holder_withdraws_and_the_measure_ends(client: TestClient,
                                                      world: World) -> None:
    a = notice(client, world, "sku-w", "shop-w")
    r = client.post(f"{API}/moderation/ip-notices/{a['id']}/withdrawal",
                    headers=world.auth("api_client"),
                    json={"holder_token": a["holder_token"], "reason": "已和解"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    feed = client.get(f"{API}/platforms/{world.big_id}/moderation/measure-changes",
                      headers=world.auth("moderator")).json()["items"]
    assert [i["change"] for i in feed] == ["applied", "lifted"]


def complaint(client: TestClient, world: World, shop: str) -> dict[str, Any]:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/complaints",
                    headers=world.auth("api_client"),
                    json={"consumer_ref": "buyer-1", "consumer_contact": "13800000000",
                          "merchant": {"kind": "merchant", "external_ref": shop},
                          "order_ref": "o-1", "description": "货不对板", "claim": "退款"})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def status_of(client: TestClient, world: World, cid: str) -> str:
    items = client.get(f"{API}/platforms/{world.big_id}/moderation/complaints",
                       headers=world.auth("moderator")).json()
    s: str = next(c["status"] for c in items if c["id"] == cid)
    return s


def test_merchant_reply_only_by_the_merchant_complained_about(client: TestClient,
                                                              world: World) -> None:
    c = complaint(client, world, "shop-x")
    complaint(client, world, "shop-y")
    url = f"{API}/moderation/complaints/{c['id']}/merchant-reply"
    refused(client.post(url, headers=world.auth("api_client"),
                        json={"reply": "同意", "accepted": True, "merchant_ref": "shop-y"}))
    other = inbox(client, world, "shop-y")
    refused(client.post(f"{API}/moderation/public/inbox/{other}/complaints/{c['id']}/reply",
                        json={"reply": "同意", "accepted": True}))
    assert status_of(client, world, c["id"]) == "awaiting_merchant"
    mine = inbox(client, world, "shop-x")
    r = client.post(f"{API}/moderation/public/inbox/{mine}/complaints/{c['id']}/reply",
                    json={"reply": "不同意，商品无误", "accepted": False})
    assert r.status_code == 200 and r.json()["status"] == "mediation"
    # the consumer follows its complaint through its own link
    view = client.get(f"{API}{c['consumer_link'].removeprefix(API)}").json()["complaint"]
    assert view["status"] == "mediation" and view["merchant_reply"] == "不同意，商品无误"


def test_mediation_cannot_skip_the_merchant(client: TestClient, world: World) -> None:
    c = complaint(client, world, "shop-z")
    r = client.post(f"{API}/moderation/complaints/{c['id']}/mediation",
                    headers=world.auth("moderator"), json={"settled": True, "outcome": "退款"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "merchant_reply_pending"
    assert status_of(client, world, c["id"]) == "awaiting_merchant"
    r = client.post(f"{API}/moderation/complaints/{c['id']}/merchant-reply",
                    headers=world.auth("api_client"),
                    json={"reply": "拒绝", "accepted": False, "merchant_ref": "shop-z"})
    assert r.json()["status"] == "mediation"
    r = client.post(f"{API}/moderation/complaints/{c['id']}/mediation",
                    headers=world.auth("moderator"), json={"settled": False, "outcome": "未果"})
    assert r.status_code == 200 and r.json()["status"] == "closed_unresolved"
    report = client.get(f"{API}/platforms/{world.big_id}/moderation/report",
                        headers=world.auth("regulator")).json()
    assert report["complaints"]["closed_unresolved"] == 1
    assert report["complaints"]["filed"] == 1 and report["complaints"]["open"] == 0
