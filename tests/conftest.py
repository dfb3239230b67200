"""Shared fixtures. The database leg is chosen by ``ZEREN_TEST_BACKEND`` (``sqlite`` by
default, or ``postgresql``); every test that asks for ``engine`` gets a fresh, fully migrated
database cloned from a template built once per run, so append-only tables (which refuse
DELETE) never leak rows between tests."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from zeren.db.migrate import upgrade
from zeren.db.session import make_engine, session_factory

BACKEND = os.environ.get("ZEREN_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "ZEREN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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
