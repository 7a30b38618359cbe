"""Reflex states: the shell (PortalState, with the guard) and one small substate per section."""

from portal_ui.ui.state.api_keys import ApiKeysState
from portal_ui.ui.state.audit_log import AuditLogState
from portal_ui.ui.state.billing import BillingState
from portal_ui.ui.state.domains import DomainsState
from portal_ui.ui.state.members import MembersState
from portal_ui.ui.state.org_details import OrgDetailsState
from portal_ui.ui.state.portal import PortalState
from portal_ui.ui.state.profile import ProfileState

__all__ = ["ApiKeysState", "AuditLogState", "BillingState", "DomainsState", "MembersState", "OrgDetailsState", "PortalState", "ProfileState"]
