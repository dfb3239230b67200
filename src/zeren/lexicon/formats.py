"""Reading what people hand us: lexicon files (CSV or plain text) and documents to screen
(a text file or JSON Lines). Pure functions; every error names the line and the field."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from zeren.errors import InvalidInput, TooLarge
from zeren.lexicon.domain import (
    Action,
    Severity,
    Term,
    categories,
    format_variants,
    parse_kind,
    parse_variants,
)
from zeren.lexicon.normalize import tables

CSV_FIELDS = ("term", "category", "severity", "action", "whitelist")
OPTIONAL_FIELDS = ("variants", "note", "source", "platform_id")
MAX_TERM_CHARS = 200
MAX_ERRORS = 50


@dataclass(frozen=True)
class TermInput:
    """One lexicon entry as imported or edited, before it is stored."""

    term: str
    category: str
    severity: Severity
    action: Action
    whitelist: bool = False
    variants: str = ""
    note: str = ""
    source: str = ""
    platform_id: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        """Entries are identified by their text and scope."""
        return (self.term, self.platform_id)

    def to_term(self, ref: str | None = None) -> Term:
        return Term(
            term=self.term,
            category=self.category,
            severity=self.severity,
            action=self.action,
            whitelist=self.whitelist,
            variants=parse_variants(self.variants, whitelist=self.whitelist),
            ref=ref,
        )


@dataclass(frozen=True)
class Document:
    """A document to screen: the caller's id (or the file name / line), its text and, when
    known, its content kind (post, listing, ad, review, profile, message)."""

    id: str
    text: str
    kind: str | None = None


def decode(data: bytes, *, what: str) -> str:
    """UTF-8 text (a BOM is allowed) or an error naming where the bad byte is."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InvalidInput(
            f"{what}: not valid UTF-8 at line {line} (byte {e.start})",
            details={"field": what, "line": line, "byte": e.start, "reason": "invalid encoding"},
        ) from None


def _err(errors: list[dict[str, Any]], line: int, field: str, reason: str) -> None:
    errors.append({"line": line, "field": field, "reason": reason})


def _check_term(text: str, errors: list[dict[str, Any]], line: int) -> str:
    term = text.strip()
    if not term:
        _err(errors, line, "term", "empty")
    elif len(term) > MAX_TERM_CHARS:
        _err(errors, line, "term", f"longer than {MAX_TERM_CHARS} characters")
    else:
        try:
            if not tables().normal_form(term):
                _err(errors, line, "term", "only punctuation or symbols")
        except ValueError as e:
            _err(errors, line, "term", str(e))
    return term


def _raise(errors: list[dict[str, Any]], what: str) -> None:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise InvalidInput(
        f"{what} line {first['line']}, field {first['field']}: {first['reason']}{more}",
        details={"errors": errors[:MAX_ERRORS], "count": len(errors)},
    )


def parse_lexicon(
    data: bytes | str, *, fmt: str = "csv", category: str | None = None, what: str = "file"
) -> list[TermInput]:
    """Entries of a lexicon file, all or none. CSV needs the header
    ``term,category,severity,action,whitelist`` (optional: variants,note,source,platform_id);
    ``text`` is one term a line with ``category`` given. Blank lines and ``#`` lines are
    skipped in text files."""
    text = decode(data, what=what) if isinstance(data, bytes) else data
    cats = categories()
    errors: list[dict[str, Any]] = []
    out: list[TermInput] = []
    seen: dict[tuple[str, str | None], int] = {}
    if fmt == "text":
        if category is None or category not in cats:
            raise InvalidInput(
                f"--category is required for plain-text files and must be one of: "
                f"{', '.join(sorted(cats))}",
                field="category",
            )
        tcat = cats[category]
        for n, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            term = _check_term(raw, errors, n)
            if term and term in {k[0] for k in seen}:
                _err(errors, n, "term", f"duplicate of line {seen[(term, None)]}")
            seen.setdefault((term, None), n)
            out.append(TermInput(term, tcat.code, tcat.severity, tcat.action))
        if errors:
            _raise(errors, what)
        return out
    if fmt != "csv":
        raise InvalidInput(f"unknown format {fmt!r}: use csv or text", field="format")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{what} is empty", details={"line": 1, "field": "header"}) from None
    missing = [f for f in CSV_FIELDS if f not in header]
    unknown = [h for h in header if h not in CSV_FIELDS + OPTIONAL_FIELDS]
    if missing or unknown:
        reason = (f"missing column(s) {', '.join(missing)}" if missing
                  else f"unknown column(s) {', '.join(unknown)}")
        raise InvalidInput(
            f"{what} line 1, field header: {reason}; expected {','.join(CSV_FIELDS)}",
            details={"line": 1, "field": "header", "reason": reason},
        )
    col = {h: i for i, h in enumerate(header)}
    for row in reader:
        n = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            _err(errors, n, "row", f"{len(row)} columns, header has {len(header)}")
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None else ""

        term = _check_term(cell("term"), errors, n)
        cat_code = cell("category")
        cat = cats.get(cat_code)
        if cat is None:
            _err(errors, n, "category", f"unknown category {cat_code!r}")
        sev_s, act_s, wl_s = cell("severity").lower(), cell("action").lower(), cell("whitelist")
        severity = action = None
        try:
            severity = Severity(sev_s) if sev_s else (cat.severity if cat else None)
        except ValueError:
            _err(errors, n, "severity", f"{sev_s!r} is not one of low, medium, high")
        try:
            action = Action(act_s) if act_s else (cat.action if cat else None)
        except ValueError:
            _err(errors, n, "action", f"{act_s!r} is not one of block, review, flag")
        if wl_s.lower() not in ("", "true", "false"):
            _err(errors, n, "whitelist", f"{wl_s!r} is not true or false")
        whitelist = wl_s.lower() == "true"
        variants = cell("variants")
        try:
            variants = format_variants(parse_variants(variants, whitelist=whitelist)) \
                if variants else ""
        except ValueError:
            _err(errors, n, "variants",
                 f"{variants!r}: use none, all or a list of pinyin, initials, homophone, split")
        scope = cell("platform_id") or None
        if term and (term, scope) in seen:
            _err(errors, n, "term", f"duplicate of line {seen[(term, scope)]}")
        seen.setdefault((term, scope), n)
        if cat is not None and severity is not None and action is not None and term:
            out.append(TermInput(term, cat.code, severity, action, whitelist, variants,
                                 cell("note"), cell("source"), scope))
    if errors:
        _raise(errors, what)
    return out


def parse_documents(
    data: bytes, *, name: str, max_bytes: int, jsonl: bool | None = None
) -> list[Document]:
    """Documents in an input: JSON Lines of ``{"id", "text"}`` (``.jsonl``/``.ndjson`` or
    ``jsonl=True``), otherwise the whole file as one document named after it."""
    if jsonl is None:
        jsonl = name.endswith((".jsonl", ".ndjson"))
    text = decode(data, what=name)
    if not jsonl:
        check_document(text, max_bytes=max_bytes, where=name)
        return [Document(id=name, text=text)]
    out: list[Document] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name} line {n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InvalidInput(f"{where}: malformed JSON ({e.msg} at column {e.colno})",
                               details={"line": n, "field": "json", "reason": e.msg}) from None
        if not isinstance(obj, dict):
            raise InvalidInput(f"{where}: expected an object with id and text",
                               details={"line": n, "field": "json"})
        body = obj.get("text")
        if not isinstance(body, str):
            raise InvalidInput(f"{where}, field text: missing or not a string",
                               details={"line": n, "field": "text"})
        check_document(body, max_bytes=max_bytes, where=where)
        ident = obj.get("id", f"{name}:{n}")
        kind = obj.get("kind")
        out.append(Document(id=str(ident), text=body,
                            kind=check_kind(kind, where=f"{where}, field kind")))
    return out


def check_kind(value: object, *, where: str = "kind", field: str = "kind") -> str | None:
    """A content kind from input (None when not given), or a 422 naming the field."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: not a string", details={"field": field})
    try:
        k = parse_kind(value)
    except ValueError as e:
        raise InvalidInput(f"{where}: {e}", details={"field": field, "value": value}) from None
    return None if k is None else k.value


def check_document(text: str, *, max_bytes: int, where: str) -> None:
    """Refuse an empty or oversized document, naming where it came from."""
    if not text.strip():
        raise InvalidInput(f"{where}: empty document", details={"field": "text", "where": where})
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise TooLarge(
            f"{where}: document of {size} bytes is over the limit of {max_bytes}",
            details={"field": "text", "where": where, "bytes": size, "limit": max_bytes},
        )
