"""The billing sections (plan, plan selection, payment methods), for the user or the organization.

Until the billing provider is connected these pages show who is billed: the account holder or
the organization and its billing email.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.db import session_scope
from portal_ui.domain.sections import BY_KEY
from portal_ui.models import Organization, User
from portal_ui.ui import text
from portal_ui.ui.state.portal import PortalState

SECTIONS = ("plan_details", "plan_selection", "payment_details", "organization_plan_details",
            "organization_plan_selection", "organization_payment_details")


class BillingState(PortalState):
    billed_name: str = ""
    billed_email: str = ""
    billing_loaded: bool = False

    @rx.event
    def load_billing(self, key: str):
        """on_load of a billing page; `key` names the page's section."""
        key = key if key in SECTIONS else "plan_details"
        with session_scope() as db:
            active, follow = self._enter(db, key)
            if active is None:
                return follow
            if BY_KEY[key].portal == "organization":
                org = db.get(Organization, active.org_code)
                self.billed_name = org.name if org else ""
                self.billed_email = org.billing_email if org else ""
            else:
                user = db.get(User, active.user_id)
                self.billed_name = text.person_name(user.given_name, user.family_name, None) if user else ""
                self.billed_email = (user.email or "") if user else ""
            self.billing_loaded = True
        return None
