"""The database tables (SQLModel). Migrations live in alembic/versions; change both together.

Times are aware UTC datetimes (sqlmodel stores them as UTC); use `portal_ui.domain.clock.utcnow()`
to write them and `clock.as_utc()` on values read back.
Secrets never appear here in clear: one-time link keys, session tokens, M2M client secrets and API
keys are stored only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

NAME_MAX = 255
URL_MAX = 2048
EMAIL_COLUMN_MAX = 320
SORT_NAME_MAX = 2 * NAME_MAX + 1  # "given family"


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class User(SQLModel, table=True):
    """A user. `deletion_due_on` is set while a deletion the user asked for waits out its grace
    period; `deleted_on` marks a deleted account, whose row stays only as an anonymous tombstone
    (no name, no email) for the invoices that must be kept (portal_ui.domain.account_deletion)."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_deletion_due", "deletion_due_on"),)
    id: str = Field(primary_key=True, max_length=64)  # kp_<hex>
    given_name: str = Field(default="", max_length=NAME_MAX)
    family_name: str = Field(default="", max_length=NAME_MAX)
    email: Optional[str] = Field(default=None, max_length=EMAIL_COLUMN_MAX, index=True)
    created_on: datetime
    deletion_due_on: Optional[datetime] = None  # migration 0013_account_lifecycle
    deleted_on: Optional[datetime] = None


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"
    code: str = Field(primary_key=True, max_length=64)  # org_<hex>
    name: str = Field(max_length=NAME_MAX)
    business_name: str = Field(default="", max_length=NAME_MAX)
    billing_email: str = Field(default="", max_length=320)
    phone: str = Field(default="", max_length=64)
    address_line1: str = Field(default="", max_length=NAME_MAX)
    address_line2: str = Field(default="", max_length=NAME_MAX)
    city: str = Field(default="", max_length=NAME_MAX)
    region: str = Field(default="", max_length=NAME_MAX)
    postcode: str = Field(default="", max_length=32)
    country: str = Field(default="", max_length=2)
    tax_id: str = Field(default="", max_length=64)
    website: str = Field(default="", max_length=URL_MAX)
    logo_url: str = Field(default="", max_length=URL_MAX)
    external_id: Optional[str] = Field(default=None, max_length=NAME_MAX)
    version: int = Field(default=1)  # optimistic concurrency for the details form
    created_on: datetime


class OrganizationLogo(SQLModel, table=True):
    """An organization's own logo (migration 0006_org_logo), checked and re-encoded or sanitised
    by portal_ui.domain.logos before it is stored; served by portal_ui.api.org_logo."""

    __tablename__ = "organization_logos"
    org_code: str = Field(foreign_key="organizations.code", primary_key=True, max_length=64)
    content_type: str = Field(max_length=32)  # image/png | image/jpeg | image/svg+xml
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    digest: str = Field(max_length=64)  # SHA-256 of data (hex): names the logo's URL, so it can be cached forever
    width: int = 0  # pixels; 0 for SVG
    height: int = 0
    updated_on: datetime


class Membership(SQLModel, table=True):
    """A user's membership of an organization.

    `sort_name` and `sort_email` copy the member's user row (migration 0007_member_sort_keys) so
    the members list can sort, search and count on this table alone, through its indexes:
    sort_name = lower(given_name || ' ' || family_name), sort_email = coalesce(email, ''), both
    computed by the database. Never set them by hand: portal_ui.domain.member_list.
    sync_member_sort_keys refreshes them, and every path that creates a membership or changes a
    user's name or email calls it.
    """

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("org_code", "user_id", name="uq_membership_org_user"),
        Index("ix_membership_user", "user_id"),
        Index("ix_membership_org_joined", "org_code", "joined_on"),  # members list, default order
        # Members list by name; sort_email last makes it cover the search (name or email LIKE), so
        # counting the matches reads this index alone.
        Index("ix_membership_org_sort_name", "org_code", "sort_name", "user_id", "sort_email"),
        Index("ix_membership_org_sort_email", "org_code", "sort_email", "user_id"),  # members list by email
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    org_code: str = Field(foreign_key="organizations.code", max_length=64)
    user_id: str = Field(foreign_key="users.id", max_length=64)
    joined_on: datetime
    sort_name: str = Field(default="", max_length=SORT_NAME_MAX, sa_column_kwargs={"server_default": ""})
    sort_email: str = Field(default="", max_length=EMAIL_COLUMN_MAX, sa_column_kwargs={"server_default": ""})


class Role(SQLModel, table=True):
    __tablename__ = "roles"
    id: str = Field(primary_key=True, max_length=64)  # role_<hex>
    key: str = Field(unique=True, max_length=NAME_MAX)
    name: str = Field(max_length=NAME_MAX)
    description: str = Field(default="", max_length=1024)
    is_default_role: bool = False  # assign to new members
    assign_to_creator: bool = False
    created_on: datetime


class SystemPermission(SQLModel, table=True):
    __tablename__ = "system_permissions"
    id: str = Field(primary_key=True, max_length=64)  # perm_<hex>
    key: str = Field(unique=True, max_length=NAME_MAX)
    name: str = Field(max_length=NAME_MAX)
    description: str = Field(default="", max_length=1024)


class RolePermission(SQLModel, table=True):
    __tablename__ = "role_permissions"
    role_id: str = Field(foreign_key="roles.id", primary_key=True, max_length=64)
    permission_id: str = Field(foreign_key="system_permissions.id", primary_key=True, max_length=64)


class MemberRole(SQLModel, table=True):
    __tablename__ = "member_roles"
    __table_args__ = (Index("ix_member_roles_role", "role_id"),)  # "who holds this role" (writer checks)
    membership_id: int = Field(foreign_key="memberships.id", primary_key=True)
    role_id: str = Field(foreign_key="roles.id", primary_key=True, max_length=64)
    granted_on: datetime


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitation_org_email", "org_code", "email"),
                      Index("ix_invitation_org_status", "org_code", "status"))
    code: str = Field(primary_key=True, max_length=64)  # inv_<hex>
    org_code: str = Field(foreign_key="organizations.code", max_length=64)
    email: str = Field(max_length=320)
    given_name: str = Field(default="", max_length=NAME_MAX)
    family_name: str = Field(default="", max_length=NAME_MAX)
    role_keys: list = _json_list()
    status: str = Field(default="pending", max_length=16)  # pending|accepted|revoked
    invited_by: Optional[str] = Field(default=None, max_length=64)
    created_on: datetime
    sent_on: Optional[datetime] = None  # when the invitation email went out (None: not sent)


class M2MApplication(SQLModel, table=True):
    __tablename__ = "m2m_applications"
    client_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=NAME_MAX)
    secret_hash: str = Field(max_length=128)
    scopes: list = _json_list()
    created_on: datetime
    revoked_on: Optional[datetime] = None


class PortalSettingsRow(SQLModel, table=True):
    """One row with org_code NULL for the environment, one per organization that overrides it."""

    __tablename__ = "portal_settings"
    id: Optional[int] = Field(default=None, primary_key=True)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", unique=True, max_length=64)
    data: dict = _json_dict()  # validated by portal_ui.domain.portal_settings
    updated_on: datetime


class PortalLink(SQLModel, table=True):
    __tablename__ = "portal_links"
    id: Optional[int] = Field(default=None, primary_key=True)
    key_hash: str = Field(unique=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", max_length=64)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", max_length=64)
    sub_nav: str = Field(max_length=64)
    return_url: str = Field(max_length=URL_MAX)
    created_by: str = Field(max_length=128)
    created_on: datetime
    expires_on: datetime
    redeemed_on: Optional[datetime] = None
    preview: dict = _json_dict()  # empty for real links; preview options otherwise
    # A focused flow (portal_ui.domain.flows): the task, its target plan, where completion goes.
    flow: Optional[str] = Field(default=None, max_length=32)
    flow_plan: Optional[str] = Field(default=None, max_length=64)
    after_completion_url: Optional[str] = Field(default=None, max_length=URL_MAX)


class PortalSession(SQLModel, table=True):
    __tablename__ = "portal_sessions"
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    link_id: Optional[int] = Field(default=None, foreign_key="portal_links.id")
    user_id: str = Field(foreign_key="users.id", max_length=64)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", max_length=64)
    sub_nav: str = Field(max_length=64)
    return_url: str = Field(max_length=URL_MAX)
    created_on: datetime
    last_seen_on: datetime
    expires_on: datetime  # absolute limit (session_max_seconds)
    ended_on: Optional[datetime] = None
    preview: dict = _json_dict()
    flow: Optional[str] = Field(default=None, max_length=32)  # copied from the link
    flow_plan: Optional[str] = Field(default=None, max_length=64)
    after_completion_url: Optional[str] = Field(default=None, max_length=URL_MAX)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=NAME_MAX)
    type: str = Field(max_length=16)  # organization|user
    status: str = Field(default="active", max_length=16)  # active|revoked
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", max_length=64, index=True)
    user_id: Optional[str] = Field(default=None, foreign_key="users.id", max_length=64, index=True)
    key_prefix: str = Field(max_length=64)
    key_suffix: str = Field(max_length=16)
    key_hash: str = Field(unique=True, max_length=64)
    scopes: list = _json_list()
    created_on: datetime
    created_by: str = Field(max_length=128)
    expires_on: Optional[datetime] = None
    last_verified_on: Optional[datetime] = None
    verification_count: int = 0


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    # Every index ends in (occurred_on, id): the audit log's keyset pages (portal_ui.domain.audit_log)
    # read them newest first, for the whole organization or filtered by actor, actor type or action,
    # and the profile page reads a user's own latest events.
    __table_args__ = (Index("ix_audit_org_time", "org_code", "occurred_on", "id"),
                      Index("ix_audit_org_actor", "org_code", "actor_id", "occurred_on", "id"),
                      Index("ix_audit_org_actor_type", "org_code", "actor_type", "occurred_on", "id"),
                      Index("ix_audit_org_action", "org_code", "action", "occurred_on", "id"),
                      Index("ix_audit_actor", "actor_type", "actor_id", "occurred_on", "id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    occurred_on: datetime
    actor_type: str = Field(max_length=16)  # user|m2m|system
    actor_id: str = Field(max_length=128)
    org_code: Optional[str] = Field(default=None, max_length=64)
    action: str = Field(max_length=64)
    target_type: str = Field(max_length=32)
    target_id: str = Field(max_length=128)
    before: dict = _json_dict()
    after: dict = _json_dict()
    client_ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=512)


class ApiScope(SQLModel, table=True):
    """A scope API keys may carry; the catalogue is kept by the product team.

    Keys look like `read:reports` (see portal_ui.domain.api_keys.SCOPE_KEY_PATTERN).
    """

    __tablename__ = "api_scopes"
    id: str = Field(primary_key=True, max_length=64)  # scope_<hex>
    key: str = Field(unique=True, max_length=128)
    description: str = Field(default="", max_length=1024)
    created_on: datetime


# --- Billing (portal_ui.billing; migration 0004_billing) ---------------------------------------
# Money is an integer in the currency's minor unit (cents; yen for JPY) plus an ISO 4217 code.
# A billing owner is exactly one of user_id / org_code. Cards keep only brand, last four digits
# and expiry: never the full number or the CVC.

_ONE_OWNER = "(user_id IS NULL) <> (org_code IS NULL)"


class Plan(SQLModel, table=True):
    __tablename__ = "plans"
    key: str = Field(primary_key=True, max_length=64)  # e.g. pro_monthly
    name: str = Field(max_length=NAME_MAX)
    description: str = Field(default="", max_length=1024)
    amount_minor: int = 0
    currency: str = Field(max_length=3)
    interval: str = Field(max_length=8)  # month|year|none
    features: list = _json_list()  # short bullet strings
    active: bool = True  # offered in the plan picker
    sort_order: int = 0
    created_on: datetime


class Subscription(SQLModel, table=True):
    """The plan of one billing owner (one row per owner, reused when they subscribe again)."""

    __tablename__ = "subscriptions"
    __table_args__ = (CheckConstraint(_ONE_OWNER, name="ck_subscription_one_owner"),)
    id: str = Field(primary_key=True, max_length=64)  # sub_<hex>
    user_id: Optional[str] = Field(default=None, foreign_key="users.id", unique=True, max_length=64)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", unique=True, max_length=64)
    plan_key: str = Field(foreign_key="plans.key", max_length=64)
    pending_plan_key: Optional[str] = Field(default=None, foreign_key="plans.key", max_length=64)
    status: str = Field(default="active", max_length=16)  # active|past_due|canceled
    current_period_start: datetime
    current_period_end: Optional[datetime] = None  # None for plans without an interval
    cancel_at_period_end: bool = False
    created_on: datetime
    updated_on: datetime
    ended_on: Optional[datetime] = None
    # Set when a payment provider runs the subscription (Stripe: "stripe" and its sub_... id); the
    # provider then renews and charges it, and its webhooks keep this row in step (migration 0011_stripe).
    provider: str = Field(default="", max_length=32)
    provider_ref: Optional[str] = Field(default=None, max_length=128, index=True)
    # Why it was cancelled (migration 0014_billing_profile; portal_ui.billing.retention).
    cancel_reason: Optional[str] = Field(default=None, max_length=32)
    cancel_comment: str = Field(default="", max_length=500)
    retention_offered_on: Optional[datetime] = None  # the retention coupon is offered once per subscription
    # A discount accepted from the retention offer: applies to invoices of periods starting before discount_ends_on.
    discount_percent: int = 0
    discount_label: str = Field(default="", max_length=120)
    discount_ends_on: Optional[datetime] = None


class PaymentMethod(SQLModel, table=True):
    __tablename__ = "payment_methods"
    __table_args__ = (CheckConstraint(_ONE_OWNER, name="ck_payment_method_one_owner"),)
    id: str = Field(primary_key=True, max_length=64)  # pm_<hex>
    user_id: Optional[str] = Field(default=None, foreign_key="users.id", index=True, max_length=64)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", index=True, max_length=64)
    provider: str = Field(max_length=32)  # e.g. "test"
    provider_ref: str = Field(unique=True, max_length=128)  # the provider's token, never card data
    brand: str = Field(max_length=32)
    last4: str = Field(max_length=4)
    exp_month: int
    exp_year: int
    is_default: bool = False
    created_on: datetime


class BillingProfile(SQLModel, table=True):
    """An owner's billing details: who invoices are addressed to and their tax IDs (migration
    0014_billing_profile). Without a row, invoices use the organization's details or the user's name."""

    __tablename__ = "billing_profiles"
    __table_args__ = (CheckConstraint(_ONE_OWNER, name="ck_billing_profile_one_owner"),)
    id: str = Field(primary_key=True, max_length=64)  # bp_<hex>
    user_id: Optional[str] = Field(default=None, foreign_key="users.id", unique=True, max_length=64)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", unique=True, max_length=64)
    name: str = Field(default="", max_length=NAME_MAX)
    email: str = Field(default="", max_length=EMAIL_COLUMN_MAX)
    address_line1: str = Field(default="", max_length=NAME_MAX)
    address_line2: str = Field(default="", max_length=NAME_MAX)
    city: str = Field(default="", max_length=NAME_MAX)
    region: str = Field(default="", max_length=NAME_MAX)
    postcode: str = Field(default="", max_length=32)
    country: str = Field(default="", max_length=2)
    tax_ids: list = _json_list()  # [{"type": "eu_vat", "value": "DE136695976"}], compact form
    updated_on: datetime


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (CheckConstraint(_ONE_OWNER, name="ck_invoice_one_owner"),)
    id: str = Field(primary_key=True, max_length=64)  # in_<hex>
    number: str = Field(unique=True, max_length=32)  # INV-000001
    user_id: Optional[str] = Field(default=None, foreign_key="users.id", index=True, max_length=64)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", index=True, max_length=64)
    plan_key: Optional[str] = Field(default=None, max_length=64)
    amount_minor: int
    currency: str = Field(max_length=3)
    status: str = Field(max_length=16)  # paid|open|void
    issued_on: datetime
    paid_on: Optional[datetime] = None
    period_start: Optional[datetime] = None
    period_end: Optional[datetime] = None
    lines: list = _json_list()  # [{"description": str, "amount_minor": int}]
    billed_to: list = _json_list()  # name and address lines at the time of issue
    # The buyer's billing details (portal_ui.billing.profile) at the time of issue; None before 0014.
    buyer: Optional[dict] = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The seller's details (portal settings `seller`) at the time of issue; None before 0010.
    seller: Optional[dict] = Field(default=None, sa_column=Column(JSON, nullable=True))
    paid_with: str = Field(default="", max_length=64)  # e.g. "Visa ending 4242"
    provider: str = Field(default="", max_length=32)
    provider_ref: str = Field(default="", max_length=128)
    # The provider's own pages for this invoice (Stripe's hosted invoice page and PDF; migration 0011_stripe).
    hosted_url: str = Field(default="", max_length=URL_MAX)
    pdf_url: str = Field(default="", max_length=URL_MAX)


# --- Stripe (portal_ui.billing.stripe_billing; migration 0011_stripe) -------------------------------
# Only Stripe's ids are kept: a customer per billing owner, and the ids of the Stripe events already
# handled (webhooks are delivered at least once; each is applied once).


class StripeCustomer(SQLModel, table=True):
    __tablename__ = "stripe_customers"
    __table_args__ = (CheckConstraint(_ONE_OWNER, name="ck_stripe_customer_one_owner"),)
    customer_id: str = Field(primary_key=True, max_length=128)  # cus_...
    user_id: Optional[str] = Field(default=None, foreign_key="users.id", unique=True, max_length=64)
    org_code: Optional[str] = Field(default=None, foreign_key="organizations.code", unique=True, max_length=64)
    created_on: datetime


class StripeEvent(SQLModel, table=True):
    __tablename__ = "stripe_events"
    id: str = Field(primary_key=True, max_length=128)  # evt_...
    type: str = Field(max_length=128)
    received_on: datetime


# --- Webhooks (portal_ui.webhooks; migration 0008_webhooks) --------------------------------------
# An endpoint's signing secret is kept in clear: Standard Webhooks signs with it (HMAC), so it cannot
# be a hash. It is shown once, when the endpoint is created, and never appears in a payload or the
# audit log. Events and deliveries form the outbox: written in the transaction of the change they
# report, sent afterwards by the delivery worker.

class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"
    id: str = Field(primary_key=True, max_length=64)  # webhook_<hex>
    name: str = Field(max_length=NAME_MAX)
    endpoint: str = Field(max_length=URL_MAX)
    description: Optional[str] = Field(default=None, max_length=1024)
    event_types: list = _json_list()
    signing: str = Field(default="jwt", max_length=16)  # jwt|standard
    secret: str = Field(max_length=128)  # whsec_<base64>
    created_on: datetime
    updated_on: datetime


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_events"
    id: str = Field(primary_key=True, max_length=64)  # event_<hex>
    type: str = Field(max_length=64)
    occurred_on: datetime
    payload: dict = _json_dict()  # the event object as sent: type, event_id, timestamp, source, data
    is_test: bool = False


class WebhookDelivery(SQLModel, table=True):
    """One event on its way to one endpoint; `next_attempt_on` is when a worker may next claim it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_on"),
        Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_on", "id"),
    )
    id: str = Field(primary_key=True, max_length=64)  # whd_<hex>
    endpoint_id: str = Field(foreign_key="webhook_endpoints.id", max_length=64)
    event_id: str = Field(foreign_key="webhook_events.id", max_length=64, index=True)
    status: str = Field(default="pending", max_length=16)  # pending|delivered|failed
    attempt_count: int = 0
    next_attempt_on: datetime
    claim: Optional[str] = Field(default=None, max_length=64)  # the worker's claim while it sends
    replay_of: Optional[str] = Field(default=None, max_length=64)
    created_on: datetime
    last_attempt_on: Optional[datetime] = None
    delivered_on: Optional[datetime] = None
    last_status_code: Optional[int] = None
    last_latency_ms: Optional[int] = None
    last_response: str = Field(default="", max_length=512)
    last_error: str = Field(default="", max_length=255)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    id: Optional[int] = Field(default=None, primary_key=True)
    delivery_id: str = Field(foreign_key="webhook_deliveries.id", max_length=64, index=True)
    attempted_on: datetime
    status_code: Optional[int] = None
    latency_ms: int = 0
    response: str = Field(default="", max_length=512)
    error: str = Field(default="", max_length=255)


# --- Verified domains and join requests (portal_ui.domain.domains, .join_requests; migration 0015_domains) --

class OrganizationDomain(SQLModel, table=True):
    """An email domain an organization claims, proven by a DNS TXT record.

    `name` is the domain's ASCII (IDNA) form, lower-case. `verified_name` repeats it once the domain
    is verified and is NULL before: its unique constraint lets only one organization hold a verified
    domain, even when two verify it at the same moment. An unverified domain expires 30 days after
    `created_on` (portal_ui.domain.domains.EXPIRES_AFTER).
    """

    __tablename__ = "organization_domains"
    __table_args__ = (UniqueConstraint("org_code", "name", name="uq_domain_org_name"),
                      Index("ix_domain_name", "name"))
    id: str = Field(primary_key=True, max_length=64)  # dom_<hex>
    org_code: str = Field(foreign_key="organizations.code", max_length=64)
    name: str = Field(max_length=253)
    verified_name: Optional[str] = Field(default=None, unique=True, max_length=253)
    status: str = Field(default="pending", max_length=16)  # pending|verified
    enrolment: str = Field(default="manual", max_length=16)  # manual|suggest|automatic (verified only)
    token: str = Field(max_length=64)  # the TXT record's value carries it; public, not a secret
    created_on: datetime
    created_by: str = Field(default="", max_length=128)
    verified_on: Optional[datetime] = None
    last_checked_on: Optional[datetime] = None


class JoinRequest(SQLModel, table=True):
    """A user's request to join an organization whose verified domain (in `suggest` mode) matches
    their email. One row per organization and user; a closed request is reopened if they ask again
    after leaving."""

    __tablename__ = "join_requests"
    __table_args__ = (UniqueConstraint("org_code", "user_id", name="uq_join_request_org_user"),
                      Index("ix_join_request_org_status", "org_code", "status", "created_on"))
    id: str = Field(primary_key=True, max_length=64)  # jr_<hex>
    org_code: str = Field(foreign_key="organizations.code", max_length=64)
    user_id: str = Field(foreign_key="users.id", max_length=64)
    domain: str = Field(max_length=253)  # the matching domain when asked
    status: str = Field(default="pending", max_length=16)  # pending|approved|rejected
    created_on: datetime
    decided_on: Optional[datetime] = None
    decided_by: Optional[str] = Field(default=None, max_length=128)
    role_keys: list = _json_list()  # the roles given on approval
