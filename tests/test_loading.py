"""Loud loading: a misspelled module in any registry (routers, console pages and other
plugins, CLI groups) stops start-up with its name, instead of being skipped."""

from __future__ import annotations

import pytest

from zeren import app as app_module
from zeren import cli as cli_module
from zeren import plugins
from zeren.config import Settings
from zeren.loading import LoadError, load_attr, load_module


def test_load_module_names_the_registry_and_the_module() -> None:
    with pytest.raises(LoadError, match=r"REG names module 'zeren\.moderaton\.api'"):
        load_module("zeren.moderaton.api", registry="REG")
    with pytest.raises(LoadError, match=r"zeren\.moderation\.api\.ruoter"):
        load_attr("zeren.moderation.api", "ruoter", registry="REG")


def test_a_misspelled_router_stops_the_app(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: object) -> None:
    monkeypatch.setattr(app_module, "ROUTERS", (*app_module.ROUTERS, "zeren.lexicon.apii"))
    with pytest.raises(LoadError, match=r"zeren\.app\.ROUTERS names module 'zeren\.lexicon\.apii'"):
        app_module.create_app(Settings(database_url="sqlite://"))


def test_a_misspelled_plugin_stops_the_plugin_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "BUILTIN_PLUGINS",
                        (*plugins.BUILTIN_PLUGINS, "zeren.moderation.consol"))
    plugins.plugin_manager.cache_clear()
    try:
        with pytest.raises(LoadError, match=r"'zeren\.moderation\.consol'"):
            plugins.plugin_manager()
    finally:
        monkeypatch.undo()
        plugins.plugin_manager.cache_clear()


def test_a_misspelled_cli_group_stops_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "DOMAIN_GROUPS",
                        (*cli_module.DOMAIN_GROUPS, ("zeren.ledgr.cli", "app", "ledgr")))
    with pytest.raises(LoadError, match=r"'zeren\.ledgr\.cli'"):
        cli_module._mount_domains()
