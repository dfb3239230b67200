"""The demo group: 鲸选集团 with one super-large platform (鲸选商城, Art 1–35) and one ordinary
platform (邻里到家, Art 10–34), people, roles, the org registry, attestations, an exemption and
a first evaluation, so that every console page has something real to show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.auth.models import User
from zeren.auth.policy import SYSTEM, Actor, Grant
from zeren.auth.service import actor_for, create_user
from zeren.db.base import utcnow
from zeren.exemptions.service import decide_exemption, request_exemption
from zeren.org import service as org
from zeren.platforms.models import Platform
from zeren.platforms.service import create_platform, record_figures
from zeren.posture import service as posture

DEMO_PASSWORD = "zeren-demo-2026"

DEMO_USERS: list[dict[str, Any]] = [
    {"username": "admin", "role": "admin", "platform": None, "role_label": "admin (系统管理员)"},
    {"username": "compliance", "role": "compliance_officer", "platform": None,
     "role_label": "compliance_officer (合规专员)"},
    {"username": "moderator", "role": "moderator", "platform": "jingxuan-mall",
     "role_label": "moderator @ jingxuan-mall (审核员)"},
    {"username": "auditor", "role": "auditor", "platform": None,
     "role_label": "auditor (第三方审计, read-only)"},
    {"username": "regulator", "role": "regulator", "platform": None,
     "role_label": "regulator (监管部门, reports)"},
]
for _u in DEMO_USERS:
    _u["password"] = DEMO_PASSWORD

PLATFORMS: list[dict[str, Any]] = [
    {
        "code": "jingxuan-mall", "name": "鲸选商城", "legal_entity": "杭州鲸选网络科技有限公司",
        "uscc": "91330100MA2H000A12", "address": "浙江省杭州市余杭区文一西路 969 号",
        "contact_name": "周敏", "contact_phone": "0571-8888 6000",
        "contact_email": "compliance@jingxuan.example", "platform_type": "online_sales",
        "main_business": "综合网络零售平台（第三方商家与自营）",
        "figures": {"annual_active_users": 412_000_000, "market_value_rmb": 860_000_000_000,
                    "prominent_main_business": True,
                    "prominent_main_business_rationale":
                        "网络零售 GMV 居国内前三，主营业务收入占集团 78%",
                    "strong_reach_restriction": True,
                    "strong_reach_restriction_rationale":
                        "平台搜索与推荐决定约 85% 商家流量，商家难以绕开平台触达消费者"},
    },
    {
        "code": "linli-home", "name": "邻里到家", "legal_entity": "深圳邻里到家信息服务有限公司",
        "uscc": "91440300MA5F000B2Q", "address": "广东省深圳市南山区科技园南区 8 栋",
        "contact_name": "林晓", "contact_phone": "0755-2666 1200",
        "contact_email": "legal@linli.example", "platform_type": "lifestyle_services",
        "main_business": "同城家政与维修服务撮合",
        "figures": {"annual_active_users": 18_600_000, "market_value_rmb": 12_500_000_000,
                    "prominent_main_business": False,
                    "prominent_main_business_rationale": "区域性服务撮合，市场份额低于 5%",
                    "strong_reach_restriction": False,
                    "strong_reach_restriction_rationale":
                        "服务者可通过电话、其他平台直接接单"},
    },
]


def load_demo(*, session: Session, data_dir: Path) -> bool:
    """Load the demo group once; returns False when it is already there."""
    if session.scalar(select(Platform).where(Platform.code == "jingxuan-mall")) is not None:
        return False
    actor = SYSTEM
    last_year = utcnow().year - 1
    made: dict[str, Platform] = {}
    for spec in PLATFORMS:
        data = {k: v for k, v in spec.items() if k != "figures"}
        p = create_platform(session=session, actor=actor, data=data)
        record_figures(session=session, actor=actor, platform=p,
                       data={"year": last_year, **spec["figures"]})
        made[p.code] = p
    for u in DEMO_USERS:
        pid = made[u["platform"]].id if u["platform"] else None
        create_user(session=session, actor=actor, username=u["username"],
                    display_name=u["role_label"], password=u["password"],
                    roles=[(u["role"], pid)])
    create_user(session=session, actor=actor, username="mall-api", display_name="商城接口",
                password=None, roles=[("api_client", made["jingxuan-mall"].id)])

    mall = made["jingxuan-mall"]
    comp = org.add_department(session=session, actor=actor, platform=mall, name="平台合规部",
                              kind="compliance", mandate="合规制度、监管对接、培训与反腐败",
                              established_on=date(2021, 11, 1))
    sec = org.add_department(session=session, actor=actor, platform=mall, name="数据安全中心",
                             kind="data_security", mandate="数据安全审查与内控")
    head = org.add_person(session=session, actor=actor, platform=mall, data={
        "name": "周敏", "title": "首席合规官", "department_id": comp.id,
        "email": "zhou.min@jingxuan.example", "phone": "0571-8888 6001"})
    dso = org.add_person(session=session, actor=actor, platform=mall, data={
        "name": "陈立", "title": "数据安全负责人", "department_id": sec.id,
        "email": "chen.li@jingxuan.example", "phone": "0571-8888 6020"})
    dso2 = org.add_person(session=session, actor=actor, platform=mall, data={
        "name": "吴桐", "title": "数据安全副负责人", "department_id": sec.id,
        "email": "wu.tong@jingxuan.example", "phone": ""})
    org.assign_duty(session=session, actor=actor, platform=mall, person_id=head.id,
                    duty="compliance_head", since=date(2022, 1, 1))
    for person in (dso, dso2):
        org.assign_duty(session=session, actor=actor, platform=mall, person_id=person.id,
                        duty="data_security_officer", since=date(2023, 3, 1))

    from zeren.governance import demo as governance_demo

    governance_demo.load(session=session, platform_id=mall.id, actor=actor)
    from zeren.workers import demo as workers_demo

    workers_demo.load(session=session, platform_id=made["linli-home"].id, actor=actor)
    now = datetime.now(UTC)
    attestations = [
        (mall, "art14.disclosure_reporting",
         "服务协议与交易规则在首页显著位置持续公示，按季度向主管部门报告修改情况。",
         ("rules-disclosure-2026.txt", "公示与报告记录（演示）\n".encode())),
    ]
    for platform, key, statement, evidence in attestations:
        posture.attest(session=session, actor=actor, platform=platform, obligation_key=key,
                       statement=statement, valid_from=None,
                       valid_until=now + timedelta(days=365),
                       files=[(evidence[0], evidence[1], "text/plain")], data_dir=data_dir)
    # One expired attestation: shows how a lapsed statement turns back to not_assessed.
    posture.attest(session=session, actor=actor, platform=mall,
                   obligation_key="art32.frugality",
                   statement="2025 年节约资源报告已发布（已过期的演示声明）。",
                   valid_from=now - timedelta(days=400), valid_until=now - timedelta(days=35),
                   files=[], data_dir=data_dir)
    ex = request_exemption(session=session, actor=actor, platform=made["linli-home"], data={
        "article": 31, "ground": "beyond_control_or_capability",
        "justification": "适老化语音下单改造需供应商交付，上线前以人工电话下单替代。",
        "ends_on": (now + timedelta(days=180)).date().isoformat()})
    officer = actor_for(session=session, user=session.scalars(
        select(User).where(User.username == "compliance")).one())
    decide_exemption(session=session, actor=officer, exemption_id=ex.id, action="approve",
                     note="同意，到期前复核改造进度。")
    for p in made.values():
        posture.evaluate(session=session, actor=actor, platform=p)
    return True


LISTINGS = [
    ("jingxuan-mall", "L-1001", "国家级品质 纯棉四件套，限时特惠"),
    ("jingxuan-mall", "L-1002", "儿童水枪玩具 夏日戏水套装"),
    ("jingxuan-mall", "L-1003", "户外露营折叠椅，承重 150 公斤"),
    ("jingxuan-mall", "L-1004", "出售 仿真qiang支 配件，私聊"),
    ("jingxuan-mall", "L-1005", "最佳口感 高山乌龙茶 250g"),
    ("jingxuan-mall", "L-1006", "手工陶瓷茶杯，送礼佳品"),
    ("linli-home", "S-2001", "家电深度清洗，师傅上门，明码标价"),
    ("linli-home", "S-2002", "开锁换锁 24 小时上门"),
    ("linli-home", "S-2003", "代办各类证件 加微信 包过"),
]


def load_demo_records(*, engine: Any, data_dir: Path) -> dict[str, int]:
    """Records for the modules beside the foundation: orders in the ledger (Art 10), the
    default review lexicon with stored listings and a finished patrol (Art 13). Runs after
    ``load_demo`` has committed, because the ledger's integrator commits on its own."""
    from concurrent.futures import ThreadPoolExecutor
    from decimal import Decimal

    from zeren.db.session import unit_of_work
    from zeren.ledger.schemas import OrderRecordCreate
    from zeren.ledger.service import ingest_order, record_log_for
    from zeren.lexicon import service as lexicon
    from zeren.lexicon.formats import Document

    counts: dict[str, int] = {"orders": 0, "patrol_items": 0}
    with unit_of_work(engine) as s:
        platforms = {p.code: p for p in s.scalars(select(Platform))}
        lexicon.seed_default(session=s, actor=SYSTEM)
        for code, ref, text in LISTINGS:
            counts["patrol_items"] += lexicon.submit_items(
                session=s, actor=SYSTEM, platform_id=platforms[code].id,
                items=[Document(ref, text)])
    with unit_of_work(engine) as s:
        # the patrol re-screens moderation's listings; its findings open moderation cases
        lexicon.run_due_patrols(session=s, now=utcnow())
    log = record_log_for(engine, data_dir)
    now = utcnow()
    orders: list[OrderRecordCreate] = []
    for code, n in (("jingxuan-mall", 120), ("linli-home", 40)):
        for i in range(n):
            placed = now - timedelta(days=n - i, hours=3)
            price = Decimal(39 + (i * 17) % 400)
            orders.append(OrderRecordCreate(
                platform_id=platforms[code].id, order_id=f"{code[:2].upper()}{2026_0000 + i}",
                merchant_id=f"M-{100 + i % 7}", status="completed",
                items=[{"sku": f"SKU-{i % 13}", "title": LISTINGS[i % 6][2][:40],
                        "unit_price": price, "quantity": 1 + i % 3}],
                total_amount=price * (1 + i % 3), paid_amount=price * (1 + i % 3),
                placed_at=placed, paid_at=placed + timedelta(minutes=2),
                completed_at=placed + timedelta(days=2),
                buyer={"buyer_ref": f"B-{i:05d}", "name": "演示买家", "phone": "138-0000-0000"}))

    def ingest(order: OrderRecordCreate) -> Any:
        return ingest_order(record_log=log, record=order.record(),
                            buyer=order.buyer.model_dump(), completed_at=order.completed_at)

    # Appends from many callers at once share the integrator's batches, as in production.
    with ThreadPoolExecutor(max_workers=32) as pool:
        receipts = list(pool.map(ingest, orders))
    from zeren.ledger.service import index_order

    with unit_of_work(engine) as s:  # the figures beside the log (the tax report reads them)
        for order, receipt in zip(orders, receipts, strict=True):
            index_order(session=s, record=order.record(), receipt=receipt)
    counts["orders"] = len(orders)
    counts["cases"] = _demo_moderation(engine=engine, platform=platforms["jingxuan-mall"].id)
    from zeren.moderation.services.delivery import flush_ledger

    counts["moderation_records_logged"] = flush_ledger(engine=engine, record_log=log)
    counts.update(_demo_datagov(engine=engine, platform=platforms["jingxuan-mall"].id,
                                data_dir=data_dir))
    from zeren.merchants import demo as merchants_demo

    counts.update(merchants_demo.load(engine=engine, platform_id=platforms["jingxuan-mall"].id,
                                      data_dir=data_dir))
    from zeren.market import demo as market_demo

    counts.update(market_demo.load(engine=engine, platform_id=platforms["jingxuan-mall"].id,
                                   data_dir=data_dir))
    from zeren.ledger.outbox import flush_all
    from zeren.ledger.service import integrator_for
    from zeren.rules import demo as rules_demo

    counts.update(rules_demo.load(engine=engine, platform_id=platforms["jingxuan-mall"].id))
    counts["rules_reviews_records_logged"] = flush_all(
        engine=engine, integrator=integrator_for(engine, data_dir))
    with unit_of_work(engine) as s:
        for p in s.scalars(select(Platform)):
            posture.evaluate(session=s, actor=SYSTEM, platform=p)
    return counts


def _demo_datagov(*, engine: Any, platform: str, data_dir: Path) -> dict[str, int]:
    """Inventory, consents and gate decisions, incidents and a breach (datagov.demo)."""
    from zeren.datagov import demo as datagov_demo
    from zeren.ledger.outbox import flush_all
    from zeren.ledger.service import integrator_for

    got = datagov_demo.load(engine=engine, platform_id=platform)
    got["datagov_records_logged"] = flush_all(engine=engine,
                                              integrator=integrator_for(engine, data_dir))
    return got


def _demo_moderation(*, engine: Any, platform: str) -> int:
    """Reports on the mall: two bundled onto one listing, an authority order, a rumour; the
    moderator decides two cases with measures and statements of reasons; one merchant is
    warned (on the sanctions board) and appeals."""
    from zeren.db.session import unit_of_work
    from zeren.moderation.schemas import AppealIn, DecisionIn, ReportIn
    from zeren.moderation.services import appeals, cases, decisions, intake

    moderator = Actor(user_id="demo:moderator", username="moderator",
                      grants=(Grant("moderator", None),))
    merchant = {"kind": "merchant", "external_ref": "M-104", "display_name": "枪迷配件小铺"}
    user = {"kind": "user", "external_ref": "U-88", "display_name": "路人甲",
            "real_name_verified": True}
    reports = [
        {"subject": {"kind": "listing", "external_ref": "L-1004",
                     "text": "出售 仿真qiang支 配件，私聊", "owner": merchant},
         "category": "prohibited_goods", "description": "疑似销售枪支配件"},
        {"subject": {"kind": "listing", "external_ref": "L-1004",
                     "text": "出售 仿真qiang支 配件，私聊", "owner": merchant},
         "category": "prohibited_goods", "description": "同一商品再次举报"},
        {"subject": {"kind": "post", "external_ref": "P-3001", "text": "某地水库今晚决堤，速转！",
                     "owner": user},
         "category": "illegal.rumours", "description": "散布谣言"},
        {"subject": {"kind": "listing", "external_ref": "L-1005", "text": "最佳口感 高山乌龙茶",
                     "owner": {"kind": "merchant", "external_ref": "M-105",
                               "display_name": "云岭茶庄"}},
         "category": "advertising_absolute", "source": "authority", "authority": "某市市场监督管理局",
         "document_no": "市监广〔2026〕31号", "description": "广告使用绝对化用语"},
    ]
    with unit_of_work(engine) as s:
        receipts = intake.report_batch(session=s, actor=SYSTEM, platform_id=platform,
                                       items=[ReportIn.model_validate(r) for r in reports])
        case_ids = list(dict.fromkeys(r.case_id for r in receipts))
    ground = {"kind": "law", "law": "网络信息内容生态治理规定", "article": "第六条"}
    bodies = {
        case_ids[0]: DecisionIn.model_validate({
            "decision": "action", "measures": [{"code": "removal"}, {"code": "merchant_warning"}],
            "ground": {"kind": "platform_rule", "rule": "禁限售商品管理规则", "rule_version": "2026.1"},
            "facts": "商品标题以拼音规避方式销售仿真枪支配件，属禁售商品。"}),
        case_ids[1]: DecisionIn.model_validate({
            "decision": "action", "measures": [{"code": "removal"}], "ground": ground,
            "facts": "帖子散布未经核实的水库决堤信息，经核实为谣言。"}),
    }
    for case_id, body in bodies.items():
        with unit_of_work(engine) as s:
            cases.claim_case(session=s, actor=moderator, case_id=case_id)
        with unit_of_work(engine) as s:
            decisions.decide_case(session=s, actor=moderator, case_id=case_id, body=body)
    with unit_of_work(engine) as s:
        from zeren.moderation.models import Measure

        warning = s.scalar(select(Measure).where(Measure.code == "merchant_warning"))
        if warning is not None:
            appeals.file_appeal(session=s, actor=SYSTEM, platform_id=platform, body=AppealIn(
                measure_id=warning.id, appellant_ref="M-104", appellant_kind="merchant",
                grounds="配件为合法的模型玩具零件，附购货凭证。"))
    return len(case_ids)
