"""Reading lexicon files and documents: every error names the line and the field."""

from __future__ import annotations

import pytest

from zeren.errors import InvalidInput, TooLarge
from zeren.lexicon.domain import Action, Severity
from zeren.lexicon.formats import parse_documents, parse_lexicon

HEADER = "term,category,severity,action,whitelist\n"


def test_csv_defaults_from_category() -> None:
    rows = parse_lexicon((HEADER + "枪支,prohibited_goods,,,false\n水枪,custom,low,flag,true\n")
                         .encode())
    assert rows[0].severity == Severity.HIGH and rows[0].action == Action.BLOCK
    assert rows[1].whitelist and rows[1].action == Action.FLAG


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("枪支,nope,,,false\n", 2, "category"),
        ("枪支,custom,huge,,false\n", 2, "severity"),
        ("枪支,custom,,ban,false\n", 2, "action"),
        ("枪支,custom,,,maybe\n", 2, "whitelist"),
        ("ok,custom,,,\n,custom,,,false\n", 3, "term"),
        ("。。,custom,,,false\n", 2, "term"),
        ("枪支,custom,,,false\n枪支,custom,,,false\n", 3, "term"),
        ("枪支,custom\n", 2, "row"),
    ],
)
def test_csv_errors_name_line_and_field(body: str, line: int, field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_lexicon((HEADER + body).encode(), what="x.csv")
    first = e.value.details["errors"][0]  # type: ignore[index,call-overload]
    assert (first["line"], first["field"]) == (line, field)
    assert f"line {line}, field {field}" in e.value.message


def test_csv_header_checked() -> None:
    with pytest.raises(InvalidInput, match="field header: missing column"):
        parse_lexicon(b"term,category\n")
    with pytest.raises(InvalidInput, match="is empty"):
        parse_lexicon(b"")


def test_invalid_encoding_names_line() -> None:
    with pytest.raises(InvalidInput, match="not valid UTF-8 at line 2"):
        parse_lexicon(HEADER.encode() + b"\xff\xfe,custom,,,false\n")


def test_plain_text() -> None:
    rows = parse_lexicon("# comment\n枪支\n\n冰毒\n".encode(), fmt="text",
                         category="prohibited_goods")
    assert [r.term for r in rows] == ["枪支", "冰毒"]
    with pytest.raises(InvalidInput, match="--category"):
        parse_lexicon(b"x\n", fmt="text")


def test_documents_jsonl_and_errors() -> None:
    docs = parse_documents(b'{"id": 1, "text": "a"}\n\n{"text": "b"}\n', name="in.jsonl",
                           max_bytes=100)
    assert [(d.id, d.text) for d in docs] == [("1", "a"), ("in.jsonl:3", "b")]
    with pytest.raises(InvalidInput, match="line 2: malformed JSON"):
        parse_documents(b'{"text": "a"}\n{oops\n', name="in.jsonl", max_bytes=100)
    with pytest.raises(InvalidInput, match="line 1, field text"):
        parse_documents(b'{"id": 1}\n', name="in.jsonl", max_bytes=100)
    with pytest.raises(InvalidInput, match="empty document"):
        parse_documents(b'{"text": "  "}\n', name="in.jsonl", max_bytes=100)
    with pytest.raises(TooLarge, match="line 1"):
        parse_documents(('{"text": "' + "字" * 50 + '"}\n').encode(), name="in.jsonl",
                        max_bytes=100)
    with pytest.raises(InvalidInput, match="not valid UTF-8"):
        parse_documents(b"\xc3\x28", name="a.txt", max_bytes=100)
    assert parse_documents("全文".encode(), name="a.txt", max_bytes=100)[0].id == "a.txt"
