"""Alembic, driven from code. Each domain keeps its own migration branch in
``zeren/<domain>/migrations/`` (branch label = domain name) so that domains grow without
fighting over one linear history; ``upgrade`` applies every head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def version_locations() -> list[str]:
    """Every ``migrations`` folder of every domain package, the core one first."""
    core = PACKAGE_ROOT / "db" / "migrations" / "versions"
    others = sorted(
        p for p in PACKAGE_ROOT.glob("*/migrations") if p.is_dir() and p.parent.name != "db"
    )
    return [str(core), *(str(p) for p in others)]


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE_ROOT / "db" / "migrations"))
    cfg.set_main_option("version_locations", " ".join(version_locations()))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, target: str = "heads") -> None:
    """Bring the database at ``url`` to the newest schema."""
    command.upgrade(alembic_config(url), target)
