"""Bulk import over HTTP and the CLI: CSV (UTF-8 and GBK, detected and said so) and XLSX
(written with openpyxl), all or nothing with row and field, duplicates in the file and in
the registry, and ``zeren merchant import|show``."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.merchants.conftest import run, url
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import OutboxRow
from zeren.merchants.domain import sample_resident_id, sample_uscc
from zeren.merchants.models import Licence, Merchant, Shop

HEADER = ["商家编号", "类型", "名称", "统一社会信用代码", "法定代表人", "身份证号", "免登记理由",
          "店铺编号", "店铺名称", "许可证类型", "许可证编号", "发证机关", "有效期起", "有效期至"]


def rows(n: int, start: int = 0) -> list[list[str]]:
    out = []
    for i in range(start, start + n):
        if i % 3 == 2:
            out.append([f"P{i}", "自然人", f"王五{i}", "", "", sample_resident_id(i), "便民劳务",
                        f"S{i}", f"小店{i}", "", "", "", "", ""])
        elif i % 3 == 1:
            out.append([f"I{i}", "个体工商户", f"个体店{i}", sample_uscc(i, "92"), f"赵六{i}",
                        sample_resident_id(i), "", "", "", "", "", "", "", ""])
        else:
            out.append([f"E{i}", "企业", f"甲乙丙公司{i}", sample_uscc(i), "张三", "", "",
                        f"S{i}", f"旗舰店{i}", "食品经营许可证", f"JY{i:014d}", "某区市场监督管理局",
                        "2024-01-01", "2030-06-30"])
    return out


def to_csv(data: list[list[str]], header: list[str] = HEADER) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(data)
    return buf.getvalue()


def to_xlsx(data: list[list[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for r in data:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def counts(engine: Engine) -> tuple[int, int, int, int]:
    with unit_of_work(engine) as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)  # type: ignore[return-value]
                     for t in (Merchant, Shop, Licence, OutboxRow))


def post(client: TestClient, world: World, ops: dict[str, str], name: str, content: bytes,
         **params: str) -> Any:
    return client.post(url(world, "/imports"), headers=ops, params=params,
                       files={"file": (name, content, "text/csv")})


def test_csv_import(client: TestClient, world: World, ops: dict[str, str],
                    engine: Engine) -> None:
    r = post(client, world, ops, "m.csv", to_csv(rows(30)).encode())
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["rows"], body["licences"], body["format"], body["encoding"]) == (
        30, 10, "csv", "utf-8")
    assert counts(engine) == (30, 20, 10, 30)
    m = client.get(url(world, "/P2"), headers=ops).json()
    assert (m["kind"], m["ground"]) == ("natural_person", "convenience_services")
    assert m["resident_id_masked"].endswith(sample_resident_id(2)[-4:])
    e = client.get(url(world, "/E0"), headers=ops).json()
    assert e["licences"][0]["valid_until"] == "2030-06-30"
    assert e["shops"][0]["name"] == "旗舰店0"


def test_gbk_is_detected_and_said(client: TestClient, world: World, ops: dict[str, str],
                                  engine: Engine) -> None:
    gbk = to_csv(rows(6)).encode("gbk")
    r = post(client, world, ops, "m.csv", gbk, encoding="utf-8")
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["details"]["field"] == "file" and "GBK/GB18030" in err["message"]
    assert counts(engine) == (0, 0, 0, 0)
    r = post(client, world, ops, "m.csv", gbk)
    assert r.status_code == 201 and r.json()["encoding"] == "gb18030"
    assert client.get(url(world, "/E0"), headers=ops).json()["legal_name"] == "甲乙丙公司0"


def test_bad_rows_are_all_named_and_nothing_is_written(client: TestClient, world: World,
                                                       ops: dict[str, str],
                                                       engine: Engine) -> None:
    data = rows(12)
    data[4][5] = data[4][5][:-1] + ("0" if data[4][5][-1] != "0" else "1")  # check digit
    data[6][3] = "91350100M000100Y44"                                        # USCC check
    data[9][13] = "2020-01-01"                                               # expired
    data[10][0] = data[1][0]                                                 # duplicate ref
    r = post(client, world, ops, "m.csv", to_csv(data).encode())
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["details"]["error_count"] == 4
    assert [(e["row"], e["field"]) for e in err["details"]["errors"]] == [
        (6, "resident_id"), (8, "uscc"), (11, "licence_valid_until"), (12, "merchant_ref")]
    assert "nothing was imported" in err["message"]
    assert counts(engine) == (0, 0, 0, 0)


def test_registry_duplicates_and_header(client: TestClient, world: World, ops: dict[str, str],
                                        engine: Engine) -> None:
    assert post(client, world, ops, "a.csv", to_csv(rows(3)).encode()).status_code == 201
    again = rows(3, start=3)
    again[0][3] = sample_uscc(0)  # registered by the first file
    r = post(client, world, ops, "b.csv", to_csv(again).encode())
    assert r.status_code == 422
    assert r.json()["error"]["details"]["errors"][0] == {
        "row": 2, "field": "uscc",
        "reason": f"{sample_uscc(0)} is already registered on this platform"}
    r = post(client, world, ops, "c.csv", to_csv(rows(2), header=["x", "类型", "名称"]).encode())
    assert r.status_code == 422
    assert r.json()["error"]["details"]["missing"] == ["merchant_ref"]
    assert post(client, world, ops, "d.csv", to_csv([]).encode()).status_code == 422
    assert counts(engine)[0] == 3


def test_xlsx_import(client: TestClient, world: World, ops: dict[str, str],
                     engine: Engine) -> None:
    r = client.post(url(world, "/imports"), headers=ops,
                    files={"file": ("m.xlsx", to_xlsx(rows(9)), "application/vnd.ms-excel")})
    assert r.status_code == 201, r.text
    assert (r.json()["format"], r.json()["rows"]) == ("xlsx", 9)
    bad = rows(3, start=20)
    bad[2][5] = int(sample_resident_id(22)[:15])  # a number cell: digits already lost
    r = client.post(url(world, "/imports"), headers=ops,
                    files={"file": ("m.xlsx", to_xlsx(bad), "application/vnd.ms-excel")})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["errors"][0]["field"] == "resident_id"
    assert counts(engine)[0] == 9


# ----------------------------------------------------------------------- the CLI

def test_cli_import_and_show(cli_env: None, tmp_path: Path, world: World) -> None:
    f = tmp_path / "m.csv"
    f.write_bytes(to_csv(rows(4)).encode("gbk"))
    code, out = run("merchant", "import", "--platform", "big", str(f))
    assert code == 0, out
    assert "imported 4 merchant(s), 2 licence(s)" in out and "gb18030" in out
    code, out = run("merchant", "show", "--platform", "big", "E0")
    assert code == 0, out
    assert sample_uscc(0) in out and "食品经营许可证" in out and "registered" in out
    bad = tmp_path / "bad.csv"
    data = rows(2, start=10)
    data[1][3] = "123"
    bad.write_text(to_csv(data))
    code, out = run("merchant", "import", "--platform", "big", str(bad))
    assert code != 0 and "row 3, uscc" in out
