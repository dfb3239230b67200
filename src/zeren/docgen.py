"""Reference docs generated from the code: ``python -m zeren.docgen`` rewrites docs/cli.md and
docs/settings.md; tests/test_docs.py fails when either is out of date."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from zeren.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _walk(cmd: Any, path: list[str], out: list[str]) -> None:
    # Typer ships its own click; read commands by shape rather than by class.
    name = " ".join(path)
    if hasattr(cmd, "commands"):
        if len(path) > 1:
            out.append(f"\n## `{name}`\n\n{(cmd.help or '').strip()}\n")
        for sub_name in sorted(cmd.commands):
            _walk(cmd.commands[sub_name], [*path, sub_name], out)
        return
    out.append(f"\n### `{name}`\n\n{(cmd.help or '').strip()}\n")
    rows = []
    for p in cmd.params:
        if p.param_type_name == "argument":
            rows.append(f"| `{p.name.upper() if p.name else ''}` | argument | "
                        f"{'required' if p.required else 'optional'} |")
        elif p.param_type_name == "option" and p.name != "help":
            flags = ", ".join(f"`{o}`" for o in p.opts + p.secondary_opts)
            rows.append(f"| {flags} | {(p.help or '').replace('|', '/')} | "
                        f"{'required' if p.required else 'optional'} |")
    if rows:
        out.append("| parameter | meaning | |\n|---|---|---|")
        out.extend(rows)


def cli_reference() -> str:
    from zeren.cli import app

    root = typer.main.get_command(app)
    out = ["# CLI reference", "",
           "Generated from the code by `python -m zeren.docgen`; a test keeps it in sync.",
           "Every command reads the database named by `ZEREN_DATABASE_URL`."]
    _walk(root, ["zeren"], out)
    return "\n".join(out).rstrip() + "\n"


def settings_reference() -> str:
    out = ["# Settings", "",
           "Read from the environment (or `.env`); generated from `zeren.config.Settings` by",
           "`python -m zeren.docgen`, and a test keeps it in sync.", "",
           "| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = (field.default_factory() if field.default_factory is not None  # type: ignore[call-arg]
                   else field.default)
        out.append(f"| `ZEREN_{name.upper()}` | `{default}` | {field.description or ''} |")
    return "\n".join(out) + "\n"


def main() -> int:
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (ROOT / "docs" / "settings.md").write_text(settings_reference(), encoding="utf-8")
    print("wrote docs/cli.md and docs/settings.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
