"""Shared fixtures. The database leg is chosen by ``ZEREN_TEST_BACKEND`` (``sqlite`` by
default, or ``postgresql``); every test that asks for ``engine`` gets a fresh, fully migrated
database cloned from a template built once per run, so append-only tables (which refuse
DELETE) never leak rows between tests."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from zeren.db.migrate import upgrade
from zeren.db.session import make_engine, session_factory

# No wall-clock limits in tests: hypothesis's per-example deadline fails on a busy machine.
hypothesis_settings.register_profile("zeren", deadline=None)
hypothesis_settings.load_profile("zeren")

BACKEND = os.environ.get("ZEREN_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "ZEREN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# Every test's server log is scanned for the secrets it made (tests/logscan.py, ADR 0044).
pytest_plugins = ["tests.logscan"]

def pytest_report_header(config: pytest.Config) -> str:
    return f"zeren database leg: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests that touch the database carry the "db" marker, so the PostgreSQL leg can run
    # just them (-m db) while pure tests run once, on the SQLite leg.
    for item in items:
        if "engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


class _Template:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.url: str | None = None
        self.pg_name: str | None = None

    def build(self) -> None:
        if BACKEND == "sqlite":
            path = self.root / "template.db"
            upgrade(f"sqlite:///{path}")
            self.url = str(path)
        elif BACKEND == "postgresql":
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            name = f"zeren_tpl_{uuid.uuid4().hex[:10]}"
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            upgrade(_pg_url(name))
            self.pg_name = name
        else:
            raise RuntimeError(f"unknown ZEREN_TEST_BACKEND={BACKEND!r}")


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Template]:
    tpl = _Template(tmp_path_factory.mktemp("dbtpl"))
    tpl.build()
    yield tpl
    if tpl.pg_name:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{tpl.pg_name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_url(_template: _Template, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database for this test alone."""
    if BACKEND == "sqlite":
        assert _template.url
        path = tmp_path / "zeren.db"
        shutil.copyfile(_template.url, path)
        yield f"sqlite:///{path}"
        return
    name = f"zeren_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template.pg_name}"'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    s = session_factory(engine)()
    yield s
    s.rollback()
    s.close()


# --- application fixtures ----------------------------------------------------------------
from dataclasses import dataclass, field  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402

from zeren.auth.policy import ROLE_NAMES, SYSTEM  # noqa: E402
from zeren.config import Settings  # noqa: E402
from zeren.db.session import unit_of_work  # noqa: E402

MALL_USCC = "91330100MA2H000A12"
HOME_USCC = "91440300MA5F000B2Q"


def mall_data(code: str = "mall", uscc: str = MALL_USCC) -> dict[str, object]:
    return {"code": code, "name": "测试商城", "legal_entity": "测试网络科技有限公司",
            "uscc": uscc, "platform_type": "online_sales", "contact_email": "c@example.com"}


def big_figures(year: int) -> dict[str, object]:
    return {"year": year, "annual_active_users": 60_000_000, "market_value_rmb": 200_000_000_000,
            "prominent_main_business": True, "prominent_main_business_rationale": "零售第一",
            "strong_reach_restriction": True, "strong_reach_restriction_rationale": "流量入口"}


def small_figures(year: int) -> dict[str, object]:
    return {**big_figures(year), "annual_active_users": 1_000_000}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # A fresh random key per test, as `zeren init` would write one (ADR 0040).
    return Settings(database_url=db_url, data_dir=tmp_path / "data",
                    secret_key=secrets.token_urlsafe(32))


@pytest.fixture
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    from zeren.app import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@dataclass
class World:
    """Two platforms (one super-large, one ordinary) and, for each role, a group-wide token
    and a token scoped to the ordinary platform."""

    big_id: str
    small_id: str
    tokens: dict[str, str] = field(default_factory=dict)
    scoped_tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str, scoped: bool = False) -> dict[str, str]:
        tok = (self.scoped_tokens if scoped else self.tokens)[role]
        return {"Authorization": f"Bearer {tok}"}


@pytest.fixture
def world(engine: Engine) -> World:
    from zeren.auth.service import create_token, create_user
    from zeren.db.base import utcnow
    from zeren.platforms.service import create_platform, record_figures

    year = utcnow().year - 1
    with unit_of_work(engine) as s:
        big = create_platform(session=s, actor=SYSTEM, data=mall_data("big"))
        small = create_platform(session=s, actor=SYSTEM,
                                data={**mall_data("small", HOME_USCC), "name": "小平台"})
        record_figures(session=s, actor=SYSTEM, platform=big, data=big_figures(year))
        record_figures(session=s, actor=SYSTEM, platform=small, data=small_figures(year))
        w = World(big_id=big.id, small_id=small.id)
        for role in ROLE_NAMES:
            create_user(session=s, actor=SYSTEM, username=f"u-{role.replace('_', '-')}",
                        display_name=role, password=None, roles=[(role, None)])
            w.tokens[role] = create_token(session=s, actor=SYSTEM,
                                          username=f"u-{role.replace('_', '-')}", name="t",
                                          expires_at=None)[1]
            create_user(session=s, actor=SYSTEM, username=f"s-{role.replace('_', '-')}",
                        display_name=role, password=None, roles=[(role, small.id)])
            w.scoped_tokens[role] = create_token(session=s, actor=SYSTEM,
                                                 username=f"s-{role.replace('_', '-')}",
                                                 name="t", expires_at=None)[1]
    return w
