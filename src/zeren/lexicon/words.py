"""Ordinary words (普通词语) for precision: which words of an ordinary dictionary (jieba's,
shipped as data/words.tsv by ``build_data``) would absorb a term where it stands.

A term inside a longer ordinary word is usually not the term: 原子弹 holds 子弹, 更大麻烦 holds
大麻, 全国第一个 holds 全国第一. For each hit the engine first asks, with one array lookup,
whether the character just before it or just after it joins the hit's edge into a common
word (the neighbours that do are computed per key when a matcher is built); only for those
few hits does it segment a short window of text around the hit with the dictionary's word
probabilities and compare the best reading with the best one that keeps the hit whole
(:func:`absorbed`): 原子弹 reads far likelier as one word, 枪支出售 reads best as 枪支|出售
(docs/adr/0201-lexicon-precision.md)."""

from __future__ import annotations

import itertools
import math
import tomllib
from functools import lru_cache
from typing import Any

from zeren.lexicon.domain import data_text


@lru_cache(maxsize=1)
def confidence_settings() -> dict[str, Any]:
    """data/confidence.toml."""
    return tomllib.loads(data_text("confidence.toml"))


@lru_cache(maxsize=1)
def frequencies() -> dict[str, int]:
    """Every ordinary word of data/words.tsv and its frequency."""
    out: dict[str, int] = {}
    for line in data_text("words.tsv").splitlines():
        if not line or line[0] == "#":
            continue
        w, _, f = line.partition("\t")
        out[w] = int(f)
    return out


def frequency(word: str) -> int:
    """How often ``word`` is seen in the dictionary's corpus (0 if it is not a word)."""
    return frequencies().get(word, 0)


def min_freq() -> int:
    return int(confidence_settings()["words"]["min_freq"])


@lru_cache(maxsize=1)
def inner_pairs() -> frozenset[tuple[str, str]]:
    """Every pair of neighbouring characters inside a common word (seen at least
    ``min_freq`` times): a hit whose edge and the character beside it form such a pair may be
    part of a longer word (原子 of 原子弹 before 子弹; 博物 of 博物馆 after 赌博)."""
    floor = min_freq()
    out: set[tuple[str, str]] = set()
    for w, f in frequencies().items():
        if f >= floor:
            out.update(itertools.pairwise(w))
    return frozenset(out)


def is_ordinary(spelling: str) -> bool:
    """Whether a variant spelling is itself an ordinary word (簧片 for 黄片, 博采 for 博彩)."""
    return len(spelling) >= 2 and frequency(spelling) > 0


MAX_WORD = 6  # longest word tried by the segmentation


@lru_cache(maxsize=1)
def _logs() -> tuple[dict[str, float], float]:
    freq = frequencies()
    total = math.log(sum(freq.values()))
    return {w: math.log(f) - total for w, f in freq.items() if len(w) <= MAX_WORD}, -total


def _suffix_best(text: str, logp: dict[str, float], unknown: float) -> list[float]:
    """best[i]: log-probability of the most probable segmentation of ``text[i:]``."""
    n = len(text)
    best = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        top = best[i + 1] + logp.get(text[i], unknown)
        for j in range(i + 2, min(n, i + MAX_WORD) + 1):
            lp = logp.get(text[i:j])
            if lp is not None and lp + best[j] > top:
                top = lp + best[j]
        best[i] = top
    return best


def _prefix_best(text: str, logp: dict[str, float], unknown: float) -> list[float]:
    """best[j]: log-probability of the most probable segmentation of ``text[:j]``."""
    n = len(text)
    best = [0.0] * (n + 1)
    for j in range(1, n + 1):
        top = best[j - 1] + logp.get(text[j - 1], unknown)
        for i in range(max(0, j - MAX_WORD), j - 1):
            lp = logp.get(text[i:j])
            if lp is not None and lp + best[i] > top:
                top = lp + best[i]
        best[j] = top
    return best


def absorbed(text: str, start: int, end: int) -> float:
    """How much likelier ``text`` reads when ``text[start:end]`` is not a unit of its own
    (natural log of the ratio; 0 when it reads best as one). The most probable segmentation
    weighs each word by its dictionary probability (a character the dictionary does not know
    weighs as if seen once); it is compared with the best one that keeps the span whole: 原子弹
    reads far likelier as 原子弹 than as 原|子弹, while 枪支出售 reads best as 枪支|出售 anyway.
    ``text`` is a short window around a hit."""
    logp, unknown = _logs()
    after = _suffix_best(text, logp, unknown)
    before = _prefix_best(text[:start], logp, unknown)
    mid = text[start:end]
    unit = logp.get(mid)
    if unit is None:
        unit = _suffix_best(mid, logp, unknown)[0]
    return max(0.0, after[0] - (before[start] + unit + after[end]))
