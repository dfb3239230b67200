"""Variant expansion at lexicon-build time (变体扩展): the text is never converted to pinyin or
rewritten; instead each term brings the spellings an evader would use, and all of them go into
one automaton. Pinyin comes from pypinyin (in the context of the whole term, so polyphones read
right); homophones and split characters come from the team's tables in ``data/``."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from zeren.lexicon.domain import Evasion, VariantKind, data_text


def _tsv(name: str) -> Iterator[list[str]]:
    for line in data_text(name).splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        yield line.split("\t")


@lru_cache(maxsize=1)
def homophones() -> dict[str, tuple[str, ...]]:
    """Each character in data/homophones.tsv → the other characters of its group."""
    out: dict[str, set[str]] = {}
    for cols in _tsv("homophones.tsv"):
        group = cols[1].strip()
        for ch in group:
            out.setdefault(ch, set()).update(c for c in group if c != ch)
    return {k: tuple(sorted(v)) for k, v in out.items() if v}


@lru_cache(maxsize=1)
def split_chars() -> dict[str, str]:
    """Each character in data/split_chars.tsv → its components written side by side."""
    return {cols[0].strip(): cols[1].strip() for cols in _tsv("split_chars.tsv")}


@lru_cache(maxsize=65536)
def _char_pinyin(ch: str) -> str:
    got: list[str] = lazy_pinyin(ch, style=Style.NORMAL, errors="default")
    return got[0] if len(got) == 1 else ch


@lru_cache(maxsize=1)
def _phrases() -> dict[str, list[list[str]]]:
    from pypinyin.phrases_dict import phrases_dict

    found: dict[str, list[list[str]]] = phrases_dict
    return found


def _toneless(syllable: str) -> str:
    s = unicodedata.normalize("NFD", syllable)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return s.replace("ü", "v")


def syllables(key: str) -> list[str]:
    """Toneless pinyin of each character of ``key`` (other characters stay as they are).
    Each character takes its most common reading unless a two- or three-character word of
    pypinyin's phrase dictionary covering it says otherwise (银行 reads yin hang). This is
    a tenth of the cost of pypinyin's own segmentation, which made builds too slow."""
    out = [_char_pinyin(c) if _is_han(c) else c for c in key]
    phrases = _phrases()
    n = len(key)
    for width in (2, 3):
        for i in range(n - width + 1):
            got = phrases.get(key[i : i + width])
            if got is not None and len(got) == width:
                for j in range(width):
                    out[i + j] = _toneless(got[j][0])
    if n in (4, 5) and key in phrases:
        got = phrases[key]
        if len(got) == n:
            out = [_toneless(g[0]) for g in got]
    return out


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def expand(key: str, options: frozenset[VariantKind]) -> dict[str, Evasion]:
    """Spellings of the normal form ``key`` other than itself, each with the evasion it stands
    for. Latin-only keys and options that do not apply give nothing."""
    out: dict[str, Evasion] = {}
    if not options or not any(_is_han(c) for c in key):
        return out
    chars = list(key)
    n_han = sum(1 for c in chars if _is_han(c))
    # A lone syllable (qiang, ri) is an ordinary Latin word far too often to be a variant.
    if n_han >= 2 and (VariantKind.PINYIN in options or VariantKind.INITIALS in options):
        syll = syllables(key)
        if len(syll) == len(chars):
            pys = [s.lower() if _is_han(c) else c for c, s in zip(chars, syll, strict=True)]
            han = [i for i, c in enumerate(chars) if _is_han(c)]
            if VariantKind.PINYIN in options:
                # Full pinyin, and the mixes evaders write: one character in pinyin
                # (枪zhi) or all but one (qiang支). Every 2^n mix would multiply a
                # 20,000-term lexicon thirty-fold for spellings nobody uses.
                mixes = [set(han)] + [{i} for i in han] + [set(han) - {i} for i in han]
                for chosen in mixes:
                    if not chosen:
                        continue
                    parts = [pys[i] if i in chosen else c for i, c in enumerate(chars)]
                    out.setdefault("".join(parts), Evasion.PINYIN)
            if VariantKind.INITIALS in options and len(han) >= 2 and len(han) == len(chars):
                out.setdefault("".join(p[0] for p in pys), Evasion.PINYIN)
    if VariantKind.HOMOPHONE in options and len(chars) >= 2:
        table = homophones()
        for i, c in enumerate(chars):
            for h in table.get(c, ()):
                out.setdefault(key[:i] + h + key[i + 1 :], Evasion.HOMOPHONE)
    if VariantKind.SPLIT in options:
        table2 = split_chars()
        where = [i for i, c in enumerate(chars) if c in table2]
        for i in where:
            out.setdefault(key[:i] + table2[chars[i]] + key[i + 1 :], Evasion.SPLIT)
        if len(where) > 1:
            out.setdefault("".join(table2.get(c, c) for c in chars), Evasion.SPLIT)
    out.pop(key, None)
    return out
