"""Focused flows: what a link may ask for, and what the session it opens may reach."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.flows import completes, may_take
from portal_ui.domain.links import create_link, redeem_link
from portal_ui.domain.sections import BY_KEY, landing_section, section_access, visible_sections
from portal_ui.domain.sessions import load_session, start_session
from portal_ui.models import PortalLink

ACTOR = Actor(type="m2m", id="test-client")
OLIVIA, VIC, BILL, BEA = "kp_demo_olivia", "kp_demo_vic", "kp_demo_bill", "kp_demo_bea"


def _session_for(session, settings, url):
    key = parse_qs(urlsplit(url).query)["key"][0]
    session.commit()
    token = start_session(session, settings, redeem_link(session, key))
    session.commit()
    return load_session(session, settings, token)


@pytest.mark.parametrize("flow, section", [
    ("payment_method_update", "organization_payment_details"),
    ("subscription_cancel", "organization_plan_details"),
])
def test_a_flow_link_opens_only_its_section(demo, session, flow, section):
    url = create_link(session, demo, user_id=BILL, org_code=DEMO_ORG_CODE, flow=flow,
                      after_completion_url="https://app.example/done", actor=ACTOR)
    link = session.exec(select(PortalLink)).one()
    assert (link.flow, link.sub_nav, link.after_completion_url) == (flow, section, "https://app.example/done")
    active = _session_for(session, demo, url)
    assert active.flow.flow == flow and active.completion_url == "https://app.example/done"
    context = active.section_context()
    assert [s.key for s, _ in visible_sections(**context)] == [section]
    assert section_access(BY_KEY["organization_members"], **context) == "hidden"
    assert section_access(BY_KEY["profile"], **context) == "hidden"
    assert landing_section("organization_members", **context) == (BY_KEY[section], True)


def test_without_after_completion_url_the_flow_returns_to_the_return_url(demo, session):
    url = create_link(session, demo, user_id=BEA, flow="payment_method_update", actor=ACTOR)
    active = _session_for(session, demo, url)
    assert active.flow.section == "payment_details"  # no organization: the user's own billing
    assert active.completion_url == "https://app.example/account"


def test_subscription_update_names_an_offered_plan(demo, session):
    create_link(session, demo, user_id=OLIVIA, org_code=DEMO_ORG_CODE, flow="subscription_update",
                flow_plan="business", actor=ACTOR)
    link = session.exec(select(PortalLink)).one()
    assert (link.flow, link.flow_plan, link.sub_nav) == ("subscription_update", "business",
                                                           "organization_plan_selection")


@pytest.mark.parametrize("kwargs, code, field", [
    ({"flow": "delete_everything"}, "INVALID_FLOW", "flow: unknown flow"),
    ({"flow": ["payment_method_update"]}, "INVALID_FLOW", "flow:"),
    ({"flow": "subscription_update"}, "INVALID_FLOW", "flow_plan:"),
    ({"flow": "subscription_update", "flow_plan": "nope"}, "PLAN_NOT_FOUND", "flow_plan:"),
    ({"flow": "subscription_update", "flow_plan": "pro_monthly"}, "ALREADY_ON_PLAN", "flow_plan:"),
    ({"flow": "subscription_update", "flow_plan": "Bad Key!"}, "INVALID_FLOW", "flow_plan:"),
    ({"flow": "subscription_cancel", "flow_plan": "business"}, "INVALID_FLOW", "flow_plan:"),
    ({"flow_plan": "business"}, "INVALID_FLOW", "flow_plan: only with a flow"),
    ({"after_completion_url": "https://app.example/done"}, "INVALID_FLOW", "after_completion_url: only with"),
    ({"flow": "payment_method_update", "after_completion_url": "https://evil.example/"}, "INVALID_RETURN_URL",
     "after_completion_url:"),
    ({"flow": "payment_method_update", "after_completion_url": "javascript:alert(1)"}, "INVALID_RETURN_URL",
     "after_completion_url:"),
    ({"flow": "payment_method_update", "after_completion_url": "https://app.example@evil.example/"},
     "INVALID_RETURN_URL", "after_completion_url:"),
])
def test_bad_flows_are_refused_and_write_nothing(demo, session, kwargs, code, field):
    with pytest.raises(InvalidInput) as err:
        create_link(session, demo, user_id=OLIVIA, org_code=DEMO_ORG_CODE, actor=ACTOR, **kwargs)
    assert err.value.code == code
    assert err.value.message.startswith(field), err.value.message
    assert session.exec(select(PortalLink)).first() is None


@pytest.mark.parametrize("flow", ["payment_method_update", "subscription_cancel"])
def test_a_flow_needs_the_permission_to_change_billing(demo, session, flow):
    """Vic reads Acme's billing but may not change it: no flow for him."""
    with pytest.raises(InvalidInput) as err:
        create_link(session, demo, user_id=VIC, org_code=DEMO_ORG_CODE, flow=flow, actor=ACTOR)
    assert err.value.code == "FLOW_NOT_PERMITTED" and "org:write:billing" in err.value.message


def test_the_task_must_be_possible(demo, session):
    """Bea has no plan to cancel, and no card for a paid plan."""
    with pytest.raises(InvalidInput) as err:
        create_link(session, demo, user_id=BEA, flow="subscription_cancel", actor=ACTOR)
    assert err.value.code == "NO_ACTIVE_PLAN"
    with pytest.raises(InvalidInput) as err:
        create_link(session, demo, user_id=BEA, flow="subscription_update", flow_plan="business", actor=ACTOR)
    assert err.value.code == "PAYMENT_METHOD_REQUIRED"
    add_card(session, actor=ACTOR, owner=Owner.user(BEA), number="4242424242424242", exp_month=12, exp_year=utcnow().year + 3,
             cvc="123")
    create_link(session, demo, user_id=BEA, flow="subscription_update", flow_plan="business", actor=ACTOR)


def test_a_sub_nav_naming_a_billing_section_picks_the_side(demo, session):
    """Olivia, in Acme, can run a flow on her own billing by naming a user billing section."""
    create_link(session, demo, user_id=OLIVIA, org_code=DEMO_ORG_CODE, sub_nav="payment_details",
                flow="payment_method_update", actor=ACTOR)
    assert session.exec(select(PortalLink)).one().sub_nav == "payment_details"


def test_flow_actions():
    assert may_take(None, "remove") and may_take(None, "resume")
    assert may_take("payment_method_update", "card") and not may_take("payment_method_update", "remove")
    assert not may_take("payment_method_update", "default:pm_1")
    assert may_take("subscription_update", "choose:business") and may_take("subscription_update", "change")
    assert not may_take("subscription_update", "cancel") and not may_take("subscription_cancel", "resume")
    assert not may_take("subscription_cancel", "choose:free")
    assert completes("subscription_cancel", "cancel") and not completes("subscription_cancel", "cancel-preview")
    assert completes("payment_method_update", "card") and not completes(None, "card")
