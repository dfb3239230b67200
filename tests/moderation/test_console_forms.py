"""Console forms answer bad input with a 4xx naming the field, never a 500 (no browser
needed: the form posts are plain HTTP)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.db.session import unit_of_work

PASSWORD = "correct horse battery staple"


def _console(app: object) -> TestClient:
    with unit_of_work(app.state.engine) as s:  # type: ignore[attr-defined]
        create_user(session=s, actor=SYSTEM, username="lead", display_name="lead",
                    password=PASSWORD, roles=[("admin", None)])
    c = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    m = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert m
    r = c.post("/login", data={"username": "lead", "password": PASSWORD, "csrf": m.group(1)},
               follow_redirects=False)
    assert r.status_code in (302, 303)
    return c


def _csrf(c: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m
    return m.group(1)


def test_bulk_limit_is_parsed_and_clamped(app: object, world: World) -> None:
    c = _console(app)
    csrf = _csrf(c, "/moderation/bulk?platform=big")
    r = c.post("/moderation/bulk", data={"platform": "big", "queue": "default",
                                         "limit": "abc", "csrf": csrf})
    assert r.status_code == 422 and "limit" in r.text
    for limit in ("0", "-3", "100000"):
        r = c.post("/moderation/bulk", data={"platform": "big", "queue": "default",
                                             "limit": limit, "csrf": csrf})
        assert r.status_code == 200, (limit, r.text[:200])


def _report(c: TestClient, world: World, ref: str) -> str:
    r = c.post(f"/api/v1/platforms/{world.big_id}/moderation/reports",
               headers=world.auth("api_client"),
               json={"subject": {"kind": "post", "external_ref": ref, "text": "低俗内容"},
                     "category": "harmful.vulgar", "source": "user", "description": "低俗"})
    assert r.status_code == 201, r.text
    cid: str = r.json()["case_id"]
    return cid


def _status(c: TestClient, world: World, case_id: str) -> str:
    r = c.get(f"/api/v1/moderation/cases/{case_id}", headers=world.auth("moderator"))
    status: str = r.json()["case"]["status"]
    return status


def test_bulk_confirm_decides_exactly_the_previewed_cases(app: object, world: World) -> None:
    c = _console(app)
    ids = [_report(c, world, f"cf-{i}") for i in range(2)]
    csrf = _csrf(c, "/moderation/bulk?platform=big")
    prev = c.post("/moderation/bulk", data={"platform": "big", "category": "harmful.vulgar",
                                            "csrf": csrf})
    assert prev.status_code == 200
    shown = re.findall(r'name="case_ids" value="([^"]+)"', prev.text)
    assert sorted(shown) == sorted(ids)
    late = _report(c, world, "cf-late")  # arrives between the preview and the confirm
    bad = c.post("/moderation/bulk", data={"platform": "big", "category": "harmful.vulgar",
                                           "confirm": "1", "csrf": csrf,
                                           "case_ids": [*shown, "no-such-case"]})
    assert bad.status_code == 422 and "case_ids" in bad.text
    assert all(_status(c, world, i) == "open" for i in ids)  # none decided
    none = c.post("/moderation/bulk", data={"platform": "big", "category": "harmful.vulgar",
                                            "confirm": "1", "csrf": csrf})
    assert none.status_code == 422 and "case_ids" in none.text
    r = c.post("/moderation/bulk", data={"platform": "big", "category": "harmful.vulgar",
                                         "confirm": "1", "csrf": csrf, "case_ids": shown})
    assert r.status_code == 200 and 'id="bulk-result"' in r.text
    assert all(_status(c, world, i) == "decided" for i in ids)
    assert _status(c, world, late) == "open"


def test_a_decision_with_a_bad_period_comes_back_with_the_error_beside_the_period(
    app: object, world: World
) -> None:
    c = _console(app)
    c.cookies.set("zeren_lang", "zh-CN")
    case_id = _report(c, world, "cf-days")
    csrf = _csrf(c, f"/moderation/cases/{case_id}")
    assert c.post(f"/moderation/cases/{case_id}/claim", data={"csrf": csrf}).status_code == 200
    page = c.get(f"/moderation/cases/{case_id}").text
    # the ground starts from the category's own law (网络信息内容生态治理规定 Art 7(7))
    assert 'value="网络信息内容生态治理规定"' in page and 'value="第七条第（七）项"' in page
    r = c.post(f"/moderation/cases/{case_id}/decide",
               data={"csrf": csrf, "decision": "action", "measure": "removal", "days": "三天",
                     "ground_kind": "law", "law": "网络信息内容生态治理规定",
                     "article": "第七条", "facts": "低俗内容，经核实"})
    assert r.status_code == 422
    assert 'id="err-days"' in r.text and "期限须为" in r.text
    assert 'aria-invalid="true" aria-describedby="err-days"' in r.text
    assert "低俗内容，经核实" in r.text and 'value="三天"' in r.text  # what was typed is kept
    assert "err-measure" not in r.text and "invalid_input" not in r.text
    assert _status(c, world, case_id) == "claimed"


def test_the_public_form_answers_an_unknown_platform_in_chinese(app: object) -> None:
    c = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    c.cookies.set("zeren_lang", "zh-CN")
    csrf = _csrf(c, "/moderation/report")
    r = c.post("/moderation/report", data={
        "csrf": csrf, "platform": "jingxuan", "subject_kind": "listing", "subject_ref": "L-9",
        "category": "prohibited_goods", "description": "疑似违禁品", "contact": ""})
    assert r.status_code == 422
    assert "没有这个平台代码" in r.text and 'id="err-platform"' in r.text
    assert "not_found" not in r.text and "404" not in r.text and "{" not in r.text.split(
        "<main>", 1)[1]
    assert 'value="jingxuan"' in r.text and "疑似违禁品" in r.text and 'value="L-9"' in r.text
