"""Alembic environment: the URL comes from the caller (portal_ui.db.migrate) or REFLEX_DB_URL."""

from alembic import context
from sqlmodel import SQLModel

import portal_ui.models  # noqa: F401  (registers the tables)
from portal_ui.db import make_engine
from portal_ui.settings import Settings

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("db_url") or Settings.from_env().db_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
