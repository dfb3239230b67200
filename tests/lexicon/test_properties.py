"""Properties of the engine (hypothesis): offsets select text whose normal form is the term's
(or one of its spellings), a few noise characters per gap never hide a term, and a whitelist
term suppresses the hits it contains."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from zeren.lexicon.domain import ALL_VARIANTS, Action, Severity, Term, parse_variants
from zeren.lexicon.engine import build
from zeren.lexicon.normalize import tables
from zeren.lexicon.variants import expand

# A small alphabet makes accidental and overlapping matches common, which is the point.
HAN = "枪支赌博冰毒黄片水三国家级最佳木仓贝者槍賭國"
NOISE = " *~-_/#、，·★😀\u200b\u3000（）"
TEXT_CHARS = HAN + NOISE + "qzab。…！\n抢读⑩⓫10"

term_st = st.text(alphabet=HAN, min_size=2, max_size=4)
text_st = st.text(alphabet=TEXT_CHARS, max_size=60)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _term(t: str, *, variants: frozenset = ALL_VARIANTS, wl: bool = False) -> Term:  # type: ignore[type-arg]
    return Term(t, "custom", Severity.HIGH, Action.BLOCK, whitelist=wl, variants=variants)


@FAST
@given(terms=st.lists(term_st, min_size=1, max_size=6), text=text_st)
def test_offsets_select_the_term(terms: list[str], text: str) -> None:
    t = tables()
    m = build([_term(x) for x in terms])
    spellings: dict[str, set[str]] = {}
    for x in terms:
        key = t.normal_form(x)
        forms = spellings.setdefault(x, set())
        forms.add(key)
        forms.update(t.normal_form(v) for v in expand(key, ALL_VARIANTS))
        forms.update(t.normal_form(v) for v in expand(t.plain(x), ALL_VARIANTS))
    for h in m.screen(text).hits:
        assert text[h.start : h.end] == h.matched
        assert t.normal_form(h.matched) in spellings[h.term], (h, text)
        if not ({"pinyin", "homophone", "split"} & set(h.evasion)):
            assert t.normal_form(h.matched) == t.normal_form(h.term)


@FAST
@given(
    term=term_st,
    gaps=st.lists(st.text(alphabet=NOISE, max_size=3), min_size=3, max_size=3),
    before=st.text(alphabet=HAN + NOISE, max_size=10),
    after=st.text(alphabet=HAN + NOISE, max_size=10),
)
def test_noise_never_hides_a_term(term: str, gaps: list[str], before: str, after: str) -> None:
    assume(len(tables().normal_form(term)) == len(term))  # no doubles inside the term itself
    noisy = term[0] + "".join(g + c for g, c in zip(gaps, term[1:], strict=False))
    text = before + noisy + after
    m = build([_term(term, variants=frozenset())])
    hits = m.screen(text).hits
    lo, hi = len(before), len(before) + len(noisy)
    assert any(h.term == term and h.start <= lo and hi <= h.end for h in hits), (text, hits)


@FAST
@given(
    term=term_st,
    left=st.text(alphabet=HAN, max_size=2),
    right=st.text(alphabet=HAN, max_size=2),
    ctx=st.text(alphabet=HAN + NOISE, max_size=8),
)
def test_whitelist_suppresses_contained_hits(term: str, left: str, right: str, ctx: str) -> None:
    assume(left or right)
    white = left + term + right
    m = build([_term(term), _term(white, wl=True)])
    text = ctx + "。" + white + "。" + ctx
    lo, hi = len(ctx) + 1, len(ctx) + 1 + len(white)
    for h in m.screen(text).hits:
        assert not (lo <= h.start and h.end <= hi), (text, h)


@FAST
@given(texts=st.lists(text_st, max_size=8))
def test_batches_equal_single_documents(texts: list[str]) -> None:
    m = build([_term("枪支"), _term("赌博"), _term("国家级"), _term("水枪", wl=True)])
    assert m.screen_many(texts) == [m.screen(x) for x in texts]


OPT_INS = parse_variants("all,initials2,homophone_any,lines,boundary_full")


@FAST
@given(terms=st.lists(st.text(alphabet=HAN + "抢读", min_size=2, max_size=4), min_size=1,
                      max_size=5), text=text_st, kind=st.sampled_from([None, "post", "ad"]))
def test_new_variants_and_boundaries_keep_offsets_exact(terms: list[str], text: str,
                                                         kind: str | None) -> None:
    """Every hit's offsets select the original text it names, whose normal form (sentence
    punctuation and line breaks skipped like noise) is one of the term's spellings, with
    opt-ins on (every pinyin mix, two-letter initials, homophones of any tone, line breaks)."""
    t = tables()
    m = build([_term(x, variants=OPT_INS) for x in terms])
    spellings: dict[str, set[str]] = {}
    for x in terms:
        forms = spellings.setdefault(x, {t.normal_form(x)})
        for base in (t.normal_form(x), t.plain(x)):
            forms.update(t.normal_form(v) for v in expand(base, OPT_INS))
    for h in m.screen(text, kind).hits:
        assert text[h.start : h.end] == h.matched
        flat = "".join(c for c in h.matched if c not in "。…！\n")
        assert t.normal_form(flat) in spellings[h.term], (h, text)
        assert 0 < h.confidence <= 1 and h.place in ("alone", "word", "latin")
        assert ("boundary" in h.evasion) == any(c in h.matched for c in "。…！\n")


@FAST
@given(text=st.text(alphabet="原子弹更大麻烦全国第一个枪支出售博采众长的是了", min_size=2, max_size=14),
       data=st.data())
def test_word_check_in_python_equals_the_array_version(text: str, data: st.DataObject) -> None:
    import numpy as np

    from zeren.lexicon.words import absorbed_many, absorbed_one

    a = data.draw(st.integers(0, len(text) - 1))
    b = data.draw(st.integers(a + 1, len(text)))
    wall = data.draw(st.lists(st.integers(1, len(text) - 1), max_size=2, unique=True))
    x = np.array([[ord(c) for c in text]], dtype=np.uint32)
    walls = np.zeros(x.shape, dtype=np.bool_)
    walls[0, wall] = True
    many = absorbed_many(x, np.array([a]), np.array([b]), walls)[0]
    assert abs(absorbed_one(text, a, b, tuple(sorted(wall))) - many) < 1e-9
