"""Guards in front of every route (ADR 0043, ADR 0045): the security headers on every answer,
a cap on the request body (1 MB by default, more for multipart uploads such as evidence
files), and no NUL character anywhere a value can come from (path, query, JSON, form fields,
upload file names) — PostgreSQL cannot store one in text and SQLite would keep a string other
tools cut short. Both answer in the one error shape, naming the field, before any route or
database sees the request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zeren.config import Settings

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NUL = "\x00"


def screen_cap(settings: Settings) -> int:
    """Screening takes a document of up to ``screen_max_bytes`` (UTF-8), which JSON may
    escape to twice that and more, or a batch of documents; the route checks each one."""
    return 8 * settings.screen_max_bytes


# Routes whose bodies may be larger than ``max_body_bytes`` (exact paths), and how large.
LARGER_BODIES: dict[str, Callable[[Settings], int]] = {"/api/v1/screen": screen_cap}


def _error(status: int, code: str, message: str, details: dict[str, Any],
           headers: dict[str, str] | None = None) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    body = json.dumps({"error": {"code": code, "message": message, "details": details}},
                      ensure_ascii=False).encode("utf-8")
    hs = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    hs += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return status, body, hs


def _nul(field: str) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    return _error(422, "invalid_input", f"{field}: NUL characters are not accepted",
                  {"field": field, "reason": "contains a NUL character"})


def _json_paths(value: Any, path: str = "") -> Iterator[str]:
    """The field paths (``a.0.b``) of every key or string holding a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}" if path else str(k)
            if NUL in str(k):
                yield here
            yield from _json_paths(v, here)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_paths(v, f"{path}.{i}" if path else str(i))


def nul_field_in_pairs(text: str) -> str | None:
    for k, v in parse_qsl(text, keep_blank_values=True):
        if NUL in k or NUL in v:
            return k.replace(NUL, "") or "query"
    return None


_PART_NAME = re.compile(rb'name="([^"]*)"')


def nul_field_in_body(content_type: str, body: bytes) -> str | None:
    """The field of a body that carries a NUL, or None. Bodies that cannot be parsed are
    left to the route (which answers 422 itself)."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        if b"\\u0000" not in body:
            return None  # a raw NUL byte is not valid JSON: the route refuses it
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        found = next(_json_paths(parsed), None)
        return None if found is None else (found or "body")
    if ctype == "application/x-www-form-urlencoded":
        if b"%00" not in body and b"\x00" not in body:
            return None
        return nul_field_in_pairs(body.decode("latin-1")) or "body"
    if ctype == "multipart/form-data":
        m = re.search(r'boundary="?([^";]+)"?', content_type)
        if m is None:
            return None
        for part in body.split(b"--" + m.group(1).encode("latin-1")):
            head, _, content = part.partition(b"\r\n\r\n")
            name = _PART_NAME.search(head)
            field = name.group(1).decode("utf-8", "replace") if name else "body"
            if b"\x00" in head or b"%00" in head:
                return field.replace(NUL, "")
            if b"filename=" not in head and b"\x00" in content:
                return field  # a text field; file contents may hold any byte
    return None


# Headers on every answer (ADR 0045). No inline script anywhere in the console (its scripts
# are files under /static); inline styles remain allowed. The interactive API docs load their
# page from a CDN with an inline script, so they alone go without the policy.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
NO_CSP_PATHS = frozenset({"/api/v1/docs", "/api/v1/docs/oauth2-redirect"})


def _with_headers(send: Send, path: str) -> Send:
    extra = [*SECURITY_HEADERS]
    if path not in NO_CSP_PATHS:
        extra.append((b"content-security-policy", CSP.encode("ascii")))

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in extra if k not in present]
            message = {**message, "headers": headers}
        await send(message)

    return sending


class GuardMiddleware:
    """Pure ASGI: reads the body up to the cap, checks it, and replays it to the app; puts
    the security headers on every answer."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.body_max = settings.max_body_bytes
        self.upload_max = settings.max_upload_bytes
        self.larger = {path: max(self.body_max, cap(settings))
                       for path, cap in LARGER_BODIES.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send, scope.get("path", ""))
        refusal = self._check_target(scope)
        if refusal is None and scope["method"] in BODY_METHODS:
            headers = Headers(scope=scope)
            ctype = headers.get("content-type", "")
            cap = (self.upload_max if ctype.lower().startswith("multipart/form-data")
                   else self.larger.get(scope["path"], self.body_max))
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > cap:
                refusal = _too_large(cap)
            else:
                body = bytearray()
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body += message.get("body", b"")
                    if len(body) > cap:
                        refusal = _too_large(cap)
                        break
                    if not message.get("more_body", False):
                        break
                if refusal is None:
                    field = nul_field_in_body(ctype, bytes(body))
                    if field is not None:
                        refusal = _nul(field)
                    else:
                        await self.app(scope, _replay(bytes(body), receive), send)
                        return
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, content, hs = refusal
        await send({"type": "http.response.start", "status": status, "headers": hs})
        await send({"type": "http.response.body", "body": content})

    @staticmethod
    def _check_target(scope: Scope) -> tuple[int, bytes, list[tuple[bytes, bytes]]] | None:
        raw_path = scope.get("raw_path") or b""
        if NUL in scope.get("path", "") or b"%00" in raw_path or b"\x00" in raw_path:
            return _nul("path")
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            return _nul(nul_field_in_pairs(query.decode("latin-1"))
                        or unquote_to_bytes(query).decode("latin-1").split("=")[0] or "query")
        return None


def _too_large(cap: int) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    return _error(413, "too_large", f"the request body is larger than {cap} bytes",
                  {"field": "body", "max_bytes": cap}, {"connection": "close"})


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
