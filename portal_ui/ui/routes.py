"""Route constants for every portal page.

Section paths come from the domain's section table, so a link's sub_nav, the navigation and the
pages can never disagree about where a section lives.
"""

from __future__ import annotations

from portal_ui.domain.sections import BY_KEY
from portal_ui.paths import EXIT, FLOW, SESSION_ENDED  # shared with the HTTP routes (portal_ui.api)

HOME = "/"

PROFILE = BY_KEY["profile"].path
PLAN = BY_KEY["plan_details"].path
PLANS = BY_KEY["plan_selection"].path
PAYMENT = BY_KEY["payment_details"].path
API_KEYS = BY_KEY["api_keys"].path
ORG_DETAILS = BY_KEY["organization_details"].path
ORG_DOMAINS = BY_KEY["organization_domains"].path
ORG_MEMBERS = BY_KEY["organization_members"].path
ORG_PLAN = BY_KEY["organization_plan_details"].path
ORG_PLANS = BY_KEY["organization_plan_selection"].path
ORG_PAYMENT = BY_KEY["organization_payment_details"].path
ORG_API_KEYS = BY_KEY["organization_api_keys"].path
ORG_AUDIT_LOG = BY_KEY["organization_audit_log"].path

# The query parameter a redirected page reads to say which section was not available. Its value
# is only ever looked up in the section table, never shown as it is.
UNAVAILABLE_PARAM = "unavailable"


def unavailable_redirect(path: str, requested_key: str) -> str:
    """The URL of the page to land on instead of the hidden section `requested_key`."""
    return f"{path}?{UNAVAILABLE_PARAM}={requested_key}" if requested_key in BY_KEY else path
