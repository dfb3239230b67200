"""Walks every API route with a token of every role scoped to one platform of the demo group
(邻里到家) and fails on any 2xx answer that touches the other platform's data (鲸选商城): its id,
its name, or the id of any of its records. The demo group holds real records on the mall in
most domains (orders, moderation cases, appeals, datagov inventory and consents, attestations,
org registry, lexicon findings), and path parameters are filled with the mall's records, found
by walking the list routes as an administrator."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.auth.test_role_routes import api_routes
from zeren.auth.policy import ROLE_NAMES, SYSTEM
from zeren.auth.service import create_token, create_user
from zeren.config import Settings
from zeren.db.session import unit_of_work
from zeren.demo import load_demo, load_demo_records
from zeren.lexicon import service as lexicon
from zeren.lexicon.domain import Action, Severity
from zeren.lexicon.formats import TermInput
from zeren.platforms.models import Platform

PARAM = re.compile(r"\{([^}]+)\}")
ID_KEYS = ("id", "case_id", "subject_id", "measure_id", "finding_id", "report_id", "appeal_id")


def _ids(value: Any, out: set[str]) -> None:
    """Every id-like string in a JSON answer."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and (k in ID_KEYS or k.endswith("_id")) and len(v) >= 8:
                out.add(v)
            else:
                _ids(v, out)
    elif isinstance(value, list):
        for v in value:
            _ids(v, out)


def _items(body: Any) -> list[Any]:
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return list(body["items"])
    return body if isinstance(body, list) else []


def test_no_route_gives_a_scoped_token_the_other_platforms_data(
    client: TestClient, app: FastAPI, engine: Engine, settings: Settings
) -> None:
    with unit_of_work(engine) as s:
        load_demo(session=s, data_dir=settings.data_dir)
    load_demo_records(engine=engine, data_dir=settings.data_dir)
    with unit_of_work(engine) as s:
        plats = {p.code: p for p in s.scalars(select(Platform))}
        mall, home = plats["jingxuan-mall"], plats["linli-home"]
        # a term of the mall's own in the shared lexicon
        lexicon.apply_changes(session=s, actor=SYSTEM, name="default", reason="mall's own term",
                              upserts=[TermInput("鲸选商城专用词", "prohibited_goods",
                                                 Severity.HIGH, Action.BLOCK,
                                                 platform_id=mall.id)])
        admin = create_token(session=s, actor=SYSTEM, username="admin", name="t",
                             expires_at=None)[1]
        scoped: dict[str, str] = {}
        for role in ROLE_NAMES:
            create_user(session=s, actor=SYSTEM, username=f"home-{role.replace('_', '-')}",
                        display_name=role, password=None, roles=[(role, home.id)])
            scoped[role] = create_token(session=s, actor=SYSTEM,
                                        username=f"home-{role.replace('_', '-')}", name="t",
                                        expires_at=None)[1]
    client.cookies.clear()
    as_admin = {"Authorization": f"Bearer {admin}"}
    routes = api_routes(app)

    # What the administrator sees of the mall: the values path parameters take, by the list
    # route each parameter follows, and every id on the mall's records.
    values: dict[str, set[str]] = {}
    mall_ids: set[str] = {mall.id}
    home_ids: set[str] = {home.id}
    for method, path, _perm in routes:
        params = PARAM.findall(path)
        if method != "GET" or set(params) - {"platform_id"}:
            continue
        for pid, ids in ((mall.id, mall_ids), (home.id, home_ids)):
            r = client.get(path.replace("{platform_id}", pid), headers=as_admin)
            if r.status_code != 200 or "json" not in r.headers.get("content-type", ""):
                continue
            body = r.json()
            if "{platform_id}" in path:
                _ids(body, ids)
            if pid == mall.id:
                for item in _items(body):
                    if isinstance(item, dict):
                        for key in ("id", "name", "code"):
                            if isinstance(item.get(key), str):
                                values.setdefault(path, set()).add(item[key])
    mall_ids -= home_ids  # shared ids (a group-wide lexicon, a job) are no one platform's
    assert len(mall_ids) > 20, "the demo mall should have many records"

    def fills(path: str) -> list[str]:
        """URLs for ``path`` with the mall's records (or '1' where none is known)."""
        url = path.replace("{platform_id}", mall.id)
        urls = [url]
        for name in PARAM.findall(path):
            parent = path[: path.index("{" + name + "}")].rstrip("/")
            known = sorted(values.get(parent, set()) or values.get(
                parent.replace("{platform_id}", mall.id), set()))[:3] or ["1"]
            urls = [u.replace("{" + name + "}", v, 1) for u in urls for v in known]
        return urls

    markers = [mall.id, mall.name, "鲸选商城专用词", *sorted(mall_ids)]
    leaks: list[str] = []
    walked = 0
    for method, path, _perm in routes:
        if path.startswith("/api/v1/public/"):
            continue  # public pages (a consultation's draft, a risk report) serve anyone by design
        for url in fills(path):
            for role in ROLE_NAMES:
                headers = {"Authorization": f"Bearer {scoped[role]}"}
                if method in ("POST", "PUT", "PATCH"):
                    r = client.request(method, url, headers=headers,
                                       json={"platform_id": mall.id})
                else:
                    r = client.request(method, url, headers=headers)
                walked += 1
                if not 200 <= r.status_code < 300:
                    continue
                if "{platform_id}" in path:
                    leaks.append(f"{role}@home got {r.status_code} on {method} {url}")
                    continue
                hit = next((m for m in markers if m in r.text), None)
                if hit is not None:
                    leaks.append(f"{role}@home read {hit!r} of the mall on {method} {url}")
    assert walked > 100 * len(ROLE_NAMES)
    assert not leaks, "\n".join(leaks)
