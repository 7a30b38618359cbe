"""The API key sections: the user's own keys, or the organization's (listed, read)."""

from __future__ import annotations

import reflex as rx
from sqlmodel import col, select

from portal_ui.db import session_scope
from portal_ui.domain.clock import as_utc
from portal_ui.models import ApiKey
from portal_ui.ui.state.portal import PortalState

SECTIONS = ("api_keys", "organization_api_keys")
SHOWN = 100


class ApiKeysState(PortalState):
    key_rows: list[dict[str, str]] = []
    keys_loaded: bool = False

    @rx.event
    def load_keys(self, key: str):
        """on_load of an API keys page; `key` names the page's section."""
        key = key if key in SECTIONS else "api_keys"
        with session_scope() as db:
            active, follow = self._enter(db, key)
            if active is None:
                return follow
            query = select(ApiKey)
            if key == "organization_api_keys":
                query = query.where(ApiKey.type == "organization", ApiKey.org_code == active.org_code)
            else:
                query = query.where(ApiKey.type == "user", ApiKey.user_id == active.user_id)
            rows = db.exec(query.order_by(col(ApiKey.created_on).desc()).limit(SHOWN)).all()
            self.key_rows = [
                {
                    "id": row.id,
                    "name": row.name,
                    "hint": f"{row.key_prefix}…{row.key_suffix}",
                    "status": row.status,
                    "created": as_utc(row.created_on).strftime("%d %b %Y"),
                    "last_used": as_utc(row.last_verified_on).strftime("%d %b %Y") if row.last_verified_on else "Never",
                }
                for row in rows
            ]
            self.keys_loaded = True
        return None
