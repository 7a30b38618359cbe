"""Helpers for the webhook tests: endpoints registered through the domain, changes that send events,
and a receiver (pytest-httpserver) reached at 127.0.0.1 (PORTAL_WEBHOOK_ALLOW_PRIVATE is on by
default with the demo, as in these tests)."""

from __future__ import annotations

import pytest

from portal_ui import db
from portal_ui.domain import users
from portal_ui.domain.audit import Actor
from portal_ui.webhooks import endpoints
from portal_ui.webhooks.worker import Worker
from tests.conftest import run_coroutine

ACTOR = Actor(type="m2m", id="test-client")


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


def register(engine, settings, url: str, *, event_types=("user.created", "user.updated"), signing="standard",
             name="Receiver"):
    with db.session_scope(engine) as s:
        row = endpoints.create_endpoint(s, settings, actor=ACTOR, endpoint=url, name=name, event_types=event_types,
                                        signing_mode=signing)
        return row.id, row.secret


def create_users(engine, count: int, prefix: str = "u") -> list[str]:
    ids = []
    with db.session_scope(engine) as s:
        for i in range(count):
            ids.append(users.create_user(s, actor=ACTOR, given_name=f"{prefix}{i}", family_name="Test").id)
    return ids


def run_worker(settings, **kwargs) -> int:
    """One batch of the delivery worker, in this process."""
    return run_coroutine(Worker(settings, **kwargs).run_once())
