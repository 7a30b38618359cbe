"""The profile and organization-details handlers refuse, server-side, what a session may not do.

Any client can call any event handler with any arguments, so these tests skip the page and talk
to the backend like a tab does (tests/ui/socket_tab.py), with real session cookies (from the 303
that redeems a link). Sessions that may only read the details (Bill, Vic), that have no organization (Bea),
or that are previews, change nothing, whichever handler they call and however they call it,
including the logo upload over Reflex's HTTP upload route. The owner's session is the control.
"""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image
from reflex_base.utils.format import format_event_handler

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.domain.logos import set_logo
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.ui.state import OrgDetailsState, ProfileState
from tests.ui.helpers import cookie_over_http
from tests.ui.portal_db import (delete_logo, domain_session, logo_digest, org_details, set_org_details,
                                set_user_names, user_names)
from tests.ui.socket_tab import SocketTab

pytestmark = pytest.mark.browser


def handler(state, name: str) -> str:
    return format_event_handler(state.event_handlers[name])


LOAD_DETAILS, SAVE_DETAILS = handler(OrgDetailsState, "load_details"), handler(OrgDetailsState, "save_details")
UPLOAD_LOGO, REMOVE_LOGO = handler(OrgDetailsState, "upload_logo"), handler(OrgDetailsState, "remove_logo")
LOAD_PROFILE, SAVE_PROFILE = handler(ProfileState, "load_profile"), handler(ProfileState, "save_profile")
DETAILS_PATH, PROFILE_PATH = "/org/details", "/profile"
READ_ONLY = [("kp_demo_vic", DEMO_ORG_CODE), ("kp_demo_bill", DEMO_ORG_CODE), ("kp_demo_bea", None)]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "purple").save(out, format="PNG")
    return out.getvalue()


def tab_for(portal, cookie: str) -> SocketTab:
    return SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}" if cookie else None)


def upload_over_http(portal, tab: SocketTab, data: bytes) -> httpx.Response:
    """Post a file to Reflex's upload route for this tab, as rx.upload does."""
    return httpx.post(f"{portal.url}/_upload", timeout=20,
                      headers={"reflex-client-token": tab.token, "reflex-event-handler": UPLOAD_LOGO},
                      files={"files": ("logo.png", data, "image/png")})


@pytest.fixture
def acme_logo(portal):
    """Acme has a logo (so removing it would show), and no test leaves a different one behind."""
    with domain_session(portal) as (session, _settings):
        set_logo(session, actor=Actor.system("test"), org_code=DEMO_ORG_CODE, data=png())
    digest = logo_digest(portal)
    yield digest
    delete_logo(portal)


@pytest.mark.parametrize("user, org", READ_ONLY)
def test_details_write_handlers_refuse_sessions_without_org_write_details(portal, user,
                                                                          org, acme_logo):
    cookie = cookie_over_http(portal.link(user, org, "organization_details"))
    before = org_details(portal)
    form = {**before, "name": "Hacked", "phone": "+1 555 0100", "country": "US"}
    with tab_for(portal, cookie) as tab:
        tab.send(LOAD_DETAILS, {}, DETAILS_PATH)
        answers = [str(tab.send(SAVE_DETAILS, {"form": form}, DETAILS_PATH)),
                   str(tab.send(REMOVE_LOGO, {}, DETAILS_PATH))]
        sneaked = tab.send(UPLOAD_LOGO, {"files": [{"name": "x.png", "data": "iVBORw0KGgo="}]}, DETAILS_PATH)
        response = upload_over_http(portal, tab, png())
    for answer in answers:  # each handler answered, with the refusal
        assert "You do not have permission to change this." in answer
    assert org_details(portal) == before
    assert logo_digest(portal) == acme_logo
    text = str(answers) + str(sneaked) + response.text
    assert "Details saved." not in text and "Logo updated." not in text and "Logo removed." not in text


def test_details_write_handlers_work_for_the_owner(portal, acme_logo):
    """The control: the same calls with the owner's session do change the details and the logo."""
    cookie = cookie_over_http(portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_details"))
    before = org_details(portal)
    new_logo = io.BytesIO()
    Image.new("RGB", (30, 10), "orange").save(new_logo, format="PNG")
    try:
        with tab_for(portal, cookie) as tab:
            tab.send(LOAD_DETAILS, {}, DETAILS_PATH)
            tab.send(SAVE_DETAILS, {"form": {**before, "phone": "+1 555 0100"}}, DETAILS_PATH)
            assert org_details(portal)["phone"] == "+1 555 0100"
            response = upload_over_http(portal, tab, new_logo.getvalue())
            assert response.status_code == 200
            assert logo_digest(portal) not in (None, acme_logo)
            tab.send(REMOVE_LOGO, {}, DETAILS_PATH)
            assert logo_digest(portal) is None
    finally:
        restore = {k: v for k, v in before.items() if k != "version"}
        set_org_details(portal, restore)


def test_a_stale_version_from_the_client_cannot_be_forced(portal):
    """The version lives server-side only: a client cannot send one to skip the conflict check."""
    cookie = cookie_over_http(portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_details"))
    before = org_details(portal)
    try:
        with tab_for(portal, cookie) as tab:
            tab.send(LOAD_DETAILS, {}, DETAILS_PATH)
            set_org_details(portal, {"city": "Bath"})  # someone else saves meanwhile
            stale = {**before, "phone": "+1 555 0100"}
            tab.send(SAVE_DETAILS, {"form": stale, "expected_version": org_details(portal)["version"]}, DETAILS_PATH)
            tab.send(SAVE_DETAILS, {"form": {**stale, "version": org_details(portal)["version"]}}, DETAILS_PATH)
            assert org_details(portal)["phone"] == before["phone"]
            answers = tab.send(SAVE_DETAILS, {"form": stale}, DETAILS_PATH)
        assert "changed since you opened them" in str(answers)
        assert org_details(portal)["phone"] == before["phone"]
    finally:
        set_org_details(portal, {k: v for k, v in before.items() if k != "version"})


def test_no_cookie_changes_nothing(portal, acme_logo):
    before, names = org_details(portal), user_names(portal, "kp_demo_olivia")
    with tab_for(portal, "") as tab:
        saved = tab.send(SAVE_DETAILS, {"form": {**before, "name": "Hacked"}}, DETAILS_PATH)
        tab.send(SAVE_PROFILE, {"form": {"given_name": "Hacked", "family_name": ""}}, PROFILE_PATH)
        tab.send(REMOVE_LOGO, {}, DETAILS_PATH)
        upload_over_http(portal, tab, png())
    assert "'ended_rx_state_': True" in str(saved), "the save handler did not answer with the ended view"
    assert org_details(portal) == before and user_names(portal, "kp_demo_olivia") == names
    assert logo_digest(portal) == acme_logo


def test_a_preview_session_cannot_save_a_profile(portal):
    with domain_session(portal) as (session, settings):
        link = create_link(session, settings, user_id="kp_demo_bea", sub_nav="profile",
                           actor=Actor.system("test"), preview={"permissions": []})
    cookie = cookie_over_http(link)
    with tab_for(portal, cookie) as tab:
        tab.send(LOAD_PROFILE, {}, PROFILE_PATH)
        answers = tab.send(SAVE_PROFILE, {"form": {"given_name": "Hacked", "family_name": "X"}}, PROFILE_PATH)
    assert user_names(portal, "kp_demo_bea") == ("Bea", "Chen")
    assert "Preview" in str(answers) and "Profile saved." not in str(answers)


def test_save_profile_only_ever_changes_the_sessions_own_user(portal):
    cookie = cookie_over_http(portal.link("kp_demo_vic", DEMO_ORG_CODE, "profile"))
    olivia = user_names(portal, "kp_demo_olivia")
    try:
        with tab_for(portal, cookie) as tab:
            tab.send(LOAD_PROFILE, {}, PROFILE_PATH)
            tab.send(SAVE_PROFILE, {"form": {"given_name": "Victor", "family_name": "Reed", "user_id": "kp_demo_olivia",
                                             "id": "kp_demo_olivia", "email": "evil@example.com"}}, PROFILE_PATH)
        assert user_names(portal, "kp_demo_vic") == ("Victor", "Reed")
        assert user_names(portal, "kp_demo_olivia") == olivia
    finally:
        set_user_names(portal, "kp_demo_vic", "Vic", "Reed")


@pytest.mark.parametrize("form", [{"given_name": "A\x00b", "family_name": ""}, {"given_name": "A\ud800", "family_name": ""},
                                  {"given_name": ["x"], "family_name": {"a": 1}}],
                         ids=["nul", "lone-surrogate", "not-text"])
def test_bad_text_from_a_client_is_refused_not_stored(portal, form):
    cookie = cookie_over_http(portal.link("kp_demo_bea", None, "profile"))
    with tab_for(portal, cookie) as tab:
        tab.send(LOAD_PROFILE, {}, PROFILE_PATH)
        answers = tab.send(SAVE_PROFILE, {"form": form}, PROFILE_PATH)
    assert user_names(portal, "kp_demo_bea") == ("Bea", "Chen")
    assert "profile_errors" in str(answers)
