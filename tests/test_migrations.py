"""Migrations run from empty to head, and the models match them (SQLite and PostgreSQL)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import portal_ui.models  # noqa: F401

PERMISSIONS = {
    "org:read:details", "org:write:details", "org:read:billing", "org:write:billing",
    "org:read:members", "org:write:members", "read:org:authentication", "write:org:authentication",
}


def _assert_head_matches_models(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        keys = {row[0] for row in conn.execute(text("SELECT key FROM system_permissions"))}
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert keys == PERMISSIONS


def test_sqlite_migrates_to_head_and_matches_models(migrated_template):
    _assert_head_matches_models(f"sqlite:///{migrated_template}")


def test_postgres_migrates_to_head_and_matches_models(pg_url):
    _assert_head_matches_models(pg_url)
