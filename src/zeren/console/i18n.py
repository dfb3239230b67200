"""Translated strings: one gettext mechanism for the whole console, through Babel.

Each part of the console (the foundation here, and every domain that contributes pages) keeps
its messages as gettext catalogues, ``<folder>/<locale>/LC_MESSAGES/messages.po`` for
``zh_CN`` and ``en`` (zh-CN first: every string a person reads exists in Chinese). Message ids
are stable keys (``mod_queue``, ``tier_test``) rather than English sentences, so that a
wording change in either language does not orphan the other; templates and code call
``t("key")`` (also ``_("key")``). The ``.po`` files are the source and are read (and compiled
in memory) when first needed, so there is no build step and no binary file in the tree.

Extract the keys a change uses with ``pybabel extract -F babel.cfg -k t -o messages.pot .``
(babel.cfg at the repository root); ``tests/console/test_i18n.py`` fails when a key used in a
template is missing from a catalogue or lacks a translation in either language."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES: tuple[str, ...] = ("zh-CN", "en")
GETTEXT_LOCALE = {"zh-CN": "zh_CN", "en": "en"}
DOMAIN = "messages"

CONSOLE_LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def po_path(folder: Path, locale: str) -> Path:
    return folder / GETTEXT_LOCALE[locale] / "LC_MESSAGES" / f"{DOMAIN}.po"


def _load(folder: Path, locale: str) -> Translations:
    with po_path(folder, locale).open("rb") as fh:
        catalog = read_po(fh, locale=GETTEXT_LOCALE[locale], domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


@lru_cache(maxsize=32)
def translations(locale: str, folders: tuple[Path, ...]) -> NullTranslations:
    """The catalogues of ``folders`` for ``locale``, the first found first, each falling back
    to the next; a key found nowhere is shown as itself (and a test catches it)."""
    if locale not in GETTEXT_LOCALE:
        raise ValueError(f"unknown locale {locale!r}; known: {', '.join(LOCALES)}")
    chain: NullTranslations | None = None
    for folder in folders:
        if not po_path(folder, locale).exists():
            continue
        tr = _load(folder, locale)
        if chain is None:
            chain = tr
        else:
            chain.add_fallback(tr)
    return chain if chain is not None else NullTranslations()


def translator(locale: str, folders: Iterable[Path]) -> Callable[[str], str]:
    """``t(key)`` for ``locale`` over ``folders`` (see :func:`translations`)."""
    return translations(locale, tuple(folders)).gettext


# -- legal citations in Chinese form -------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """``29`` → ``二十九`` (the numerals of article numbers, 0–9999)."""
    if not 0 <= n < 10000:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero:
                out += "零"
                zero = False
            out += ("" if digit == 1 and value == 10 and n < 20 else _DIGITS[digit]) + unit
        elif out:
            zero = True
    return out


_CITATION = re.compile(
    r"(?P<law>[\u4e00-\u9fff]+)?\s*(?:Art|Article|条款)\.?\s*(?P<art>\d+)"
    r"(?:\s*[-–]\s*(?P<to>\d+))?(?:\s*\((?P<item>\d+)\))?")


def cite_zh(text: str) -> str:
    """Citations written the English way (``广告法 Art 9(3)``, ``指南 Art 42-44``) in the
    Chinese form (``《广告法》第九条第（三）项``, ``《指南》第四十二条至第四十四条``); the rest
    of ``text`` as it is."""

    def one(m: re.Match[str]) -> str:
        law = m.group("law")
        head = f"《{law}》" if law else ""
        art = f"第{cn_number(int(m.group('art')))}条"
        if m.group("to"):
            art += f"至第{cn_number(int(m.group('to')))}条"
        if m.group("item"):
            art += f"第（{cn_number(int(m.group('item')))}）项"
        return head + art

    out = _CITATION.sub(one, text)
    return out.replace("[secondary copy]", "（转引文本）").replace("》《", "》、《")
