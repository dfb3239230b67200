"""Walking the console as a person would: sign in as a demo role in a language, follow the
links a page shows (GET, this site only), and read what the page says to a person.

``machine_strings(html)`` is what a reader of a zh-CN page should never meet: a snake_case
code (``claimed_by``, ``beyond_control_or_capability``), a word of one of the system's
vocabularies shown bare (a case status, a queue, a subject kind …), an English sentence, or
JSON with ``\\uXXXX`` escapes. Identifiers a person copies (receipts, ids, usernames,
codes) are marked up as such — ``<code>``, ``<kbd>``, ``<samp>`` or ``translate="no"`` (the
HTML attribute for text that is not to be translated) — and are not read."""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from fastapi.testclient import TestClient

SKIPPED_TAGS = {"script", "style", "code", "kbd", "samp", "title", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# four or more English words in a row (a sentence, not a brand or an abbreviation)
SENTENCE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'/-]+[A-Za-z][a-z]*){3,}")
ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
HREF = re.compile(r'href="(/[^"#]*)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b\d+\b|"
                r"(?<==)[^&]*")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            a = dict(attrs)
            # what a person reads of a control: its placeholder, a button's value
            if not self._skipping() and a.get("translate") != "no":
                for key in ("placeholder", "title", "aria-label"):
                    if a.get(key):
                        self.parts.append(str(a[key]))
            return
        a = dict(attrs)
        skip = tag in SKIPPED_TAGS or a.get("translate") == "no"
        self.stack.append((tag, skip))
        if not self._skipping():
            for key in ("title", "aria-label", "placeholder"):
                if a.get(key):
                    self.parts.append(str(a[key]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible_text(page: str) -> str:
    """What a person reads of ``page`` (identifiers marked up as such left out)."""
    p = _Text()
    p.feed(page)
    p.close()
    return " ".join(" ".join(p.parts).split())


def machine_strings(page: str, vocabulary: Iterable[str] = ()) -> list[str]:
    """What a zh-CN reader of ``page`` should not meet (see the module's docstring)."""
    text = visible_text(page)
    found = [*SNAKE.findall(text), *SENTENCE.findall(text), *ESCAPE.findall(text)]
    words = set(re.findall(r"\b[a-z][a-z0-9:.\-]*\b", text))
    found += sorted(words & set(vocabulary))
    return list(dict.fromkeys(found))


def pattern(url: str) -> str:
    """``url`` with ids, numbers and query values taken out: pages of one kind share a
    pattern."""
    return ID.sub("{}", url)


@dataclass
class Page:
    url: str
    status: int
    body: str
    html: bool


def sign_in(client: TestClient, username: str, password: str, locale: str) -> None:
    client.cookies.clear()
    client.cookies.set("zeren_lang", locale)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf": token.group(1), "next": "/"})
    assert r.status_code in (200, 303), r.text[:300]


def walk(client: TestClient, *, start: Iterable[str] = ("/",), per_pattern: int = 2,
         limit: int = 400, skip: tuple[str, ...] = ("/static", "/logout", "/lang/", "/api/")
         ) -> Iterator[Page]:
    """The pages reachable from ``start`` by following links, at most ``per_pattern`` of one
    kind (see :func:`pattern`) and ``limit`` in all."""
    queue = deque(start)
    seen: set[str] = set()
    per: dict[str, int] = {}
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        kind = pattern(url)
        if per.get(kind, 0) >= per_pattern:
            continue
        per[kind] = per.get(kind, 0) + 1
        r = client.get(url, follow_redirects=True)
        is_html = "text/html" in r.headers.get("content-type", "")
        yield Page(url, r.status_code, r.text if is_html else "", is_html)
        if is_html:
            for href in HREF.findall(r.text):
                href = html.unescape(href)
                if not href.startswith(skip) and href not in seen:
                    queue.append(href)
