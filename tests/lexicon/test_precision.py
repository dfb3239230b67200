"""Precision (ADR 0201): real text that nobody on the team wrote stays (almost) untouched while
every evasion of the evasion set is still caught; a term inside a longer ordinary word, a
spelling that is itself an ordinary word, a category that does not apply to the content kind
and a hit across sentence punctuation each lower the action; sentence punctuation is no free
pass."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from bench.lexicon.realtext import load

from zeren.lexicon.domain import (
    Action,
    ContentKind,
    Decision,
    Severity,
    Term,
    default_terms,
    normalisation_settings,
    parse_variants,
)
from zeren.lexicon.engine import Matcher, build

HERE = Path(__file__).parent
# Upper bounds per 10,000 documents of the real-text corpus (reviews as ``review``, news as
# ``post``), with the default lexicon. Measured 0 blocks and 7.3 reviews when this was written
# (`python -m bench.lexicon` prints the figures); the targets are 2 and 20.
MAX_BLOCK_PER_10K = 2.0
MAX_REVIEW_PER_10K = 20.0


@pytest.fixture(scope="module")
def default() -> Matcher:
    return build(default_terms())


def _t(term: str, action: Action = Action.BLOCK, category: str = "custom",
       variants: str = "") -> Term:
    return Term(term, category, Severity.HIGH, action, variants=parse_variants(variants))


def _evasion_cases() -> list[tuple[str, str, str]]:
    out = []
    for line in (HERE / "evasion_cases.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, text, term = line.split("\t")
            out.append((kind, text, term))
    return out


def test_real_text_rates_with_the_evasion_set(default: Matcher) -> None:
    """Cannot pass by blocking nothing: the same matcher must catch every evasion case."""
    corpus = load()
    n = len(corpus.docs)
    assert n > 50_000  # 35,124 reviews and 19,484 news paragraphs
    got = Counter(r.decision for r in default.screen_many(corpus.docs, corpus.kinds))
    blocks = got[Decision.BLOCK] * 10_000 / n
    reviews = got[Decision.REVIEW] * 10_000 / n
    assert blocks <= MAX_BLOCK_PER_10K, (blocks, reviews)
    assert reviews <= MAX_REVIEW_PER_10K, (blocks, reviews)

    cases = _evasion_cases()
    results = default.screen_many([text for _, text, _ in cases])
    missed = [(k, text, term) for (k, text, term), r in zip(cases, results, strict=True)
              if r.decision == Decision.PASS or not any(h.term == term for h in r.hits)]
    assert len(cases) >= 300 and not missed, missed


@pytest.mark.parametrize("mark", normalisation_settings()["sentence_ends"])
def test_sentence_punctuation_is_no_free_pass(mark: str) -> None:
    m = build([_t("假币"), _t("处方药", Action.REVIEW), _t("海洛因", variants="all,boundary_full")])
    (h,) = m.screen(f"出售假{mark}币").hits
    assert h.evasion == ("boundary",) or set(h.evasion) == {"boundary", "width"}
    assert h.action == "review" and h.matched == f"假{mark}币"  # block, one step lower
    (h,) = m.screen(f"处{mark}方药").hits
    assert h.action == "flag" and "boundary" in h.evasion  # review, one step lower
    (h,) = m.screen(f"海{mark}洛因").hits
    assert h.action == "review" and "boundary" in h.evasion  # kept block, but unsure: review


@pytest.mark.parametrize(("text", "term"), [
    ("假…币", "假币"), ("海*-洛/…因", "海洛因"), ("竊…/聽…器", "窃听器"), ("处…-￥方/\u200b药", "处方药"),
])
def test_the_evasions_that_used_to_pass(default: Matcher, text: str, term: str) -> None:
    (h,) = [h for h in default.screen(text).hits if h.term == term]
    assert "boundary" in h.evasion and text[h.start:h.end] == h.matched == text


@pytest.mark.parametrize("brk", normalisation_settings()["line_breaks"])
def test_line_breaks_stay_hard_unless_a_term_opts_in(brk: str) -> None:
    assert build([_t("假币")]).screen(f"假{brk}币").hits == ()
    (h,) = build([_t("假币", variants="all,lines")]).screen(f"假{brk}币").hits
    assert "boundary" in h.evasion and h.action == "review"


def _pairs() -> list[str]:
    raw = (HERE / "sentence_pairs.txt").read_text(encoding="utf-8").splitlines()
    return [x for x in raw if x.strip() and not x.startswith("#")]


@pytest.mark.parametrize("text", _pairs())
def test_real_sentence_pairs_pass(default: Matcher, text: str) -> None:
    for kind in (None, *ContentKind):
        r = default.screen(text, kind)
        assert r.decision == Decision.PASS, (kind, r.hits)
        assert all(h.place == "word" and "boundary" in h.evasion for h in r.hits), r.hits


@pytest.mark.parametrize(("text", "term", "action", "place"), [
    ("美国扔了原子弹", "子弹", "flag", "word"),
    ("还会有更大麻烦", "大麻", "flag", "word"),
    ("全国第一个吃螃蟹的人", "全国第一", "flag", "word"),
    ("以及鸽子蛋大小的鸡蛋", "子弹", "flag", "word"),  # 子蛋, a homophone inside 鸽子蛋
    ("这是一片簧片", "黄片", "flag", "word"),  # the homophone spelling is itself a word
    ("枪支出售", "枪支", "block", "alone"),  # 枪支|出售, not 枪|支出|售
    ("子弹头项链", "子弹", "block", "alone"),
    ("他沉迷于赌博", "赌博", "block", "alone"),
])
def test_a_term_inside_a_longer_word(default: Matcher, text: str, term: str, action: str,
                                     place: str) -> None:
    (h,) = [h for h in default.screen(text).hits if h.term == term]
    assert (h.action, h.place) == (action, place), h
    assert (h.confidence < 0.5) == (place == "word")


def test_content_kinds(default: Matcher) -> None:
    assert default.screen("全网最佳选择", "review").hits == ()  # advertising law: ads only
    assert default.screen("全网最佳选择", "ad").decision == Decision.REVIEW
    assert default.screen("全网最佳选择").decision == Decision.REVIEW  # no kind: all apply
    assert default.screen("出售冰毒", "listing").decision == Decision.BLOCK
    assert default.screen("出售冰毒", "post").decision == Decision.REVIEW  # named, not sold
    assert default.screen("买到盗版了", "review").hits == ()
    docs = ["全网最佳", "全网最佳", "出售冰毒"]
    assert [r.decision for r in default.screen_many(docs, ["ad", "review", None])] == [
        Decision.REVIEW, Decision.PASS, Decision.BLOCK]
    with pytest.raises(ValueError, match="kind is one of"):
        default.screen("x", "tweet")


def test_low_confidence_never_blocks_alone() -> None:
    m = build([_t("赌博"), _t("国家级")])
    (h,) = m.screen("赌搏").hits  # a homophone
    assert h.evasion == ("homophone",) and h.action == "review" and 0.5 <= h.confidence < 0.8
    (h,) = m.screen("gjj").hits  # initials
    assert h.action == "review"
    (h,) = m.screen("dubo").hits  # full pinyin
    assert h.action == "review"
    (h,) = m.screen("the dubo site").hits  # among Latin words
    assert h.place == "latin" and h.action == "flag"
    assert m.screen("賭博").decision == Decision.BLOCK  # glyph tricks leave no doubt
    assert m.screen("賭 * 賭博").decision == Decision.BLOCK


def test_homophones_of_any_tone_for_terms_that_opt_in() -> None:
    plain = build([_t("枪支"), _t("冰毒")])
    broad = build([_t("枪支", variants="all,homophone_any"), _t("冰毒", variants="all,homophone_any")])
    for text, term in (("出售抢支", "枪支"), ("冰读到货", "冰毒")):
        assert not any(h.term == term for h in plain.screen(text).hits)
        (h,) = [h for h in broad.screen(text).hits if h.term == term]
        assert h.evasion == ("homophone",) and h.action == "review"


def test_circled_numbers_ten_to_twenty_fold() -> None:
    m = build([_t("100%有效"), _t("17岁")])
    for text in ("⑩0%有效", "⓾0%有效", "❿0%有效"):
        (h,) = m.screen(text).hits
        assert h.term == "100%有效" and "width" in h.evasion and h.matched == text
    (h,) = m.screen("⑰岁").hits
    assert h.term == "17岁"
