"""The demo group's merchants: a few hundred on one platform, with identifiers whose check
digits are right, imported through the importer, most verified against a register snapshot
written beside the demo's data — some long ago (overdue now), some due soon — some licences
about to expire, and the due job run once. Merchant refs ``M-100`` … match the demo's orders."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.merchants.domain import sample_resident_id, sample_uscc
from zeren.merchants.services import importer, registry, verification
from zeren.merchants.services.providers import snapshot_provider
from zeren.timepolicy import beijing_today

HEADER = ["merchant_ref", "kind", "legal_name", "uscc", "representative", "resident_id",
          "ground", "business_scope", "registered_address", "shop_ref", "shop_name",
          "licence_kind", "licence_number", "licence_issuer", "licence_valid_from",
          "licence_valid_until"]


def _rows(n: int, today: Any) -> list[list[str]]:
    out = []
    for i in range(n):
        ref = f"M-{100 + i}"
        k = i % 10
        lic = ["", "", "", "", ""]
        if i % 4 == 0:  # a food licence; one in three of them ends within the notice days
            until = today + timedelta(days=10 + i % 15) if i % 12 == 0 else \
                today + timedelta(days=400 + i)
            lic = ["food_business", f"JY1{110500000000 + i}", "市场监督管理局",
                   (today - timedelta(days=700)).isoformat(), until.isoformat()]
        if k < 7:
            out.append([ref, "enterprise", f"臻选商贸有限公司{i}", sample_uscc(1000 + i), "张伟",
                        "", "", "日用百货销售", "杭州市西湖区文三路1号", f"SH-{i}",
                        f"臻选旗舰店{i}", *lic])
        elif k < 9:
            out.append([ref, "individual_business", f"邻里便利店{i}",
                        sample_uscc(1000 + i, "92"), "王芳", sample_resident_id(1000 + i), "",
                        "食品销售", "杭州市拱墅区1号", f"SH-{i}", f"邻里小店{i}", *lic])
        else:
            out.append([ref, "natural_person", f"手作匠人{i}", "", "",
                        sample_resident_id(1000 + i), "家庭手工业", "", "", f"SH-{i}",
                        f"手作铺{i}", "", "", "", "", ""])
    return out


def load(*, engine: Any, platform_id: str, data_dir: Path, n: int = 300) -> dict[str, int]:
    """Import ``n`` merchants, verify most of them (some long ago), run the due job."""
    now = datetime.now(UTC)
    today = beijing_today(now)
    rows = _rows(n, today)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    with unit_of_work(engine) as s:
        importer.import_merchants(session=s, actor=SYSTEM, platform_id=platform_id,
                                  filename="demo-merchants.csv",
                                  content=buf.getvalue().encode("utf-8"),
                                  now=now - timedelta(days=240))
    snap = data_dir / "merchants" / "register-snapshot.jsonl"
    snap.parent.mkdir(parents=True, exist_ok=True)
    with snap.open("w", encoding="utf-8") as fh:
        for r in rows:
            if r[3]:
                fh.write(json.dumps({"type": "enterprise", "uscc": r[3], "name": r[2],
                                     "status": "存续", "representative": r[4]},
                                    ensure_ascii=False) + "\n")
            if r[11]:
                fh.write(json.dumps({"type": "licence", "kind": r[11], "number": r[12],
                                     "holder_uscc": r[3] or None, "valid_until": r[15],
                                     "status": "valid"}, ensure_ascii=False) + "\n")
    provider = snapshot_provider(snap)
    verified = 0
    with unit_of_work(engine) as s:
        for i, r in enumerate(rows):
            if i % 10 == 3:
                continue  # never verified: a verification task
            # most verified recently; one in eight seven months ago (overdue), one in eight
            # five and a half months ago (due within the lead days)
            ago = 213 if i % 8 == 1 else 168 if i % 8 == 5 else 20 + i % 60
            m = registry.get_merchant(session=s, actor=SYSTEM, platform_id=platform_id,
                                      merchant=r[0])
            v = verification.verify_merchant(session=s, actor=SYSTEM, merchant=m,
                                             provider=provider, now=now - timedelta(days=ago))
            verified += v.outcome == "verified"
    with unit_of_work(engine) as s:
        due = verification.run_due(session=s, now=now, platform_id=platform_id)
    return {"merchants": n, "merchants_verified": verified,
            "merchant_tasks": sum(due.opened.values()), "merchant_cases": due.cases}
