"""Alembic environment for Zeren: runs online against the URL set by ``zeren.db.migrate``."""

from __future__ import annotations

from alembic import context

from zeren.db.session import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None

engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
