"""No 500 on any input (ADR 0043): bodies are capped, NUL characters are refused wherever a
value comes from, every integer parameter and every date in a request is bounded, order
amounts are bounded decimals; each answers 422 (or 413) naming the field, on both databases,
and nothing is written."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Engine, text

from tests.conftest import World, mall_data
from zeren.config import Settings

API = "/api/v1"
EDGES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "0001-01-01T00:00:00Z",
         "9999-12-31T23:59:59Z", "1899-12-31T23:00:00Z", "3000-01-01T00:00:00+08:00"]
DAY_EDGES = ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"]
ATTESTATION = {"obligation_key": "art33.tax_duties", "statement": "已依法纳税并履行代扣代缴义务",
               "valid_until": (date.today() + timedelta(days=30)).isoformat()}


def _chunks(data: bytes, size: int = 65536) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def _platform_count(client: TestClient, world: World) -> int:
    return int(client.get(f"{API}/platforms", headers=world.auth("admin")).json()["total"])


# --- body cap -----------------------------------------------------------------------------
def test_bodies_over_the_cap_are_refused_with_or_without_a_length(client: TestClient,
                                                                   world: World) -> None:
    big = json.dumps({**mall_data("huge"), "name": "x" * 1_100_000}).encode()
    h = {**world.auth("admin"), "content-type": "application/json"}
    r = client.post(f"{API}/platforms", content=big, headers=h)
    assert r.status_code == 413 and r.json()["error"]["details"] == {
        "field": "body", "max_bytes": 1_000_000}
    r = client.post(f"{API}/platforms", content=_chunks(big), headers=h)
    assert "content-length" not in r.request.headers and r.status_code == 413
    assert _platform_count(client, world) == 2
    r = client.post(f"{API}/platforms", content=json.dumps(mall_data("fine", "91110000MA0000001X")
                                                           ).encode(), headers=h)
    assert r.status_code != 413


@pytest.fixture
def capped(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """An app with small caps."""
    from zeren.app import create_app

    small = settings.model_copy(update={"max_body_bytes": 4096, "max_upload_bytes": 200_000})
    application = create_app(small)
    with TestClient(application) as c:
        yield c
    application.state.engine.dispose()


def test_the_caps_are_settings_and_uploads_get_the_larger_one(capped: TestClient,
                                                              world: World) -> None:
    client = capped
    h = world.auth("compliance_officer")
    r = client.post(f"{API}/platforms", headers=world.auth("admin"),
                    json={**mall_data("x"), "name": "x" * 5000})
    assert r.status_code == 413 and r.json()["error"]["details"]["max_bytes"] == 4096
    url = f"{API}/platforms/{world.small_id}/attestations"
    form = ATTESTATION
    r = client.post(url, headers=h, data=form,
                    files={"files": ("e.txt", b"e" * 100_000, "text/plain")})
    assert r.status_code == 201, r.text
    r = client.post(url, headers=h, data=form,
                    files={"files": ("e.txt", b"e" * 300_000, "text/plain")})
    assert r.status_code == 413 and r.json()["error"]["details"]["max_bytes"] == 200_000


# --- NUL characters -----------------------------------------------------------------------
def test_nul_characters_are_refused_everywhere(client: TestClient, world: World,
                                               engine: Engine) -> None:
    admin = world.auth("admin")
    r = client.post(f"{API}/platforms", headers=admin,
                    json={**mall_data("nul", "91110000MA0000001X"), "name": "a\x00b"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "name"
    r = client.post(f"{API}/lexicons", headers=admin, json={"name": "shop"})
    r = client.post(f"{API}/lexicons/shop/changes", headers=admin, json={
        "reason": "x", "upsert": [{"term": "枪\x00支", "category": "prohibited_goods"}]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "upsert.0.term"
    r = client.get(f"{API}/audit?action=a%00b", headers=admin)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "action"
    r = client.get(f"{API}/platforms/a%00b", headers=admin)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "path"
    url = f"{API}/platforms/{world.small_id}/attestations"
    form = ATTESTATION
    r = client.post(url, headers=admin, data={**form, "statement": "已按季度\x00报送涉税信息"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "statement"
    r = client.post(url, headers=admin, data=form,
                    files={"files": ("e\x00.txt", b"evidence", "text/plain")})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "files"
    # binary file contents are not text: a NUL byte in them is fine
    r = client.post(url, headers=admin, data=form,
                    files={"files": ("e.bin", b"\x00\x01\x02", "application/octet-stream")})
    assert r.status_code == 201, r.text
    assert _platform_count(client, world) == 2
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM lexicon_terms")).scalar() == 0


# --- integers -----------------------------------------------------------------------------
def test_every_integer_parameter_is_bounded(app: FastAPI) -> None:
    spec = app.openapi()
    unbounded = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                for s in [p["schema"], *p["schema"].get("anyOf", [])]:
                    if s.get("type") == "integer" and (
                            "maximum" not in s or "minimum" not in s
                            or s["maximum"] > 2**63 - 1):
                        unbounded.append(f"{method.upper()} {path} {p['name']}")
    assert not unbounded, unbounded


def test_integers_past_the_storage_range_are_refused(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    base = f"{API}/platforms/{world.big_id}/moderation"
    for url, field in [(f"{base}/measure-changes?after={2**63}", "after"),
                       (f"{base}/measures?offset={2**64}", "offset"),
                       (f"{base}/cases?offset={2**63}", "offset"),
                       (f"{API}/lexicons/default/terms?version={2**63}", "version"),
                       (f"{API}/guideline/articles/{2**64}", "number")]:
        r = client.get(url, headers=h)
        assert r.status_code == 422, (url, r.text)
        assert r.json()["error"]["details"]["field"] == field, r.text


# --- dates --------------------------------------------------------------------------------
def _request_models(app: FastAPI) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()

    def add(ann: Any) -> None:
        if isinstance(ann, type) and issubclass(ann, BaseModel) and ann not in found:
            found.add(ann)
            for f in ann.model_fields.values():
                add(f.annotation)
        for a in typing.get_args(ann):
            add(a)

    for rc in iter_route_contexts(app.routes):
        r = rc.original_route
        if isinstance(r, APIRoute):
            for p in r.dependant.body_params:
                add(p.field_info.annotation)
    return found


def _is(ann: Any, kind: type) -> bool:
    if isinstance(ann, type):
        return issubclass(ann, kind) and (kind is datetime or not issubclass(ann, datetime))
    return any(_is(a, kind) for a in typing.get_args(ann))


def test_every_date_in_a_request_body_is_bounded(app: FastAPI) -> None:
    checked = []
    for model in _request_models(app):
        for name, f in model.model_fields.items():
            for kind, values in ((datetime, EDGES), (date, DAY_EDGES)):
                if not _is(f.annotation, kind):
                    continue
                adapter: TypeAdapter[Any] = TypeAdapter(
                    typing.Annotated[f.annotation, *f.metadata] if f.metadata else f.annotation)
                for v in values:
                    with pytest.raises(ValidationError):
                        adapter.validate_python(v)
                checked.append(f"{model.__name__}.{name}")
    assert len(checked) >= 15, checked


def test_dates_at_the_ends_of_the_calendar_are_refused_naming_the_field(
    client: TestClient, world: World
) -> None:
    h = world.auth("admin")
    for edge in EDGES[:2]:
        r = client.post(f"{API}/tokens", headers=h,
                        json={"username": "u-admin", "name": "t", "expires_at": edge})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "expires_at"
        r = client.get(f"{API}/platforms/{world.big_id}/moderation/report",
                       headers=h, params={"from": edge})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "from", r.text
        r = client.post(f"{API}/moderation/cases/no-such/authority-reports", headers=h,
                        json={"authority": "a", "summary": "s", "reported_at": edge})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "reported_at"


# --- orders -------------------------------------------------------------------------------
def _order(**over: Any) -> dict[str, Any]:
    item = {"sku": "S", "title": "t", "unit_price": "10.00", "quantity": 1}
    body = {"platform_id": "P", "order_id": "O-1", "merchant_id": "M", "items": [item],
            "total_amount": "10.00", "paid_amount": "10.00",
            "placed_at": "2026-01-01T00:00:00+08:00", "buyer": {"buyer_ref": "B"}}
    for k, v in over.items():
        if k in item:
            item[k] = v
        else:
            body[k] = v
    return body


@pytest.mark.parametrize(("over", "field"), [
    ({"quantity": 10**23}, "items.0.quantity"),
    ({"unit_price": "1e999999999"}, "items.0.unit_price"),
    ({"total_amount": "1e23"}, "total_amount"),
    ({"paid_amount": "1E+400"}, "paid_amount"),
    ({"placed_at": "9999-12-31T23:59:59-23:59"}, "placed_at"),
])
def test_order_amounts_and_times_are_bounded(client: TestClient, world: World,
                                             over: dict[str, Any], field: str) -> None:
    body = _order(platform_id=world.big_id, **over)
    r = client.post(f"{API}/orders", headers=world.auth("admin"), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"]["field"] == field, r.text


# --- the last line of defence -------------------------------------------------------------
def test_an_overflow_no_bound_caught_is_a_422_not_a_500(app: FastAPI) -> None:
    def overflow() -> None:
        raise OverflowError("date value out of range")

    app.add_api_route("/api/v1/test-overflow", overflow)
    with TestClient(app) as c:
        r = c.get("/api/v1/test-overflow")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


# --- media --------------------------------------------------------------------------------
def _report(media: list[str]) -> dict[str, Any]:
    return {"subject": {"kind": "listing", "external_ref": "L-1", "text": "出售", "media": media},
            "category": "prohibited_goods", "description": "d"}


@pytest.mark.parametrize(("media", "field"), [
    (["https://img.example.com/a.jpg"] * 21, "subject.media"),
    (["https://img.example.com/" + "a" * 3000], "subject.media.0"),
    (["http://img.example.com/a.jpg"], "subject.media.0"),
    (["javascript:alert(1)"], "subject.media.0"),
    (["data:image/png;base64," + "A" * 100], "subject.media.0"),
])
def test_media_items_are_bounded_https_addresses(client: TestClient, world: World,
                                                 media: list[str], field: str) -> None:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                    headers=world.auth("moderator"), json=_report(media))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field, r.text


def test_the_console_links_media_and_never_loads_it(client: TestClient, world: World,
                                                    engine: Engine) -> None:
    from tests.auth.test_sessions import add_user, login

    url = "https://img.example.com/a.jpg"
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                    headers=world.auth("moderator"), json=_report([url]))
    assert r.status_code == 201, r.text
    add_user(engine, "mod", role="moderator")
    login(client, "mod")
    page = client.get(f"/moderation/cases/{r.json()['case_id']}")
    assert page.status_code == 200
    assert f'href="{url}"' in page.text and 'rel="noopener noreferrer nofollow"' in page.text
    assert "<img" not in page.text and f'src="{url}"' not in page.text
