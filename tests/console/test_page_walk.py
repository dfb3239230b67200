"""The console walked as every demo role in Chinese: every page a link leads to answers
without a server error, and the pages of the covered kinds show no machine string to a zh-CN
reader (no snake_case code, no bare word of a vocabulary, no English sentence, no JSON
escapes; see ``tests/console/walk.py``). The demo group is loaded once for the whole walk."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.console.walk import machine_strings, pattern, sign_in, walk
from zeren.config import Settings
from zeren.db.session import unit_of_work
from zeren.demo import DEMO_PASSWORD, DEMO_USERS, load_demo, load_demo_records
from zeren.moderation import domain as d
from zeren.moderation.models import Case
from zeren.moderation.services.cases import all_queues
from zeren.platforms.models import Platform

# The kinds of page whose every string is translated; a page of another kind is walked for
# server errors only until its strings are (extend this list as they are).
COVERED = re.compile(r"""/(\?.*)?$
    |/guideline(/\d+)?(\?.*)?$
    |/platforms/[^/]+/posture(/articles/\d+)?(\?.*)?$
    |/moderation/(queue|cases/[^/]+|report|sanctions)(\?.*)?$""", re.X)


def covered(url: str) -> bool:
    return COVERED.fullmatch(url) is not None


def vocabulary() -> set[str]:
    """Words of the system's vocabularies that a page must say in the reader's language."""
    words: set[str] = set(all_queues())
    for enum in (d.CaseStatus, d.SubjectKind, d.MeasureStatus, d.Source, d.AppealStatus):
        words |= {str(m.value) for m in enum}
    return words


def test_every_page_speaks_chinese_to_every_role(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    with unit_of_work(engine) as s:
        load_demo(session=s, data_dir=settings.data_dir)
    load_demo_records(engine=engine, data_dir=settings.data_dir)
    with unit_of_work(engine) as s:
        decided = list(s.scalars(select(Case.id).where(Case.status == "decided")))
        codes = list(s.scalars(select(Platform.code)))
    assert decided, "the demo decides cases"
    # Pages no link leads to from the first pages (decided cases) and every article of each
    # platform (the walk sees two pages of a kind), read by the compliance officer.
    extra = [f"/moderation/cases/{c}" for c in decided] + [
        f"/platforms/{code}/posture/articles/{n}" for code in codes for n in range(1, 36)]
    words = vocabulary()
    errors: list[str] = []
    untranslated: dict[str, list[str]] = {}
    walked = 0
    for user in DEMO_USERS:
        sign_in(client, user["username"], DEMO_PASSWORD, "zh-CN")
        pages = walk(client) if user["username"] != "compliance" else walk(
            client, start=["/", *extra], per_pattern=len(extra))
        for page in pages:
            walked += 1
            if page.status >= 500:
                errors.append(f"{user['username']} {page.url} -> {page.status}")
            if page.html and covered(page.url):
                found = machine_strings(page.body, words)
                if found:
                    untranslated.setdefault(pattern(page.url), found)
    assert walked > 50
    assert not errors, errors
    assert not untranslated, "\n".join(f"{k}: {v}" for k, v in untranslated.items())


def test_the_reader_meets_no_machine_string() -> None:
    """The detector itself: what the issue met on zh-CN pages is caught; identifiers marked
    up as such and Chinese text are not."""
    words = vocabulary()
    assert machine_strings("<dt>claimed_by</dt><dd>moderator</dd>", words) == ["claimed_by"]
    assert machine_strings('<td>{"authority": "\\u67d0\\u5e02"}</td>', words) == [
        "\\u67d0", "\\u5e02", "authority"]
    assert machine_strings("<p>no patrol hit unhandled for more than 24 h</p>", words) == [
        "no patrol hit unhandled for more than", "patrol"]
    assert machine_strings("<td>escalated</td>", words) == ["escalated"]
    assert machine_strings("<p>已保存: decide</p>", words) == []  # one English word is not caught
    assert machine_strings("<p>理由：<code>art13.patrol</code> <span translate=no>"
                           "claimed_by</span> 已领取</p>", words) == []
    assert covered("/moderation/cases/4cc74c5b?saved=claim")
    assert not covered("/platforms/jingxuan-mall/datagov/assets")
