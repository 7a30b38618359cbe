"""Fifty concurrent redemptions of one key yield exactly one portal session (README "How it works").

The requests go through the real `/portal_redirect` route, each on its own thread with its own
HTTP client, so each gets its own database connection: on SQLite and on PostgreSQL.
"""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_ui import db
from portal_ui.demo.seed import seed_demo
from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.models import PortalSession

RACERS = 50


def _race(settings) -> tuple[list[int], int]:
    from portal_ui.api.app import build_api

    with db.session_scope() as session:
        seed_demo(session, settings)
        url = create_link(session, settings, user_id="kp_demo_bea", actor=Actor.system("test"))
    path = url.removeprefix(settings.public_url)
    app = build_api()
    barrier = Barrier(RACERS)

    def redeem(_):
        with TestClient(app, base_url=settings.public_url, raise_server_exceptions=False) as client:
            barrier.wait()
            return client.get(path, follow_redirects=False).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = list(pool.map(redeem, range(RACERS)))
    with Session(db.get_engine()) as session:
        sessions = len(session.exec(select(PortalSession)).all())
    return statuses, sessions


def test_fifty_concurrent_redemptions_on_sqlite(settings):
    statuses, sessions = _race(settings)
    assert sorted(statuses) == [303] + [410] * (RACERS - 1)
    assert sessions == 1


@pytest.mark.postgres
def test_fifty_concurrent_redemptions_on_postgresql(env, pg_url):
    settings = env(REFLEX_DB_URL=pg_url)
    statuses, sessions = _race(settings)
    assert sorted(statuses) == [303] + [410] * (RACERS - 1)
    assert sessions == 1
