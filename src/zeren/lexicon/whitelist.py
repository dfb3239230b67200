"""Whitelist suggestions (白名单建议): the ordinary words that contain a term in a corpus, so
that an editor can accept them as whitelist terms (水枪 for 枪, 三黄片 for 黄片). Pure: takes
a matcher and texts, counts, ranks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from zeren.lexicon.engine import Matcher
from zeren.lexicon.words import MAX_WORD, frequency

BATCH = 512


@dataclass(frozen=True)
class Suggestion:
    """A word of the dictionary that contained a hit of ``term`` ``seen`` times in the corpus;
    ``frequency`` is how common the word is in the dictionary's own corpus."""

    term: str
    category: str
    word: str
    seen: int
    frequency: int
    example: str


def suggest(matcher: Matcher, texts: Iterable[str], *, kind: str | None = None,
            per_term: int = 20) -> list[Suggestion]:
    """For every hit in ``texts``, each ordinary word (two characters or more, longer than
    what matched) that covers the hit where it stands; ranked per term by how often it was
    seen, then by its dictionary frequency. Whitelist terms already in the lexicon suppress
    their hits, so accepted suggestions stop coming back."""
    seen: Counter[tuple[str, str, str]] = Counter()
    example: dict[tuple[str, str, str], str] = {}
    batch: list[str] = []

    def run(docs: Sequence[str]) -> None:
        for text, res in zip(docs, matcher.screen_many(docs, kind), strict=True):
            for h in res.hits:
                lo = max(0, h.start - MAX_WORD)
                hi = min(len(text), h.end + MAX_WORD)
                for i in range(lo, h.start + 1):
                    for j in range(max(h.end, i + 2), min(hi, i + MAX_WORD) + 1):
                        w = text[i:j]
                        if (j - i > h.end - h.start) and frequency(w) > 0:
                            key = (h.term, h.category, w)
                            seen[key] += 1
                            example.setdefault(key, text[max(0, i - 10) : j + 10])

    for t in texts:
        batch.append(t)
        if len(batch) >= BATCH:
            run(batch)
            batch = []
    if batch:
        run(batch)
    by_term: dict[str, list[Suggestion]] = {}
    for (term, cat, w), n in seen.items():
        by_term.setdefault(term, []).append(
            Suggestion(term, cat, w, n, frequency(w), example[(term, cat, w)]))
    out: list[Suggestion] = []
    for term in sorted(by_term, key=lambda t: -sum(s.seen for s in by_term[t])):
        ranked = sorted(by_term[term], key=lambda s: (-s.seen, -s.frequency, s.word))
        out.extend(ranked[:per_term])
    return out
