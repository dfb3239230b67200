"""The settings an app was created with (tests create apps with their own)."""

from __future__ import annotations

from fastapi import Request

from zeren.config import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
