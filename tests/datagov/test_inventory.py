"""The inventory over HTTP: classification with the deciding rule, history, filters, file
import (CSV and XLSX, all or nothing), reviews, officers, activities, transfers, catalogue."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.datagov.conftest import url
from zeren.datagov.models import Asset
from zeren.db.session import unit_of_work

HEADER = ("编码,系统,数据集,字段,个人信息,敏感个人信息,数据量,涉及人数,存储位置,责任部门,"
          "影响对象,影响程度,认定级别\n")


def asset(code: str, **kw: Any) -> dict[str, Any]:
    return {"code": code, "system": "会员中心", "dataset": "会员档案", **kw}


def count_assets(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Asset)) or 0)


def test_put_classifies_and_keeps_history(client: TestClient, world: World,
                                          co: dict[str, str]) -> None:
    r = client.post(url(world, "/datagov/assets"), headers=co,
                   json=asset("M-1", personal_info=True, persons=500))
    assert r.status_code == 201, r.text
    assert (r.json()["level"], r.json()["rule_id"]) == ("general", "default-general")
    r = client.post(url(world, "/datagov/assets"), headers=co, json=asset(
        "M-1", personal_info=True, sensitive_personal_info=True, persons=2_000_000))
    assert (r.json()["level"], r.json()["rule_id"]) == ("important", "scale-sensitive-pi")
    hist = client.get(url(world, "/datagov/assets/M-1/classifications"), headers=co).json()
    assert [h["level"] for h in hist] == ["general", "important"]
    assert hist[1]["matched"] == ["scale-sensitive-pi", "default-general"]


def test_classification_outside_the_scale_is_refused(client: TestClient, world: World,
                                                     co: dict[str, str], engine: Engine) -> None:
    for body, field in ((asset("X", declared_level="秘密"), "declared_level"),
                        (asset("X", impact_objects=["国家安全"]), "impact_degree"),
                        (asset("X", impact_objects=["外星"], impact_degree="严重"),
                         "impact_objects"),
                        (asset("X", officer="nobody"), "officer")):
        r = client.post(url(world, "/datagov/assets"), headers=co, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"]["field"] == field
    assert count_assets(engine) == 0


def test_import_csv_then_update(client: TestClient, world: World, co: dict[str, str],
                                engine: Engine) -> None:
    rows = [
        "A-1,会员中心,会员档案,姓名;手机号,是,否,3000000,3000000,杭州,会员部,,,",
        "A-2,支付,交易流水,,否,否,900000000,0,杭州,支付部,经济运行,严重,",
        "A-3,风控,地理围栏,,否,否,10,0,北京,风控部,国家安全,特别严重,",
        "A-4,客服,工单,,是,否,100,100,杭州,客服部,,,一般",
    ]
    body = (HEADER + "\n".join(rows) + "\n").encode()
    r = client.post(url(world, "/datagov/imports"), headers=co,
                    files={"file": ("inv.csv", body, "text/csv")})
    assert r.status_code == 201, r.text
    assert (r.json()["created"], r.json()["updated"]) == (4, 0)
    page = client.get(url(world, "/datagov/assets"), headers=co).json()
    levels = {a["code"]: (a["level"], a["rule_id"]) for a in page["items"]}
    assert levels == {"A-1": ("general", "default-general"),
                      "A-2": ("important", "GBT43697-6-public-serious"),
                      "A-3": ("core", "GBT43697-6-ns-serious"),
                      "A-4": ("general", "default-general")}
    assert page["counts"] == {"core": 1, "important": 1, "general": 2}
    # filters
    got = client.get(url(world, "/datagov/assets"), headers=co,
                     params={"level": "重要"}).json()
    assert [a["code"] for a in got["items"]] == ["A-2"]
    got = client.get(url(world, "/datagov/assets"), headers=co,
                     params={"personal_info": "true", "q": "会员"}).json()
    assert [a["code"] for a in got["items"]] == ["A-1"]
    r = client.get(url(world, "/datagov/assets"), headers=co, params={"level": "top"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "level"
    # the same file again changes nothing; one changed row is updated and reclassified
    rows[0] = rows[0].replace(",否,3000000", ",是,3000000")
    body = (HEADER + "\n".join(rows) + "\n").encode()
    r = client.post(url(world, "/datagov/imports"), headers=co,
                    files={"file": ("inv.csv", body, "text/csv")})
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 1, 3)
    a1 = client.get(url(world, "/datagov/assets/A-1"), headers=co).json()
    assert (a1["level"], a1["rule_id"]) == ("important", "scale-sensitive-pi")
    assert len(client.get(url(world, "/datagov/assets/A-1/classifications"),
                          headers=co).json()) == 2


def test_import_is_all_or_nothing(client: TestClient, world: World, co: dict[str, str],
                                  engine: Engine) -> None:
    body = (HEADER + "B-1,s,d,,是,否,1,1,,,,,\nB-2,s,d,,是,否,1,1,,,,,绝密\n"
            "B-1,s,d,,否,否,1,0,,,,,\n").encode()
    r = client.post(url(world, "/datagov/imports"), headers=co,
                    files={"file": ("inv.csv", body, "text/csv")})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["details"]["row"] == 3 and err["details"]["field"] == "declared_level"
    assert err["details"]["error_count"] == 2
    assert {(e["row"], e["field"]) for e in err["details"]["errors"]} == \
        {(3, "declared_level"), (4, "code")}
    assert count_assets(engine) == 0
    r = client.post(url(world, "/datagov/imports"), headers=co,
                    files={"file": ("inv.csv", b"foo,bar\n1,2\n", "text/csv")})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "code"


def test_import_xlsx(client: TestClient, world: World, co: dict[str, str]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["code", "system", "dataset", "personal_info", "sensitive_personal_info", "persons",
               "declared_level"])
    ws.append(["X-1", "会员", "实名信息", "是", "是", 1_500_000, None])
    ws.append(["X-2", "日志", "访问日志", False, False, None, "core"])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post(url(world, "/datagov/imports"), headers=co,
                    files={"file": ("inv.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    assert r.json()["format"] == "xlsx" and r.json()["created"] == 2
    got = {a["code"]: a["rule_id"] for a in client.get(url(world, "/datagov/assets"),
                                                        headers=co).json()["items"]}
    assert got == {"X-1": "scale-sensitive-pi", "X-2": "declared-core"}


def test_officer_review_catalogue(client: TestClient, world: World, co: dict[str, str]) -> None:
    p = client.post(f"/api/v1/platforms/{world.big_id}/org/people", headers=co,
                    json={"name": "王敏", "email": "wm@example.com"}).json()
    r = client.post(url(world, "/datagov/assets"), headers=co,
                   json=asset("C-1", declared_level="important", officer="王敏"))
    assert r.json()["officer_person_id"] == p["id"]
    due = r.json()["review_due_at"]
    r = client.post(url(world, "/datagov/assets/C-1/reviews"), headers=co,
                    json={"outcome": "confirmed", "notes": "年度复核"})
    assert r.status_code == 201 and r.json()["due_at"] == due
    a = client.get(url(world, "/datagov/assets/C-1"), headers=co).json()
    assert a["last_reviewed_at"] and a["review_due_at"] > due
    r = client.post(url(world, "/datagov/catalogues"), headers=co, json={"filed_with": "浙江省网信办"})
    assert r.status_code == 201 and r.json()["assets"] == 1
    assert r.json()["content"][0]["officer"] == "王敏"


def test_activities_and_transfers(client: TestClient, world: World, co: dict[str, str]) -> None:
    client.post(url(world, "/datagov/assets"), headers=co,
               json=asset("P-1", personal_info=True, persons=200_000))
    body = {"name": "会员营销", "purpose": "向会员推送优惠", "legal_basis": "consent",
            "retention": "会员注销后 30 日", "recipients": ["短信服务商"], "asset_codes": ["P-1"]}
    r = client.post(url(world, "/datagov/activities"), headers=co, json=body)
    assert r.status_code == 201, r.text
    act = r.json()
    r = client.post(url(world, "/datagov/activities"), headers=co,
                    json={**body, "legal_basis": "because"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "legal_basis"
    r = client.post(url(world, "/datagov/activities"), headers=co,
                    json={**body, "asset_codes": ["P-1", "nope"]})
    assert r.json()["error"]["details"]["field"] == "asset_codes.1"
    r = client.post(url(world, f"/datagov/activities/{act['id']}/reviews"), headers=co,
                    json={"outcome": "changed", "notes": "保存期限缩短"})
    assert r.status_code == 201
    tr = {"recipient": "HK Ltd", "country": "中国香港", "purpose": "客服外包",
          "asset_codes": ["P-1"], "mechanism": "exempt", "starts_on": "2026-01-01"}
    r = client.post(url(world, "/datagov/transfers"), headers=co, json=tr)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "mechanism"
    r = client.post(url(world, "/datagov/transfers"), headers=co,
                    json={**tr, "mechanism": "standard_contract"})
    assert r.json()["error"]["details"]["field"] == "reference"
    r = client.post(url(world, "/datagov/transfers"), headers=co, json={
        **tr, "mechanism": "standard_contract", "reference": "SC-2026-7",
        "approved_on": "2025-12-20"})
    assert r.status_code == 201 and r.json()["required_mechanism"] == "standard_contract"
