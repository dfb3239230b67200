"""The screening engine (审核引擎): build a matcher from lexicon terms, screen text.

How it stays fast in Python (docs/adr/0200-lexicon-matcher.md): the per-character work is done
in C. A batch of documents is joined with line breaks, encoded to UTF-32 and normalised with
one vectorised table lookup (``normalize.py``); noise and deletable characters are dropped and
runs of one CJK character collapsed with array operations that also keep, for every surviving
character, its position in the original; a run of noise longer than the gap limit becomes a
boundary. The result is scanned once by a double-array Aho–Corasick automaton (daachorse) that
holds every term *and every variant spelling*, expanded when the matcher was built. Python code
runs only per hit: map back to original offsets, apply the strict rules for single characters
and short Latin terms, note the evasions seen, apply whitelists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import daachorse
import numpy as np
import numpy.typing as npt

from zeren.lexicon.domain import Decision, Evasion, Term, decide
from zeren.lexicon.normalize import (
    BOUNDARY,
    CJK_MIN,
    DELETE,
    NOISE,
    has_repeat,
    is_latin_alnum,
    tables,
)
from zeren.lexicon.variants import expand

_SINGLE = 1  # one character: matches only standing alone (生日快乐 does not hit 日)
_LATIN_SHORT = 2  # short Latin: stands alone, no noise inside
_LATIN_LEFT = 4  # starts with a Latin letter/digit: no Latin letter/digit just before
_LATIN_RIGHT = 8  # ends with one: none just after

_EVASION_ORDER = {e: i for i, e in enumerate(Evasion)}


class InvalidTerm(ValueError):
    """A term that cannot be matched (empty after normalisation, or spans a boundary)."""

    def __init__(self, index: int, term: str, reason: str) -> None:
        super().__init__(f"term {index + 1} ({term!r}): {reason}")
        self.index = index
        self.term = term
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Hit:
    """One match: offsets into the original document (characters, end exclusive), the text
    found there, the lexicon term it stands for and the evasions seen."""

    start: int
    end: int
    matched: str
    term: str
    category: str
    severity: str
    action: str
    evasion: tuple[str, ...]
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
        }


@dataclass(frozen=True, slots=True)
class Screening:
    """The outcome for one document."""

    decision: Decision
    hits: tuple[Hit, ...]


# (term index, evasion from the variant or None, minimum run lengths or None, strict flags)
_Entry = tuple[int, Evasion | None, tuple[int, ...] | None, int]


@dataclass(frozen=True)
class MatcherStats:
    terms: int
    patterns: int


class Matcher:
    """An immutable compiled lexicon. Build once per lexicon version; screen from any thread."""

    def __init__(self, terms: Sequence[Term], *, version: int | None = None) -> None:
        t = tables()
        self.version = version
        self.terms: tuple[Term, ...] = tuple(terms)
        self._max_gap = t.max_gap
        keys: dict[str, list[_Entry]] = {}
        short = t.short_latin_max
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
                entry = (i, kind, need, flags)
                got = keys.get(key)
                if got is None:
                    keys[key] = [entry]
                else:
                    got.append(entry)
        self._keys = list(keys)
        self._entries: list[tuple[_Entry, ...]] = [tuple(keys[k]) for k in self._keys]
        self._ac: Any = (
            daachorse.CharwiseDoubleArrayAhoCorasick(self._keys) if self._keys else None
        )
        self.stats = MatcherStats(terms=len(self.terms), patterns=len(self._keys))
        # The fewest characters (repeats included) a match of each pattern must span: lets a
        # collapsed key such as 常 (from the term 常常) be dropped with one array comparison.
        self._min_span = np.array(
            [min((sum(e[2]) if e[2] is not None else 0) for e in es) for es in self._entries],
            dtype=np.intp,
        )
        self._meta = [
            (t.term, t.category, str(t.severity), str(t.action), t.ref, t.whitelist)
            for t in self.terms
        ]

    # -- screening -------------------------------------------------------------------------

    def screen(self, text: str) -> Screening:
        """Screen one document."""
        return self.screen_many([text])[0]

    def screen_many(self, texts: Sequence[str]) -> list[Screening]:
        """Screen a batch in one pass (documents are joined with a hard boundary)."""
        if not texts:
            return []
        big = "\n".join(texts)
        if self._ac is None or not big:
            return [_PASS] * len(texts)
        scan, rs, idx, n_kept, base, raw = self._prepare(big)
        found = self._ac.find_overlapping(scan)
        if not found:
            return [_PASS] * len(texts)
        # Map every match back to the original at once (array operations), then visit the
        # matches in Python only for what cannot be vectorised: strict rules and the hit.
        arr = np.array(found, dtype=np.intp).reshape(-1, 3)
        a_, b_, pid = arr[:, 0], arr[:, 1], arr[:, 2]
        if rs is not None:
            rs_ext = np.append(rs, n_kept)
            s0, s1 = rs_ext[a_], rs_ext[b_]
        else:
            s0, s1 = a_, b_
        if idx is not None:
            d0, d1 = idx[s0], idx[s1 - 1] + 1
        else:
            d0, d1 = s0, s1
        if base is not None:
            o0, o1 = base[d0], base[d1 - 1] + 1
        else:
            o0, o1 = d0, d1
        keep = (s1 - s0) >= self._min_span[pid]
        if not keep.all():
            a_, b_, pid, s0, s1, o0, o1 = (x[keep] for x in (a_, b_, pid, s0, s1, o0, o1))
        noisy = (o1 - o0) > (s1 - s0)
        repeated = (s1 - s0) > (b_ - a_)
        changed = tables().changed[raw] != 0
        if changed.any():
            cs = np.zeros(len(changed) + 1, dtype=np.intp)
            np.cumsum(changed, out=cs[1:])
            glyph = (cs[o1] - cs[o0]) > 0
        else:
            glyph = np.zeros(len(o0), dtype=bool)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.intp, count=len(texts))
        starts = np.zeros(len(texts), dtype=np.intp)
        np.cumsum(lengths[:-1], out=starts[1:])
        doc = np.searchsorted(starts, o0, side="right") - 1
        starts_l = starts.tolist()
        per_doc: dict[int, list[Hit]] = {}
        wl: dict[int, list[tuple[int, int]]] = {}
        entries = self._entries
        meta = self._meta
        kinds = tables().kinds
        for a1, b1, p, x0, x1, d, nz, rp, gl in zip(
            a_.tolist(), b_.tolist(), pid.tolist(), o0.tolist(), o1.tolist(), doc.tolist(),
            noisy.tolist(), repeated.tolist(), glyph.tolist(), strict=True
        ):
            off = starts_l[d]
            for ti, kind, need, flags in entries[p]:
                if flags and not _strict_ok(big, scan, a1, b1, x0, x1, flags):
                    continue
                if need is not None and not _runs_ok(rs, a1, need, n_kept):
                    continue
                term, category, severity, action, ref, white = meta[ti]
                if white:
                    wl.setdefault(d, []).append((x0 - off, x1 - off))
                    continue
                if kind is None and not nz and not gl and not (rp and need is None):
                    ev: tuple[str, ...] = ()
                else:
                    ev = _evasions(kind, nz, rp and need is None,
                                   [kinds[c] for c in big[x0:x1] if c in kinds] if gl else [])
                per_doc.setdefault(d, []).append(Hit(
                    x0 - off, x1 - off, big[x0:x1], term, category, severity, action, ev, ref))
        return [
            _finish(per_doc[i], wl.get(i, [])) if i in per_doc else _PASS
            for i in range(len(texts))
        ]

    def _prepare(
        self, big: str
    ) -> tuple[str, npt.NDArray[np.intp] | None, npt.NDArray[np.intp] | None, int,
               npt.NDArray[np.intp] | None, npt.NDArray[np.uint32]]:
        """Normalised, noise-free, run-collapsed text and the index maps back:
        ``rs`` collapsed → kept, ``idx`` kept → undeleted, ``base`` undeleted → original;
        and the original code points."""
        table = tables().table
        a = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        m = table[a]
        base: npt.NDArray[np.intp] | None = None
        dele = m == DELETE
        if dele.any():
            base = np.flatnonzero(~dele)
            m = m[base]
        noise = m == NOISE
        idx: npt.NDArray[np.intp] | None = None
        if noise.any():
            edges = np.diff(noise.view(np.int8), prepend=np.int8(0), append=np.int8(0))
            rstart = np.flatnonzero(edges == 1)
            rend = np.flatnonzero(edges == -1)
            long_ = rend - rstart > self._max_gap
            if long_.any():
                last = rend[long_] - 1
                m[last] = BOUNDARY
                noise[last] = False
            idx = np.flatnonzero(~noise)
            s = m[idx]
        else:
            s = m
        n = len(s)
        rs: npt.NDArray[np.intp] | None = None
        if n > 1:
            new_run = np.empty(n, dtype=bool)
            new_run[0] = True
            np.not_equal(s[1:], s[:-1], out=new_run[1:])
            new_run[1:] |= s[1:] < CJK_MIN
            if not new_run.all():
                rs = np.flatnonzero(new_run)
                s = s[rs]
        scan = s.tobytes().decode("utf-32-le", "surrogatepass")
        return scan, rs, idx, n, base, a


_PASS = Screening(decision=Decision.PASS, hits=())


def _evasions(kind: Evasion | None, noisy: bool, repeated: bool,
              glyphs: list[Evasion]) -> tuple[str, ...]:
    ev: set[Evasion] = set(glyphs)
    if kind is not None:
        ev.add(kind)
    if noisy:
        ev.add(Evasion.NOISE)
    if repeated:
        ev.add(Evasion.REPEAT)
    return tuple(str(e) for e in sorted(ev, key=_EVASION_ORDER.__getitem__))


def _strict_ok(big: str, scan: str, a_: int, b_: int, o0: int, o1: int, flags: int) -> bool:
    if flags & _SINGLE:
        # Neighbours after noise is skipped: what the matcher would join, a one-character
        # term may not touch (生日快乐 and 日 . 了 do not hit 日; a 日 standing alone does).
        if a_ > 0 and scan[a_ - 1].isalnum():
            return False
        if b_ < len(scan) and scan[b_].isalnum():
            return False
    if flags & _LATIN_SHORT and o1 - o0 != b_ - a_:
        return False
    before = big[o0 - 1] if o0 > 0 else ""
    after = big[o1] if o1 < len(big) else ""
    if flags & _LATIN_LEFT and before and is_latin_alnum(before):
        return False
    return not (flags & _LATIN_RIGHT and after and is_latin_alnum(after))


def _runs_ok(
    rs: npt.NDArray[np.intp] | None, a_: int, need: tuple[int, ...], n_kept: int
) -> bool:
    if rs is None:
        return False
    for j, want in enumerate(need):
        lo = int(rs[a_ + j])
        hi = int(rs[a_ + j + 1]) if a_ + j + 1 < len(rs) else n_kept
        if hi - lo < want:
            return False
    return True


def _finish(hits: list[Hit], wl: list[tuple[int, int]]) -> Screening:
    if wl:
        hits = [h for h in hits if not any(ws <= h.start and h.end <= we for ws, we in wl)]
    if hits:
        merged: dict[tuple[int, int, str, str], Hit] = {}
        for h in hits:
            k = (h.start, h.end, h.term, h.category)
            old = merged.get(k)
            if old is None:
                merged[k] = h
            elif old.evasion != h.evasion:
                ev = set(old.evasion) | set(h.evasion)
                merged[k] = Hit(
                    h.start, h.end, h.matched, h.term, h.category, h.severity, h.action,
                    tuple(sorted(ev, key=lambda e: _EVASION_ORDER[Evasion(e)])), h.ref,
                )
        hits = sorted(merged.values(), key=lambda h: (h.start, h.end, h.term))
    return Screening(decision=decide(h.action for h in hits), hits=tuple(hits))


def build(terms: Iterable[Term], *, version: int | None = None) -> Matcher:
    """A matcher for ``terms`` (raises :class:`InvalidTerm` naming the first bad one)."""
    return Matcher(list(terms), version=version)
