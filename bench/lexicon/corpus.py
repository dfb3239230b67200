"""Deterministic benchmark inputs: a Chinese corpus of at least 20 MB built from jieba's word
list (jieba's dict.txt, MIT licence) with planted and evaded hits, and lexicons of 20,000 and
200,000 terms drawn from words the corpus itself does not use. Written under bench/out/."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "out" / "lexicon"
SEED = 20261128
CORPUS_BYTES = 20 * 1024 * 1024
DOC_CHARS = 700  # about 2 KB of UTF-8 per document
PLANT_EVERY = 2  # one planted hit in every other document


def _jieba_words() -> list[tuple[str, int]]:
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) >= 2:
            out.append((parts[0], int(parts[1])))
    return out


def _is_han(w: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in w)


@dataclass
class Inputs:
    docs: list[str]
    plants: list[tuple[int, int, int, str, str]]  # doc, start, end, term, evasion
    lex_a: list[str]
    lex_b: list[str]


def _vocab() -> tuple[list[str], list[str]]:
    words = _jieba_words()
    words.sort(key=lambda x: -x[1])
    han = [w for w, _ in words if _is_han(w)]
    corpus_vocab = han[:120_000]
    term_pool = [w for w in han[120_000:] if 2 <= len(w) <= 4]
    return corpus_vocab, term_pool


def _evade(rng: random.Random, term: str) -> tuple[str, str]:
    from opencc import OpenCC

    from zeren.lexicon.domain import ALL_VARIANTS
    from zeren.lexicon.variants import expand

    kind = rng.choice(["exact", "noise", "traditional", "pinyin", "homophone", "split",
                       "repeat", "width"])
    if kind == "noise":
        return term[0] + "".join(rng.choice([" ", "*", "~", "·", "、"]) + c for c in term[1:]), kind
    if kind == "traditional":
        t = OpenCC("s2t").convert(term)
        return (t, kind) if t != term else (term, "exact")
    if kind == "repeat":
        i = rng.randrange(len(term))
        return term[:i] + term[i] * 3 + term[i + 1 :], kind
    if kind in ("pinyin", "homophone", "split", "width"):
        forms = expand(term, ALL_VARIANTS)
        want = "pinyin" if kind == "width" else kind
        cands = sorted(k for k, v in forms.items() if v == want)
        if cands:
            f = rng.choice(cands)
            if kind == "width":
                f = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c
                            for c in f)
                if f == term:
                    return term, "exact"
            return f, kind
    return term, "exact"


def build() -> Inputs:
    """Make (or read back) the corpus and the two lexicons."""
    OUT.mkdir(parents=True, exist_ok=True)
    cache = OUT / f"inputs-{SEED}-{CORPUS_BYTES}.json"
    if cache.exists():
        raw = json.loads(cache.read_text(encoding="utf-8"))
        return Inputs(raw["docs"], [tuple(p) for p in raw["plants"]],  # type: ignore[misc]
                      raw["lex_a"], raw["lex_b"])
    rng = random.Random(SEED)
    vocab, pool = _vocab()
    rng.shuffle(pool)
    lex_b = pool[:200_000] if len(pool) >= 200_000 else pool
    # 200,000 distinct terms: fill up with two-word compounds of the held-out words.
    seen = set(lex_b)
    while len(lex_b) < 200_000:
        w = rng.choice(pool[:50_000]) + rng.choice(pool[:50_000])
        if len(w) <= 6 and w not in seen:
            seen.add(w)
            lex_b.append(w)
    lex_a = lex_b[:20_000]
    docs: list[str] = []
    plants: list[tuple[int, int, int, str, str]] = []
    size = 0
    punct = ["，"] * 6 + ["。"] * 2 + ["！", "？", "、", " "]
    while size < CORPUS_BYTES:
        parts: list[str] = []
        n = 0
        while n < DOC_CHARS:
            w = vocab[int(rng.random() ** 2 * len(vocab))]  # frequent words more often
            parts.append(w)
            n += len(w)
            if rng.random() < 0.12:
                parts.append(rng.choice(punct))
                n += 1
        doc = "".join(parts)
        if len(docs) % PLANT_EVERY == 0:
            term = rng.choice(lex_a)
            form, kind = _evade(rng, term)
            at = rng.randrange(len(doc))
            doc = doc[:at] + "，" + form + "，" + doc[at:]
            plants.append((len(docs), at + 1, at + 1 + len(form), term, kind))
        docs.append(doc)
        size += len(doc.encode("utf-8")) + 1
    cache.write_text(json.dumps({"docs": docs, "plants": plants, "lex_a": lex_a,
                                 "lex_b": lex_b}, ensure_ascii=False), encoding="utf-8")
    return Inputs(docs, plants, lex_a, lex_b)


def pin_one_core() -> int | None:
    """Run on one CPU so every figure is a one-core figure."""
    try:
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None
