"""Console pages of moderation (filled in below)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request


def report_html(request: Request, data: dict[str, Any]) -> str:
    return "<pre>" + json.dumps(data, ensure_ascii=False, indent=2) + "</pre>"


def install_moderation_console(app: FastAPI) -> None:
    return None
