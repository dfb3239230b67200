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

import numpy as np
import numpy.typing as npt

from zeren.lexicon.domain import data_text


@lru_cache(maxsize=1)
def confidence_settings() -> dict[str, Any]:
    """data/confidence.toml."""
    return tomllib.loads(data_text("confidence.toml"))


@lru_cache(maxsize=1)
def frequencies() -> dict[str, int]:
    """Every ordinary word of data/words.tsv and its frequency."""
    text = data_text("words.tsv")
    body = text[text.index("\n", text.rindex("\n#") + 1) + 1 :] if text.startswith("#") else text
    parts = body.split()
    return dict(zip(parts[0::2], map(int, parts[1::2]), strict=True))


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
_P = np.uint64(0x100000001B3)  # a hash of code points: h = h * P + cp (mod 2^64)


_M = np.uint64(0x9E3779B97F4A7C15)  # spreads a hash over the table's slots


PAIR_SHIFT = 21  # a pair of neighbours as one integer: first << 21 | second
_Table = tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], npt.NDArray[np.bool_], int, int,
               float]
# What this module builds once per process from the dictionary (about 0.7 s of CPU): the
# segmentation table, the sorted neighbour pairs, the log-probabilities by word and the flat
# per-character arrays. They are kept on disk beside compiled matchers (:func:`compiled`,
# :func:`adopt`; artefacts.py), so that a new process does not build them again.
_BUILT: dict[str, Any] = {}


def _table() -> _Table:
    """The segmentation table (see :func:`_build_table`), built once per process."""
    got = _BUILT.get("table")
    if got is None:
        got = _BUILT.setdefault("table", _build_table())
    return got  # type: ignore[no-any-return]


def pair_codes() -> npt.NDArray[np.int64]:
    """:func:`inner_pairs` as sorted ``first << 21 | second`` integers, built once per
    process: a hit's edge and the character beside it are looked up with one
    ``searchsorted``."""
    got = _BUILT.get("pairs")
    if got is None:
        got = _BUILT.setdefault("pairs", np.array(
            sorted(ord(a) << PAIR_SHIFT | ord(b) for a, b in inner_pairs()), dtype=np.int64))
    return got  # type: ignore[no-any-return]


def compiled() -> dict[str, Any]:
    """What :func:`adopt` takes: the tables this module builds from the dictionary."""
    return {"table": _table(), "pairs": pair_codes(), "logp": _logp(), "chars": _chars()}


def has_compiled() -> bool:
    """Whether this process has built (or adopted) the tables already."""
    return all(name in _BUILT for name in ("table", "pairs", "logp", "chars"))


def adopt(state: dict[str, Any]) -> None:
    """Use tables that :func:`compiled` gave in another process (from the same dictionary: a
    compiled matcher's file is keyed by the package's data), unless this process has its
    own already."""
    for name in ("table", "pairs", "logp", "chars"):
        if name in state:
            _BUILT.setdefault(name, state[name])


def _build_table() -> _Table:
    """Every word of up to MAX_WORD characters, and every proper prefix of one, in an
    open-addressing hash table (hash of its code points → log-probability, -inf for a prefix
    that is no word; 0 marks an empty slot, linear probing), whether each entry is the start
    of a longer word, the table's bit width and longest probe, and the log-probability of a
    character the dictionary does not know (as if seen once). Looked up with array
    operations: one gather a probe. The prefixes let the segmentation look up a substring of
    length l + 1 only where its first l characters begin some word."""
    freq = frequencies()
    total = math.log(sum(freq.values()))
    words = [w for w in freq if len(w) <= MAX_WORD]
    width = max(map(len, words))
    lengths = np.array([len(w) for w in words], dtype=np.intp)
    cps = np.frombuffer("".join(w.ljust(width, "\0") for w in words).encode("utf-32-le"),
                        dtype=np.uint32).reshape(len(words), width).astype(np.uint64)
    hs = np.zeros(len(words), dtype=np.uint64)
    prefixes: list[npt.NDArray[np.uint64]] = []
    for k in range(width):
        live = cps[:, k] != 0
        hs[live] = hs[live] * _P + cps[live, k]
        prefixes.append(hs[lengths > k + 1].copy())  # the first k + 1 characters of a longer word
    hs[hs == 0] = 1  # 0 marks an empty slot
    pre = np.concatenate(prefixes)
    pre[pre == 0] = 1
    lp = [math.log(freq[w]) - total for w in words]
    entries: dict[int, list[Any]] = {}
    for h, v in zip(hs.tolist(), lp, strict=True):
        entries[h] = [v, False]  # as before: a later word of the same hash wins
    for h in set(pre.tolist()):
        entries.setdefault(h, [-math.inf, False])[1] = True
    bits = max(10, int(len(entries) * 4).bit_length())
    size = 1 << bits
    mask = size - 1
    keys_l = [0] * size
    vals_l = [0.0] * size
    more_l = [False] * size
    longest = 0
    for h, (v, more) in entries.items():
        slot = (h * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF) >> (64 - bits)
        d = 0
        while keys_l[(slot + d) & mask] not in (0, h):
            d += 1
        keys_l[(slot + d) & mask] = h
        vals_l[(slot + d) & mask] = v
        more_l[(slot + d) & mask] = more
        longest = max(longest, d)
    keys = np.array(keys_l, dtype=np.uint64)
    vals = np.array(vals_l, dtype=np.float64)
    return keys, vals, np.array(more_l, dtype=np.bool_), bits, longest, -total


_DENSE = 0x30000  # characters below this are looked up in flat arrays (all CJK and more)


def _chars() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """:func:`_lookup` of every character below ``_DENSE``, as two flat arrays indexed by code
    point: one gather instead of a probe loop for the segmentation's one-character words."""
    got = _BUILT.get("chars")
    if got is None:
        lp, more = _lookup(np.arange(_DENSE, dtype=np.uint64))
        got = _BUILT.setdefault("chars", (lp, more))
    return got  # type: ignore[no-any-return]


def _lookup(h: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Log-probability of each hashed substring (-inf where it is no word), and whether it
    begins a longer word."""
    keys, vals, more, bits, longest, _ = _table()
    h = np.where(h == 0, np.uint64(1), h)
    mask = np.uint64((1 << bits) - 1)
    slot = (h * _M) >> np.uint64(64 - bits)
    out = np.full(len(h), -np.inf)
    cont = np.zeros(len(h), dtype=np.bool_)
    todo = np.arange(len(h))
    for d in range(longest + 1):
        at = (slot[todo] + np.uint64(d)) & mask
        k = keys[at]
        found = k == h[todo]
        hit, where = todo[found], at[found]
        out[hit] = vals[where]
        cont[hit] = more[where]
        todo = todo[~found & (k != 0)]
        if not len(todo):
            break
    return out, cont


def absorbed_many(x: npt.NDArray[np.uint32], start: npt.NDArray[np.intp],
                  end: npt.NDArray[np.intp], walls: npt.NDArray[np.bool_] | None = None
                  ) -> npt.NDArray[np.float64]:
    """:func:`absorbed` for many windows at once: ``x`` holds one window of code points a row
    (0 pads a row out: it weighs nothing and joins no word), ``start``/``end`` the span in
    each; ``walls[r, i]`` says no word of row r may span the gap before column i (sentence
    punctuation). All rows are segmented together with array operations."""
    n, w = x.shape
    unknown = _table()[5]
    cp = x.astype(np.uint64)
    pad = x == 0
    # log-probability of the word of length l starting at each column (-inf: none); a
    # substring is looked up only where its first l - 1 characters begin some longer word
    lps: list[npt.NDArray[np.float64]] = []
    h = np.zeros((n, w), dtype=np.uint64)
    cw = None
    if walls is not None:
        cw = np.cumsum(walls, axis=1)
    more = np.zeros((n, w), dtype=np.bool_)
    for length in range(1, MAX_WORD + 1):
        if length > w:
            break
        cols = w - length + 1
        h = h[:, :cols] * _P + cp[:, length - 1 :]
        if length == 1:
            lp_c, more_c = _chars()
            flat = x.ravel()
            small = flat < _DENSE
            if small.all():
                got, more = lp_c[flat], more_c[flat]
            else:
                got, more = np.empty(n * w), np.empty(n * w, dtype=np.bool_)
                got[small], more[small] = lp_c[flat[small]], more_c[flat[small]]
                big = ~small
                got[big], more[big] = _lookup(h.ravel()[big])
            got, more = got.reshape(n, w), more.reshape(n, w)
            got = np.where(np.isfinite(got), got, unknown)
            got[pad] = 0.0
        else:
            at = more[:, :cols].nonzero()
            got = np.full((n, cols), -np.inf)
            more = np.zeros((n, cols), dtype=np.bool_)
            if len(at[0]):
                got[at], more[at] = _lookup(h[at])
            got[pad[:, length - 1 :] | pad[:, : w - length + 1]] = -np.inf
            if cw is not None:  # a word may not span a wall
                crosses = (cw[:, length - 1 :] - cw[:, : w - length + 1]) > 0
                got[crosses] = -np.inf
        lps.append(got)

    # The best reading of each row's suffix from column i, right to left: one step a column
    # over every word length at once (a length that runs past the row weighs -inf), once
    # freely and once keeping the span whole (no word crosses its start or its end). Laid
    # out length × column × row, so that a step is a maximum over whole rows.
    lengths = len(lps)
    free = np.full((lengths, w, n), -np.inf)
    for length, got in enumerate(lps, start=1):
        free[length - 1, : w - length + 1, :] = got.T
    col = np.arange(w)[None, :, None]
    stop = col + np.arange(1, lengths + 1)[:, None, None]
    s3, e3 = start[None, None, :], end[None, None, :]
    crossing = ((col < s3) & (stop > s3)) | ((col < e3) & (stop > e3))
    whole = np.where(crossing, -np.inf, free)

    def suffix(words_at: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        best = np.zeros((w + lengths, n), dtype=np.float64)
        for i in range(w - 1, -1, -1):
            best[i] = (words_at[:, i, :] + best[i + 1 : i + 1 + lengths]).max(axis=0)
        first: npt.NDArray[np.float64] = best[0]
        return first

    return np.maximum(0.0, suffix(free) - suffix(whole))


def _logp() -> tuple[dict[str, float], float]:
    """Each word's log-probability and that of an unknown character, for :func:`absorbed_one`;
    built once per process."""
    got = _BUILT.get("logp")
    if got is None:
        freq = frequencies()
        total = math.log(sum(freq.values()))
        got = _BUILT.setdefault("logp", (
            {w: math.log(f) - total for w, f in freq.items() if len(w) <= MAX_WORD}, -total))
    return got  # type: ignore[no-any-return]


@lru_cache(maxsize=1 << 16)
def absorbed_one(text: str, start: int, end: int, walls: tuple[int, ...] = ()) -> float:
    """:func:`absorbed_many` for one window, in plain Python (cheaper than array operations
    for a handful of hits, as when one document is screened); remembered."""
    logp, unknown = _logp()
    n = len(text)
    cuts = (start, end)

    def best(cut: bool) -> float:
        b = [0.0] * (n + 1)
        for i in range(n - 1, -1, -1):
            top = b[i + 1] + (0.0 if text[i] == "\0" else logp.get(text[i], unknown))
            for j in range(i + 2, min(n, i + MAX_WORD) + 1):
                lp = logp.get(text[i:j])
                if lp is None or lp + b[j] <= top:
                    continue
                if any(i < w < j for w in walls) or (cut and any(i < c < j for c in cuts)):
                    continue
                top = lp + b[j]
            b[i] = top
        return b[0]

    return max(0.0, best(False) - best(True))


def absorbed(text: str, start: int, end: int) -> float:
    """How much likelier ``text`` reads when ``text[start:end]`` is not a unit of its own
    (natural log of the ratio; 0 when it reads best as one). The most probable segmentation
    weighs each word by its dictionary probability (a character the dictionary does not know
    weighs as if seen once); it is compared with the best one that keeps the span whole: 原子弹
    reads far likelier as 原子弹 than as 原|子弹, while 枪支出售 reads best as 枪支|出售 anyway.
    ``text`` is a short window around a hit."""
    x = np.array([[ord(c) for c in text]], dtype=np.uint32)
    return float(absorbed_many(x, np.array([start]), np.array([end]))[0])
