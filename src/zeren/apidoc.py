"""The OpenAPI document names every error status a route can answer, each with the one error
shape (ADR 0046). FastAPI infers only the success and its own 422; Zeren's guards, actor
dependencies and services answer more, and the statuses follow from the route itself:

- 422 on every route: the NUL guard reads the path and query of any request (ADR 0043), and
  bad parameters or bodies are refused naming the field;
- 413 on every method with a body (the body cap, ADR 0043);
- 401 and 403 on every route that needs an actor (``zeren.deps.current_actor`` among its
  dependencies: no credentials; no grant, or a console write without its CSRF token);
- 404 on every route that names something (path, query or body: a platform, a record);
- 409 on every write (a state that forbids it, an append-only record, a duplicate);
- whatever a dependency declares with ``zeren.errors.answers`` (429 from rate limits).

The document is built once, on first request, from the routes; tests/test_apidoc.py checks it
against the same rules read independently, and the fuzzing gate (tests/test_fuzz.py) fails on
any status a route answers that the document does not list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from zeren.deps import current_actor
from zeren.errors import declared_answers
from zeren.guard import BODY_METHODS

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "The one error shape of every answer from 400 up.",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "description": "stable, machine-readable"},
            "message": {"type": "string", "description": "for people; may change"},
            "details": {"anyOf": [{"type": "object"}, {"type": "array"}],
                        "description": "the field, the limit, the retry wait, …"},
        },
    }},
}
DESCRIPTIONS = {
    401: "No credentials, or credentials that are no longer valid.",
    403: "The actor lacks the grant for this platform or record (or a console write came "
         "without its CSRF token).",
    404: "Something the request names does not exist (or is not visible to the actor).",
    409: "The record's state forbids this change, or it is append-only, or it exists already.",
    413: "The request body is over the cap (details.max_bytes).",
    422: "Invalid input; details.field names the field and details.errors lists each reason.",
    429: "Too many requests; Retry-After says how many seconds to wait.",
    503: "Not ready.",
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def api_operations(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route context) for every documented API operation, included routers
    flattened (the context carries the router's dependencies as well as the route's)."""
    for rc in iter_route_contexts(app.routes):
        if not isinstance(rc.original_route, APIRoute) or not rc.include_in_schema:
            continue
        for method in sorted((rc.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, str(rc.path_format), rc


def error_statuses(method: str, route: Any) -> set[int]:
    """The error statuses ``route`` (an APIRoute or its context) can answer for ``method``,
    by the rules in this module's docstring."""
    d: Dependant = route.dependant
    calls = list(_calls(d))
    out = {422}
    if method in BODY_METHODS:
        out.add(413)
    if method in WRITE_METHODS:
        out.add(409)
    if current_actor in calls:
        out |= {401, 403}
    if d.path_params or d.query_params or route.body_field is not None or 401 in out:
        out.add(404)
    for call in calls:
        out |= declared_answers(call)
    return out


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` list every error status of every route with the error shape."""
    plain = app.openapi
    built: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = plain()
        if built and built[0] is schema:
            return schema
        built[:] = [schema]
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = ERROR_SCHEMA
        paths = schema.get("paths", {})
        for method, path, route in api_operations(app):
            op = paths.get(path, {}).get(method.lower())
            if op is not None:
                responses = op.setdefault("responses", {})
                declared = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
                for status in sorted(error_statuses(method, route) | declared):
                    entry = responses.setdefault(str(status), {})
                    if entry.get("description") in (None, "", "Validation Error"):
                        entry["description"] = DESCRIPTIONS.get(status, "Error")
                    entry["content"] = {"application/json": {"schema": ERROR_REF}}
        # FastAPI's own 422 shape is never answered (zeren.app's handler uses the one shape).
        if "HTTPValidationError" not in repr(paths):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
