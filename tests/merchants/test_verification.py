"""Verification against a register snapshot (found, name, status, licences, documents), the
re-verification clock it sets, the due job (tasks ahead, licence expiry, lapses sent to
moderation as a case with a suggested measure and nothing applied), over HTTP and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.merchants.conftest import enterprise, licence, natural_person, url
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.merchants import domain as d
from zeren.merchants.domain import sample_uscc
from zeren.merchants.services import registry, verification
from zeren.merchants.services.providers import load_snapshot
from zeren.moderation.models import Case, Measure
from zeren.timepolicy import beijing_today


def snapshot(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    p = tmp_path / "register.jsonl"
    p.write_text("# test register\n" + "\n".join(json.dumps(e, ensure_ascii=False)
                                                 for e in entries) + "\n", "utf-8")
    return p


def ent(n: int, name: str | None = None, status: str = "存续") -> dict[str, Any]:
    return {"type": "enterprise", "uscc": sample_uscc(n), "name": name or f"测试商贸有限公司{n}",
            "status": status}


@pytest.fixture
def register(tmp_path: Path, settings: Any) -> Path:
    path = snapshot(tmp_path, [
        ent(1), ent(2, name="另一家公司"), ent(3, status="注销"), ent(5), ent(6),
        {"type": "licence", "kind": "food_business", "number": "JY-OK",
         "holder_uscc": sample_uscc(5), "valid_until": "2029-12-31"},
        {"type": "licence", "kind": "food_business", "number": "JY-BAD",
         "holder_uscc": sample_uscc(99), "valid_until": "2029-12-31"},
    ])
    settings.merchant_registry_snapshot = path
    return path


def verify(client: TestClient, world: World, ops: dict[str, str], ref: str) -> Any:
    r = client.post(url(world, f"/{ref}/verifications"), headers=ops)
    assert r.status_code == 201, r.text
    return r.json()


def test_outcomes_against_the_register(client: TestClient, world: World, ops: dict[str, str],
                                       register: Path) -> None:
    for n in (1, 2, 3, 4):
        assert client.post(url(world), headers=ops, json=enterprise(n)).status_code == 201
    v = verify(client, world, ops, "M000001")
    assert v["outcome"] == "verified" and v["reasons"] == []
    assert v["next_due"] == d.add_months(beijing_today(), 6).isoformat()
    assert {c["name"] for c in v["checks"]} >= {"uscc_check_digit", "register_entry",
                                                 "register_status", "name_match"}
    assert v["evidence"]["register_entry"]["status"] == "存续"
    assert len(v["evidence"]["sha256"]) == 64
    m = client.get(url(world, "/M000001"), headers=ops).json()
    assert (m["verification"], m["reverify_due"]) == ("verified", v["next_due"])
    v = verify(client, world, ops, "M000002")
    assert v["outcome"] == "rejected" and "legal_name differs" in v["reasons"][0]
    v = verify(client, world, ops, "M000003")
    assert v["outcome"] == "rejected" and "注销" in v["reasons"][0]
    v = verify(client, world, ops, "M000004")
    assert v["outcome"] == "rejected" and "not found" in v["reasons"][0]
    assert client.get(url(world, "/M000004"), headers=ops).json()["reverify_due"] is None
    hist = client.get(url(world, "/M000002/verifications"), headers=ops).json()
    assert [h["outcome"] for h in hist] == ["rejected"]


def test_licences_need_the_register_or_a_document(client: TestClient, world: World,
                                                  ops: dict[str, str], register: Path) -> None:
    body = enterprise(5, licences=[licence(number="JY-OK")])
    assert client.post(url(world), headers=ops, json=body).status_code == 201
    assert verify(client, world, ops, "M000005")["outcome"] == "verified"
    body = enterprise(6, licences=[licence(number="JY-NOWHERE")])
    mid = client.post(url(world), headers=ops, json=body).json()["id"]
    v = verify(client, world, ops, mid)
    assert v["outcome"] == "needs_documents"
    assert v["reasons"] == ["licence JY-NOWHERE: no register entry and no document"]
    lid = client.get(url(world, f"/{mid}"), headers=ops).json()["licences"][0]["id"]
    client.post(url(world, f"/{mid}/licences/{lid}/documents"), headers=ops,
                files={"file": ("scan.pdf", b"%PDF scan", "application/pdf")})
    assert verify(client, world, ops, mid)["outcome"] == "verified"
    # a licence the register gives to another holder
    body = enterprise(1, licences=[licence(number="JY-BAD")])
    assert client.post(url(world), headers=ops, json=body).status_code == 201
    v = verify(client, world, ops, "M000001")
    assert v["outcome"] == "rejected"
    assert v["reasons"] == ["licence JY-BAD differs from the licence register"]


def test_no_register_and_natural_persons(client: TestClient, world: World,
                                         ops: dict[str, str]) -> None:
    client.post(url(world), headers=ops, json=enterprise(7))
    v = verify(client, world, ops, "M000007")
    assert v["outcome"] == "needs_documents" and v["provider"] == "none"
    client.post(url(world), headers=ops, json=natural_person(8))
    v = verify(client, world, ops, "P000008")
    assert v["outcome"] == "verified"
    assert client.post(url(world, "/P000008/verifications"),
                       headers=world.auth("auditor")).status_code == 403


def test_bad_snapshot_line_is_named(tmp_path: Path) -> None:
    p = tmp_path / "r.jsonl"
    p.write_text('{"type": "enterprise", "uscc": "x", "name": "a", "status": "存续"}\n'
                 '{"type": "licence", "kind": "food_business"}\n', "utf-8")
    from zeren.errors import InvalidInput

    with pytest.raises(InvalidInput) as e:
        load_snapshot(p)
    assert e.value.details["line"] == 2


def test_the_due_job(engine: Engine, world: World, tmp_path: Path) -> None:
    from zeren.merchants.schemas import MerchantIn

    now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    today = beijing_today(now)
    reg_file = snapshot(tmp_path, [*(ent(n) for n in range(10, 14)), {
        "type": "licence", "kind": "food_business", "number": licence()["number"],
        "holder_uscc": sample_uscc(13), "valid_until": (today + timedelta(days=25)).isoformat()}])
    provider = load_snapshot(reg_file)
    with unit_of_work(engine) as s:
        def add(n: int, **kw: Any) -> Any:
            return registry.register_merchant(session=s, actor=SYSTEM, platform_id=world.big_id,
                                              data=MerchantIn(**enterprise(n, **kw)),
                                              now=now - timedelta(days=400))
        never = add(10)
        soon = add(11)
        lapsed = add(12)
        expiring = add(13, licences=[licence(valid_until=(today + timedelta(days=25))
                                             .isoformat())])
        # verified 5 months and 10 days ago: due in about 20 days
        verification.verify_merchant(session=s, actor=SYSTEM, merchant=soon, provider=provider,
                                     now=now - timedelta(days=160))
        # verified 7 months ago: overdue
        verification.verify_merchant(session=s, actor=SYSTEM, merchant=lapsed,
                                     provider=provider, now=now - timedelta(days=213))
        verification.verify_merchant(session=s, actor=SYSTEM, merchant=expiring,
                                     provider=provider, now=now - timedelta(days=1))
        ids = (never.id, soon.id, lapsed.id, expiring.id)
    with unit_of_work(engine) as s:
        got = verification.run_due(session=s, now=now)
    assert got.opened == {"verification": 1, "reverification": 2, "licence_expiry": 1,
                          "lapsed": 1}
    assert got.cases == 1
    with unit_of_work(engine) as s:
        from zeren.pagination import PageParams

        rows, _n = verification.due_tasks(session=s, actor=SYSTEM, platform_id=world.big_id,
                                          params=PageParams(offset=0, limit=50))
        kinds = {(t.kind, m.id) for t, m in rows}
        assert kinds == {("verification", ids[0]), ("reverification", ids[1]),
                         ("reverification", ids[2]), ("lapsed", ids[2]),
                         ("licence_expiry", ids[3])}
        lapse = next(t for t, _m in rows if t.kind == "lapsed")
        case = s.get(Case, lapse.case_id)
        assert case is not None and case.status == "open"
        assert s.scalar(select(func.count()).select_from(Measure)) == 0  # nothing applied
        from zeren.moderation.models import Report

        rep = s.scalars(select(Report).where(Report.case_id == case.id)).one()
        assert "建议措施：警示（平台内经营者）" in rep.description and rep.source == "platform"
    with unit_of_work(engine) as s:
        again = verification.run_due(session=s, now=now)
    assert sum(again.opened.values()) == 0 and again.cases == 0
    # verifying the overdue merchant closes its verification tasks
    with unit_of_work(engine) as s:
        m = registry.get_merchant(session=s, actor=SYSTEM, platform_id=world.big_id,
                                  merchant=ids[2])
        verification.verify_merchant(session=s, actor=SYSTEM, merchant=m, provider=provider,
                                     now=now)
    with unit_of_work(engine) as s:
        rows, _ = verification.due_tasks(session=s, actor=SYSTEM, platform_id=world.big_id,
                                         params=PageParams(offset=0, limit=50))
        assert ids[2] not in {m.id for _t, m in rows}


def test_due_over_http_and_role(client: TestClient, world: World, ops: dict[str, str]) -> None:
    lic = [licence(valid_until=(date.today() + timedelta(days=10)).isoformat())]
    client.post(url(world), headers=ops, json=enterprise(20, licences=lic))
    r = client.post(url(world, "/tasks/run"), headers=ops)
    assert r.status_code == 200, r.text
    assert r.json()["opened"]["licence_expiry"] == 1
    page = client.get(url(world, "/tasks"), headers=ops, params={"kind": "licence_expiry"}).json()
    assert page["total"] == 1 and 8 <= page["items"][0]["days_left"] <= 11
    assert page["items"][0]["merchant_ref"] == "M000020"
    assert client.get(url(world, "/tasks"), headers=ops,
                      params={"kind": "x"}).status_code == 422
    assert client.post(url(world, "/tasks/run"),
                       headers=world.auth("auditor")).status_code == 403


def test_cli_verify_and_due(tmp_path: Path, world: World, cli_env: None) -> None:
    from tests.merchants.conftest import run
    from tests.merchants.test_import import rows, to_csv

    f = tmp_path / "m.csv"
    f.write_text(to_csv(rows(3)))
    assert run("merchant", "import", "--platform", "big", str(f))[0] == 0
    reg_file = snapshot(tmp_path, [{"type": "enterprise", "uscc": sample_uscc(0),
                                    "name": "甲乙丙公司0", "status": "存续"},
                                   {"type": "licence", "kind": "food_business",
                                    "number": f"JY{0:014d}", "holder_uscc": sample_uscc(0),
                                    "valid_until": "2030-06-30"}])
    code, out = run("merchant", "verify", "--platform", "big", "E0", "--snapshot", str(reg_file))
    assert code == 0, out
    assert "E0: verified, next re-verification by" in out and "ok   name_match" in out
    code, out = run("merchant", "verify", "--platform", "big", "I1", "--snapshot",
                    str(reg_file))
    assert code == 0 and "I1: rejected" in out and "not found in the register" in out
    code, out = run("merchant", "due", "--platform", "big", "--run")
    assert code == 0, out
    assert "opened verification 2" in out and "2 open task(s)" in out
