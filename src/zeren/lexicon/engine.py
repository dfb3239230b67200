"""The screening engine (审核引擎): build a matcher from lexicon terms, screen text.

How it stays fast in Python (docs/adr/0200-lexicon-matcher.md): the per-character work is done
in C. A batch of documents is joined with line breaks, encoded to UTF-32 and normalised with
one vectorised table lookup (``normalize.py``); noise and deletable characters are dropped and
runs of one CJK character collapsed with array operations that also keep, for every surviving
character, its position in the original; a run of noise longer than the gap limit becomes a
boundary. The result is scanned once by a double-array Aho–Corasick automaton (daachorse) that
holds every term *and every variant spelling* of two characters or more, expanded when the
matcher was built; one-character keys (single-character terms, and the 常 that a term 常常
collapses to) are looked up with array operations at the few places they can hit, so they never
flood the automaton's output. Everything after the scan is array work too: offsets mapped back
to the original, the strict rules for single characters and short Latin terms, run lengths,
evasions as bit masks, whitelists, de-duplication, decisions. Python touches a hit once, to
build the result object, and only if it survived all of that (ADR 0200, revision 2).

Every hit carries a confidence from how it matched (its evasions) and where it stands (alone,
inside a longer ordinary word, among Latin words), and its action follows the term's action,
the content kind (a category may not apply to it, or apply one step lower) and that
confidence: a hit this unsure never blocks by itself (ADR 0201).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any, NamedTuple

import daachorse
import numpy as np
import numpy.typing as npt

from zeren.lexicon.domain import (
    Action,
    ContentKind,
    Decision,
    Evasion,
    Place,
    Term,
    VariantKind,
    categories,
    parse_kind,
)
from zeren.lexicon.normalize import (
    BOUNDARY,
    CJK_MIN,
    DELETE,
    GLYPH_TRADITIONAL,
    GLYPH_WIDTH,
    JOIN,
    LINE,
    NOISE,
    SENTENCE,
    has_repeat,
    tables,
)
from zeren.lexicon.words import (
    PAIR_SHIFT,
    absorbed_many,
    absorbed_one,
    confidence_settings,
    is_ordinary,
    pair_codes,
)

_SINGLE = 1  # one character: matches only standing alone (生日快乐 does not hit 日)
_LATIN_SHORT = 2  # short Latin: stands alone, no noise inside
_LATIN_LEFT = 4  # starts with a Latin letter/digit: no Latin letter/digit just before
_LATIN_RIGHT = 8  # ends with one: none just after

# Evasions travel as bit masks (bit i = the i-th Evasion) until a hit object is built.
_BIT = {e: 1 << i for i, e in enumerate(Evasion)}
# Spellings nobody writes by accident: never taken for part of an ordinary word.
_DELIBERATE = _BIT[Evasion.PINYIN] | _BIT[Evasion.INITIALS] | _BIT[Evasion.SPLIT]
_EV_TUPLES: tuple[tuple[str, ...], ...] = tuple(
    tuple(str(e) for i, e in enumerate(Evasion) if m >> i & 1) for m in range(1 << len(Evasion))
)
_ACTION_RANK = {Action.BLOCK: 2, Action.REVIEW: 1, Action.FLAG: 0}
_DECISIONS = (Decision.PASS, Decision.REVIEW, Decision.BLOCK)
_ACTIONS = (str(Action.FLAG), str(Action.REVIEW), str(Action.BLOCK))
_KINDS: tuple[ContentKind | None, ...] = (None, *ContentKind)  # row 0: no kind said
_PLACES = (str(Place.ALONE), str(Place.WORD), str(Place.LATIN))


def _names(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    """``values`` as an object array: a column of hits is looked up with one fancy index."""
    a = np.empty(len(values), dtype=object)
    a[:] = list(values)
    return a


_ACTION_NAMES = _names(_ACTIONS)
_EV_NAMES = _names(_EV_TUPLES)
_PLACE_NAMES = _names(_PLACES)
_WINDOW = 4  # characters either side of a hit that the segmentation looks at
_MAX_SPAN = 12  # longer hits are never taken for part of a word
_FEW = 8  # up to this many word checks run in plain Python

_I = npt.NDArray[np.intp]
_U32 = npt.NDArray[np.uint32]
# Candidate matches travel as the columns of one integer matrix, so that one fancy index
# filters or reorders all of them: rows are where a match starts and ends in the collapsed
# text, in the kept (noise-free) text and in the original document, and its entry.
_Cols = npt.NDArray[np.intp]
_START, _END, _K_START, _K_END, _O_START, _O_END, _ENTRY = range(7)
# Characters screened in one pass at most (a longer batch is cut between documents): the
# working arrays take about 40 bytes a character.
_CHUNK_CHARS = 1 << 20


class InvalidTerm(ValueError):
    """A term that cannot be matched (empty after normalisation, or spans a boundary)."""

    def __init__(self, index: int, term: str, reason: str) -> None:
        super().__init__(f"term {index + 1} ({term!r}): {reason}")
        self.index = index
        self.term = term
        self.reason = reason


class Hit(NamedTuple):
    """One match: offsets into the original document (characters, end exclusive), the text
    found there, the lexicon term it stands for and the evasions seen. A named tuple: a batch
    builds its hits with one C-level ``map`` (a frozen dataclass cost three times as much)."""

    start: int
    end: int
    matched: str
    term: str
    category: str
    severity: str
    action: str  # what this hit asks for: the term's action, bounded by kind and confidence
    evasion: tuple[str, ...]
    confidence: float = 1.0  # 0 to 1, from how and where it matched (data/confidence.toml)
    place: str = "alone"  # Place: alone, word (inside a longer ordinary word), latin
    ref: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "matched": self.matched,
            "term": self.term,
            "category": self.category,
            "severity": self.severity,
            "action": self.action,
            "evasion": list(self.evasion),
            "confidence": self.confidence,
            "place": self.place,
        }


class _Text(NamedTuple):
    """A text as screening sees it, and the maps back to the original. ``chars``: the
    normalised code points, noise dropped, runs of one CJK character collapsed. ``run_bounds``:
    where each run starts in the kept (noise-free) text, and its end; ``run_lengths``: each
    run's length (both None when nothing collapsed). ``kept_at``: kept → undeleted offsets;
    ``undeleted_at``: undeleted → original offsets (None: the identity). ``parted``: for each
    character, whether sentence punctuation or a line break stands between it and the one
    before (None when the text has none). ``sentence_marks``, ``line_breaks``: their
    original offsets (None when there are none)."""

    chars: npt.NDArray[np.uint32]
    run_bounds: npt.NDArray[np.intp] | None
    run_lengths: npt.NDArray[np.intp] | None
    kept_at: npt.NDArray[np.intp] | None
    undeleted_at: npt.NDArray[np.intp] | None
    parted: npt.NDArray[np.bool_] | None
    sentence_marks: npt.NDArray[np.intp] | None
    line_breaks: npt.NDArray[np.intp] | None


class Screening(NamedTuple):
    """The outcome for one document."""

    decision: Decision
    hits: tuple[Hit, ...]


# (term index, evasion from the variant or None, minimum run lengths or None, strict flags,
# whether the spelling is itself an ordinary word)
_Entry = tuple[int, Evasion | None, tuple[int, ...] | None, int, bool]


@dataclass(frozen=True)
class MatcherStats:
    terms: int
    patterns: int


def _ragged(counts: _I) -> tuple[_I, _I]:
    """For groups of ``counts`` items: the group of every item and its place in the group."""
    owner = np.arange(len(counts), dtype=np.intp).repeat(counts)
    first = counts.cumsum() - counts
    return owner, np.arange(len(owner), dtype=np.intp) - first[owner]


class Matcher:
    """An immutable compiled lexicon. Build once per lexicon version; screen from any thread."""

    def __init__(self, terms: Sequence[Term], *, version: int | None = None) -> None:
        t = tables()
        self.version = version
        self.terms: tuple[Term, ...] = tuple(terms)
        self._max_gap = t.max_gap
        keys: dict[str, list[_Entry]] = {}
        short = t.short_latin_max
        if any(term.variants for term in self.terms):
            # pypinyin is loaded only to build: a matcher loaded from disk does without it
            from zeren.lexicon.variants import expand
        for i, term in enumerate(self.terms):
            try:
                base, runs = t.runs(term.term)
            except ValueError as e:
                raise InvalidTerm(i, term.term, str(e)) from None
            if not base:
                raise InvalidTerm(i, term.term, "nothing left after normalisation")
            spellings: list[tuple[str, Evasion | None]] = [(base, None)]
            if term.variants:
                # Expand the uncollapsed form so that a term with a doubled character
                # (楚楚) gets its variants too; each spelling is collapsed below.
                plain = base if max(runs) == 1 else t.plain(term.term)
                spellings.extend(expand(plain, term.variants).items())
            base_need = runs if max(runs) > 1 else None
            single = _SINGLE if sum(runs) == 1 else 0
            for sp, kind in spellings:
                # A homophone or split spelling that is itself an ordinary word (簧片, 博采)
                # is far more often that word than an evasion.
                ordinary = kind in (Evasion.HOMOPHONE, Evasion.SPLIT) and is_ordinary(sp)
                if kind is None:
                    key, need = base, base_need
                elif has_repeat(sp):  # a substitution made a double (林 → 木木)
                    key, kr = t.runs(sp)
                    need = kr if max(kr) > 1 else None
                else:
                    key, need = sp, None
                # every spelling of a one-character term keeps its strict rule
                flags = single
                if key[0] < "\x80" and key[0].isalnum():
                    flags |= _LATIN_LEFT
                    if len(key) <= short and key.isascii() and key.isalnum():
                        flags |= _LATIN_SHORT
                if key[-1] < "\x80" and key[-1].isalnum():
                    flags |= _LATIN_RIGHT
                entry = (i, kind, need, flags, ordinary)
                got = keys.get(key)
                if got is None:
                    keys[key] = [entry]
                else:
                    got.append(entry)
        self._keys = list(keys)
        entries = [keys[k] for k in self._keys]
        self.stats = MatcherStats(terms=len(self.terms), patterns=len(self._keys))
        self._compile_entries(entries)
        self._compile_keys(entries)
        self._compile_terms()
        self._compile_confidence()

    def _compile_entries(self, entries: list[list[_Entry]]) -> None:
        """Every key's entries as flat arrays, so that matches expand to entries at once."""
        cnt = np.array([len(es) for es in entries], dtype=np.intp)
        self._ent_cnt = cnt
        self._ent_first = np.cumsum(cnt) - cnt
        self._ent_one = bool((cnt == 1).all())
        flat = [e for es in entries for e in es]
        self._ent_term = np.array([e[0] for e in flat], dtype=np.intp)
        self._ent_kind = np.array([_BIT[e[1]] if e[1] is not None else 0 for e in flat],
                                  dtype=np.uint16)
        self._ent_flags = np.array([e[3] for e in flat], dtype=np.uint8)
        self._ent_ord = np.array([e[4] for e in flat], dtype=np.bool_)
        # A run-length requirement is stored as its (position, length ≥ 2) pairs.
        needs: dict[tuple[int, ...], int] = {}
        ent_need = []
        for e in flat:
            if e[2] is None:
                ent_need.append(-1)
            else:
                ent_need.append(needs.setdefault(e[2], len(needs)))
        self._ent_need = np.array(ent_need, dtype=np.intp)
        pairs = [[(j, w) for j, w in enumerate(n) if w > 1] for n in needs]
        ncnt = np.array([len(p) for p in pairs], dtype=np.intp)
        self._need_cnt = ncnt
        self._need_first = np.cumsum(ncnt) - ncnt
        self._need_pos = np.array([j for p in pairs for j, _ in p], dtype=np.intp)
        self._need_len = np.array([w for p in pairs for _, w in p], dtype=np.intp)
        # The fewest characters (repeats included) a match of each key must span: lets a
        # collapsed key such as 常 (from the term 常常) be dropped with one array comparison.
        self._min_span = np.array(
            [min((sum(e[2]) if e[2] is not None else 0) for e in es) for es in entries],
            dtype=np.intp,
        )

    def _compile_keys(self, entries: list[list[_Entry]]) -> None:
        """Keys of two characters or more go into the automaton. A one-character key hits
        only where its character stands alone (a one-character term) or repeats (a collapsed
        double): those few places are found with array operations instead, because such a
        key (常 of 常常) would otherwise match at every 常 of the text."""
        multi: list[str] = []
        multi_pid: list[int] = []
        one: list[tuple[int, int, bool, bool]] = []  # code point, pid, has single, has runs
        for pid, (key, es) in enumerate(zip(self._keys, entries, strict=True)):
            single = any(e[3] & _SINGLE for e in es)
            runs = any(e[2] is not None for e in es)
            if len(key) == 1 and all(e[3] & _SINGLE or e[2] is not None for e in es):
                one.append((ord(key), pid, single, runs))
            else:
                multi.append(key)
                multi_pid.append(pid)
        self._ac: Any = daachorse.CharwiseDoubleArrayAhoCorasick(multi) if multi else None
        self._ac_pid = np.array(multi_pid, dtype=np.intp)
        one.sort()
        self._one_cp = np.array([o[0] for o in one], dtype=np.uint32)
        self._one_pid = np.array([o[1] for o in one], dtype=np.intp)
        self._one_runs = np.array([o[0] for o in one if o[3]], dtype=np.uint32)
        self._one_single: npt.NDArray[np.bool_] | None = None
        if any(o[2] for o in one):
            tab = np.zeros(0x110000, dtype=np.bool_)
            tab[[o[0] for o in one if o[2]]] = True
            self._one_single = tab
        self._empty = not self._keys

    def _compile_terms(self) -> None:
        terms = self.terms
        self._t_white = np.array([t.whitelist for t in terms], dtype=np.bool_)
        # Hits are merged per (term, category) and ordered by term: one id that sorts so.
        tc = sorted({(t.term, t.category) for t in terms})
        tc_id = {k: i for i, k in enumerate(tc)}
        self._t_key = np.array([tc_id[(t.term, t.category)] for t in terms], dtype=np.intp)

        def col(values: list[Any]) -> npt.NDArray[np.object_]:
            a = np.empty(len(values), dtype=object)
            a[:] = values
            return a

        self._t_lines = np.array([VariantKind.LINES in t.variants for t in terms],
                                 dtype=np.bool_)
        self._t_bfull = np.array([VariantKind.BOUNDARY_FULL in t.variants for t in terms],
                                 dtype=np.bool_)
        # The term's action rank in each content kind (row 0: no kind said); -1 where its
        # category does not apply.
        cats = categories()
        combos: dict[tuple[str, str], int] = {}
        which = np.array([combos.setdefault((t.category, str(t.action)), len(combos))
                          for t in terms], dtype=np.intp)
        table = np.empty((len(_KINDS), len(combos)), dtype=np.int8)
        for (code, action), j in combos.items():
            cat = cats.get(code)
            for k, kind in enumerate(_KINDS):
                got = cat.action_in(Action(action), kind) if cat is not None else Action(action)
                table[k, j] = -1 if got is None else _ACTION_RANK[got]
        self._t_rank = table[:, which]
        self._t_term = col([t.term for t in terms])
        self._t_cat = col([t.category for t in terms])
        self._t_sev = col([str(t.severity) for t in terms])
        self._t_ref = col([t.ref for t in terms])

    def _compile_confidence(self) -> None:
        cfg = confidence_settings()
        how = cfg["how"]
        table = np.ones(1 << len(Evasion), dtype=np.float64)
        for i, e in enumerate(Evasion):
            f = float(how.get(str(e), 1.0))
            table[np.arange(len(table)) >> i & 1 == 1] *= f
        self._how = table
        where = cfg["where"]
        self._where = np.array([float(where[p]) for p in _PLACES], dtype=np.float64)
        self._band_full = float(cfg["bands"]["full"])
        self._band_review = float(cfg["bands"]["review"])
        self._margin = float(cfg["words"]["margin"])

    # -- screening -------------------------------------------------------------------------

    def screen(self, text: str, kind: str | None = None) -> Screening:
        """Screen one document (of content ``kind``: post, listing, ad, review, profile,
        message; None applies every category at its full action)."""
        return self.screen_many([text], kind)[0]

    def screen_many(self, texts: Sequence[str],
                    kind: str | Sequence[str | None] | None = None) -> list[Screening]:
        """Screen a batch: documents are joined with a hard boundary and screened in one pass
        per slice of about ``_CHUNK_CHARS`` characters (bounding the working arrays: a request
        may carry 1,000 documents of 1 MB). ``kind`` is one content kind for all, or one per
        document."""
        kinds = _kind_rows(kind, len(texts))
        if sum(map(len, texts)) + len(texts) <= _CHUNK_CHARS:
            return self._screen_chunk(texts, kinds)
        out: list[Screening] = []
        start = size = 0
        for i, text in enumerate(texts):
            if size and size + len(text) + 1 > _CHUNK_CHARS:
                out.extend(self._screen_chunk(
                    texts[start:i], kinds if isinstance(kinds, int) else kinds[start:i]))
                start, size = i, 0
            size += len(text) + 1
        out.extend(self._screen_chunk(
            texts[start:], kinds if isinstance(kinds, int) else kinds[start:]))
        return out

    def _screen_chunk(self, texts: Sequence[str], kinds: int | _I) -> list[Screening]:
        """Screen documents joined into one text (a hard boundary between them) in one pass:
        normalise, find candidate matches, drop those a rule excludes, work out evasions,
        merge duplicates, decide each hit's place, confidence and action, and cut the hits
        back into documents."""
        n_docs = len(texts)
        if not n_docs:
            return []
        joined = texts[0] if n_docs == 1 else JOIN.join(texts)
        if self._empty or not joined:
            return [_PASS] * n_docs
        t = tables()
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        text = self._normalise(codes)
        found = self._candidates(text)
        if found is None:
            return [_PASS] * n_docs
        m, crossed = self._keep_by_rules(found, text, codes)
        if m is None:
            return [_PASS] * n_docs
        term = self._ent_term[m[_ENTRY]]
        white = self._t_white[term]
        if np.count_nonzero(white):
            ok = ~white
            ok[ok] = ~_covered_by(m[_O_START][white], m[_O_END][white],
                                  m[_O_START][ok], m[_O_END][ok])
            m, term = m[:, ok], term[ok]
            if crossed is not None:
                crossed = crossed[ok]
        if not m.shape[1]:
            return [_PASS] * n_docs

        evasion = self._evasions(m, text, crossed)
        ordinary = self._ent_ord[m[_ENTRY]]
        # one hit per (place, term, category), evasions merged; ordered by place and term
        term_key = self._t_key[term]
        order = np.lexsort((term_key, m[_O_END], m[_O_START]))
        m, term_key, term, evasion, ordinary = (
            m[:, order], term_key[order], term[order], evasion[order], ordinary[order])
        n = m.shape[1]
        if n > 1:
            o0, o1 = m[_O_START], m[_O_END]
            new = np.empty(n, dtype=np.bool_)
            new[0] = True
            new[1:] = (o0[1:] != o0[:-1]) | (o1[1:] != o1[:-1]) | (term_key[1:] != term_key[:-1])
            if np.count_nonzero(new) < n:
                first = new.nonzero()[0]
                evasion = np.bitwise_or.reduceat(evasion, first)
                ordinary = np.logical_and.reduceat(ordinary, first)
                m, term = m[:, first], term[first]
                n = len(first)
        self._glyph_evasions(evasion, codes, m[_O_START], m[_O_END])

        # per document: offsets, content kind
        if n_docs > 1:
            lengths = np.fromiter(map(len, texts), dtype=np.intp, count=n_docs) + 1
            doc_start = np.zeros(n_docs, dtype=np.intp)
            lengths[:-1].cumsum(out=doc_start[1:])
            doc = doc_start.searchsorted(m[_O_START], side="right") - 1
        else:
            doc_start = np.zeros(1, dtype=np.intp)
            doc = np.zeros(n, dtype=np.intp)
        rank = self._t_rank[kinds if isinstance(kinds, int) else kinds[doc], term]
        if np.count_nonzero(rank < 0):  # categories that do not apply to this kind
            ok = rank >= 0
            m, term, evasion, doc, rank, ordinary = (
                m[:, ok], term[ok], evasion[ok], doc[ok], rank[ok], ordinary[ok])
            n = m.shape[1]
            if not n:
                return [_PASS] * n_docs

        # where each hit stands (looked at where it can change the action), how sure it is
        place = self._places(m, evasion, text, codes, joined, t.latin, rank > 0)
        place[ordinary] = 1
        confidence = self._how[evasion] * self._where[place]
        rank = rank.astype(np.int8)  # a copy: lowered below
        if text.sentence_marks is not None or crossed is not None:
            # across sentence punctuation: one step lower unless the term says otherwise
            low = ((evasion & _BIT[Evasion.BOUNDARY]) != 0) & ~self._t_bfull[term]
            rank[low] -= 1
        unsure = confidence < self._band_full
        rank[unsure] = np.minimum(rank[unsure], 1)
        rank[confidence < self._band_review] = 0
        np.maximum(rank, 0, out=rank)
        return self._results(texts, joined, m, term, evasion, confidence, place, rank, doc,
                             doc_start)

    def _results(self, texts: Sequence[str], joined: str, m: _Cols, term: _I,
                 evasion: npt.NDArray[np.uint16], confidence: npt.NDArray[np.float64],
                 place: npt.NDArray[np.int8], rank: npt.NDArray[np.int8], doc: _I,
                 doc_start: _I) -> list[Screening]:
        """The hits as ``Hit`` tuples, built column by column, and each document's decision
        (its worst hit)."""
        n_docs, n = len(texts), m.shape[1]
        o0, o1 = m[_O_START], m[_O_END]
        if n_docs > 1:
            off = doc_start[doc]
            st, en = o0 - off, o1 - off
            cut = (doc[1:] != doc[:-1]).nonzero()[0] + 1
            bounds = [0, *cut.tolist(), n]
            docs_hit = doc[np.r_[0, cut]].tolist()
        else:
            st, en = o0, o1
            bounds = [0, n]
            docs_hit = [0]
        worst = np.maximum.reduceat(rank, np.asarray(bounds[:-1], dtype=np.intp))
        hits = list(map(_new_hit, zip(
            st.tolist(), en.tolist(), list(map(joined.__getitem__, map(slice, o0.tolist(),
                                                                        o1.tolist()))),
            self._t_term[term].tolist(), self._t_cat[term].tolist(),
            self._t_sev[term].tolist(), _ACTION_NAMES[rank].tolist(),
            _EV_NAMES[evasion].tolist(), confidence.round(2).tolist(),
            _PLACE_NAMES[place].tolist(), self._t_ref[term].tolist(), strict=True)))
        out = [_PASS] * n_docs
        for d, lo, hi, w in zip(docs_hit, bounds[:-1], bounds[1:], worst.tolist(), strict=True):
            out[d] = Screening(_DECISIONS[w], tuple(hits[lo:hi]))
        return out

    def _keep_by_rules(self, found: tuple[_I, _I, _I], text: _Text, codes: _U32
                       ) -> tuple[_Cols | None, npt.NDArray[np.bool_] | None]:
        """The candidate matches as columns (see ``_START`` …), each expanded to the entries of
        its key, without those a rule excludes: too few repeats for a collapsed key, the
        strict rules of one-character and Latin terms, a line break the term does not cross;
        and, for those left, whether a line break lies inside (None: none does)."""
        start, end, key = found
        # collapsed → kept (noise-free) → undeleted → original offsets, all matches at once
        bounds = text.run_bounds
        k0, k1 = (bounds[start], bounds[end]) if bounds is not None else (start, end)
        long_enough = (k1 - k0) >= self._min_span[key]
        if np.count_nonzero(long_enough) < len(long_enough):
            start, end, key, k0, k1 = (
                x[long_enough] for x in (start, end, key, k0, k1))
            if not len(start):
                return None, None
        kept_at, undeleted_at = text.kept_at, text.undeleted_at
        d0, d1 = (kept_at[k0], kept_at[k1 - 1] + 1) if kept_at is not None else (k0, k1)
        if undeleted_at is not None:
            o0, o1 = undeleted_at[d0], undeleted_at[d1 - 1] + 1
        else:
            o0, o1 = d0, d1
        # every match → the entries of its key (usually one)
        cnt = None if self._ent_one else self._ent_cnt[key]
        if cnt is None or cnt.max() == 1:
            m = np.stack((start, end, k0, k1, o0, o1, self._ent_first[key]))
        else:
            owner, nth = _ragged(cnt)
            m = np.stack((start, end, k0, k1, o0, o1, self._ent_first[key] + 0))[:, owner]
            m[_ENTRY] += nth
        entry = m[_ENTRY]
        bad = self._strict_bad(entry, m, text.chars, codes, text.parted)
        short = self._runs_bad(self._ent_need[entry], m[_START], text.run_lengths)
        if short is not None:
            bad = short if bad is None else bad | short
        crossed: npt.NDArray[np.bool_] | None = None
        line = text.line_breaks
        if line is not None:
            # a line break is hard unless the term opts in; then it is a boundary evasion
            crossed = line.searchsorted(m[_O_END]) > line.searchsorted(m[_O_START])
            if np.count_nonzero(crossed):
                lb = crossed & ~self._t_lines[self._ent_term[entry]]
                bad = lb if bad is None else bad | lb
            else:
                crossed = None
        if bad is not None and np.count_nonzero(bad):
            ok = ~bad
            m = m[:, ok]
            if crossed is not None:
                crossed = crossed[ok]
        return m, crossed

    def _evasions(self, m: _Cols, text: _Text, crossed: npt.NDArray[np.bool_] | None
                  ) -> npt.NDArray[np.uint16]:
        """Each match's evasions as a bit mask: the variant it is, noise skipped, sentence
        punctuation or a line break crossed (the boundary evasion, not noise), a collapsed
        repeat. Glyph evasions come later (``_glyph_evasions``)."""
        entry = m[_ENTRY]
        o0, o1 = m[_O_START], m[_O_END]
        evasion: npt.NDArray[np.uint16] = self._ent_kind[entry]  # a copy (fancy indexing)
        kept_len = m[_K_END] - m[_K_START]
        skipped = (o1 - o0) - kept_len
        sent = text.sentence_marks
        if sent is not None or crossed is not None:
            marks = np.zeros(m.shape[1], dtype=np.intp)
            if sent is not None:
                marks += sent.searchsorted(o1) - sent.searchsorted(o0)
            if crossed is not None:
                line = text.line_breaks
                assert line is not None
                marks += line.searchsorted(o1) - line.searchsorted(o0)
            evasion |= (marks > 0).view(np.uint8) * np.uint16(_BIT[Evasion.BOUNDARY])
            skipped -= marks
        evasion |= (skipped > 0).view(np.uint8) * np.uint16(_BIT[Evasion.NOISE])
        evasion |= ((kept_len > (m[_END] - m[_START])) & (self._ent_need[entry] < 0)
                    ).view(np.uint8) * np.uint16(_BIT[Evasion.REPEAT])
        return evasion

    @staticmethod
    def _glyph_evasions(evasion: npt.NDArray[np.uint16], codes: _U32, o0: _I, o1: _I) -> None:
        """Adds the glyph evasions (traditional, full-width) to ``evasion``: a short text is
        looked at whole, once; in a long one, only the characters of the hits."""
        glyph = tables().glyph
        n = len(o0)
        if len(codes) <= 64 * n:
            g = glyph[codes]
            at = g.nonzero()[0]
            if len(at):
                for code, bit in ((GLYPH_TRADITIONAL, _BIT[Evasion.TRADITIONAL]),
                                  (GLYPH_WIDTH, _BIT[Evasion.WIDTH])):
                    sub = at[g[at] == code]
                    if len(sub):
                        evasion[sub.searchsorted(o1) > sub.searchsorted(o0)] |= bit
        else:
            span = o1 - o0
            owner, nth = _ragged(span)
            g = glyph[codes[o0[owner] + nth]]
            if np.count_nonzero(g):
                g = np.bitwise_or.reduceat(g, span.cumsum() - span)
                evasion[(g & GLYPH_TRADITIONAL) != 0] |= _BIT[Evasion.TRADITIONAL]
                evasion[(g & GLYPH_WIDTH) != 0] |= _BIT[Evasion.WIDTH]

    def _candidates(self, text: _Text) -> tuple[_I, _I, _I] | None:
        """Candidate matches in the collapsed text: (start, end, key id); None when none."""
        s = text.chars
        if not len(s):
            return None
        parts: list[tuple[_I, _I, _I]] = []
        if self._ac is not None:
            found = self._ac.find_overlapping(s.tobytes().decode("utf-32-le", "surrogatepass"))
            if found:
                arr = np.fromiter(chain.from_iterable(found), dtype=np.intp,
                                  count=3 * len(found)).reshape(-1, 3).T
                parts.append((arr[0], arr[1], self._ac_pid[arr[2]]))
        if len(self._one_cp):
            pos = self._one_char_places(text)
            if len(pos):
                k = self._one_cp.searchsorted(s[pos])
                parts.append((pos, pos + 1, self._one_pid[k]))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        a_, b_, p_ = zip(*parts, strict=True)
        return np.concatenate(a_), np.concatenate(b_), np.concatenate(p_)

    def _one_char_places(self, text: _Text) -> _I:
        """Places where a one-character key can hit: its character repeats (a collapsed
        double), or stands alone (a one-character term); the entries decide the rest."""
        s, runlen, brk = text.chars, text.run_lengths, text.parted
        found: list[_I] = []
        if len(self._one_runs) and runlen is not None:
            at = (runlen >= 2).nonzero()[0]
            if len(at):
                v = s[at]
                k = np.minimum(self._one_runs.searchsorted(v), len(self._one_runs) - 1)
                found.append(at[self._one_runs[k] == v])
        if self._one_single is not None:
            at = self._one_single[s].nonzero()[0]
            if len(at):
                word = tables().word
                n = len(s)
                alone = np.ones(len(at), dtype=np.bool_)
                m = at > 0
                joined = word[s[at[m] - 1]]
                if brk is not None:  # sentence punctuation or a line break parts them
                    joined &= ~brk[at[m]]
                alone[m] &= ~joined
                m = at < n - 1
                joined = word[s[at[m] + 1]]
                if brk is not None:
                    joined &= ~brk[at[m] + 1]
                alone[m] &= ~joined
                found.append(at[alone])
        if not found:
            return np.zeros(0, dtype=np.intp)
        return found[0] if len(found) == 1 else np.unique(np.concatenate(found))

    def _strict_bad(self, entry: _I, m: _Cols, s: _U32, codes: _U32,
                    brk: npt.NDArray[np.bool_] | None) -> npt.NDArray[np.bool_] | None:
        """Matches that break a strict rule (None when no match is under one)."""
        flags = self._ent_flags[entry]
        if not np.count_nonzero(flags):
            return None
        t = tables()
        word, latin = t.word, t.latin
        bad = np.zeros(len(entry), dtype=np.bool_)
        sel = (flags & _SINGLE).nonzero()[0]
        if len(sel):
            # Neighbours after noise is skipped: what the matcher would join, a one-character
            # term may not touch (生日快乐 and 日 . 了 do not hit 日; a 日 standing alone does).
            a, b = m[_START][sel], m[_END][sel]
            near = a > 0
            joined = word[s[a[near] - 1]]
            if brk is not None:  # sentence punctuation or a line break parts them
                joined &= ~brk[a[near]]
            bad[sel[near]] |= joined
            near = b < len(s)
            joined = word[s[b[near]]]
            if brk is not None:
                joined &= ~brk[b[near]]
            bad[sel[near]] |= joined
        sel = (flags & _LATIN_SHORT).nonzero()[0]
        if len(sel):
            bad[sel] |= ((m[_O_END][sel] - m[_O_START][sel])
                         != (m[_END][sel] - m[_START][sel]))
        sel = (flags & _LATIN_LEFT).nonzero()[0]
        if len(sel):
            x = m[_O_START][sel]
            near = x > 0
            bad[sel[near]] |= latin[codes[x[near] - 1]]
        sel = (flags & _LATIN_RIGHT).nonzero()[0]
        if len(sel):
            x = m[_O_END][sel]
            near = x < len(codes)
            bad[sel[near]] |= latin[codes[x[near]]]
        return bad

    def _runs_bad(self, need: _I, start: _I, runlen: _I | None
                  ) -> npt.NDArray[np.bool_] | None:
        """Matches of a term with a doubled character (常常) where the text's run is short."""
        sel = (need >= 0).nonzero()[0]
        if not len(sel):
            return None
        bad = np.zeros(len(need), dtype=np.bool_)
        if runlen is None:  # nothing repeats in this text
            bad[sel] = True
            return bad
        nid = need[sel]
        owner, nth = _ragged(self._need_cnt[nid])
        k = self._need_first[nid][owner] + nth
        short = runlen[start[sel][owner] + self._need_pos[k]] < self._need_len[k]
        bad[sel[owner[short]]] = True
        return bad

    def _places(
        self, m: _Cols, ev: npt.NDArray[np.uint16], text: _Text, codes: _U32, joined: str,
        latin: npt.NDArray[np.bool_], matters: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.int8]:
        """Where each hit stands (index into ``_PLACES``): inside a longer ordinary word when
        the character right before it, or right after it (nothing between them in the
        original), joins its edge into a common word; among Latin words when a Latin
        spelling has a Latin word one space away; otherwise alone."""
        a_, b_, o0, o1 = m[_START], m[_END], m[_O_START], m[_O_END]
        s, brk, rs_ext = text.chars, text.parted, text.run_bounds
        idx, base = text.kept_at, text.undeleted_at
        n = len(a_)
        place = np.zeros(n, dtype=np.int8)

        def orig(k: _I) -> _I:  # kept → original offsets
            if idx is not None:
                k = idx[k]
            return base[k] if base is not None else k

        # Candidates: a hit whose action the answer can change, spelled in characters (not
        # pinyin, initials or split components: those are deliberate), whose edge and the
        # character beside it (nothing between them in the original) are two neighbours
        # inside a common word. The segmentation of a window around it decides.
        cand = np.zeros(n, dtype=np.bool_)
        plain = ((ev & _DELIBERATE) == 0) & matters
        pairs = pair_codes()
        sel = ((a_ > 0) & plain).nonzero()[0]
        if len(sel):
            code = s[a_[sel] - 1].astype(np.int64) << PAIR_SHIFT | s[a_[sel]]
            k = np.minimum(pairs.searchsorted(code), len(pairs) - 1)
            sel = sel[pairs[k] == code]
            if len(sel):
                last = (rs_ext[a_[sel]] - 1) if rs_ext is not None else a_[sel] - 1
                cand[sel[orig(last) == o0[sel] - 1]] = True
        sel = ((b_ < len(s)) & plain).nonzero()[0]
        if len(sel):
            code = s[b_[sel] - 1].astype(np.int64) << PAIR_SHIFT | s[b_[sel]]
            k = np.minimum(pairs.searchsorted(code), len(pairs) - 1)
            sel = sel[pairs[k] == code]
            if len(sel):
                first = rs_ext[b_[sel]] if rs_ext is not None else b_[sel]
                cand[sel[orig(first) == o1[sel]]] = True
        if np.count_nonzero(cand):
            noisy = cand & ((ev & _BIT[Evasion.NOISE]) != 0)
            for i in noisy.nonzero()[0].tolist():
                if _odd_noise(joined[int(o0[i]) : int(o1[i])]):
                    cand[i] = False  # emoji, symbols, spaces inside: written on purpose
            cand &= (b_ - a_) <= _MAX_SPAN
        if np.count_nonzero(cand):
            # one window of text a candidate, segmented all at once (words.absorbed_many);
            # no word spans sentence punctuation or a line break
            at = cand.nonzero()[0]
            lo = np.maximum(a_[at] - _WINDOW, 0)
            hi = np.minimum(b_[at] + _WINDOW, len(s))
            width = int((hi - lo).max())
            cols = lo[:, None] + np.arange(width)
            inside = cols < hi[:, None]
            cols = np.minimum(cols, len(s) - 1)
            x = np.where(inside, s[cols], 0).astype(np.uint32)
            walls = None
            if brk is not None:
                walls = brk[cols] & inside
                walls[:, 0] = False
            if len(at) <= _FEW:
                # a few hits (one document): plain Python is cheaper than array set-up
                rows = x.tobytes().decode("utf-32-le", "surrogatepass")
                for r, (i, p0, p1) in enumerate(zip(
                        at.tolist(), (a_[at] - lo).tolist(), (b_[at] - lo).tolist(),
                        strict=True)):
                    wl = () if walls is None else tuple(walls[r].nonzero()[0].tolist())
                    if absorbed_one(rows[r * width : (r + 1) * width], p0, p1,
                                    wl) > self._margin:
                        place[i] = 1
            else:
                got = absorbed_many(x, a_[at] - lo, b_[at] - lo, walls)
                place[at[got > self._margin]] = 1
        fl = self._ent_flags[m[_ENTRY]]
        sel = ((fl & (_LATIN_LEFT | _LATIN_RIGHT)) == (_LATIN_LEFT | _LATIN_RIGHT)).nonzero()[0]
        if len(sel):
            x0, x1 = o0[sel], o1[sel]
            nr = len(codes)
            near_ = x0 >= 2
            near = np.zeros(len(sel), dtype=np.bool_)
            near[near_] = (codes[x0[near_] - 1] == 0x20) & latin[codes[x0[near_] - 2]]
            near_ = x1 + 1 < nr
            near[near_] |= (codes[x1[near_]] == 0x20) & latin[codes[x1[near_] + 1]]
            place[sel[near & (place[sel] == 0)]] = 2
        return place

    def _normalise(self, a: _U32) -> _Text:
        """The normalised, noise-free, run-collapsed text and the index maps back to the
        original (see ``_Text``)."""
        m = tables().table[a]
        base: _I | None = None
        idx: _I | None = None
        brk: npt.NDArray[np.bool_] | None = None
        sent: _I | None = None
        line: _I | None = None
        if np.count_nonzero(m <= LINE):  # NOISE, DELETE, SENTENCE, LINE (1–4); 0 maps to NOISE
            dele = m == DELETE
            if np.count_nonzero(dele):
                base = (~dele).nonzero()[0]
                m = m[base]
            keep = m > LINE
            idx = keep.nonzero()[0]
            if len(idx) < len(m):
                # A run of noise longer than the gap limit between two kept characters
                # separates them: its last character becomes a boundary and is kept.
                long_ = ((idx[1:] - idx[:-1]) > self._max_gap + 1).nonzero()[0]
                if len(long_):
                    last = idx[long_ + 1] - 1
                    m[last] = BOUNDARY
                    keep[last] = True
                    idx = keep.nonzero()[0]
                is_s = m == SENTENCE
                is_l = m == LINE
                ns, nl = np.count_nonzero(is_s), np.count_nonzero(is_l)
                if ns or nl:
                    # a kept character is parted from the one before when a mark lies between
                    # them: the first kept character after each mark
                    marks = (is_s | is_l).nonzero()[0]
                    brk = np.zeros(len(idx), dtype=np.bool_)
                    after = idx.searchsorted(marks)
                    brk[after[after < len(idx)]] = True
                    if len(idx):
                        brk[0] = False
                    if ns:
                        sent = is_s.nonzero()[0]
                        sent = base[sent] if base is not None else sent
                    if nl:
                        line = is_l.nonzero()[0]
                        line = base[line] if base is not None else line
                s = m[idx]
            else:
                idx = None
                s = m
        else:
            s = m
        n_kept = len(s)
        rs: _I | None = None
        if n_kept > 1:
            # runs of one CJK character collapse (枪枪枪支 → 枪支); Latin letters do not, nor
            # does a character repeated across sentence punctuation
            same = s[1:] == s[:-1]
            if np.count_nonzero(same):
                same &= s[1:] >= CJK_MIN
                if brk is not None:
                    same &= ~brk[1:]
                if np.count_nonzero(same):
                    rs = np.concatenate(((0,), (~same).nonzero()[0] + 1))
                    s = s[rs]
                    if brk is not None:
                        brk = brk[rs]
        run_bounds = run_lengths = None
        if rs is not None:
            run_bounds = np.concatenate((rs, (n_kept,)))
            run_lengths = run_bounds[1:] - run_bounds[:-1]
        return _Text(s, run_bounds, run_lengths, idx, base, brk, sent, line)


def _covered_by(ws: _I, we: _I, h0: _I, h1: _I) -> npt.NDArray[np.bool_]:
    """For each span [h0, h1): whether it lies inside one of the spans [ws, we). Offsets are
    global to the batch, and documents do not overlap, so a whitelist hit of one document
    never covers a hit of another."""
    order = np.argsort(ws, kind="stable")
    ws = ws[order]
    reach = np.maximum.accumulate(we[order])
    k = ws.searchsorted(h0, side="right") - 1
    return (k >= 0) & (reach[np.maximum(k, 0)] >= h1)


def _odd_noise(span: str) -> bool:
    """Whether what a hit skipped holds anything but ordinary punctuation (a comma between
    two sentences' words happens; an emoji or a space inside a word is put there)."""
    t = tables()
    for ch in span:
        cp = t.char(ch)
        if cp in (NOISE, DELETE) and not unicodedata.category(ch).startswith("P"):
            return True
    return False


def _kind_rows(kind: str | Sequence[str | None] | None, n: int) -> int | _I:
    """The row of ``Matcher._t_rank`` for one kind, or for each of ``n`` documents."""
    if kind is None or isinstance(kind, str):
        k = parse_kind(kind)
        return 0 if k is None else _KINDS.index(k)
    if len(kind) != n:
        raise ValueError(f"{len(kind)} kinds for {n} documents")
    rows = [0 if k is None else _KINDS.index(k) for k in map(parse_kind, kind)]
    return np.array(rows, dtype=np.intp)


_PASS = Screening(decision=Decision.PASS, hits=())
# Builds a Hit from a row without NamedTuple._make's Python frame (rows are always complete).
_new_hit = partial(tuple.__new__, Hit)


def build(terms: Iterable[Term], *, version: int | None = None) -> Matcher:
    """A matcher for ``terms`` (raises :class:`InvalidTerm` naming the first bad one)."""
    return Matcher(list(terms), version=version)
