"""Demo records of the gig-worker register for one platform (``zeren demo``): twelve workers
(identities sealed) and four whole weeks of dispatch log — five days a week, two 3-hour
stretches a day an hour apart, paid above the minimum wage — with one worker who took
orders for 9 hours one day, so the working-time check shows a finding."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.timepolicy import BEIJING
from zeren.workers.schemas import Identity, SegmentIn, WorkerIn
from zeren.workers.services import logs, register
from zeren.workers.services.assessment import last_weeks

SURNAMES = "王李张刘陈杨赵黄周吴徐孙"


def load(*, session: Session, platform_id: str, actor: Actor) -> int:
    refs = [f"LH-R{i:02d}" for i in range(1, 13)]
    register.register_workers(session=session, actor=actor, platform_id=platform_id, workers=[
        WorkerIn(worker_id=r, kind="rider" if i % 3 else "courier", city="hangzhou",
                 personal=Identity(name=f"{SURNAMES[i]}师傅", phone=f"1390000{i:04d}"))
        for i, r in enumerate(refs)])
    first, weeks = last_weeks(utcnow())
    segs = []
    for day in range(7 * weeks):
        if day % 7 >= 5:
            continue
        base = datetime.combine(first + timedelta(days=day), datetime.min.time(), BEIJING)
        for i, r in enumerate(refs):
            spans: list[tuple[float, float]] = [(9, 12), (13, 16)]
            if r == "LH-R07" and day == 2:
                spans = [(8, 11), (11.5, 14.5), (15, 18)]  # 9 h in one day
            for a, b in spans:
                segs.append(SegmentIn(worker_id=r, starts_at=base + timedelta(hours=a + i / 60),
                                      ends_at=base + timedelta(hours=b + i / 60),
                                      state="delivering", orders=6,
                                      pay_fen=int((b - a) * 4000)))
    logs.import_segments(session=session, actor=actor, platform_id=platform_id, segments=segs,
                         source="demo")
    return len(segs)
