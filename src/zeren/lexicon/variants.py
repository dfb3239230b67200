"""Variant expansion at lexicon-build time (变体扩展): the text is never converted to pinyin or
rewritten; instead each term brings the spellings an evader would use, and all of them go into
one automaton. Pinyin comes from pypinyin (in the context of the whole term, so polyphones read
right); homophones and split characters come from the tables in ``data/`` (the reviewed
tone-exact groups of ``homophones.tsv`` by default; the generated classes of
``homophone_classes.tsv``, any tone, for terms that opt in)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import combinations

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
def homophone_classes() -> dict[str, tuple[str, ...]]:
    """Each common character → the other common characters of its syllable, any tone, the
    most frequent first (data/homophone_classes.tsv)."""
    out: dict[str, tuple[str, ...]] = {}
    for cols in _tsv("homophone_classes.tsv"):
        tones = [c.partition(":")[2].strip() for c in cols[1:]]
        # most frequent first across tones: interleave the tone groups, which are each sorted
        merged: list[str] = []
        for i in range(max((len(t) for t in tones), default=0)):
            merged.extend(t[i] for t in tones if i < len(t))
        for ch in merged:
            out[ch] = tuple(c for c in merged if c != ch)
    return out


@lru_cache(maxsize=1)
def latin_common() -> frozenset[str]:
    """Latin abbreviations, brands and words that initials never stand for
    (data/latin_common.txt), lower case."""
    return frozenset(
        line.strip().lower() for line in data_text("latin_common.txt").splitlines()
        if line.strip() and not line.startswith("#"))


# ⑩–⑳ and their other circled forms have no one-character NFKC form (⑩ → "10"): a term
# with 10 to 20 in it also gets a spelling with the circled number (normalize.py folds the
# other circled forms onto ⑩–⑳).
CIRCLED = {str(n): chr(0x2469 + n - 10) for n in range(10, 21)}


def _circled(key: str) -> list[str]:
    out = []
    for num, ch in CIRCLED.items():
        at = key.find(num)
        while at >= 0:
            out.append(key[:at] + ch + key[at + 2 :])
            at = key.find(num, at + 1)
    return out


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


HOMOPHONE_ANY_PER_CHAR = 8  # generated homophones tried for each character (most frequent)
FULL_MIX_MAX = 4  # terms up to this many characters get every pinyin/hanzi mix


def expand(key: str, options: frozenset[VariantKind]) -> dict[str, Evasion]:
    """Spellings of the normal form ``key`` other than itself, each with the evasion it stands
    for. Latin-only keys and options that do not apply give nothing, except the circled
    numbers (⑩) which are normalisation, always on."""
    out: dict[str, Evasion] = {}
    for c in _circled(key):
        out.setdefault(c, Evasion.WIDTH)
    if not options or not any(_is_han(c) for c in key):
        out.pop(key, None)
        return out
    chars = list(key)
    n_han = sum(1 for c in chars if _is_han(c))
    wants_initials = VariantKind.INITIALS in options or VariantKind.INITIALS2 in options
    # A lone syllable (qiang, ri) is an ordinary Latin word far too often to be a variant.
    if n_han >= 2 and (VariantKind.PINYIN in options or wants_initials):
        syll = syllables(key)
        if len(syll) == len(chars):
            pys = [s.lower() if _is_han(c) else c for c, s in zip(chars, syll, strict=True)]
            han = [i for i, c in enumerate(chars) if _is_han(c)]
            if VariantKind.PINYIN in options:
                # Every mix of pinyin and characters for short terms (枪zhi, qiang支, and for
                # four characters 公民xinxi, gong民信xi…); for longer ones full pinyin, one
                # character in pinyin, or all but one (every 2^n mix of a long term would
                # multiply the automaton for spellings nobody uses).
                if len(han) <= FULL_MIX_MAX:
                    mixes = [set(c) for r in range(1, len(han) + 1) for c in combinations(han, r)]
                else:
                    mixes = [set(han)] + [{i} for i in han] + [set(han) - {i} for i in han]
                for chosen in mixes:
                    parts = [pys[i] if i in chosen else c for i, c in enumerate(chars)]
                    out.setdefault("".join(parts), Evasion.PINYIN)
            if wants_initials and len(han) == len(chars):
                ini = "".join(p[0] for p in pys)
                allowed = (VariantKind.INITIALS in options if len(ini) > 2
                           else VariantKind.INITIALS2 in options)
                if allowed and ini not in latin_common():
                    out.setdefault(ini, Evasion.INITIALS)
    if len(chars) >= 2 and (VariantKind.HOMOPHONE in options
                            or VariantKind.HOMOPHONE_ANY in options):
        table = homophones() if VariantKind.HOMOPHONE in options else {}
        broad = homophone_classes() if VariantKind.HOMOPHONE_ANY in options else {}
        for i, c in enumerate(chars):
            subs = list(table.get(c, ()))
            subs += [h for h in broad.get(c, ())[:HOMOPHONE_ANY_PER_CHAR] if h not in subs]
            for h in subs:
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
