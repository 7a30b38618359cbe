"""Preview links: read-only sessions with a role's permissions and trial settings."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import func, select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.links import redeem_link
from portal_ui.domain.previews import PREVIEW_USER_ID, create_preview_link, preview_roles, switch_preview_role
from portal_ui.domain.sessions import load_session, start_session
from portal_ui.domain.roles import update_role_system_permissions
from portal_ui.models import Membership, Role, SystemPermission

ACTOR = Actor(type="m2m", id="product-team")


def _enter(session, settings, url):
    link = redeem_link(session, parse_qs(urlsplit(url).query)["key"][0])
    return start_session(session, settings, link)


def test_role_preview_has_the_roles_permissions_and_is_marked(demo, session):
    url = create_preview_link(session, demo, actor=ACTOR, org_code=DEMO_ORG_CODE, role_key="billing_manager",
                              sub_nav="organization_plan_details")
    active = load_session(session, demo, _enter(session, demo, url))
    assert active.is_preview and active.user_id == PREVIEW_USER_ID and active.org_code == DEMO_ORG_CODE
    assert active.permissions == {"org:read:details", "org:read:billing", "org:write:billing"}
    members = session.exec(select(func.count()).select_from(Membership)
                           .where(Membership.user_id == PREVIEW_USER_ID)).one()
    assert members == 0  # the sample user never joins the organization


def test_trial_settings_apply_to_the_preview_only(demo, session):
    url = create_preview_link(session, demo, actor=ACTOR, org_code=DEMO_ORG_CODE, permissions=["org:read:members"],
                              overrides={"org_alias": "Team", "branding": {"accent_color": "#0f766e"}})
    active = load_session(session, demo, _enter(session, demo, url))
    assert active.settings.org_alias == "Team" and active.settings.branding["accent_color"] == "#0f766e"
    assert active.settings.branding["product_name"] == "Nimbus"


@pytest.mark.parametrize("kwargs", [
    {"org_code": DEMO_ORG_CODE},  # neither role nor permissions
    {"org_code": DEMO_ORG_CODE, "role_key": "owner", "permissions": []},
    {"org_code": DEMO_ORG_CODE, "role_key": "nope"},
    {"org_code": DEMO_ORG_CODE, "permissions": ["org:read:everything"]},
    {"org_code": "org_nope", "role_key": "owner"},
    {"role_key": "owner"},
    {"org_code": DEMO_ORG_CODE, "role_key": "owner", "overrides": {"org_alias": ""}},
    {"org_code": DEMO_ORG_CODE, "role_key": "owner", "overrides": {"return_url": "https://x.example"}},
])
def test_bad_previews_are_refused(demo, session, kwargs):
    with pytest.raises(InvalidInput):
        create_preview_link(session, demo, actor=ACTOR, **kwargs)


def test_switching_role_changes_the_view_of_a_preview_only(demo, session):
    token = _enter(session, demo, create_preview_link(session, demo, actor=ACTOR, org_code=DEMO_ORG_CODE,
                                                      role_key="viewer", role_keys=["owner"]))
    assert switch_preview_role(session, token, "owner")
    assert "org:write:members" in load_session(session, demo, token).permissions
    from portal_ui.domain.links import create_link
    real = _enter(session, demo, create_link(session, demo, user_id="kp_demo_vic", org_code=DEMO_ORG_CODE,
                                             actor=ACTOR))
    assert not switch_preview_role(session, real, "owner")
    assert "org:write:members" not in load_session(session, demo, real).permissions


def _preview(session, settings, **kwargs):
    """Enter a preview of the demo organization; (token, the keys its role switcher lists)."""
    token = _enter(session, settings, create_preview_link(session, settings, org_code=DEMO_ORG_CODE,
                                                          **{"actor": ACTOR, **kwargs}))
    return token, [r["key"] for r in preview_roles(session, load_session(session, settings, token).preview)]


def test_a_narrow_preview_cannot_switch_to_a_wider_role(demo, session):
    token, listed = _preview(session, demo, role_key="viewer")
    assert listed == ["viewer"]
    for wider in ("owner", "billing_manager", "nope", ""):
        assert not switch_preview_role(session, token, wider), wider
    active = load_session(session, demo, token)
    assert active.preview["role_key"] == "viewer" and "org:read:members" in active.permissions
    assert "org:write:members" not in active.permissions and "org:write:billing" not in active.permissions
    assert switch_preview_role(session, token, "viewer")


def test_the_issuer_names_the_other_roles_a_preview_may_show(demo, session):
    token, listed = _preview(session, demo, role_key="viewer", role_keys=["billing_manager"])
    assert listed == ["billing_manager", "viewer"]  # by name: Billing manager, Viewer
    assert switch_preview_role(session, token, "billing_manager")
    assert load_session(session, demo, token).permissions == {"org:read:details", "org:read:billing",
                                                               "org:write:billing"}
    assert not switch_preview_role(session, token, "owner")  # still only what the link named
    assert switch_preview_role(session, token, "viewer")


def test_a_permissions_preview_switches_only_to_roles_that_grant_no_more(demo, session):
    billing = ["org:read:details", "org:read:billing", "org:write:billing"]
    token, listed = _preview(session, demo, permissions=billing)
    assert listed == ["billing_manager"]
    assert not switch_preview_role(session, token, "owner") and not switch_preview_role(session, token, "viewer")
    assert switch_preview_role(session, token, "billing_manager")
    assert not switch_preview_role(session, token, "owner")  # switching does not widen what it may switch to
    # A role that gains a permission later is no longer within the preview's.
    role = session.exec(select(Role).where(Role.key == "billing_manager")).one()
    members = session.exec(select(SystemPermission).where(SystemPermission.key == "org:read:members")).one()
    update_role_system_permissions(session, actor=ACTOR, role_id=role.id, changes=[{"id": members.id}])
    assert not switch_preview_role(session, token, "billing_manager")
    assert preview_roles(session, load_session(session, demo, token).preview) == []


def test_a_preview_made_on_the_command_line_switches_between_every_role(demo, session):
    token, listed = _preview(session, demo, role_key="viewer", actor=Actor.system("cli"))
    assert listed == ["billing_manager", "owner", "viewer"]
    assert switch_preview_role(session, token, "owner")


@pytest.mark.parametrize("kwargs", [
    {"org_code": DEMO_ORG_CODE, "role_key": "viewer", "role_keys": ["nope"]},
    {"org_code": DEMO_ORG_CODE, "role_key": "viewer", "role_keys": "owner"},
    {"org_code": DEMO_ORG_CODE, "role_key": "viewer", "role_keys": [1]},
    {"org_code": DEMO_ORG_CODE, "role_key": "viewer", "role_keys": ["owner"] * 51},
    {"role_keys": ["owner"]},
])
def test_bad_role_lists_are_refused(demo, session, kwargs):
    with pytest.raises(InvalidInput):
        create_preview_link(session, demo, actor=ACTOR, **kwargs)
