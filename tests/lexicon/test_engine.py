"""The screening engine against written cases: every evasion kind, strict rules, whitelists,
decisions, and ordinary text that must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from zeren.lexicon.domain import (
    ALL_VARIANTS,
    Action,
    Decision,
    Severity,
    Term,
    VariantKind,
    categories,
    decide,
    default_terms,
    format_variants,
    parse_variants,
)
from zeren.lexicon.engine import _PASS, InvalidTerm, Matcher, build

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def default() -> Matcher:
    return build(default_terms())


def _t(term: str, *, action: Action = Action.BLOCK, whitelist: bool = False, **kw: object) -> Term:
    return Term(term, "custom", Severity.HIGH, action, whitelist=whitelist, **kw)  # type: ignore[arg-type]


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for line in (HERE / "evasion_cases.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        kind, text, term = line.split("\t")
        out.append((kind, text, term))
    return out


CASES = _cases()


def test_evasion_set_is_large_and_covers_every_kind() -> None:
    assert len(CASES) >= 300
    assert {k for k, _, _ in CASES} == {
        "noise", "traditional", "pinyin", "homophone", "split", "width", "repeat"
    }


@pytest.mark.parametrize(("kind", "text", "term"), CASES)
def test_evasion_case(default: Matcher, kind: str, text: str, term: str) -> None:
    result = default.screen(text)
    hits = [h for h in result.hits if h.term == term]
    assert hits, f"{text!r} should hit {term!r}; got {result.hits}"
    assert any(kind in h.evasion for h in hits), [h.evasion for h in hits]
    for h in hits:
        assert text[h.start : h.end] == h.matched
    assert result.decision != Decision.PASS


def _fp_lines() -> list[str]:
    raw = (HERE / "false_positive_cases.txt").read_text(encoding="utf-8").splitlines()
    return [x for x in raw if x.strip() and not x.startswith("#")]


@pytest.mark.parametrize("text", _fp_lines())
def test_ordinary_text_passes(default: Matcher, text: str) -> None:
    result = default.screen(text)
    assert result.decision == Decision.PASS, result.hits
    assert result.hits == ()


def test_hit_fields() -> None:
    m = build([_t("枪支")])
    (h,) = m.screen("出售 槍 * 枪支 哦").hits
    assert (h.start, h.end, h.matched) == (3, 9, "槍 * 枪支")
    assert h.term == "枪支" and h.category == "custom"
    assert h.severity == "high" and h.action == "block"
    assert set(h.evasion) == {"noise", "traditional", "repeat"}
    assert h.to_dict()["evasion"] == list(h.evasion)


def test_single_character_is_strict() -> None:
    m = build([_t("日", action=Action.REVIEW)])
    assert m.screen("生日快乐").hits == ()
    assert m.screen("今天 日 了").hits == ()  # the matcher would join 天日了 across spaces
    assert m.screen("日").decision == Decision.REVIEW
    assert m.screen("你好。日！").decision == Decision.REVIEW


def test_short_latin_is_strict() -> None:
    m = build([_t("qz")])
    assert m.screen("qz出售").hits
    assert m.screen("卖 qz 了").hits
    assert m.screen("quiz qzx").hits == ()
    assert m.screen("q z").hits == ()  # no noise inside a short Latin term


def test_latin_edges_need_a_word_boundary() -> None:
    m = build([_t("枪支")])
    assert m.screen("buy qiangzhi now").hits
    assert m.screen("xqiangzhi").hits == ()
    assert m.screen("qiangzhix").hits == ()


def test_line_breaks_and_long_gaps_separate() -> None:
    m = build([_t("枪支")])
    assert m.screen("枪\n支").hits == ()
    assert m.screen("枪\r\n支").hits == ()
    assert m.screen("枪    支").hits == ()  # four noise characters
    assert m.screen("枪。  。支").hits == ()  # sentence punctuation counts in the gap
    assert m.screen("枪   支").hits  # three
    assert m.screen("枪\u200b\u200b\u200b\u200b\u200b支").hits  # zero-width is free
    assert m.screen_many(["买枪", "支"]) == [_PASS, _PASS]  # documents never join
    lines = build([_t("枪支", variants=parse_variants("all,lines"))])
    (h,) = lines.screen("枪\n支").hits
    assert "boundary" in h.evasion and h.action == "review"


def test_whitelist_suppresses_contained_hits() -> None:
    m = build([_t("黄片"), _t("三黄片", whitelist=True), _t("枪"), _t("水枪", whitelist=True)])
    assert m.screen("三黄片").hits == ()
    assert m.screen("看黄片").decision == Decision.BLOCK
    assert m.screen("买三黄片和看黄片").hits[0].start == 6


def test_variant_opt_out() -> None:
    on = build([_t("赌博")])
    off = build([_t("赌博", variants=frozenset())])
    pinyin_only = build([_t("赌博", variants=frozenset({VariantKind.PINYIN}))])
    for text in ("dubo", "赌搏", "贝者博"):
        assert on.screen(text).hits
        assert off.screen(text).hits == ()
    assert pinyin_only.screen("dubo").hits and not pinyin_only.screen("贝者博").hits
    assert off.screen("賭博").hits  # normalisation is not a variant: always on


def test_initials_and_mixes() -> None:
    m = build([_t("枪支")])
    for text in ("qiangzhi", "枪zhi", "qiang支", "QiangZhi"):
        assert m.screen(text).hits, text
    assert m.screen("qz").hits == ()  # two-letter initials are off by default
    opted = build([_t("枪支", variants=parse_variants("all,initials2"))])
    for text in ("qz", "ｑｚ", "卖qz"):
        (h,) = opted.screen(text).hits
        assert "initials" in h.evasion and h.action == "review", h  # never a block alone
    three = build([_t("国家级")])
    (h,) = three.screen("gjj").hits
    assert h.evasion == ("initials",)


def test_initials_never_spell_common_latin() -> None:
    # HP, QQ, LG, PC: a laptop brand, a messenger, a TV brand, a computer
    m = build([_t(t, variants=parse_variants("all,initials2"))
               for t in ("黄片", "气枪", "雷管", "嫖娼", "迷药")])
    for text in ("HP笔记本", "加我QQ", "LG电视", "华硕的易PC", "MY FAIR LADY", "hp"):
        assert m.screen(text).hits == (), text


def test_every_pinyin_mix_of_a_short_term() -> None:
    m = build([_t("公民信息")])
    for text in ("gongminxinxi", "公民xinxi", "gong民信xi", "公min信息", "gongmin信xi"):
        (h,) = m.screen(text).hits
        assert h.evasion == ("pinyin",), text


def test_term_with_double_character_needs_both() -> None:
    m = build([_t("嘿嘿嘿")])
    assert m.screen("嘿嘿").hits == ()
    assert m.screen("嘿嘿嘿嘿").hits


def test_decision_from_actions() -> None:
    assert decide([]) == Decision.PASS
    assert decide([Action.FLAG]) == Decision.PASS
    assert decide([Action.FLAG, Action.REVIEW]) == Decision.REVIEW
    assert decide([Action.REVIEW, Action.BLOCK]) == Decision.BLOCK
    m = build([_t("甲乙", action=Action.FLAG)])
    r = m.screen("甲乙")
    assert r.decision == Decision.PASS and r.hits


def test_batch_equals_one_by_one(default: Matcher) -> None:
    docs = [text for _, text, _ in CASES[:80]] + _fp_lines()[:20] + ["", "\n"]
    assert default.screen_many(docs) == [default.screen(d) for d in docs]


def test_bad_terms_name_the_term() -> None:
    with pytest.raises(InvalidTerm, match="term 2"):
        build([_t("好"), _t("。")])
    with pytest.raises(InvalidTerm):
        build([_t("枪\n支")])


def test_empty_lexicon_and_text() -> None:
    m = build([])
    assert m.screen("任何文字").decision == Decision.PASS
    assert build([_t("枪支")]).screen("").hits == ()


def test_categories_cover_the_law() -> None:
    cats = categories()
    assert sum(1 for c in cats if c.startswith("illegal.")) == 11
    assert sum(1 for c in cats if c.startswith("harmful.")) == 9
    for code in ("prohibited_goods", "restricted_goods", "advertising_absolute",
                 "pyramid_selling", "ip_infringement", "custom"):
        assert code in cats
    assert all(c.source for c in cats.values())


def test_parse_variants() -> None:
    assert parse_variants("") == ALL_VARIANTS == {VariantKind.PINYIN, VariantKind.INITIALS,
                                                  VariantKind.HOMOPHONE, VariantKind.SPLIT}
    assert parse_variants("", whitelist=True) == frozenset()
    assert parse_variants("none") == frozenset()
    assert parse_variants("pinyin, split") == {VariantKind.PINYIN, VariantKind.SPLIT}
    both = parse_variants("all,initials2,lines")
    assert both == ALL_VARIANTS | {VariantKind.INITIALS2, VariantKind.LINES}
    assert format_variants(both) == "all,initials2,lines"
    assert parse_variants(format_variants(both)) == both
    with pytest.raises(ValueError):
        parse_variants("klingon")


def test_surrogates_and_odd_characters_do_not_crash() -> None:
    m = build([_t("枪支")])
    assert m.screen("\ud800枪支\udfff").hits
    assert m.screen("\x00\x01\x02\n\r\t").hits == ()


def test_long_batches_are_cut_between_documents(default: Matcher,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import zeren.lexicon.engine as engine

    docs = [text for _, text, _ in CASES[:60]] + ["国家级" * 40, "", "出售 槍-支"]
    whole = default.screen_many(docs)
    monkeypatch.setattr(engine, "_CHUNK_CHARS", 50)
    assert default.screen_many(docs) == whole == [default.screen(d) for d in docs]


def test_one_character_keys_of_single_and_doubled_terms() -> None:
    # 日 (a one-character term) and 日日 (collapses to the key 日, needing a run of two) share
    # a key that is looked up outside the automaton.
    m = build([_t("日", action=Action.REVIEW), _t("日日"), _t("常常")])
    got = [(h.start, h.end, h.term, h.evasion) for h in m.screen("日 日").hits]
    assert got == [(0, 3, "日", ("noise", "repeat")), (0, 3, "日日", ("noise",))]
    assert [h.term for h in m.screen("生日日快乐").hits] == ["日日"]  # 日 does not stand alone
    assert [h.term for h in m.screen("天天日日").hits] == ["日日"]
    assert m.screen("常").hits == () and m.screen("常常").decision == Decision.BLOCK
    assert m.screen("日").decision == Decision.REVIEW
