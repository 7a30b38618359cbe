"""One-time links and the portal sessions they start."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain import clock
from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.links import create_link, link_return_url, redeem_link
from portal_ui.domain.members import remove_member
from portal_ui.domain.sessions import end_session, load_session, session_status, start_session
from portal_ui.models import PortalLink

ACTOR = Actor(type="m2m", id="test-client")
OLIVIA, VIC, BEA = "kp_demo_olivia", "kp_demo_vic", "kp_demo_bea"


def _key(url: str) -> str:
    return parse_qs(urlsplit(url).query)["key"][0]


def test_link_url_and_stored_row(demo, session):
    url = create_link(session, demo, user_id=OLIVIA, org_code=DEMO_ORG_CODE, sub_nav="user_api_keys", actor=ACTOR)
    assert url.startswith("http://portal.test/portal_redirect?key=")
    key = _key(url)
    assert len(key) >= 43  # 256 bits, base64url
    row = session.exec(select(PortalLink)).one()
    assert key not in row.key_hash and row.sub_nav == "api_keys"
    assert row.return_url == "https://app.example/account"
    assert clock.as_utc(row.expires_on) - clock.as_utc(row.created_on) == timedelta(seconds=300)


@pytest.mark.parametrize("kwargs, code", [
    ({"user_id": "kp_nobody"}, "USER_NOT_FOUND"),
    ({"user_id": BEA, "org_code": DEMO_ORG_CODE}, "NOT_A_MEMBER"),
    ({"user_id": OLIVIA, "org_code": "org_nope"}, "ORGANIZATION_NOT_FOUND"),
    ({"user_id": OLIVIA, "sub_nav": "billing"}, "INVALID_SUBNAV"),
    ({"user_id": OLIVIA, "sub_nav": 7}, "INVALID_SUBNAV"),
    ({"user_id": OLIVIA, "return_url": "https://evil.example/"}, "INVALID_RETURN_URL"),
    ({"user_id": ["kp_demo_olivia"]}, "INVALID_INPUT"),
])
def test_bad_link_requests_are_refused_and_write_nothing(demo, session, kwargs, code):
    with pytest.raises(InvalidInput) as err:
        create_link(session, demo, actor=ACTOR, **kwargs)
    assert err.value.code == code
    assert session.exec(select(PortalLink)).first() is None


def test_a_link_redeems_once(demo, session):
    key = _key(create_link(session, demo, user_id=OLIVIA, org_code=DEMO_ORG_CODE, actor=ACTOR))
    session.commit()
    assert redeem_link(session, key) is not None
    assert redeem_link(session, key) is None
    assert link_return_url(session, key) == "https://app.example/account"


def test_a_link_expires_after_its_ttl(env, engine):
    settings = env(PORTAL_LINK_TTL_SECONDS="60")
    from portal_ui.demo.seed import seed_demo
    from sqlmodel import Session
    with Session(engine) as session:
        seed_demo(session, settings)
        key = _key(create_link(session, settings, user_id=BEA, actor=ACTOR))
        session.commit()
        with clock.shifted(timedelta(seconds=61)):
            assert redeem_link(session, key) is None


@pytest.mark.parametrize("key", ["", "x" * 500, None, 12, "nope", "ключ"])
def test_garbage_keys_redeem_nothing(demo, session, key):
    assert redeem_link(session, key) is None
    assert link_return_url(session, key) is None


def _session_for(settings, session, user, org=None, sub_nav=None):
    key = _key(create_link(session, settings, user_id=user, org_code=org, sub_nav=sub_nav, actor=ACTOR))
    link = redeem_link(session, key)
    return start_session(session, settings, link)


def test_session_carries_user_org_section_and_fresh_permissions(demo, session):
    token = _session_for(demo, session, VIC, DEMO_ORG_CODE, "organization_members")
    active = load_session(session, demo, token)
    assert (active.user_id, active.org_code, active.sub_nav) == (VIC, DEMO_ORG_CODE, "organization_members")
    assert "org:read:members" in active.permissions and "org:write:members" not in active.permissions
    assert active.settings.org_alias == "Workspace"


def test_idle_and_absolute_limits_end_a_session(env, session):
    settings = env(PORTAL_SESSION_IDLE_SECONDS="60", PORTAL_SESSION_MAX_SECONDS="120")
    from portal_ui.demo.seed import seed_demo
    seed_demo(session, settings)
    token = _session_for(settings, session, BEA)
    with clock.shifted(timedelta(seconds=59)):
        assert load_session(session, settings, token) is not None  # activity pushes the idle limit back
    with clock.shifted(timedelta(seconds=59 + 59)):
        assert load_session(session, settings, token) is not None
    with clock.shifted(timedelta(seconds=121)):
        assert load_session(session, settings, token) is None
        assert session_status(session, settings, token) == ("expired", "https://app.example/account")
    token2 = _session_for(settings, session, BEA)
    with clock.shifted(timedelta(seconds=61)):
        assert load_session(session, settings, token2) is None


def test_ending_a_session_is_final_and_idempotent(demo, session):
    token = _session_for(demo, session, BEA)
    assert end_session(session, token) == "https://app.example/account"
    assert end_session(session, token) == "https://app.example/account"
    assert load_session(session, demo, token) is None
    assert session_status(session, demo, token)[0] == "ended"
    assert load_session(session, demo, "not-a-token") is None
    assert session_status(session, demo, None) == ("unknown", None)


def test_a_removed_member_loses_the_organization_session(demo, session):
    token = _session_for(demo, session, VIC, DEMO_ORG_CODE)
    assert load_session(session, demo, token) is not None
    remove_member(session, org_code=DEMO_ORG_CODE, user_id=VIC, actor=ACTOR)
    assert load_session(session, demo, token) is None
