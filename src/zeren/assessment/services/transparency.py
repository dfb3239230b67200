"""The transparency report (透明度报告) of a platform for a period: the figures moderation's
own periodic report computes — reports by source, cases by category, measures by kind and by
automation, median and p90 handling hours, SLA breaches, appeals and reversals, IP notices and
counter-notices, authority reports, complaints resolved through ODR — each linked to the query
that produced it, with charts (SVG), as JSON, CSV, HTML or PDF."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from zeren.assessment.services import charts, pdf
from zeren.auth.policy import Actor
from zeren.moderation.services.authority import flatten, periodic_report
from zeren.platforms.models import Platform
from zeren.timepolicy import format_beijing

_IN = "platform_id = :platform AND {col} >= :from AND {col} < :to"
# The statement behind each group of figures (what moderation.periodic_report runs).
QUERIES: dict[str, str] = {
    "cases": "SELECT category, status, decision, created_at, decided_at, sla_due_at, "
             "escalations FROM mod_cases WHERE " + _IN.format(col="created_at")
             + " -- breached: (decided_at or now) > sla_due_at",
    "reports": "SELECT source, count(*) FROM mod_reports WHERE "
               + _IN.format(col="created_at") + " GROUP BY source",
    "handling_hours": "(decided_at - created_at) in hours of the decided cases above; median; "
                      "nearest-rank 90th percentile",
    "measures": "SELECT code, automation, status FROM mod_measures WHERE "
                + _IN.format(col="created_at"),
    "appeals": "SELECT status, created_at, decided_at FROM mod_appeals WHERE "
               + _IN.format(col="created_at")
               + " -- reversal_rate = overturned / decided",
    "authority_reports": "SELECT count(*) FROM mod_authority_reports WHERE "
                         + _IN.format(col="reported_at"),
    "ip_notices": "SELECT status, clock_ends_at FROM mod_ip_notices WHERE "
                  + _IN.format(col="created_at"),
    "complaints": "SELECT status, created_at, resolved_at FROM mod_complaints WHERE "
                  + _IN.format(col="created_at"),
}
LABELS_ZH: dict[str, str] = {
    "cases": "案件", "reports": "举报与投诉", "handling_hours": "处理时长（小时）",
    "measures": "处置措施", "appeals": "申诉", "authority_reports": "向主管部门报告",
    "ip_notices": "知识产权通知与反通知", "complaints": "投诉与争议解决（ODR）",
}


def build(*, session: Session, actor: Actor, platform_id: str, start: datetime, end: datetime
          ) -> dict[str, Any]:
    """The report as data: ``figures`` (flat name → value), ``figure_query`` (name → query
    id), ``queries`` (query id → statement), and the nested ``report``."""
    rep = periodic_report(session=session, actor=actor, platform_id=platform_id, start=start,
                          end=end)
    platform = session.get(Platform, platform_id)
    body = {k: v for k, v in rep.items() if k not in ("platform_id", "period", "generated_at")}
    figures = dict(flatten(body))
    return {
        "platform": {"id": platform_id, "name": platform.name if platform else ""},
        "period": rep["period"], "generated_at": rep["generated_at"],
        "figures": figures,
        "figure_query": {k: k.split(".", 1)[0] for k in figures},
        "queries": QUERIES, "report": body,
    }


def to_csv(data: dict[str, Any]) -> str:
    """One row per figure: figure, value, query id, the query."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["figure", "value", "query_id", "query"])
    for k, v in data["figures"].items():
        q = data["figure_query"][k]
        w.writerow([k, "" if v is None else v, q, data["queries"].get(q, "")])
    return buf.getvalue()


def chart_set(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, SVG) of the report's charts."""
    r = data["report"]
    hh = r["handling_hours"]
    return [
        ("举报来源 Reports by source", charts.bar("举报来源", r["reports"]["by_source"])),
        ("案件类别 Cases by category", charts.bar("案件类别", r["cases"]["by_category"])),
        ("处置措施 Measures by kind", charts.bar("处置措施", r["measures"]["by_measure"])),
        ("处理时长 Handling hours", charts.bar("处理时长（小时）", {
            "中位数": hh["median"] or 0, "P90": hh["p90"] or 0})),
        ("申诉 Appeals", charts.bar("申诉", {
            "已提出": r["appeals"]["filed"], "维持": r["appeals"]["upheld"],
            "撤销": r["appeals"]["overturned"]})),
    ]


def to_html(data: dict[str, Any]) -> str:
    from zeren.assessment.services.reports import _env

    return _env().get_template("transparency.html").render(
        d=data, charts=chart_set(data), labels=LABELS_ZH,
        start=format_beijing(datetime.fromisoformat(data["period"]["from"])),
        end=format_beijing(datetime.fromisoformat(data["period"]["to"])))


def to_pdf(data: dict[str, Any]) -> bytes:
    rows: list[list[str]] = [["指标 Figure", "数值 Value", "查询 Query"]]
    for k, v in data["figures"].items():
        rows.append([k, "—" if v is None else str(v), data["figure_query"][k]])
    queries = "\n".join(f"[{k}] {q}" for k, q in data["queries"].items())
    return pdf.render(
        title=f"透明度报告 Transparency report — {data['platform']['name']}",
        meta=[f"期间 Period: {data['period']['from']} — {data['period']['to']}",
              f"生成时间 Generated: {data['generated_at']}"],
        sections=[("一、指标 Figures", rows),
                  ("二、图表 Charts", [pdf.Svg(svg) for _t, svg in chart_set(data)]),
                  ("三、查询 Queries", queries)],
        created_at=datetime.fromisoformat(data["generated_at"]))
