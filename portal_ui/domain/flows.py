"""Focused flows (README "Focused flows"): a link that opens one billing task and nothing else.

A link may name a `flow`: `payment_method_update` (add a card and make it the default),
`subscription_cancel` (the cancel confirmation) or `subscription_update` (confirm the change to
the plan named by `flow_plan`, a plan key). The session it opens shows only that task; every
other section is hidden from it, so the guard refuses other sections' handlers like any hidden
section's. When the task is done, the session ends and the browser goes to
`after_completion_url`, else to the link's return URL.

The flow runs on the organization's billing when the link names an organization, and on the
user's own billing otherwise; a `sub_nav` naming a billing section picks the side explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from portal_ui.billing import subscriptions
from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import default_payment_method
from portal_ui.billing.plans import PLAN_KEY_PATTERN, get_plan
from portal_ui.domain.errors import DomainError, InvalidInput
from portal_ui.domain.permissions import member_permissions
from portal_ui.domain.portal_settings import EffectiveSettings
from portal_ui.domain.return_urls import allowed_return_url
from portal_ui.domain.sections import BY_KEY, Section, section_access

PAYMENT_METHOD_UPDATE = "payment_method_update"
SUBSCRIPTION_CANCEL = "subscription_cancel"
SUBSCRIPTION_UPDATE = "subscription_update"
FLOWS = (PAYMENT_METHOD_UPDATE, SUBSCRIPTION_CANCEL, SUBSCRIPTION_UPDATE)

# The section each flow works in: (user side, organization side). Its permission is the flow's.
_SECTIONS: dict[str, tuple[str, str]] = {
    PAYMENT_METHOD_UPDATE: ("payment_details", "organization_payment_details"),
    SUBSCRIPTION_CANCEL: ("plan_details", "organization_plan_details"),
    SUBSCRIPTION_UPDATE: ("plan_selection", "organization_plan_selection"),
}
# The billing actions a flow session may take (named as the billing state names them), and the
# one that completes the flow.
_ACTIONS: dict[str, frozenset[str]] = {
    PAYMENT_METHOD_UPDATE: frozenset({"card"}),
    SUBSCRIPTION_CANCEL: frozenset({"cancel-preview", "cancel"}),
    SUBSCRIPTION_UPDATE: frozenset({"choose", "change"}),
}
_COMPLETES: dict[str, str] = {PAYMENT_METHOD_UPDATE: "card", SUBSCRIPTION_CANCEL: "cancel",
                              SUBSCRIPTION_UPDATE: "change"}


@dataclass(frozen=True)
class FlowRequest:
    """A link's checked flow: which task, the section it runs in, and where completion goes."""

    flow: str
    section: str  # a billing section key
    plan_key: str | None = None  # subscription_update's target plan
    after_completion_url: str | None = None


def flow_section(flow: str, org_code: str | None, sub_nav: str | None = None) -> str:
    """The section key `flow` runs in: the side `sub_nav` names when it is a billing section,
    else the organization's when there is one, else the user's."""
    user_key, org_key = _SECTIONS[flow]
    if sub_nav in (user_key, org_key):
        return sub_nav
    return org_key if org_code is not None else user_key


def owner_of(section: Section, user_id: str, org_code: str | None) -> Owner:
    """Whose billing a flow in `section` changes."""
    return Owner.org(org_code) if section.portal == "organization" else Owner.user(user_id)


def may_take(flow: str | None, action: str) -> bool:
    """Whether a session of `flow` may take billing action `action` (any action without a flow).

    `action` is the action's name with any `:argument` dropped (`choose:pro` is `choose`)."""
    return flow is None or action.partition(":")[0] in _ACTIONS.get(flow, frozenset())


def completes(flow: str | None, action: str) -> bool:
    """Whether taking `action` finishes `flow`."""
    return flow is not None and _COMPLETES.get(flow) == action


def _text(value: Any, field: str, max_length: int = 64) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise InvalidInput(f"{field}: must be a string of at most {max_length} characters", code="INVALID_FLOW")
    return value


def check_flow(session: Session, *, flow: Any, flow_plan: Any, after_completion_url: Any, user_id: str,
               org_code: str | None, sub_nav: Any, settings: EffectiveSettings,
               permissions: frozenset[str] | None = None) -> FlowRequest | None:
    """The link's flow, checked; None when the link names none. InvalidInput (400) for anything wrong.

    Checked now, not when the link is opened: the flow's name, that `flow_plan` comes with
    `subscription_update` only, that `after_completion_url` comes with a flow and is on the
    allowed return origins (like `return_url`), that the session may change billing in the flow's
    section, and that the task can be done: a plan to cancel, a target plan that exists, is
    offered and differs from the current one, and a card on file when that plan is paid.
    `permissions` are the member's in `org_code` (looked up when not given).
    """
    name = _text(flow, "flow")
    plan_key = _text(flow_plan, "flow_plan")
    if name is None:
        if plan_key is not None or after_completion_url not in (None, ""):
            field = "flow_plan" if plan_key is not None else "after_completion_url"
            raise InvalidInput(f"{field}: only with a flow; add flow={SUBSCRIPTION_UPDATE if plan_key else 'a flow'}",
                               code="INVALID_FLOW")
        return None
    if name not in FLOWS:
        raise InvalidInput(f"flow: unknown flow {name!r}; use one of {', '.join(FLOWS)}", code="INVALID_FLOW")
    if name == SUBSCRIPTION_UPDATE and plan_key is None:
        raise InvalidInput("flow_plan: subscription_update needs the key of the plan to change to",
                           code="INVALID_FLOW")
    if name != SUBSCRIPTION_UPDATE and plan_key is not None:
        raise InvalidInput(f"flow_plan: only with flow={SUBSCRIPTION_UPDATE}", code="INVALID_FLOW")
    after = None
    if after_completion_url not in (None, ""):
        after = allowed_return_url(after_completion_url, settings.return_origins, field="after_completion_url")
    key = flow_section(name, org_code, sub_nav if isinstance(sub_nav, str) else None)
    section = BY_KEY[key]
    if permissions is None:
        permissions = member_permissions(session, org_code, user_id) if org_code else frozenset()
    access = section_access(section, user_functions=settings.user_functions, org_functions=settings.org_functions,
                            permissions=permissions, has_org=org_code is not None)
    if access != "write":
        needs = f"the permission {section.write_permission}" if section.portal == "organization" \
            else "the user billing function"
        raise InvalidInput(f"flow: {name} needs {needs} and the billing function switched on",
                           code="FLOW_NOT_PERMITTED")
    _check_task(session, name, plan_key, owner_of(section, user_id, org_code))
    return FlowRequest(name, key, plan_key, after)


def _check_task(session: Session, flow: str, plan_key: str | None, owner: Owner) -> None:
    """InvalidInput when the flow's task cannot be done for `owner` now."""
    try:
        if flow == SUBSCRIPTION_CANCEL:
            subscriptions.preview_cancel(session, owner)
        elif flow == SUBSCRIPTION_UPDATE:
            if not re.match(PLAN_KEY_PATTERN, plan_key or ""):
                raise InvalidInput(f"flow_plan: {str(plan_key)[:64]!r} is not a plan key")
            get_plan(session, plan_key)
            preview = subscriptions.preview_change(session, owner, plan_key)
            if preview.needs_payment_method and default_payment_method(session, owner) is None:
                raise InvalidInput("flow_plan: the plan is paid and there is no card on file; "
                                   f"send a {PAYMENT_METHOD_UPDATE} flow first", code="PAYMENT_METHOD_REQUIRED")
    except DomainError as exc:
        prefix = "flow_plan" if flow == SUBSCRIPTION_UPDATE else "flow"
        message = exc.message if exc.message.startswith(prefix) else f"{prefix}: {exc.message}"
        raise InvalidInput(message, code=exc.code if exc.code != "INVALID_INPUT" else "INVALID_FLOW") from None


def stored_flow(row: Any) -> FlowRequest | None:
    """The flow a stored link or session row carries, or None. Its section is the row's `sub_nav`
    (a flow link is stored with the flow's section as its sub_nav)."""
    if not row.flow:
        return None
    return FlowRequest(row.flow, row.sub_nav, row.flow_plan, row.after_completion_url)
