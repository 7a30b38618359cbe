"""The portal session cookie over HTTP: one parser for every route, its name, exit and redemption.

Another app on the same host may set cookies the portal cannot parse (`x=a b`); the portal's own
cookie after them must still be found by every route. Over https the cookie is
`__Host-portal_session` (Secure, Path=/, no Domain: no sibling subdomain can set or shadow it).
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlmodel import select

from portal_ui.db import session_scope
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.demo.seed import seed_demo
from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.domain.logos import current_logo_path, set_logo
from portal_ui.domain.sessions import load_session
from portal_ui.models import AuditEvent, Invoice, PortalSession

OLIVIA = "kp_demo_olivia"
RETURN = "https://app.example/done"
# Cookies another app on the same host might set, which Python's SimpleCookie gives up on.
FOREIGN = ["x=a b", 'y="unterminated', "z=a,b;;", "weird name=1", "w=\x7f"]


def redeem(client, settings, user: str = OLIVIA, org: str | None = DEMO_ORG_CODE, cookie: str | None = None):
    """Redeem a fresh link (optionally sending `cookie`); the response. The client keeps no cookies."""
    with session_scope() as db:
        url = create_link(db, settings, user_id=user, org_code=org, return_url=RETURN, actor=Actor.system("test"))
    headers = {"cookie": cookie} if cookie else {}
    response = client.get("/portal_redirect?" + urlsplit(url).query, headers=headers, follow_redirects=False)
    client.cookies.clear()
    assert response.status_code == 303, response.text
    return response


def token_of(response, name: str = "portal_session") -> str:
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{name}="), cookie
    return cookie.split(";", 1)[0].split("=", 1)[1]


def sessions():
    with session_scope() as db:
        return {row.id: row for row in db.exec(select(PortalSession)).all()}


def live(sessions_by_id) -> list[int]:
    return [sid for sid, row in sessions_by_id.items() if row.ended_on is None]


# ---- one parser: another app's malformed cookie in front of the portal's ---------------------

@pytest.mark.parametrize("foreign", FOREIGN)
def test_exit_finds_the_session_behind_another_apps_malformed_cookie(demo, client, foreign):
    token = token_of(redeem(client, demo))
    response = client.post("/portal_exit", headers={"cookie": f"{foreign}; portal_session={token}"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == RETURN
    assert live(sessions()) == []


@pytest.mark.parametrize("foreign", FOREIGN)
def test_invoice_download_finds_the_session_behind_another_apps_malformed_cookie(demo, client, foreign):
    token = token_of(redeem(client, demo))
    with session_scope() as db:
        invoice = db.exec(select(Invoice).where(Invoice.org_code == DEMO_ORG_CODE)).first()
    assert invoice is not None, "the demo has an invoice for its organization"
    response = client.get(f"/billing/invoices/{invoice.id}.pdf",
                          headers={"cookie": f"{foreign}; portal_session={token}"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("foreign", FOREIGN)
def test_logo_finds_the_session_behind_another_apps_malformed_cookie(demo, client, foreign):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    with session_scope() as db:
        set_logo(db, actor=Actor.system("test"), org_code=DEMO_ORG_CODE, data=out.getvalue())
    with session_scope() as db:
        path = current_logo_path(db, DEMO_ORG_CODE)
    token = token_of(redeem(client, demo))
    response = client.get(path, headers={"cookie": f"{foreign}; portal_session={token}"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"


# ---- exit: POST only ----------------------------------------------------------------------------

def test_exit_by_get_is_refused_and_the_session_stays(demo, client):
    """A cross-site link or image pointing at /portal_exit must not end anybody's session."""
    token = token_of(redeem(client, demo))
    response = client.get("/portal_exit", headers={"cookie": f"portal_session={token}"}, follow_redirects=False)
    assert response.status_code == 405
    assert "set-cookie" not in response.headers
    assert len(live(sessions())) == 1


# ---- the cookie's name: __Host- over https ------------------------------------------------------

@pytest.fixture
def https_portal(env):
    settings = env(PORTAL_PUBLIC_URL="https://portal.test", PORTAL_DEFAULT_RETURN_URL="https://app.example/account")
    with session_scope() as db:
        seed_demo(db, settings)
    return settings


def test_over_https_the_cookie_is_host_prefixed(https_portal, client):
    cookie = redeem(client, https_portal).headers["set-cookie"]
    assert cookie.startswith("__Host-portal_session=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(part.startswith("domain") for part in attributes)


def test_over_https_only_the_host_prefixed_cookie_is_a_session(https_portal, client):
    token = token_of(redeem(client, https_portal), "__Host-portal_session")
    # The plain name could have been set by a sibling subdomain: it is not the portal's cookie here.
    response = client.post("/portal_exit", headers={"cookie": f"portal_session={token}"}, follow_redirects=False)
    assert response.headers["location"] == "/session-ended"
    assert len(live(sessions())) == 1
    response = client.post("/portal_exit", headers={"cookie": f"x=a b; __Host-portal_session={token}"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == RETURN
    assert response.headers["set-cookie"].startswith("__Host-portal_session=")
    assert "secure" in response.headers["set-cookie"].lower()
    assert live(sessions()) == []


def test_over_http_the_cookie_keeps_its_plain_name(demo, client):
    cookie = redeem(client, demo).headers["set-cookie"]
    assert cookie.startswith("portal_session=") and "secure" not in cookie.lower()


# ---- redeeming a new link ends the browser's previous session -----------------------------------

def test_a_new_link_ends_the_browsers_previous_session(demo, client):
    first = token_of(redeem(client, demo))
    (first_id,) = live(sessions())
    second = token_of(redeem(client, demo, user="kp_demo_vic", cookie=f"x=a b; portal_session={first}"))
    assert second != first
    now = sessions()
    assert now[first_id].ended_on is not None
    assert len(live(now)) == 1 and now[live(now)[0]].user_id == "kp_demo_vic"
    with session_scope() as db:
        ended = db.exec(select(AuditEvent).where(AuditEvent.action == "portal_session.ended")).all()
    assert [(e.target_id, e.actor_type, e.actor_id) for e in ended] == [(str(first_id), "user", OLIVIA)]
    with session_scope() as db:  # the old cookie no longer opens anything
        assert load_session(db, demo, first) is None


def test_a_new_link_without_a_previous_cookie_leaves_other_sessions_alone(demo, client):
    redeem(client, demo)
    redeem(client, demo, user="kp_demo_vic")  # another browser: no cookie
    assert len(live(sessions())) == 2


def test_an_unusable_link_leaves_the_previous_session_live(demo, client):
    first = token_of(redeem(client, demo))
    response = client.get("/portal_redirect?key=nope", headers={"cookie": f"portal_session={first}"},
                          follow_redirects=False)
    assert response.status_code == 410
    assert len(live(sessions())) == 1
