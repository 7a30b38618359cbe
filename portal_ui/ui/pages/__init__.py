"""Every portal page and its on_load; `add_pages(app)` registers them."""

from __future__ import annotations

import reflex as rx

from portal_ui.domain.sections import BY_PATH
from portal_ui.ui import routes
from portal_ui.ui.components.layout import portal_page
from portal_ui.ui.pages import account, api_keys, audit_log, billing, domains, organization, payment_methods
from portal_ui.ui.pages.flow import flow_page
from portal_ui.ui.pages.session_ended import home, session_ended_page
from portal_ui.ui.state.account_lifecycle import LifecycleState
from portal_ui.ui.state.join_requests import JoinSuggestionsState
from portal_ui.ui.state import ApiKeysState, AuditLogState, BillingState, DomainsState, MembersState, OrgDetailsState, PortalState, ProfileState


def add_pages(app: rx.App) -> None:
    title = PortalState.page_title
    sections = (
        (routes.PROFILE, account.profile,
         [ProfileState.load_profile, LifecycleState.load_lifecycle, JoinSuggestionsState.load_suggestions]),
        (routes.PLAN, billing.plan_details, BillingState.load_billing("plan_details")),
        (routes.PLANS, billing.plan_selection, BillingState.load_billing("plan_selection")),
        (routes.PAYMENT, payment_methods.payment_details, BillingState.load_billing("payment_details")),
        (routes.API_KEYS, api_keys.api_keys, ApiKeysState.load_keys("api_keys")),
        (routes.ORG_DETAILS, organization.details, OrgDetailsState.load_details),
        (routes.ORG_DOMAINS, domains.domains_section, DomainsState.load_domains),
        (routes.ORG_MEMBERS, organization.members, MembersState.load_members),
        (routes.ORG_PLAN, billing.plan_details, BillingState.load_billing("organization_plan_details")),
        (routes.ORG_PLANS, billing.plan_selection, BillingState.load_billing("organization_plan_selection")),
        (routes.ORG_PAYMENT, payment_methods.payment_details, BillingState.load_billing("organization_payment_details")),
        (routes.ORG_API_KEYS, api_keys.api_keys, ApiKeysState.load_keys("organization_api_keys")),
        (routes.ORG_AUDIT_LOG, audit_log.audit_log, AuditLogState.load_audit_log),
    )
    for route, content, on_load in sections:
        app.add_page(portal_page(content, BY_PATH[route].key), route=route, title=title, on_load=on_load)
    app.add_page(flow_page, route=routes.FLOW, title=title, on_load=BillingState.load_flow)
    app.add_page(home, route=routes.HOME, title=title, on_load=PortalState.open_home)
    app.add_page(session_ended_page, route=routes.SESSION_ENDED, title=title, on_load=PortalState.open_ended)
