"""The registry's pure rules: identifiers held to python-stdnum's answers (and the USCC's
check digit to GB 32100-2015's formula, written out here from the standard), the
re-verification clock across month ends and leap years, kind rules, licences, encodings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from zeren.merchants import domain as d

TODAY = date(2026, 12, 2)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def gb32100_check(body: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, GB32100_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def accepts(fn: object, value: str) -> bool:
    try:
        fn(value)  # type: ignore[operator]
    except d.OutOfScale:
        return False
    return True


uscc_like = st.text(alphabet=USCC_ALPHABET + "IOSVZ-a ", min_size=0, max_size=20)
digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(uscc_like)
def test_uscc_agrees_with_stdnum_on_any_text(value: str) -> None:
    assert accepts(d.check_uscc, value) == uscc.is_valid(value)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8),
       st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
def test_uscc_check_digit_is_gb32100s(head: str, tail: str) -> None:
    body = head + tail
    good = body + gb32100_check(body)
    assert d.check_uscc(good) == good
    for c in USCC_ALPHABET:
        if c != good[-1]:
            assert not accepts(d.check_uscc, body + c)


def test_the_standards_examples() -> None:
    assert d.check_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert d.check_resident_id("11010519491231002X") == "11010519491231002X"
    # GB 11643's own example has a right check digit, but its region code (汕头潮阳) did not
    # exist in its birth year 1880: python-stdnum refuses it, and so does Zeren.
    assert ric.calc_check_digit("440524188001010014") == "4"
    assert not ric.is_valid("440524188001010014")
    assert not accepts(d.check_resident_id, "440524188001010014")


@given(st.one_of(
    digits17.map(lambda b: b + ric.calc_check_digit(b + "0")),  # check digit right
    st.text(alphabet="0123456789Xx", min_size=16, max_size=19),
    st.sampled_from(["110101", "310104", "440524", "999999", "110105"]).flatmap(
        lambda r: st.dates(date(1880, 1, 1), date(2030, 1, 1)).map(
            lambda born: f"{r}{born:%Y%m%d}123")).map(
        lambda b: b + ric.calc_check_digit(b + "0")),
))
def test_resident_id_agrees_with_stdnum(value: str) -> None:
    assert accepts(d.check_resident_id, value) == stdnum_ric_valid(value)


def stdnum_ric_valid(value: str) -> bool:
    try:
        return bool(ric.is_valid(value))
    except KeyError:
        # python-stdnum 2.2 raises KeyError for a region code its table knows only as a
        # province (e.g. 111000…); Zeren refuses such a number with a reason.
        return False


def test_a_province_only_region_is_refused_not_a_crash() -> None:
    value = "111000000101010002"
    with pytest.raises(d.OutOfScale, match="resident ID"):
        d.check_resident_id(value)


def test_refusals_name_the_reason_and_never_echo_an_id() -> None:
    with pytest.raises(d.OutOfScale, match="check digit") as e:
        d.check_uscc("91350100M000100Y44")
    assert e.value.field == "uscc"
    with pytest.raises(d.OutOfScale, match="length"):
        d.check_uscc("91350100M000100Y4")
    with pytest.raises(d.OutOfScale, match="charset"):
        d.check_uscc("91350100M000100I43")
    with pytest.raises(d.OutOfScale, match="check digit") as e:
        d.check_resident_id("110105194912310021")
    assert "110105" not in str(e.value)
    with pytest.raises(d.OutOfScale, match="impossible part"):
        d.check_resident_id("110105194913310029"[:17] + ric.calc_check_digit("11010519491331002" + "0"))


def test_samples_are_valid_and_distinct() -> None:
    us = {d.sample_uscc(n) for n in range(2000)}
    ids = {d.sample_resident_id(n) for n in range(2000)}
    assert len(us) == 2000 and all(uscc.is_valid(u) for u in us)
    assert all(ric.is_valid(i) for i in ids)
    assert d.sample_uscc(7, "92").startswith("92")


@pytest.mark.parametrize(("start", "months", "due"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),   # leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 3, 31), 6, date(2026, 9, 30)),
    (date(2026, 7, 15), 6, date(2027, 1, 15)),
    (date(2026, 12, 31), 6, date(2027, 6, 30)),
])
def test_reverification_clock(start: date, months: int, due: date) -> None:
    assert d.add_months(start, months) == due


@given(st.dates(date(1990, 1, 1), date(2090, 1, 1)), st.integers(1, 60))
def test_the_clock_never_runs_short_or_long(start: date, months: int) -> None:
    due = d.add_months(start, months)
    # the due day is in the month ``months`` later, no later than the same day of month
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == months
    assert due.day <= start.day
    assert due.day == start.day or (due + timedelta(days=1)).day == 1


def test_reverification_months_come_from_data() -> None:
    reg = d.registry()
    assert reg.reverify_months == 6
    assert "第二十四条" in reg.periods["reverification"].source
    assert d.reverification_due(date(2026, 8, 31)) == date(2027, 2, 28)


def _row(**kw: object) -> dict[str, object]:
    return {"merchant_ref": "M1", "kind": "企业", "legal_name": "甲公司",
            "uscc": "91350100M000100Y43", "representative": "张三", **kw}


def test_kind_rules() -> None:
    reg = d.registry()
    mi = d.normalise_merchant(_row(), reg, today=TODAY)
    assert (mi.kind, mi.uscc) == ("enterprise", "91350100M000100Y43")
    for kw, field in [({"uscc": ""}, "uscc"), ({"representative": ""}, "representative"),
                      ({"kind": "商户"}, "kind"), ({"ground": "零星小额"}, "ground"),
                      ({"kind": "individual_business", "resident_id": "11010519491231002X"},
                       "uscc"),  # 91… is an enterprise's code, not an individual business's
                      ({"contact_email": "nope"}, "contact_email"),
                      ({"shop_url": "ftp://x"}, "shop_ref"),
                      ({"resident_id": 110105194912310020.0}, "resident_id")]:
        with pytest.raises(d.OutOfScale) as e:
            d.normalise_merchant(_row(**kw), reg, today=TODAY)
        assert e.value.field == field, (kw, e.value)
    person = {"merchant_ref": "P1", "kind": "natural_person", "legal_name": "李四",
              "resident_id": "11010519491231002X", "ground": "便民劳务"}
    assert d.normalise_merchant(person, reg, today=TODAY).ground == "convenience_services"
    with pytest.raises(d.OutOfScale) as e:
        d.normalise_merchant({**person, "ground": ""}, reg, today=TODAY)
    assert e.value.field == "ground"
    with pytest.raises(d.OutOfScale) as e:
        d.normalise_merchant({**person, "uscc": "91350100M000100Y43"}, reg, today=TODAY)
    assert e.value.field == "uscc"


def test_licence_rules() -> None:
    reg = d.registry()
    base = {"licence_kind": "食品经营许可证", "licence_number": "JY1", "licence_issuer": "局",
            "licence_valid_from": "2024-01-01", "licence_valid_until": "2027-01-01"}
    assert d.normalise_licence(base, reg, today=TODAY).kind == "food_business"
    assert d.normalise_licence({**base, "licence_valid_until": "长期"}, reg,
                               today=TODAY).valid_until is None
    for kw, field in [({"licence_kind": "驾照"}, "licence_kind"),
                      ({"licence_valid_until": "2023-12-31"}, "licence_valid_until"),
                      ({"licence_valid_until": "2026-12-01"}, "licence_valid_until"),
                      ({"licence_valid_from": "2024-13-01"}, "licence_valid_from"),
                      ({"licence_number": ""}, "licence_number")]:
        with pytest.raises(d.OutOfScale) as e:
            d.normalise_licence({**base, **kw}, reg, today=TODAY)
        assert e.value.field == field, kw


def test_every_licence_kind_and_kind_names_a_source() -> None:
    reg = d.registry()
    assert {"food_business", "drug_online", "medical_device", "publication"} <= set(reg.licences)
    assert all(k.source for k in reg.licences.values())
    assert all(k.source for k in reg.kinds.values())


def test_encodings() -> None:
    text = "商家编号,类型,名称\nM1,企业,甲公司\n"
    assert d.decode_csv(text.encode("utf-8")) == (text, "utf-8")
    assert d.decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8")
    assert d.decode_csv(text.encode("gbk")) == (text, "gb18030")
    with pytest.raises(d.NotText, match="GBK/GB18030"):
        d.decode_csv(text.encode("gbk"), "utf-8")
    with pytest.raises(d.NotText, match="not UTF-8"):
        d.decode_csv(b"\xff\xfe\x00a\x00b", "auto")
    assert d.header_map(["\ufeff商家编号", "类型", "x", "名称"]) == {
        0: "merchant_ref", 1: "kind", 3: "legal_name"}
