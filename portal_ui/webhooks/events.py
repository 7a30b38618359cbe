"""The event catalogue: which audit actions become which webhook event types, and the payload.

Kinde's event type names are used where Kinde has the event (`user.updated`,
`organization.user_added`...); portal_ui's own events (plans and subscriptions, payment methods,
invoices, API keys, invitations, sessions) are named after the audit action that records them.
Actions left out (one-time links, the demo seed, catalogue and credential administration, webhook
administration itself) send no webhook.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

# event type -> (description, audit actions it reports, from Kinde?)
CATALOGUE: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "user.created": ("A user was created.", ("user.created",), True),
    "user.updated": ("A user changed their profile (name, email).", ("user.updated",), True),
    "user.deletion_scheduled": ("A user asked for their account to be deleted after the grace period.",
                                ("user.deletion_scheduled",), False),
    "user.deletion_cancelled": ("A user cancelled the scheduled deletion of their account.",
                                ("user.deletion_cancelled",), False),
    "user.deleted": ("A user's account was deleted (grace period over, or the Management API).", ("user.deleted",),
                     True),
    "organization.created": ("An organization was created.", ("organization.created",), True),
    "organization.updated": ("An organization's details or logo changed.",
                             ("organization.updated", "organization.logo_changed", "organization.logo_removed"),
                             True),
    "organization.user_added": ("A user became a member of an organization.", ("member.added",), True),
    "organization.user_removed": ("A member was removed from (or left) an organization.",
                                  ("member.removed", "member.left"), True),
    "organization.ownership_transferred": ("An owner handed ownership of the organization to another member.",
                                           ("organization.ownership_transferred",), False),
    "organization.user_role_changed": ("A member's roles changed.",
                                       ("member.role_added", "member.role_removed", "member.roles_changed"), False),
    "role.created": ("A role was created.", ("role.created",), True),
    "role.updated": ("A role's system permissions changed.", ("role.system_permissions_updated",), True),
    "subscription.started": ("A plan was chosen for the first time.", ("subscription.started",), False),
    "subscription.plan_changed": ("The plan changed (at once, or at renewal).", ("subscription.plan_changed",), False),
    "subscription.change_scheduled": ("A plan change was scheduled for the end of the period.",
                                      ("subscription.change_scheduled",), False),
    "subscription.change_undone": ("A scheduled plan change was undone.", ("subscription.change_undone",), False),
    "subscription.cancel_scheduled": ("The subscription will end at the end of the period.",
                                      ("subscription.cancel_scheduled",), False),
    "subscription.retention_accepted": ("Someone about to cancel took the retention offer instead (reason given).",
                                        ("subscription.retention_accepted",), False),
    "subscription.resumed": ("A scheduled cancellation was undone.", ("subscription.resumed",), False),
    "subscription.renewed": ("The subscription renewed for another period.", ("subscription.renewed",), False),
    "subscription.ended": ("The subscription ended.", ("subscription.ended",), False),
    "payment_method.added": ("A payment method was added.", ("payment_method.added",), False),
    "payment_method.default_set": ("Another payment method became the default.", ("payment_method.default_set",),
                                   False),
    "payment_method.removed": ("A payment method was removed.", ("payment_method.removed",), False),
    "billing_details.updated": ("Billing details (address, tax IDs) changed.",
                                ("billing_details.updated", "billing_details.tax_id_added",
                                 "billing_details.tax_id_removed"), False),
    "invoice.paid": ("An open invoice was paid.", ("invoice.paid",), False),
    "invoice.payment_failed": ("The payment provider could not collect an invoice.", ("invoice.payment_failed",),
                               False),
    "subscription.updated": ("The payment provider changed a subscription (status, period or plan).",
                             ("subscription.updated",), False),
    "api_key.created": ("An API key was created.", ("api_key.created",), False),
    "api_key.rotated": ("An API key's secret was replaced.", ("api_key.rotated",), False),
    "api_key.revoked": ("An API key was revoked.", ("api_key.revoked",), False),
    "invitation.created": ("Someone was invited to an organization.", ("invitation.created",), False),
    "invitation.email_sent": ("An invitation email was sent.", ("invitation.email_sent",), False),
    "invitation.revoked": ("An invitation was revoked.", ("invitation.revoked",), False),
    "domain.added": ("A domain was added to an organization, to be verified.", ("domain.added",), False),
    "domain.verified": ("An organization verified a domain (its DNS TXT record).", ("domain.verified",), False),
    "domain.enrolment_changed": ("How people at a verified domain join changed (manual, suggest, automatic).",
                                 ("domain.enrolment_changed",), False),
    "domain.removed": ("A domain was removed from an organization, or expired unverified.",
                       ("domain.removed", "domain.expired"), False),
    "join_request.created": ("Someone asked to join an organization.", ("join_request.created",), False),
    "join_request.approved": ("A join request was approved (the member is added too).", ("join_request.approved",),
                              False),
    "join_request.rejected": ("A join request was rejected.", ("join_request.rejected",), False),
    "portal_session.started": ("A user entered the portal through a one-time link.", ("portal_session.started",),
                               False),
    "portal_session.ended": ("A portal session ended (exit, sign-out or timeout).", ("portal_session.ended",),
                             False),
    "portal_settings.updated": ("The environment's or an organization's portal settings changed.",
                                ("portal_settings.updated",), False),
}
TEST_EVENT = "webhook.test"  # sent by "send test event" only; needs no subscription

EVENT_TYPE_OF_ACTION: dict[str, str] = {action: event_type for event_type, (_, actions, _) in CATALOGUE.items()
                                        for action in actions}
EVENT_TYPES = tuple(CATALOGUE)

_SOURCE = {"user": "user", "m2m": "api", "system": "system"}
# The key a target goes under in `data` (a member is a user of the organization).
_TARGET_KEY = {"member": "user"}


def event_type_of(action: str) -> str | None:
    """The webhook event type an audit action is sent as, or None when it sends none."""
    return EVENT_TYPE_OF_ACTION.get(action)


def payload(*, event_id: str, event_type: str, occurred_on: datetime, actor_type: str, actor_id: str,
            action: str, target_type: str, target_id: str, org_code: str | None, before: dict,
            after: dict) -> dict[str, Any]:
    """The event object receivers get (Kinde's top-level fields; `data` per event).

    `before`/`after` are the audit event's, from which secret fields are already removed
    (`portal_ui.domain.audit`); the client's address and user agent are not sent.
    """
    data: dict[str, Any] = {"action": action, "actor": {"type": actor_type, "id": actor_id}}
    if org_code:
        data["organization"] = {"code": org_code}
    if target_type != "environment" and not (target_type == "organization" and target_id == org_code):
        data[_TARGET_KEY.get(target_type, target_type)] = {"id": target_id}
    data["changes"] = {"before": before, "after": after}
    stamp = occurred_on.isoformat()
    return {"type": event_type, "event_id": event_id, "event_timestamp": stamp, "timestamp": stamp,
            "source": _SOURCE.get(actor_type, "system"), "data": data}


def catalogue_json() -> list[dict]:
    """The catalogue as `GET /api/v1/event_types` lists it (Kinde's `event_type` shape)."""
    return [{"id": name, "code": name, "name": description, "origin": "kinde" if kinde else "portal_ui",
             "schema": {}} for name, (description, _, kinde) in CATALOGUE.items()]
