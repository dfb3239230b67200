"""The console's message catalogues (gettext through Babel): every key a template uses exists
in a catalogue, and every catalogue says every key in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from zeren.console.i18n import CONSOLE_LOCALE_DIR, LOCALES, cite_zh, cn_number, po_path, translator
from zeren.console.views import console_pages
from zeren.console.web import term

SRC = Path(__file__).resolve().parents[2] / "src" / "zeren"
KEY = re.compile(r"""\b(?:t|_)\(\s*["']([A-Za-z0-9_.\-]+)["']\s*\)""")


def catalogue_folders() -> list[Path]:
    return [*(p.locale for p in console_pages() if p.locale is not None), CONSOLE_LOCALE_DIR]


def keys(folder: Path, locale: str) -> dict[str, str]:
    with po_path(folder, locale).open("rb") as fh:
        cat = read_po(fh)
    return {str(m.id): str(m.string) for m in cat if m.id}


@pytest.mark.parametrize("folder", catalogue_folders(), ids=lambda p: p.parent.name)
def test_both_languages_say_every_key(folder: Path) -> None:
    zh, en = keys(folder, "zh-CN"), keys(folder, "en")
    assert zh and set(zh) == set(en)
    assert not [k for k, v in zh.items() if not v.strip()], "untranslated (zh-CN)"
    assert not [k for k, v in en.items() if not v.strip()], "untranslated (en)"


def test_every_key_a_template_uses_is_in_a_catalogue() -> None:
    known: set[str] = set()
    for folder in catalogue_folders():
        known |= set(keys(folder, "zh-CN"))
    used: dict[str, str] = {}
    for tpl in SRC.rglob("templates/*.html"):
        for key in KEY.findall(tpl.read_text("utf-8")):
            used.setdefault(key, tpl.name)
    assert len(used) > 50
    missing = {k: f for k, f in used.items() if k not in known}
    assert not missing, f"keys without a message: {missing}"


def test_a_domain_catalogue_falls_back_to_the_console() -> None:
    folders = catalogue_folders()
    zh = translator("zh-CN", folders)
    en = translator("en", folders)
    assert zh("login") == "登录" and en("login") == "Sign in"  # the console's own
    assert zh("mod_queue") == "审核队列" and en("mod_queue") == "Moderation queue"
    assert zh("no-such-key") == "no-such-key"
    assert set(LOCALES) == {"zh-CN", "en"}


def test_citations_read_the_chinese_way() -> None:
    assert [cn_number(n) for n in (1, 10, 12, 20, 29, 35, 101, 110)] == [
        "一", "十", "十二", "二十", "二十九", "三十五", "一百零一", "一百一十"]
    assert cite_zh("广告法 Art 9(3)") == "《广告法》第九条第（三）项"
    assert cite_zh("指南 Art 29；电子商务法 Art 36") == "《指南》第二十九条；《电子商务法》第三十六条"
    assert cite_zh("电子商务法 Art 42-44") == "《电子商务法》第四十二条至第四十四条"
    assert cite_zh("条款 4") == "第四条"
    assert cite_zh("《指南》第十条") == "《指南》第十条"


def test_a_vocabulary_word_is_said_in_the_pages_language() -> None:
    folders = catalogue_folders()
    zh, en = translator("zh-CN", folders), translator("en", folders)
    assert term(zh, "mod_queue", "escalated") == "升级队列"
    assert term(en, "mod_queue", "escalated") == "Escalated"
    assert term(zh, "figure", "with_full_contact") == "联系方式完整"
    assert term(zh, "mod_queue", "no-such-queue") == "no-such-queue"  # shown; the walk names it
    assert term(zh, "mod_queue", None) == "—"
