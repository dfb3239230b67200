"""Logs an operator can ship and search: one event per line, as JSON (``ZEREN_LOG_FORMAT=json``)
or as plain text, each carrying the request id, the actor id, the route template, the status
and the time.

What a line may hold is decided here, not by whoever logs: the JSON formatter writes the
standard fields and only the ``extra`` keys in ``ALLOWED_EXTRA`` (route *templates*, never
paths or query strings, which may carry personal data; ids of actors, never names, tokens or
bodies). Anything else passed as ``extra`` is dropped.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from zeren.config import Settings
from zeren.request_context import current_actor_id, peek_request_id

ALLOWED_EXTRA = frozenset({
    "route", "method", "status", "duration_ms", "job", "log", "entries", "workers",
})
QUIET = ("sqlalchemy.engine", "httpx", "httpcore")
_STD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": record.getMessage(),
    }
    rid = getattr(record, "request_id", None) or peek_request_id()
    if rid:
        out["request_id"] = rid
    actor = getattr(record, "actor_id", None) or current_actor_id()
    if actor:
        out["actor_id"] = actor
    for key, value in record.__dict__.items():
        if key in ALLOWED_EXTRA and key not in _STD:
            out[key] = value
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        out = _fields(record)
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same fields, readable at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        f = _fields(record)
        extra = " ".join(f"{k}={f[k]}" for k in sorted(f)
                         if k not in {"time", "level", "logger", "event"})
        line = f"{f['time']} {record.levelname:<7} {record.name}: {f['event']}"
        line = f"{line} [{extra}]" if extra else line
        if record.exc_info and record.exc_info[0] is not None:
            line += "\n" + self.formatException(record.exc_info)
        return line


def formatter_for(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure_logging(settings: Settings, stream: Any = None) -> None:
    """Route Zeren's and the server's loggers through one handler in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter_for(settings.log_format))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_zeren", False):
            root.removeHandler(h)
    handler._zeren = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # Zeren writes its own access event (route template, actor, request id, status, time);
    # uvicorn's would repeat it with the raw path and query string.
    logging.getLogger("uvicorn.access").disabled = True
    # The engine's own logger would print SQL (and, echoing, bound values); httpx logs every
    # URL it calls (webhook URLs may carry their subscriber's key): neither below WARNING.
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """A dictConfig for uvicorn's workers, so every worker process logs the same way."""
    cls = "zeren.ops.logs.JsonFormatter" if settings.log_format == "json" else \
        "zeren.ops.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"zeren": {"()": cls}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "zeren",
                                 "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": settings.log_level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
            **{name: {"level": "WARNING"} for name in QUIET},
        },
    }
