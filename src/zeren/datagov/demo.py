"""Demo records of data governance and security for the mall (鲸选商城): an inventory
imported from a CSV file with its classifications, an officer, a processing activity, a
cross-border transfer, a training and the important-data catalogue; services and consents
with one withdrawal and a few gate decisions; systems, a plan and its drill; a 较大 incident
reported on time, another reported late with its reason, and a breach with both notices."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from zeren.auth.policy import SYSTEM
from zeren.datagov import schemas as ds
from zeren.datagov.gate import index_for
from zeren.datagov.services import activities, consent, importer, inventory
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.org.models import Duty, Person

INVENTORY_CSV = """编码,系统,数据集,字段,个人信息,敏感个人信息,数据量,涉及人数,存储位置,责任部门,\
影响对象,影响程度,认定级别,重要数据负责人
DA-001,会员中心,会员基本信息,姓名;手机号;收货地址,是,否,412000000,412000000,浙江杭州,会员运营部,个人权益,严重,,
DA-002,会员中心,实名认证信息,姓名;身份证号;人脸特征,是,是,96000000,96000000,浙江杭州,安全合规部,个人权益,严重,,周敏
DA-003,交易中台,订单与支付流水,订单号;金额;商户号,否,否,8700000000,0,浙江杭州,交易平台部,经济运行,严重,,周敏
DA-004,物流,骑手实时轨迹,骑手编号;经纬度,是,否,3200000000,520000,浙江杭州,物流部,公共利益,一般,,
DA-005,地图,城市路网与仓储点位,坐标;仓库编号,否,否,2100000,0,浙江杭州,物流部,国家安全,一般,,周敏
DA-006,客服,客服工单,工单号;诉求,是,否,18000000,9000000,浙江杭州,客服中心,,,,
DA-007,营销,商品类目与价格,类目;价格,否,否,56000000,0,浙江杭州,商品部,,,,
DA-008,风控,设备指纹与风险评分,设备号;评分,是,否,380000000,300000000,浙江杭州,风控部,经济运行,一般,,
"""

CONSENTS = [("B-00001", False), ("B-00002", True), ("B-00003", False)]


def load(*, engine: Engine, platform_id: str) -> dict[str, Any]:
    """Load the data-governance demo for one platform (its org registry already holds 周敏)."""
    out: dict[str, Any] = {}
    now = utcnow()
    with unit_of_work(engine) as s:
        zhou = s.scalar(select(Person).where(Person.platform_id == platform_id,
                                             Person.name == "周敏"))
        if zhou is not None and not s.scalar(select(Duty.id).where(
                Duty.person_id == zhou.id, Duty.duty == "important_data_officer")):
            from zeren.org.service import assign_duty
            from zeren.platforms.service import get_platform

            assign_duty(session=s, actor=SYSTEM, platform=get_platform(
                session=s, platform_ref=platform_id), person_id=zhou.id,
                duty="important_data_officer", since=date(now.year - 1, 1, 1))
        csv = INVENTORY_CSV if zhou is not None else INVENTORY_CSV.replace("周敏", "")
        res = importer.import_assets(session=s, actor=SYSTEM, platform_id=platform_id,
                                     filename="鲸选商城数据资产清单.csv", content=csv.encode())
        out["assets"] = res.record.rows
        act = activities.create_activity(session=s, actor=SYSTEM, platform_id=platform_id,
                                         data=ds.ActivityIn(
            name="会员个性化推荐", purpose="基于浏览与购买记录向会员推荐商品",
            legal_basis="consent", retention="会员注销后 30 日内删除",
            recipients=["推荐算法团队"], asset_codes=["DA-001", "DA-008"], owner="会员运营部"))
        activities.review_activity(session=s, actor=SYSTEM, platform_id=platform_id,
                                   activity_id=act.id, data=ds.ReviewIn(
                                       outcome="confirmed", notes="年度处理活动复核，无变更"))
        activities.create_transfer(session=s, actor=SYSTEM, platform_id=platform_id,
                                   data=ds.TransferIn(
            recipient="Jingxuan HK Service Ltd", country="中国香港", purpose="跨境客服",
            asset_codes=["DA-006"], mechanism="security_assessment",
            reference="国网信评〔2025〕118号", approved_on=date(now.year - 1, 6, 18),
            starts_on=date(now.year - 1, 7, 1)))
        inventory.review_asset(session=s, actor=SYSTEM, platform_id=platform_id, code="DA-003",
                               data=ds.ReviewIn(outcome="confirmed",
                                                notes="季度复核：字段与存储位置未变"))
        inventory.record_training(session=s, actor=SYSTEM, platform_id=platform_id,
                                  data=ds.TrainingIn(held_on=(now - timedelta(days=40)).date(),
                                                     topic="数据分类分级与重要数据保护",
                                                     audience="数据资产负责人", attendees=64))
        inventory.generate_catalogue(session=s, actor=SYSTEM, platform_id=platform_id,
                                     data=ds.CatalogueIn(filed_with="浙江省互联网信息办公室"))
        for code, name in (("mall", "鲸选商城"), ("pay", "鲸选支付"), ("video", "鲸选直播")):
            consent.register_service(session=s, actor=SYSTEM, platform_id=platform_id,
                                     data=ds.ServiceIn(code=code, name=name))
    with unit_of_work(engine) as s:
        for ref, withdraw in CONSENTS:
            c = consent.give_consent(session=s, actor=SYSTEM, platform_id=platform_id,
                                     data=ds.ConsentIn(
                person_ref=ref, service="mall", purpose="personalised_ads", scope=["pay"],
                given_at=now - timedelta(days=20), evidence="隐私政策 v5.2 单独同意弹窗"))
            if withdraw:
                consent.withdraw_consent(session=s, actor=SYSTEM, platform_id=platform_id,
                                         consent_id=c.id, data=ds.WithdrawIn(
                                             evidence="用户在「隐私设置」中关闭"))
    with unit_of_work(engine) as s:
        got = consent.decide(session=s, actor=SYSTEM, platform_id=platform_id, requests=[
            ds.DecideIn(person_ref=ref, services=["pay", "mall"], purpose=purpose)
            for ref in ("B-00001", "B-00002", "B-00003", "B-00004")
            for purpose in ("personalised_ads", "credit")], index=index_for(engine))
        out["gate_decisions"] = len(got)
    out.update(_security(engine=engine, platform_id=platform_id))
    return out


def _security(*, engine: Engine, platform_id: str) -> dict[str, Any]:
    from zeren.security import schemas as ss
    from zeren.security.services import breaches, incidents, reports, systems

    now = utcnow()
    answers = {"reporter": "周敏（安全合规部）0571-8888 6000"}
    with unit_of_work(engine) as s:
        systems.add_system(session=s, actor=SYSTEM, platform_id=platform_id, data=ss.SystemIn(
            code="member", name="会员中心", mlps_level=3, mlps_filing_no="33010099999-00001",
            owner="会员运营部"))
        systems.add_system(session=s, actor=SYSTEM, platform_id=platform_id, data=ss.SystemIn(
            code="pay", name="交易支付中台", mlps_level=3, mlps_filing_no="33010099999-00002",
            owner="交易平台部"))
        plan = systems.add_plan(session=s, actor=SYSTEM, platform_id=platform_id, data=ss.PlanIn(
            title="鲸选网络安全事件应急预案", version="2025.2",
            approved_on=(now - timedelta(days=200)).date(),
            scope="覆盖等级保护三级系统、个人信息泄露、勒索与拒绝服务"))
        systems.record_drill(session=s, actor=SYSTEM, platform_id=platform_id, data=ss.DrillIn(
            plan_id=plan.id, held_on=(now - timedelta(days=60)).date(),
            scenario="会员库疑似拖库：发现、定级、1/4 小时首报演练", participants=23,
            findings="值班定级环节超时 12 分钟，已调整值班表"))
        # 较大, reported on time
        on_time = incidents.open_incident(session=s, actor=SYSTEM, platform_id=platform_id,
                                          data=ss.IncidentIn(
            title="会员中心接口被撞库，批量查询手机号", system_code="member",
            category="数据泄露", grade="relatively_major", reporting_party="other",
            criteria={"pi_leaked_persons": 1_350_000},
            occurred_at=now - timedelta(days=3, hours=6),
            detected_at=now - timedelta(days=3, hours=5),
            impact="约 135 万会员手机号与昵称可能被批量获取",
            measures="封禁来源 IP 段，接口加验证码，强制风险账户改密",
            cause="查询接口缺少频率限制，被撞库脚本利用"), now=now - timedelta(days=3, hours=5))
        reports.submit(session=s, actor=SYSTEM, platform_id=platform_id, incident_id=on_time.id,
                       data=ss.ReportIn(kind="first", answers=answers, channel="网信办报送平台",
                                        submitted_at=now - timedelta(days=3, hours=3)))
        reports.submit(session=s, actor=SYSTEM, platform_id=platform_id, incident_id=on_time.id,
                       data=ss.ReportIn(kind="supplement", answers={
                           **answers, "progress": "已修复接口并完成影响评估",
                           "next_steps": "通知受影响用户，复盘接口治理"},
                           submitted_at=now - timedelta(days=2)))
        incidents.mark_handled(session=s, actor=SYSTEM, platform_id=platform_id,
                               incident_id=on_time.id, data=ss.HandledIn(
                                   handled_at=now - timedelta(days=1), note="处置完毕"))
        b = breaches.record_breach(session=s, actor=SYSTEM, platform_id=platform_id,
                                   data=ss.BreachIn(
            incident_id=on_time.id, pi_types=["手机号码", "会员昵称"],
            cause="查询接口缺少频率限制，被撞库脚本批量调用",
            possible_harm="可能收到骚扰电话、短信或冒充客服的诈骗",
            remedial_steps="已封禁攻击来源、修复接口、对风险账户强制改密",
            individual_actions="警惕自称鲸选客服索要验证码的来电；在「账户安全」中修改密码",
            contact="个人信息保护负责人 privacy@jingxuan.example / 0571-8888 6000",
            persons_affected=1_350_000, discovered_at=now - timedelta(days=3, hours=4)))
        breaches.notify_authority(session=s, actor=SYSTEM, platform_id=platform_id,
                                  breach_id=b.id, data=ss.AuthorityNoticeIn(
                                      recipient="浙江省互联网信息办公室", channel="报送平台",
                                      sent_at=now - timedelta(days=3, hours=2)))
        breaches.notify_individuals(session=s, actor=SYSTEM, platform_id=platform_id,
                                    breach_id=b.id, channel="站内信", recipients_csv=(
                                        "person_ref,contact\n" + "".join(
                                            f"B-{i:05d},138****{i:04d}\n" for i in range(1, 51))
                                    ).encode())
        # 较大, reported late (with the reason the law's reader will ask for)
        late = incidents.open_incident(session=s, actor=SYSTEM, platform_id=platform_id,
                                       data=ss.IncidentIn(
            title="支付回调被篡改导致优惠券异常发放", system_code="pay", category="网页篡改",
            grade="relatively_major", reporting_party="other",
            criteria={"direct_loss_rmb": 6_200_000},
            occurred_at=now - timedelta(hours=30), detected_at=now - timedelta(hours=28),
            impact="约 620 万元优惠券被异常领取", measures="下线回调接口，冻结异常券"),
            now=now - timedelta(hours=28))
        reports.submit(session=s, actor=SYSTEM, platform_id=platform_id, incident_id=late.id,
                       data=ss.ReportIn(kind="first", answers=answers,
                                        submitted_at=now - timedelta(hours=22),
                                        delay_reason="夜间值班初判为一般事件，损失核算后于 6 小时"
                                                     "后升级为较大事件并报告"))
    return {"incidents": 2, "breaches": 1}
