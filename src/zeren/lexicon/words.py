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
def _edges() -> tuple[dict[str, list[tuple[int, str]]], dict[str, list[tuple[int, str]]]]:
    """For common words only: ``left[x]`` = (frequency, c) for each word …c + x that ends
    with x, ``right[x]`` = (frequency, c) for each word x + c… that starts with x; most
    frequent first."""
    floor = min_freq()
    left: dict[str, list[tuple[int, str]]] = {}
    right: dict[str, list[tuple[int, str]]] = {}
    for w, f in frequencies().items():
        if f < floor or len(w) < 2:
            continue
        for k in range(1, len(w)):
            left.setdefault(w[k:], []).append((f, w[k - 1]))
            right.setdefault(w[:k], []).append((f, w[k]))
    for d in (left, right):
        for v in d.values():
            v.sort(reverse=True)
    return left, right


def absorbing_neighbours(key: str) -> tuple[set[str], set[str]]:
    """Characters that, standing just before (first set) or just after (second set) ``key``,
    make an ordinary word with the key's first or last characters: 原 before 子弹 (原子),
    个 after 全国第一 (一个, 第一个). Only words seen at least ``min_freq`` times count. These
    make a hit a candidate; the segmentation of the text around it decides (:func:`absorbed`)."""
    left, right = _edges()
    floor = min_freq()
    before: set[str] = set()
    after: set[str] = set()
    for j in range(1, len(key)):
        for f, c in left.get(key[:j], ()):
            if f < floor:
                break
            before.add(c)
        for f, c in right.get(key[j:], ()):
            if f < floor:
                break
            after.add(c)
    return before, after


def is_ordinary(spelling: str) -> bool:
    """Whether a variant spelling is itself an ordinary word (簧片 for 黄片, 博采 for 博彩)."""
    return len(spelling) >= 2 and frequency(spelling) > 0


MAX_WORD = 6  # longest word tried by the segmentation


@lru_cache(maxsize=1)
def _logs() -> tuple[dict[str, float], float]:
    freq = frequencies()
    total = math.log(sum(freq.values()))
    return {w: math.log(f) - total for w, f in freq.items() if len(w) <= MAX_WORD}, -total


def _best(text: str, logp: dict[str, float], unknown: float) -> float:
    """Log-probability of the most probable segmentation of ``text``."""
    n = len(text)
    best = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        top = best[i + 1] + logp.get(text[i], unknown)
        for j in range(i + 2, min(n, i + MAX_WORD) + 1):
            lp = logp.get(text[i:j])
            if lp is not None and lp + best[j] > top:
                top = lp + best[j]
        best[i] = top
    return best[0]


def absorbed(text: str, start: int, end: int) -> float:
    """How much likelier ``text`` reads when ``text[start:end]`` is not a unit of its own
    (natural log of the ratio; 0 when it reads best as one). The most probable segmentation
    weighs each word by its dictionary probability (a character the dictionary does not know
    weighs as if seen once); it is compared with the best one that keeps the span whole: 原子弹
    reads far likelier as 原子弹 than as 原|子弹, while 枪支出售 reads best as 枪支|出售 anyway.
    ``text`` is a short window around a hit."""
    logp, unknown = _logs()
    free = _best(text, logp, unknown)
    mid = text[start:end]
    unit = logp.get(mid)
    if unit is None:
        unit = _best(mid, logp, unknown)
    kept = _best(text[:start], logp, unknown) + unit + _best(text[end:], logp, unknown)
    return max(0.0, free - kept)
