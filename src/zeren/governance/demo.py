"""Demo records of the governance registers for one platform (``zeren demo``): yearly
innovation and packaging figures for the last two years (Art 9, 32), a policy, a regulator's
request answered on time (Art 5), an interoperability request decided (Art 3) and a
concentration below the thresholds, closed (Art 16)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.governance import schemas as gs
from zeren.governance.services import compliance, deals, figures, interop
from zeren.timepolicy import beijing_today

YI = 100_000_000


def load(*, session: Session, platform_id: str, actor: Actor) -> dict[str, int]:
    today = beijing_today(utcnow())
    last = today.year - 1
    for year, rd, smes, green in ((last - 1, 39 * YI, 1100, 380), (last, 41 * YI + 2 * 10**7,
                                                                     1260, 420)):
        figures.record_figures(session=session, actor=actor, platform_id=platform_id,
                               data=gs.FiguresIn(kind="innovation", year=year, evidence=(
                                   f"{year} 年度报告·研发投入与中小企业扶持（演示）"), figures={
                                   "rd_spend_cny": rd, "core_tech_projects": 30 + year % 10,
                                   "sme_programmes": 4, "smes_supported": smes,
                                   "fee_reductions_cny": 3 * YI}))
        figures.record_figures(session=session, actor=actor, platform_id=platform_id,
                               data=gs.FiguresIn(kind="packaging", year=year, evidence=(
                                   f"{year} 年度绿色包装报告（演示）"), figures={
                                   "shipments": 1000_000, "reusable_shipments": green * 400,
                                   "reduced_shipments": green * 600,
                                   "packaging_weight_kg": 900_000,
                                   "recycled_material_kg": 210_000,
                                   "degradable_material_kg": 150_000}))
    compliance.add_policy(session=session, actor=actor, platform_id=platform_id,
                          data=gs.PolicyIn(code="POL-ABC", title="反商业贿赂管理制度",
                                           owner="平台合规部", text="第一条 为预防商业贿赂……",
                                           effective_on=today - timedelta(days=120)))
    req = compliance.record_regulator_request(
        session=session, actor=actor, platform_id=platform_id,
        data=gs.RegulatorIn(authority="浙江省市场监督管理局", reference="浙市监函〔2026〕41号",
                            subject="说明平台规则修订情况", received_on=today - timedelta(days=40),
                            due_on=today - timedelta(days=25)))
    compliance.answer_regulator_request(
        session=session, actor=actor, platform_id=platform_id, request_id=req.id,
        data=gs.RegulatorAnswerIn(answered_on=today - timedelta(days=27), answer="已书面说明"))
    ask = interop.record_request(session=session, actor=actor, platform_id=platform_id,
                                 data=gs.InteropIn(requester="某比价服务商", service="商品开放接口",
                                                   asked="接入商品价格查询接口",
                                                   received_on=today - timedelta(days=50)))
    interop.decide(session=session, actor=actor, platform_id=platform_id, request_id=ask.id,
                   data=gs.InteropDecisionIn(decision="granted"))
    deal = deals.register_deal(session=session, actor=actor, platform_id=platform_id,
                               data=gs.DealIn(code="M-DEMO-1", title="收购同城配送初创公司",
                                              kind="control_by_shares", financial_year=last,
                                              parties=[gs.PartyIn(name="精选商城",
                                                                  global_turnover=900 * YI,
                                                                  china_turnover=700 * YI),
                                                       gs.PartyIn(name="同城快送",
                                                                  global_turnover=2 * YI,
                                                                  china_turnover=2 * YI)]))
    deals.close_deal(session=session, actor=actor, platform_id=platform_id, code=deal.code,
                     data=gs.ClosingIn(closed_on=today - timedelta(days=3)))
    return {"governance_figures": 4, "governance_records": 4}
