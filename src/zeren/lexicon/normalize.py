"""Offset-keeping normalisation for screening (文本归一化).

Every code point maps to exactly one code point, so position *i* of the normalised text is
position *i* of the original: traditional → simplified (OpenCC's one-to-one character table),
full-width and other compatibility forms → their plain form (NFKC where it gives one character:
ＡＢＣ, ①, Ⓐ, ⑴; the other circled forms of 10–20 onto ⑩–⑳), letters → lower case. Markers
replace characters that are not text: ``NOISE`` (punctuation, symbols, spaces, emoji: skipped
between the characters of a term, a few per gap), ``SENTENCE`` (sentence punctuation: skipped
like noise, but a hit across it is a ``boundary`` evasion), ``LINE`` (line breaks: a term
matches across one only if it opts in), ``DELETE`` (zero-width and combining characters:
skipped freely) and ``BOUNDARY`` (what joins documents: nothing matches across it).

The table is a flat array over all of Unicode so that a whole batch is normalised with one
vectorised lookup (see ``engine.py`` and docs/adr/0200-lexicon-matcher.md)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from zeren.lexicon.domain import Evasion, normalisation_settings

NOISE = 0x01
DELETE = 0x02
SENTENCE = 0x03
LINE = 0x04
BOUNDARY = 0x0A  # never part of a term
JOIN = "\x1e"  # joins the documents of a batch: always a hard boundary
CJK_MIN = 0x2E80  # code points from here on are CJK (radicals, ideographs, …): runs collapse
GLYPH_TRADITIONAL = 1  # codes of ``Tables.glyph``
GLYPH_WIDTH = 2

# Compatibility forms live in these blocks; scanning all of Unicode with NFKC would cost a
# second at start-up for nothing.
_COMPAT_RANGES = (
    (0x00A0, 0x0250),
    (0x0370, 0x0530),
    (0x2000, 0x2C00),
    (0x2E80, 0x3400),
    (0xF900, 0xFB00),
    (0xFE00, 0x10000),
    (0x1D400, 0x1D800),
    (0x1F100, 0x1F200),
)
# Blocks scanned for noise/format classes (symbols, punctuation, emoji, tags).
_CLASS_RANGES = (
    (0x0000, 0x3400),
    (0xA000, 0xAC00),
    (0xD7B0, 0xD800),
    (0xE000, 0x10000),
    (0x10000, 0x10200),
    (0x1D000, 0x1FC00),
    (0xE0000, 0xE0200),
)


def _opencc_chars() -> Path | None:
    try:
        import opencc  # opencc-python-reimplemented ships OpenCC's dictionaries
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    p = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    return p if p.exists() else None


def _t2s_pairs() -> dict[int, int]:
    """Traditional → simplified, one character to one, first candidate of OpenCC's table."""
    out: dict[int, int] = {}
    path = _opencc_chars()
    if path is None:  # pragma: no cover
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        src, _, dst = line.partition("\t")
        first = dst.split(" ")[0] if dst else ""
        if len(src) == 1 and len(first) == 1 and src != first:
            out[ord(src)] = ord(first)
    return out


class Tables:
    """The normalisation table and the evasion each changed character signals."""

    def __init__(self) -> None:
        cfg = normalisation_settings()
        table = np.arange(0x110000, dtype=np.uint32)
        kinds: dict[str, Evasion] = {}
        t2s = _t2s_pairs()

        def plain(cp: int) -> int:
            ch = chr(cp)
            n = unicodedata.normalize("NFKC", ch)
            if len(n) == 1:
                ch = n
            lo = ch.lower()
            if len(lo) == 1:
                ch = lo
            return t2s.get(ord(ch), ord(ch))

        for lo_, hi in _COMPAT_RANGES:
            for cp in range(lo_, hi):
                if 0xD800 <= cp < 0xE000:
                    continue
                p = plain(cp)
                if p != cp:
                    table[cp] = p
                    if chr(cp).lower() != chr(p):
                        kinds[chr(cp)] = Evasion.WIDTH
        for cp in range(ord("A"), ord("Z") + 1):
            table[cp] = cp + 32
        for src, dst in t2s.items():
            table[src] = dst
            kinds[chr(src)] = Evasion.TRADITIONAL

        # ⓫ (negative circled), ❿ ➉ ➓ (dingbats), ⓾ (double circled) → ⑩–⑳
        for n in range(11, 21):
            table[0x24EB + n - 11] = 0x2469 + n - 10
            kinds[chr(0x24EB + n - 11)] = Evasion.WIDTH
        for cp in (0x277F, 0x2789, 0x2793, 0x24FE):
            table[cp] = 0x2469
            kinds[chr(cp)] = Evasion.WIDTH
        hard = {ord(c) for c in cfg["hard_boundaries"]}
        lines = {ord(c) for c in cfg["line_breaks"]}
        sentence = {ord(c) for c in cfg["sentence_ends"]}
        zero = {ord(c) for c in cfg["zero_width"]}
        for lo_, hi in _CLASS_RANGES:
            for cp in range(lo_, hi):
                if 0xD800 <= cp < 0xE000:
                    continue
                target = int(table[cp])
                cat = unicodedata.category(chr(target))
                if cp in hard or target in hard:
                    table[cp] = BOUNDARY
                elif cp in lines or target in lines:
                    table[cp] = LINE
                elif cp in sentence or target in sentence:
                    table[cp] = SENTENCE
                elif cp in zero or cat in ("Cf", "Mn", "Me"):
                    table[cp] = DELETE
                elif cat[0] in "PSZ" or cat == "Cc":
                    table[cp] = NOISE
        # Surrogates (only as lone code units from surrogatepass) are noise.
        table[0xD800:0xE000] = NOISE
        self.table: npt.NDArray[np.uint32] = table
        # Non-zero where a character is a glyph evasion (traditional, full-width, circled):
        # lets the engine skip the per-character look at hits that have none.
        changed = np.zeros(0x110000, dtype=np.uint8)
        for ch in kinds:
            changed[ord(ch)] = 1
        self.changed: npt.NDArray[np.uint8] = changed
        self.kinds = kinds
        # The glyph evasion a character signals, as a small code (GLYPH_TRADITIONAL,
        # GLYPH_WIDTH), so that the engine finds the evasions of all hits with array operations.
        glyph = np.zeros(0x110000, dtype=np.uint8)
        for ch, kind in kinds.items():
            glyph[ord(ch)] = GLYPH_TRADITIONAL if kind is Evasion.TRADITIONAL else GLYPH_WIDTH
        self.glyph: npt.NDArray[np.uint8] = glyph
        # Letters, digits and ideographs among *normalised* code points (what a one-character
        # term may not touch); the markers are not. numpy's isalnum is str.isalnum.
        word = np.strings.isalnum(np.arange(0x110000, dtype=np.uint32).view("<U1"))
        word[[NOISE, DELETE, SENTENCE, LINE, BOUNDARY]] = False
        self.word: npt.NDArray[np.bool_] = word
        # ASCII letters and digits after normalisation, indexed by *original* code point (so
        # full-width letters count): what a Latin-edged spelling may not touch.
        ascii_alnum = np.zeros(0x80, dtype=np.bool_)
        for c in range(0x80):
            ascii_alnum[c] = chr(c).isalnum()
        self.latin: npt.NDArray[np.bool_] = (table < 0x80) & ascii_alnum[np.minimum(table, 0x7F)]
        self.max_gap: int = int(cfg["max_noise_per_gap"])
        self.short_latin_max: int = int(cfg["short_latin_max"])

        moved = np.flatnonzero(table != np.arange(0x110000, dtype=np.uint32))
        self.translation: dict[int, int] = {int(cp): int(table[cp]) for cp in moved}

    def char(self, ch: str) -> int:
        """The normalised code point (or marker) of one character."""
        return self.translation.get(ord(ch), ord(ch))

    def normal_form(self, text: str) -> str:
        """The form a term or a matched span is compared in: normalised, noise and deletable
        characters removed, runs of one CJK character collapsed (枪枪枪支 → 枪支). Raises
        ValueError if it contains a hard boundary."""
        return self.runs(text)[0]

    def plain(self, text: str) -> str:
        """Normalised, noise and deletable characters removed, repeats kept."""
        s = text.translate(self.translation)
        if _BOUNDARY_CH in s or _SENTENCE_CH in s or _LINE_CH in s:
            raise ValueError("contains a line break or sentence end")
        return s.replace(_NOISE_CH, "").replace(_DELETE_CH, "")

    def runs(self, text: str) -> tuple[str, tuple[int, ...]]:
        """Like :meth:`normal_form`, and the length of each collapsed run."""
        s = self.plain(text)
        if _REPEAT.search(s) is None:
            return s, (1,) * len(s)
        chars: list[str] = []
        lens: list[int] = []
        for c in s:
            if chars and c == chars[-1] and ord(c) >= CJK_MIN:
                lens[-1] += 1
                continue
            chars.append(c)
            lens.append(1)
        return "".join(chars), tuple(lens)


_NOISE_CH, _DELETE_CH, _BOUNDARY_CH = chr(NOISE), chr(DELETE), chr(BOUNDARY)
_SENTENCE_CH, _LINE_CH = chr(SENTENCE), chr(LINE)
_REPEAT = re.compile("([\u2e80-\U0010ffff])\\1")


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The process-wide normalisation tables (built once, about a tenth of a second)."""
    return Tables()


def has_repeat(text: str) -> bool:
    """Whether ``text`` holds the same CJK character twice in a row."""
    return _REPEAT.search(text) is not None


def is_word_char(ch: str) -> bool:
    """Letters, digits and ideographs after normalisation: what a strict term may not touch."""
    cp = tables().char(ch)
    if cp in (NOISE, DELETE, SENTENCE, LINE, BOUNDARY):
        return False
    return chr(cp).isalnum()


def is_latin_alnum(ch: str) -> bool:
    """ASCII letter or digit after normalisation (so full-width letters count)."""
    cp = tables().char(ch)
    return cp < 0x80 and chr(cp).isalnum()
