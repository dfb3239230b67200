"""Docs that must not drift from the code: the CLI and settings references, the extension
points, and the README's two commands."""

from __future__ import annotations

import inspect
from pathlib import Path

from zeren import hookspecs
from zeren.docgen import ROOT, cli_reference, settings_reference

DOCS = ROOT / "docs"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text("utf-8") == cli_reference(), \
        "docs/cli.md is stale: run `.venv/bin/python -m zeren.docgen`"


def test_settings_reference_is_current() -> None:
    assert (DOCS / "settings.md").read_text("utf-8") == settings_reference(), \
        "docs/settings.md is stale: run `.venv/bin/python -m zeren.docgen`"


def test_every_hook_is_documented() -> None:
    arch = (DOCS / "architecture.md").read_text("utf-8")
    hooks = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if n.startswith("zeren_")]
    assert hooks
    for name in hooks:
        assert name in arch, f"hook {name} is not described in docs/architecture.md"


def test_readme_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "make demo" in readme and "make test" in readme


def test_every_adr_is_listed() -> None:
    index = (DOCS / "adr" / "README.md").read_text("utf-8")
    for adr in sorted(Path(DOCS / "adr").glob("[0-9]*.md")):
        assert adr.name in index, f"{adr.name} is missing from docs/adr/README.md"
