"""Settings for Zeren, read from the environment (prefix ``ZEREN_``) and an optional ``.env``.

SQLite under ``./var/`` is the embedded default; PostgreSQL is the scale path
(``ZEREN_DATABASE_URL=postgresql+psycopg://…``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting Zeren reads. Each one is documented in docs/settings.md (a test checks)."""

    model_config = SettingsConfigDict(env_prefix="ZEREN_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/zeren.db",
        description="SQLAlchemy URL of the database; SQLite file by default, "
        "postgresql+psycopg://… for PostgreSQL.",
    )
    data_dir: Path = Field(
        default=Path("var"),
        description="Folder for files Zeren keeps: evidence files, ledger keys, exports.",
    )
    env: Literal["production", "development"] = Field(
        default="production",
        description="production: the server refuses to start without a safe secret key. "
        "development: a missing or weak key is only logged (never on a server others reach).",
    )
    test_clock_file: Path | None = Field(
        default=None,
        description="Development and test deployments only (refused when ZEREN_ENV is "
        "production): a file holding a time offset that the server, the job runner and every "
        "CLI command add to the system clock, so tests can move time through the public "
        "interfaces (`zeren clock advance 15d`). Unset: the system clock.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs console session cookies, at least 32 characters. Unset: the "
        "key `zeren init` wrote to <data_dir>/secret_key (owner-only) is used.",
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, description="A console session ends after this many minutes without a "
        "request.")
    session_max_hours: int = Field(
        default=12, ge=1, description="A console session ends this many hours after sign-in, "
        "however active.")
    host: str = Field(default="127.0.0.1", description="Address `zeren serve` listens on.")
    port: int = Field(default=8000, description="Port `zeren serve` listens on.")
    default_locale: str = Field(default="zh-CN", description="Console language: zh-CN or en.")
    page_size_max: int = Field(default=500, description="Largest page a list endpoint returns.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (JSON list, e.g. [\"10.0.0.1\", \"10.1.0.0/16\"]) of the "
        "reverse proxies in front of Zeren. Only a request from one of them may name its client "
        "in X-Forwarded-For; empty: the header is ignored and the peer address counts.")
    max_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest request body any route accepts, in "
        "bytes (413 above it).")
    max_upload_bytes: int = Field(
        default=20_000_000, ge=1024, description="Largest multipart request body (evidence "
        "files and other uploads), in bytes (413 above it).")
    media_max_bytes: int = Field(
        default=10_000_000, ge=1024, description="Largest image or video of a reported item "
        "Zeren keeps (POST …/moderation/media), in bytes (413 above it; ADR 0048). The upload "
        "is also bounded by max_upload_bytes.")
    media_max_items: int = Field(
        default=20, ge=0, le=20, description="Most media items one subject may name (outside "
        "links and kept files together; 422 above it).")
    screen_max_bytes: int = Field(
        default=1_000_000, description="Largest document the screening API and CLI accept, in bytes."
    )
    run_jobs: bool = Field(
        default=False,
        description="Run due scheduled jobs (daily posture evaluation, patrol, sweeps) inside the "
        "server process; `zeren serve` turns it on unless given --no-jobs.",
    )
    ledger_origin_prefix: str = Field(
        default="zeren.local/ledger",
        description="Checkpoint origin prefix of the ledger's logs: origins (= signing-key names) are "
        "<prefix>/<log name>. Set it to a name you control before the first log is created; an "
        "existing log keeps its origin.",
    )
    ledger_batch_size: int = Field(
        default=256, description="Ledger integrator flushes a batch at this many entries."
    )
    ledger_batch_ms: int = Field(
        default=250, description="Ledger integrator flushes a batch after this many milliseconds."
    )
    smtp_host: str = Field(
        default="", description="SMTP server for e-mail notifications (escalations, reminders); "
        "empty: e-mail channels are recorded as failed with the reason.",
    )
    smtp_port: int = Field(default=25, description="Port of the SMTP server.")
    smtp_from: str = Field(default="zeren@localhost", description="Sender of notification e-mail.")
    smtp_username: str = Field(default="", description="SMTP login, if the server needs one.")
    smtp_password: str = Field(default="", description="SMTP password, if the server needs one.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with "
                                "STARTTLS before sending.")

    # --- running in production (docs/operations.md) ---------------------------------------
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines as plain text or as JSON, one event per line (request id, actor "
        "id, route template, status, time; never secrets or personal data).",
    )
    log_level: str = Field(default="INFO", description="Lowest level logged (DEBUG, INFO, "
                           "WARNING, ERROR).")
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token Prometheus sends to GET /metrics. Unset: /metrics answers 404 "
        "(metrics off). Use a long random value.",
    )
    workers: int = Field(default=1, description="API worker processes `zeren serve` starts; "
                         "with more than one, run the jobs as their own process "
                         "(`zeren jobs run --forever`).")
    merchant_registry_snapshot: Path | None = Field(
        default=None,
        description="Register snapshot file (JSON Lines) merchant verification consults in place "
        "of the national enterprise credit and licence registers (docs/domains/merchants.md). "
        "Unset: no outside register; a USCC then needs documents.",
    )
    backup_dir: Path | None = Field(
        default=None,
        description="Folder the scheduled backup job (ops.backup, daily at 02:30 Beijing time) "
        "writes to. Unset: the job does nothing.",
    )
    backup_keep: int = Field(default=14, description="Scheduled backups kept in backup_dir; older "
                             "ones are deleted after a new one is written.")
    backup_passphrase_file: Path | None = Field(
        default=None,
        description="File holding the passphrase that encrypts the ledger keys in scheduled "
        "backups (readable by the job runner only).",
    )

    @model_validator(mode="after")
    def _no_test_clock_in_production(self) -> Settings:
        if self.test_clock_file is not None and self.env == "production":
            raise ValueError("ZEREN_TEST_CLOCK_FILE is refused when ZEREN_ENV is production: "
                             "a production clock is the system clock")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cleared in tests with ``get_settings.cache_clear()``)."""
    return Settings()
