"""Reading and changing a running test portal's database directly (setup, and checks that a
refused change really changed nothing)."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

from sqlmodel import Session

from portal_ui.db import engine_for
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.organizations import DETAIL_NAMES
from portal_ui.settings import Settings


def connect(portal) -> sqlite3.Connection:
    return sqlite3.connect(urlsplit(portal.env["REFLEX_DB_URL"]).path)


@contextmanager
def domain_session(portal) -> Iterator[tuple[Session, Settings]]:
    """A SQLModel session on the portal's database (committed on success) and its settings."""
    settings = Settings.from_env(portal.env)
    with Session(engine_for(settings.db_url)) as session:
        yield session, settings
        session.commit()


def org_details(portal, org_code: str = DEMO_ORG_CODE) -> dict:
    with connect(portal) as conn:
        row = conn.execute(f"SELECT {', '.join(DETAIL_NAMES)}, version FROM organizations WHERE code = ?",
                           (org_code,)).fetchone()
    return dict(zip((*DETAIL_NAMES, "version"), row))


def set_org_details(portal, values: dict, org_code: str = DEMO_ORG_CODE) -> None:
    """Put details back as a test found them (moving the version on, as any save does)."""
    columns = ", ".join(f"{name} = ?" for name in values)
    with connect(portal) as conn:
        conn.execute(f"UPDATE organizations SET {columns}, version = version + 1 WHERE code = ?",
                     (*values.values(), org_code))


def user_names(portal, user_id: str) -> tuple[str, str]:
    with connect(portal) as conn:
        return conn.execute("SELECT given_name, family_name FROM users WHERE id = ?", (user_id,)).fetchone()


def set_user_names(portal, user_id: str, given: str, family: str) -> None:
    with connect(portal) as conn:
        conn.execute("UPDATE users SET given_name = ?, family_name = ? WHERE id = ?", (given, family, user_id))


def logo_digest(portal, org_code: str = DEMO_ORG_CODE) -> str | None:
    with connect(portal) as conn:
        row = conn.execute("SELECT digest FROM organization_logos WHERE org_code = ?", (org_code,)).fetchone()
    return row[0] if row else None


def delete_logo(portal, org_code: str = DEMO_ORG_CODE) -> None:
    with connect(portal) as conn:
        conn.execute("DELETE FROM organization_logos WHERE org_code = ?", (org_code,))


def audit_actions(portal, action_prefix: str) -> list[tuple[str, str]]:
    with connect(portal) as conn:
        return conn.execute("SELECT action, actor_id FROM audit_events WHERE action LIKE ? ORDER BY id",
                            (action_prefix + "%",)).fetchall()
