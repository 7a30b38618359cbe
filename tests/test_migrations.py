"""Migrations run from empty to head, and the models match them (SQLite and PostgreSQL)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import portal_ui.models  # noqa: F401

PERMISSIONS = {
    "org:read:details", "org:write:details", "org:read:billing", "org:write:billing",
    "org:read:members", "org:write:members", "read:org:authentication", "write:org:authentication",
    "org:read:audit_log",
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


def _check_member_sort_keys_backfill(url: str) -> None:
    """0007_member_sort_keys copies each member's lower-cased full name and email onto memberships."""
    from portal_ui import db

    db.migrate(url, "0006_org_logo")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organizations (code, name, business_name, billing_email, phone, address_line1,"
                          " address_line2, city, region, postcode, country, tax_id, website, logo_url, version,"
                          " created_on) VALUES ('org_a', 'A', '', '', '', '', '', '', '', '', '', '', '', '', 1,"
                          " CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO users (id, given_name, family_name, email, created_on) VALUES"
                          " ('kp_1', 'Ada', 'LOVELACE', 'ada@example.com', CURRENT_TIMESTAMP),"
                          " ('kp_2', '', '', NULL, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO memberships (org_code, user_id, joined_on) VALUES"
                          " ('org_a', 'kp_1', CURRENT_TIMESTAMP), ('org_a', 'kp_2', CURRENT_TIMESTAMP)"))
    engine.dispose()
    db.migrate(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT user_id, sort_name, sort_email FROM memberships ORDER BY user_id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("kp_1", "ada lovelace", "ada@example.com"), ("kp_2", " ", "")]


def test_member_sort_keys_are_backfilled_on_sqlite(tmp_path):
    _check_member_sort_keys_backfill(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_member_sort_keys_are_backfilled_on_postgres(empty_pg_url):
    _check_member_sort_keys_backfill(empty_pg_url)


def _check_audit_log_permission_for_the_demo_owner(url: str) -> None:
    """0009_audit_log gives an existing demo's Owner role org:read:audit_log (as a fresh seed does), and
    no other role; downgrading takes the permission away again."""
    from portal_ui import db

    db.migrate(url, "0007_member_sort_keys")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO roles (id, key, name, description, is_default_role, assign_to_creator,"
                          " created_on) VALUES ('role_demo_owner', 'owner', 'Owner', '', false, true, CURRENT_TIMESTAMP),"
                          " ('role_other', 'other', 'Other', '', false, false, CURRENT_TIMESTAMP)"))
    db.migrate(url)
    query = text("SELECT r.role_id FROM role_permissions r JOIN system_permissions p ON p.id = r.permission_id"
                 " WHERE p.key = 'org:read:audit_log'")
    with engine.connect() as conn:
        assert [row[0] for row in conn.execute(query)] == ["role_demo_owner"]
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(db.ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(db.ROOT / "alembic"))
    cfg.attributes["db_url"] = url
    command.downgrade(cfg, "0007_member_sort_keys")
    with engine.connect() as conn:
        assert list(conn.execute(query)) == []
        assert "org:read:audit_log" not in {r[0] for r in conn.execute(text("SELECT key FROM system_permissions"))}
    engine.dispose()


def test_the_demo_owner_gets_the_audit_log_on_sqlite(tmp_path):
    _check_audit_log_permission_for_the_demo_owner(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_the_demo_owner_gets_the_audit_log_on_postgres(empty_pg_url):
    _check_audit_log_permission_for_the_demo_owner(empty_pg_url)
