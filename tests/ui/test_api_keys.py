"""API keys in a real browser: create (secret shown once, copied), rotate and revoke, per persona.

Each secret the page reveals is checked against the running server's verify endpoint
(`POST /api/v1/api_keys/verify`, an M2M token with `verify:api_keys`): valid after create,
the old one invalid after a rotation, the new one invalid after a revocation. After the reveal
dialog closes the secret is gone from the page, and it never reaches the audit log or the
server's log.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from portal_ui.db import make_engine, session_scope
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain import api_keys as keys
from portal_ui.domain.audit import Actor
from portal_ui.settings import Settings
from portal_ui.tokens.issue import mint_m2m_token
from tests.conftest import register_m2m_client
from tests.ui.helpers import enter, path_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# persona -> (organization in the link, sub_nav, page path, key type prefix)
PERSONA_KEYS = {
    "kp_demo_olivia": (DEMO_ORG_CODE, "organization_api_keys", "/org/api-keys", "pk_org_"),
    "kp_demo_bea": (None, "api_keys", "/api-keys", "pk_user_"),
}


# ---- helpers shared with test_api_keys_guards.py --------------------------------------------

def db_path(portal) -> str:
    return urlsplit(portal.env["REFLEX_DB_URL"]).path


def key_table(portal) -> list[tuple]:
    """Every key's id, status and secret hash: what a refused change must leave as it was."""
    with sqlite3.connect(db_path(portal)) as conn:
        return conn.execute("SELECT id, status, key_hash, key_suffix FROM api_keys ORDER BY id").fetchall()


def audit_rows(portal) -> list[str]:
    with sqlite3.connect(db_path(portal)) as conn:
        return [json.dumps(row) for row in conn.execute(
            "SELECT action, target_id, before, after FROM audit_events WHERE action LIKE 'api_key.%'").fetchall()]


def seed_key(portal, *, name: str, org_code: str | None = None, user_id: str | None = None) -> tuple[str, str]:
    """Create a key straight in the portal's database (as an operator would); (id, secret)."""
    engine = make_engine(portal.env["REFLEX_DB_URL"])
    try:
        with session_scope(engine) as db:
            key, secret = keys.create_key(db, actor=Actor.system("test"), name=name, scopes=["read:reports"],
                                          type=keys.ORGANIZATION if org_code else keys.USER,
                                          org_code=org_code, user_id=user_id)
            return key.id, secret
    finally:
        engine.dispose()


def verify(portal, secret: str) -> dict:
    """The server's answer to POST /api/v1/api_keys/verify for `secret`."""
    settings = Settings.from_env(portal.env)
    register_m2m_client(settings.db_url, "test_verifier", ["verify:api_keys"])
    token = mint_m2m_token(settings, "test_verifier", ["verify:api_keys"], ttl=300)
    request = urllib.request.Request(f"{portal.url}/api/v1/api_keys/verify", method="POST",
                                     data=json.dumps({"api_key": secret}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


# ---- page helpers ---------------------------------------------------------------------------

def open_keys(page: Page, portal, user: str, viewport: dict) -> None:
    org, sub_nav, path, _prefix = PERSONA_KEYS.get(user, (DEMO_ORG_CODE, "organization_api_keys", "/org/api-keys", ""))
    page.set_viewport_size(viewport)
    enter(page, portal.link(user, org, sub_nav))
    assert path_of(page) == path


def card(page: Page, name: str) -> Locator:
    return page.locator("li.api-key").filter(has=page.locator(".key-name", has_text=re.compile(f"^{re.escape(name)}$")))


def read_reveal(page: Page) -> str:
    expect(page.locator("#reveal-dialog")).to_be_visible()
    secret = page.locator("#revealed-secret").inner_text().strip()
    assert keys.looks_like_key(secret)
    return secret


def close_reveal(page: Page, *secrets: str) -> None:
    """Close the reveal dialog and check that no secret is left anywhere in the page."""
    page.locator("#reveal-done").click()
    expect(page.locator("#reveal-dialog")).to_have_count(0)
    expect(page.locator("#revealed-secret")).to_have_count(0)
    html = page.content()
    for secret in secrets:
        assert secret not in html
        assert secret[len("pk_user_"):] not in html  # not even without its prefix


def hint_of(secret: str) -> str:
    prefix = secret[:secret.index("_", 3) + 1]
    return f"{secret[:len(prefix) + keys.VISIBLE_BODY_CHARS]}…{secret[-keys.SUFFIX_CHARS:]}"


# ---- tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize("user, viewport", [
    ("kp_demo_olivia", DESKTOP), ("kp_demo_olivia", PHONE), ("kp_demo_bea", PHONE), ("kp_demo_bea", DESKTOP),
], ids=["olivia-1280", "olivia-390", "bea-390", "bea-1280"])
def test_create_copy_rotate_revoke(page: Page, portal, shot, user, viewport):
    _org, _sub_nav, _path, prefix = PERSONA_KEYS[user]
    name = f"Deploy {uuid.uuid4().hex[:6]}"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal.url)
    open_keys(page, portal, user, viewport)
    expect(page.locator("#read-only-note")).to_have_count(0)

    # create: name, two scopes from the catalogue, an expiry from the list
    page.locator("#create-key").click()
    dialog = page.locator("#create-dialog")
    expect(dialog).to_be_visible()
    for scope in ("read:projects", "read:reports", "write:projects", "write:webhooks"):
        expect(dialog.get_by_role("checkbox", name=re.compile(f"^{scope}"))).to_be_visible()
    page.locator("#key-name").fill(name)
    dialog.get_by_role("checkbox", name=re.compile("^read:projects")).click()
    dialog.get_by_role("checkbox", name=re.compile("^write:webhooks")).click()
    page.locator("#key-expiry").click()
    page.get_by_role("option", name="In 90 days").click()
    shot("create")
    page.locator("#create-submit").click()

    # the secret, once: copy it, check it works, close the dialog
    secret = read_reveal(page)
    assert secret.startswith(prefix)
    expect(page.locator("#reveal-warning")).to_contain_text("only time the secret is shown")
    expect(page.get_by_text("API key created.")).to_be_visible()
    page.locator("#copy-secret").click()
    expect(page.locator("#copy-secret")).to_have_text("Copied")
    expect(page.locator("#copied-note")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shot("reveal")
    answer = verify(portal, secret)
    assert answer["is_valid"] is True
    assert answer["scopes"] == ["read:projects", "write:webhooks"]
    key_id = answer["key_id"]
    close_reveal(page, secret)
    shot("created")

    # the list: metadata only; after a reload the verification shows as a use
    page.reload()
    expect(page.locator("#content-loading")).to_have_count(0)
    row = card(page, name)
    expect(row).to_have_attribute("data-key-id", key_id)
    expect(row.locator(".key-hint")).to_have_text(hint_of(secret))
    expect(row.locator(".key-status")).to_have_text("active")
    expect(row).to_contain_text("read:projects")
    expect(row).to_contain_text("write:webhooks")
    expect(row.locator(".key-uses")).to_have_text("1")
    expect(row.locator(".key-last-used")).not_to_have_text("Never")
    expect(row.locator(".key-creator")).to_have_text("by Olivia Owens" if user == "kp_demo_olivia" else "by Bea Chen")
    assert secret not in page.content()

    # rotate: same id, new secret shown once, the old one stops working at once
    row.locator(".key-rotate").click()
    expect(page.locator("#confirm-dialog")).to_contain_text("stops working immediately")
    shot("confirm-rotate")
    page.locator("#confirm-rotate").click()
    new_secret = read_reveal(page)
    assert new_secret != secret and new_secret.startswith(prefix)
    expect(page.locator("#confirm-dialog")).to_have_count(0)
    assert verify(portal, secret)["is_valid"] is False
    rotated = verify(portal, new_secret)
    assert rotated["is_valid"] is True and rotated["key_id"] == key_id
    close_reveal(page, secret, new_secret)
    expect(row.locator(".key-hint")).to_have_text(hint_of(new_secret))

    # revoke: confirmation, then the key stops working at once and loses its actions
    row.locator(".key-revoke").click()
    expect(page.locator("#confirm-dialog")).to_contain_text("cannot be undone")
    shot("confirm-revoke")
    page.locator("#confirm-revoke").click()
    expect(page.locator("#confirm-dialog")).to_have_count(0)
    expect(row.locator(".key-status")).to_have_text("revoked")
    expect(row.locator(".key-rotate, .key-revoke")).to_have_count(0)
    expect(page.get_by_text(f"Key “{name}” revoked.")).to_be_visible()
    revoked = verify(portal, new_secret)
    assert revoked["is_valid"] is False and revoked["status"] == "revoked"
    expect(page.locator("#reveal-dialog")).to_have_count(0)

    # nothing secret in the audit log or the server's log
    audit = "\n".join(audit_rows(portal))
    log = portal.log.read_text(errors="replace")
    for value in (secret, new_secret):
        assert value not in audit and value[-12:] not in audit
        assert value not in log
    assert key_id in audit


def test_create_form_errors_stay_in_the_dialog(page: Page, portal, shot):
    open_keys(page, portal, "kp_demo_bea", DESKTOP)
    page.locator("#create-key").click()
    page.locator("#key-name").fill("   ")
    page.locator("#create-submit").click()
    expect(page.locator("#create-error")).to_contain_text("name")
    expect(page.locator("#reveal-dialog")).to_have_count(0)
    shot()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_viewer_sees_organization_keys_read_only(page: Page, portal, viewport):
    name = f"Reporting {uuid.uuid4().hex[:6]}"
    seed_key(portal, name=name, org_code=DEMO_ORG_CODE)
    open_keys(page, portal, "kp_demo_vic", viewport)
    expect(page.locator("#read-only-note")).to_be_visible()
    expect(page.locator("#create-key")).to_be_disabled()
    row = card(page, name)
    expect(row.locator(".key-status")).to_have_text("active")
    expect(row).to_contain_text("read:reports")
    expect(row.locator(".key-rotate")).to_be_disabled()
    expect(row.locator(".key-revoke")).to_be_disabled()


def test_billing_manager_does_not_see_organization_keys(page: Page, portal):
    enter(page, portal.link("kp_demo_bill", DEMO_ORG_CODE, "organization_api_keys"))
    assert path_of(page) == "/profile"
    expect(page.locator("#unavailable-notice")).to_contain_text("API keys (Workspace) is not available")
    expect(page.locator("#nav-desktop [data-section=organization_api_keys]")).to_have_count(0)
    expect(page.locator("#api-key-list, #api-keys-none, #create-key")).to_have_count(0)


def test_bea_has_only_her_own_keys(page: Page, portal):
    org_key = f"Acme only {uuid.uuid4().hex[:6]}"
    seed_key(portal, name=org_key, org_code=DEMO_ORG_CODE)
    open_keys(page, portal, "kp_demo_bea", DESKTOP)
    expect(page.locator("#nav-desktop [data-section=api_keys]")).to_have_count(1)
    expect(page.locator("#nav-desktop [data-section=organization_api_keys]")).to_have_count(0)
    expect(page.get_by_text(org_key)).to_have_count(0)
    page.goto(f"{portal.url}/org/api-keys")
    expect(page.locator("#unavailable-notice")).to_be_visible()
    assert path_of(page) != "/org/api-keys"
    expect(page.get_by_text(org_key)).to_have_count(0)
