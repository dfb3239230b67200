"""The transparency report and report PDFs, measured beside same-run baselines.

Report: ``--cases`` cases (one report, one subject each; a third decided with a measure) planted
in a fresh database (SQLite under bench/out/assessment, or ``--pg URL``); the transparency
report over the period beside the raw ``count(*)`` of the same cases (the floor).
PDF: the transparency report's PDF (one page of figures and five charts) beside a 20-page
report of the same kind (figures table repeated, charts on every page).

    .venv/bin/python -m bench.assessment [--cases 1000000] [--pg postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

OUT = Path(__file__).resolve().parents[1] / "out" / "assessment"


def _timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    got = fn()
    return time.perf_counter() - t, got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--pg", default=None)
    args = ap.parse_args()

    from zeren.assessment.services import charts, pdf, transparency
    from zeren.auth.policy import SYSTEM
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.moderation.models import Case, Report, Subject
    from zeren.platforms.service import create_platform

    OUT.mkdir(parents=True, exist_ok=True)
    if args.pg:
        url = args.pg
    else:
        db = OUT / "bench.db"
        db.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=365)
    with unit_of_work(engine) as s:
        pid = create_platform(session=s, actor=SYSTEM, data={
            "code": "bench", "name": "基准平台", "legal_entity": "基准科技有限公司",
            "uscc": "91330100MA2H000A12", "platform_type": "online_sales",
            "contact_email": "b@example.com"}).id
    t0 = time.perf_counter()
    step = 20_000
    for lo in range(0, args.cases, step):
        subs, cases, reps = [], [], []
        for i in range(lo, min(lo + step, args.cases)):
            at = start + timedelta(seconds=(i * 7919) % (365 * 86400))
            sid, cid = str(uuid.uuid4()), str(uuid.uuid4())
            decided = at + timedelta(hours=1 + i % 40) if i % 3 == 0 else None
            subs.append({"id": sid, "platform_id": pid, "kind": "listing",
                         "external_ref": f"i{i}", "created_at": at, "updated_at": at,
                         "text": "", "display_name": "", "media": [], "state": "visible"})
            cases.append({"id": cid, "platform_id": pid, "subject_id": sid,
                          "category": ("fraud", "counterfeit", "prohibited_goods")[i % 3],
                          "severity": 2, "queue": "default",
                          "status": "decided" if decided else "open", "priority": 1,
                          "report_count": 1, "sources": "public", "escalations": 0,
                          "sla_due_at": at + timedelta(hours=24), "decided_at": decided,
                          "decision": "action" if decided else None, "created_at": at,
                          "updated_at": at, "open_key": None if decided else sid})
            reps.append({"id": str(uuid.uuid4()), "receipt": f"R{i}", "platform_id": pid,
                         "case_id": cid, "subject_id": sid, "category": "fraud",
                         "source": ("public", "user", "patrol")[i % 3], "created_at": at,
                         "reporter_ref": "", "reporter_contact": "", "authority": "",
                         "document_no": "", "description": "", "evidence": [],
                         "received_by": ""})
        with unit_of_work(engine) as s:
            s.execute(insert(Subject), subs)
            s.execute(insert(Case), cases)
            s.execute(insert(Report), reps)
    plant_s = time.perf_counter() - t0
    with unit_of_work(engine) as s:
        if not args.pg:
            s.execute(text("ANALYZE"))
        raw_s, n = _timed(lambda: s.scalar(select(func.count()).select_from(Case).where(
            Case.platform_id == pid, Case.created_at >= start, Case.created_at < end)))
        rep_s, data = _timed(lambda: transparency.build(
            session=s, actor=SYSTEM, platform_id=pid, start=start, end=end))
    assert isinstance(data, dict) and data["figures"]["cases.opened"] == n
    one_s, one = _timed(lambda: transparency.to_pdf(data))
    rows = [["指标 Figure", "数值 Value", "查询 Query"]] + [
        [k, str(v), data["figure_query"][k]] for k, v in data["figures"].items()]
    svgs = [pdf.Svg(svg) for _t, svg in transparency.chart_set(data)]
    sections: list[tuple[str, object]] = []
    for page in range(11):
        sections += [(f"{page + 1}. 指标", rows), (f"{page + 1}. 图表", svgs[:2])]
    big_s, big = _timed(lambda: pdf.render(title="透明度报告（20 页）", meta=["bench"],
                                          sections=sections, created_at=end))
    from io import BytesIO

    from pypdf import PdfReader

    pages = len(PdfReader(BytesIO(big)).pages)  # type: ignore[arg-type]
    assert charts.bar("x", {"a": 1}).startswith("<svg")
    backend = "postgresql" if args.pg else "sqlite"
    print(f"cases planted: {n:,} ({backend}; planting took {plant_s:.1f} s)")
    print(f"{'measure':<44}{'seconds':>10}{'× baseline':>12}")
    print(f"{'raw count(*) of the period (baseline)':<44}{raw_s:>10.3f}{1:>12.1f}")
    print(f"{'transparency report, all figures':<44}{rep_s:>10.3f}{rep_s / raw_s:>12.1f}")
    print(f"{'transparency PDF (' + str(len(PdfReader(BytesIO(one)).pages)) + ' pages; baseline)':<44}"  # type: ignore[arg-type]
          f"{one_s:>10.3f}{1:>12.1f}")
    print(f"{'report PDF, ' + str(pages) + ' pages with charts':<44}{big_s:>10.3f}"
          f"{big_s / one_s:>12.1f}")


if __name__ == "__main__":
    main()
