"""Demo data for the market analytics: a month of generated orders, price displays,
exposures, referrals, data reads and account signals for one platform, with planted cases of
every kind (``synth``); every detector run once, and the first finding of each acted on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.market import synth
from zeren.market.detectors import DETECTORS
from zeren.market.domain import catalogue
from zeren.market.services import actions, runs
from zeren.pagination import PageParams

DEMO_ROWS = 20_000


def load(*, engine: Any, platform_id: str, data_dir: Path, rows: int = DEMO_ROWS) -> dict[str, int]:
    planted = synth.generate(data_dir, platform_id, rows=rows, seed=7)
    found = 0
    with unit_of_work(engine) as s:
        for name in DETECTORS:
            run = runs.run_detector(session=s, actor=SYSTEM, platform_id=platform_id,
                                    root=data_dir, name=name)
            found += run.findings_new
            rows_, _ = runs.list_findings(session=s, actor=SYSTEM, platform_id=platform_id,
                                          params=PageParams(offset=0, limit=1),
                                          detector_name=name)
            if rows_ and catalogue().detectors[name].action != "moderation_case":
                actions.act(session=s, actor=SYSTEM, platform_id=platform_id,
                            finding_id=rows_[0].id, assignee="合规部",
                            note="演示：已交合规部处理")
    return {"market_rows": sum(planted.rows.values()), "market_findings": found}
