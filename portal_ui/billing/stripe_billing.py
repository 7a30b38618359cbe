"""Billing with Stripe (PORTAL_BILLING_PROVIDER=stripe): customers, cards, subscriptions, invoices
and Stripe's webhooks, kept in step with the portal's own rows (README "Stripe").

- **Customers**: one Stripe customer per billing owner (a user, or an organization), created the
  first time the owner needs one (`customer_id`); only its id is kept (`stripe_customers`). It
  carries the owner's billing details (`profile.billing_details`: name, email, address, tax IDs
  mapped by `stripe_tax_id`), so Stripe's invoices print them; saving details or adding or removing
  a tax ID changes an existing customer first (`on_details_saved`, `on_tax_id_added`,
  `on_tax_id_removed`), and a refusal leaves the portal's details as they were.
- **Cards**: `begin_card_setup` creates a SetupIntent; the browser confirms it with Stripe's own
  card element and the publishable key, so card numbers go to Stripe only; `complete_card_setup`
  then reads the confirmed card back from Stripe and keeps brand, last four digits and expiry. The
  default card is the customer's `invoice_settings.default_payment_method`.
- **Plans**: each catalogue plan is a Stripe plan with the id `portal_<key>`, created the first time
  it is needed (or when the plan is created through the Management API), or linked if it exists.
- **Subscriptions** (`apply_change`, `set_cancel`): a paid plan is a Stripe subscription. Starting
  one and upgrading charge at once through Stripe (a decline changes nothing); a change scheduled
  for the period end, like cancelling, asks Stripe to end the subscription at the period end, and
  when Stripe reports it ended (`customer.subscription.deleted`) the scheduled plan starts.
  Stripe renews and retries; the portal's own renewal engine leaves these subscriptions alone.
- **Previews** (`preview_lines`): what a change of a subscription Stripe runs costs comes from Stripe's
  own invoice preview, and an upgrade is made with the preview's moment as `proration_date`, so the
  invoice Stripe issues has the preview's lines to the cent (Stripe's descriptions, in English).
- **Retention coupon** (`apply_retention_coupon`): a Stripe coupon on the Stripe subscription. A
  plan change that starts a new Stripe subscription (a scheduled one, at the period end) takes the
  discount along for the months left of it (`_carried_coupon`), so it is not lost on the way.
- **Invoices**: Stripe issues them; each is mirrored into `invoices` (lines, amounts, status, the buyer's billing details, the
  hosted page and PDF links) when a change returns it, when a webhook reports it and on `sync`. A
  discount, which Stripe gives per line (`discount_amounts`), becomes one line, as on the portal's own.
- **Webhooks** (`handle_event`): each event id is applied once (`stripe_events`). When applying one
  fails after Stripe answered (nothing of it is kept, and Stripe sends it again), the new
  subscription of a scheduled plan went with an idempotency key made of the event id, so the
  second attempt gets the subscription the first one started, charged once.

The functions the portal's pages call ask Stripe before they write: within the caller's
transaction no row is written before a call to Stripe, because a write holds SQLite's
database-wide write lock until the caller commits, and no other tab or worker could write while
Stripe answers (up to TIMEOUT_SECONDS). Where a row must exist before the next call (a new
customer's, before its SetupIntent), the caller writes it with `customer_id` and commits first, as
the billing page does. The one exception is a webhook that starts a scheduled plan
(`handle_event`): the event's id is written first, so that an event Stripe delivers twice at once
starts one subscription, not two.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_ui.billing import payment_methods as cards
from portal_ui.billing.invoices import has_open_invoices, line, next_number
from portal_ui.billing.owner import Owner, require_owner
from portal_ui.billing.profile import billing_details, buyer_lines, buyer_snapshot
from portal_ui.billing.periods import add_interval
from portal_ui.billing.provider import CardDeclined, default_provider, manages_subscriptions
from portal_ui.billing.quotes import discount_of
from portal_ui.billing.renewals import snapshot
from portal_ui.billing.stripe_provider import (ProviderError, SetupIntent, StripeProvider, TaxIdRefused, card_details,
                                              plan_key_of)
from portal_ui.billing.tax_ids import TaxId, display
from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound, Text, say
from portal_ui.domain.portal_settings import seller_details
from portal_ui.models import (Invoice, Organization, PaymentMethod, Plan, StripeCustomer, StripeEvent, Subscription,
                              User)

log = logging.getLogger(__name__)

PROVIDER = StripeProvider.name
SYSTEM = audit.Actor.system("stripe")
ID_MAX = 128
URL_MAX = 2048
# Stripe's subscription statuses as the portal's: active, past_due (a payment is owed) or canceled.
STATUS = {"active": "active", "trialing": "active", "past_due": "past_due", "unpaid": "past_due",
          "incomplete": "past_due", "paused": "past_due", "canceled": "canceled", "incomplete_expired": "canceled"}
INVOICE_STATUS = {"paid": "paid", "open": "open", "draft": "open", "uncollectible": "open", "void": "void"}


def stripe_provider() -> StripeProvider | None:
    """The Stripe provider while PORTAL_BILLING_PROVIDER is stripe, else None."""
    provider = default_provider()
    return provider if isinstance(provider, StripeProvider) else None


def _require() -> StripeProvider:
    provider = stripe_provider()
    if provider is None:
        raise Conflict(say("billing_rules.stripe.not_configured"), code="STRIPE_NOT_CONFIGURED")
    return provider


def _owner_ref(owner: Owner) -> str:
    return f"org:{owner.org_code}" if owner.org_code else f"user:{owner.user_id}"


def _when(seconds: Any) -> datetime | None:
    return datetime.fromtimestamp(int(seconds), timezone.utc) if seconds else None


def _id(value: Any) -> str | None:
    """An id from a field that Stripe sends as an id or as the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= ID_MAX else None


# --- customers ------------------------------------------------------------------------------------

def find_customer(session: Session, owner: Owner) -> str | None:
    row = session.exec(select(StripeCustomer).where(owner.where(StripeCustomer))).first()
    return row.customer_id if row else None


def owner_of_customer(session: Session, customer_id: str | None) -> Owner | None:
    row = session.get(StripeCustomer, customer_id) if customer_id else None
    if row is None:
        return None
    return Owner(user_id=row.user_id, org_code=row.org_code)


# The languages Stripe writes its invoices and emails in (its `preferred_locales`): a portal
# language outside them leaves the customer to Stripe's default.
STRIPE_LOCALES = frozenset("bg cs da de el en es et fi fil fr hr hu id it ja ko lt lv ms mt nb nl pl pt ro ru sk sl "
                           "sv th tr vi zh".split())


def customer_id(session: Session, owner: Owner, provider: StripeProvider | None = None, *,
                lang: str | None = None) -> str:
    """The owner's Stripe customer, created (with the owner's billing details) the first time; its
    row is written once Stripe has answered, so commit before asking Stripe anything else. `lang`
    (the portal language of the person setting billing up) becomes a new customer's preferred
    locale, so Stripe's own invoice pages, PDFs and emails speak it too."""
    found, new = _customer(session, owner, provider, lang=lang)
    if new:
        _keep_customer(session, owner, found)
    return found


def _customer(session: Session, owner: Owner, provider: StripeProvider | None = None, *,
              lang: str | None = None) -> tuple[str, bool]:
    """(the owner's customer id, whether it was just created in Stripe): nothing is written, so a
    new customer's row is the caller's to keep (`_keep_customer`) after its other calls to Stripe.

    A new customer carries the owner's billing details (`profile.billing_details`: their own, else
    the organization's or the user's): name, email, address and the tax IDs Stripe has a type for.
    Should Stripe refuse one of those tax IDs, the customer is created without them and they are
    then added one by one, leaving out only those Stripe refuses: a number Stripe finds malformed
    must not keep the owner from paying, nor cost the owner's other tax IDs their place."""
    found = find_customer(session, owner)
    if found:
        return found, False
    provider = provider or _require()
    require_owner(session, owner)
    details = billing_details(session, owner)
    name, email, address = _customer_fields(session, owner, details.fields())
    tax_ids = [x for x in (stripe_tax_id(t) for t in details.tax_ids) if x]
    locale = lang if lang in STRIPE_LOCALES else None
    try:
        return provider.create_customer(name=name, email=email, owner_ref=_owner_ref(owner), address=address,
                                        tax_ids=tax_ids, locale=locale), True
    except TaxIdRefused:
        pass
    cid = provider.create_customer(name=name, email=email, owner_ref=_owner_ref(owner), address=address,
                                   locale=locale)
    for tax_id in tax_ids:
        try:
            provider.create_tax_id(cid, type=tax_id["type"], value=tax_id["value"])
        except TaxIdRefused:
            log.warning("Stripe refused a %s tax ID of %s; its customer has the others", tax_id["type"],
                        _owner_ref(owner))
    return cid, True


def _keep_customer(session: Session, owner: Owner, cid: str) -> None:
    session.add(StripeCustomer(customer_id=cid, **owner.columns(), created_on=utcnow()))
    session.flush()


# --- the owner's billing details in Stripe ------------------------------------------------------

# The portal's tax ID types (portal_ui.billing.tax_ids) as Stripe's `tax_id` types; a tax ID of any
# other kind (an organization's free-text tax ID) stays in the portal only.
STRIPE_TAX_TYPES = {"eu_vat": "eu_vat", "gb_vat": "gb_vat", "us_ein": "us_ein", "au_abn": "au_abn"}


def stripe_tax_id(tax_id: TaxId) -> dict[str, str] | None:
    """A portal tax ID as Stripe's {"type", "value"}, the number in the form Stripe's docs give:
    EU VAT and ABN compact ("DE123456789", "12345678912"), UK VAT with its "GB" prefix (the
    portal keeps it without), EIN with its dash ("12-3456789"). None for a type Stripe lacks."""
    kind = STRIPE_TAX_TYPES.get(tax_id.type)
    if kind is None or not tax_id.value:
        return None
    value = tax_id.value
    if tax_id.type == "gb_vat" and not value.upper().startswith("GB"):
        value = "GB" + value
    elif tax_id.type == "us_ein":
        value = display("us_ein", value)
    return {"type": kind, "value": value}


def _compact(value: Any) -> str:
    return "".join(c for c in str(value or "") if c.isalnum()).upper()


def _same_tax_id(found: dict, wanted: dict[str, str]) -> bool:
    return found.get("type") == wanted["type"] and _compact(found.get("value")) == _compact(wanted["value"])


def stripe_address(fields: Mapping[str, str]) -> dict[str, str]:
    """The portal's address fields (`profile.FIELDS`) as Stripe's `address`."""
    return {"line1": fields.get("address_line1") or "", "line2": fields.get("address_line2") or "",
            "city": fields.get("city") or "", "postal_code": fields.get("postcode") or "",
            "state": fields.get("region") or "", "country": fields.get("country") or ""}


def _customer_fields(session: Session, owner: Owner, fields: Mapping[str, str]) -> tuple[str, str, dict[str, str]]:
    """(name, email, address) of the owner's Stripe customer from billing details `fields`: without
    a billing email, the organization's billing email or the user's own, so Stripe can still
    reach the payer; without a name (a user who gave none), the owner's id."""
    email = fields.get("email") or ""
    if not email and owner.org_code:
        org = session.get(Organization, owner.org_code)
        email = (org.billing_email if org else "") or ""
    elif not email:
        user = session.get(User, owner.user_id)
        email = (user.email if user else "") or ""
    return fields.get("name") or owner.id, email, stripe_address(fields)


def _provider_and_customer(session: Session, owner: Owner) -> tuple[StripeProvider | None, str | None]:
    """The Stripe provider and the owner's customer, or (…, None): with the test provider, or for an
    owner without a customer, billing details stay in the portal (no customer is made for them)."""
    provider = stripe_provider()
    return provider, (find_customer(session, owner) if provider is not None else None)


def on_details_saved(session: Session, owner: Owner, fields: Mapping[str, str]) -> None:
    """Give the owner's Stripe customer, if there is one, the billing details being saved (name,
    email, address), so Stripe's invoices print them. Writes nothing: called before the details'
    row changes. Raises ProviderError (then nothing is saved)."""
    provider, cid = _provider_and_customer(session, owner)
    if cid is None:
        return
    name, email, address = _customer_fields(session, owner, fields)
    provider.update_customer(cid, name=name, email=email, address=address)


def on_tax_id_added(session: Session, owner: Owner, tax_id: TaxId) -> None:
    """Add the tax ID to the owner's Stripe customer, if there is one (once: a tax ID Stripe has
    already, from an attempt the portal did not keep, is not added again). Writes nothing: called
    before the details' row changes. Raises TaxIdRefused (Stripe finds it invalid), ProviderError."""
    provider, cid = _provider_and_customer(session, owner)
    wanted = stripe_tax_id(tax_id)
    if cid is None or wanted is None:
        return
    if not any(_same_tax_id(found, wanted) for found in provider.list_tax_ids(cid)):
        provider.create_tax_id(cid, type=wanted["type"], value=wanted["value"])


def on_tax_id_removed(session: Session, owner: Owner, tax_id: TaxId) -> None:
    """Remove the tax ID (every copy of its type and number) from the owner's Stripe customer, if
    there is one. Writes nothing: called before the details' row changes. Raises ProviderError."""
    provider, cid = _provider_and_customer(session, owner)
    wanted = stripe_tax_id(tax_id)
    if cid is None or wanted is None:
        return
    for found in provider.list_tax_ids(cid):
        if _same_tax_id(found, wanted) and _id(found.get("id")):
            provider.delete_tax_id(cid, _id(found.get("id")))


# --- cards ----------------------------------------------------------------------------------------

def begin_card_setup(session: Session, owner: Owner) -> SetupIntent:
    """A SetupIntent for the owner's customer; its client secret goes to Stripe's card element in
    the browser (with the publishable key), never anywhere else. Raises Conflict (too many cards).

    A customer created here is kept (its row written) only after the SetupIntent: when Stripe
    refuses that, the new customer stays in Stripe with no row. Call `customer_id` and commit
    first (the billing page does) to keep the customer whatever happens to the SetupIntent."""
    provider = _require()
    if len(cards.list_payment_methods(session, owner)) >= cards.MAX_PAYMENT_METHODS:
        raise Conflict(say("billing_rules.too_many_cards", max=cards.MAX_PAYMENT_METHODS),
                       code="TOO_MANY_PAYMENT_METHODS")
    cid, new = _customer(session, owner, provider)
    setup = provider.create_setup_intent(cid)
    if new:
        _keep_customer(session, owner, cid)
    return setup


def complete_card_setup(session: Session, *, actor: audit.Actor, owner: Owner, setup_intent_id: str,
                        make_default: bool = False) -> PaymentMethod:
    """Keep the card of a SetupIntent the browser confirmed with Stripe: brand, last four digits,
    expiry and its payment method id. The SetupIntent must be the owner's and have succeeded.
    Completing the same SetupIntent twice returns the card kept the first time.
    Raises InvalidInput (not confirmed), NotFound (another customer's), Conflict (too many cards)."""
    provider = _require()
    if not isinstance(setup_intent_id, str) or not setup_intent_id.startswith("seti_") or len(setup_intent_id) > ID_MAX:
        raise InvalidInput(say("billing_rules.stripe.no_setup"), code="INVALID_SETUP_INTENT")
    cid = find_customer(session, owner)  # a SetupIntent of this owner's has this owner's customer
    if cid is None:
        raise NotFound(say("billing_rules.stripe.no_setup"), code="SETUP_INTENT_NOT_FOUND")
    intent = provider.retrieve_setup_intent(setup_intent_id)
    if _id(intent.get("customer")) != cid:
        raise NotFound(say("billing_rules.stripe.no_setup"), code="SETUP_INTENT_NOT_FOUND")
    if intent.get("status") != "succeeded" or not _id(intent.get("payment_method")):
        raise InvalidInput(say("billing_rules.stripe.setup_not_confirmed"), code="SETUP_NOT_CONFIRMED")
    pm_id = _id(intent.get("payment_method"))
    existing = session.exec(select(PaymentMethod).where(PaymentMethod.provider == PROVIDER,
                                                        PaymentMethod.provider_ref == pm_id)).first()
    if existing is not None:
        if not owner.owns(existing):
            raise NotFound(say("billing_rules.stripe.no_setup"), code="SETUP_INTENT_NOT_FOUND")
        return existing
    kept_cards = cards.list_payment_methods(session, owner)
    if len(kept_cards) >= cards.MAX_PAYMENT_METHODS:
        raise Conflict(say("billing_rules.too_many_cards", max=cards.MAX_PAYMENT_METHODS),
                       code="TOO_MANY_PAYMENT_METHODS")
    method = provider.retrieve_payment_method(pm_id)
    attached = _id(method.get("customer"))
    if attached is None:
        method = provider.attach_payment_method(pm_id, cid)
    elif attached != cid:
        raise NotFound(say("billing_rules.stripe.no_setup"), code="SETUP_INTENT_NOT_FOUND")
    if make_default or not kept_cards:  # the card keep_card makes the default: Stripe's default first
        provider.set_default_payment_method(cid, pm_id)
    return cards.keep_card(session, actor=actor, owner=owner, card=card_details(method), make_default=make_default)


def on_default_set(session: Session, owner: Owner, method: PaymentMethod) -> None:
    """Make a Stripe card the customer's default in Stripe too (invoices are charged to it). Writes
    nothing (a Stripe card's owner has a customer already): called before the card's row changes."""
    provider = _require()
    cid = find_customer(session, owner)
    if cid is not None:
        provider.set_default_payment_method(cid, method.provider_ref)


def on_removed(session: Session, owner: Owner, method: PaymentMethod, promoted: PaymentMethod | None) -> None:
    """Detach a removed Stripe card from its customer (and make the card that becomes the default,
    `promoted`, the default in Stripe too). Writes nothing: called before the rows change."""
    provider = _require()
    provider.detach_payment_method(method.provider_ref)
    cid = find_customer(session, owner)
    if promoted is not None and promoted.provider == PROVIDER and cid is not None:
        provider.set_default_payment_method(cid, promoted.provider_ref)


# --- plans and subscriptions ---------------------------------------------------------------------

def ensure_plan(plan: Plan, provider: StripeProvider | None = None) -> str:
    """The Stripe plan of a paid catalogue plan, created or linked (README "Stripe")."""
    provider = provider or _require()
    if plan.amount_minor <= 0 or plan.interval not in ("month", "year"):
        raise InvalidInput(say("billing_rules.stripe.free_plan"), code="PLAN_NOT_BILLABLE")
    return provider.ensure_plan(key=plan.key, name=plan.name, amount_minor=plan.amount_minor,
                                currency=plan.currency, interval=plan.interval)


def runs_on_stripe(sub: Subscription | None) -> bool:
    return sub is not None and sub.provider == PROVIDER and bool(sub.provider_ref)


def uses_stripe_for(sub: Subscription | None, plan: Plan, kind: str) -> bool:
    """Whether a change of kind `kind` to `plan` goes through Stripe: with the Stripe provider,
    any paid plan started or upgraded, and any change of a subscription Stripe runs."""
    if not manages_subscriptions(default_provider()):
        return False
    if runs_on_stripe(sub) and sub.status in ("active", "past_due"):
        return True
    return kind in ("start", "upgrade") and plan.amount_minor > 0


def _item(stripe_sub: dict) -> dict:
    items = (stripe_sub.get("items") or {}).get("data") or []
    return items[0] if items else {}


def _apply_stripe_subscription(sub: Subscription, stripe_sub: dict, session: Session) -> None:
    """Copy Stripe's view of the subscription (status, plan, period) onto the portal's row."""
    item = _item(stripe_sub)
    # Since API version 2025-03-31 the period is on the item; older versions (and fakes) keep it on
    # the subscription itself.
    start = item.get("current_period_start") or stripe_sub.get("current_period_start")
    end = item.get("current_period_end") or stripe_sub.get("current_period_end")
    key = plan_key_of(_id((item.get("plan") or item.get("price")) or stripe_sub.get("plan")))
    if key and session.get(Plan, key) is not None:
        sub.plan_key = key
    sub.status = STATUS.get(str(stripe_sub.get("status")), sub.status)
    if start:
        sub.current_period_start = _when(start)
    if end:
        sub.current_period_end = _when(end)
    sub.provider, sub.provider_ref = PROVIDER, _id(stripe_sub.get("id"))
    if sub.status == "canceled":
        sub.ended_on = _when(stripe_sub.get("ended_at")) or utcnow()


def apply_change(session: Session, *, owner: Owner, sub: Subscription | None, plan: Plan, kind: str,
                 now: datetime, priced_at: datetime | None = None,
                 idempotency_key: str | None = None) -> tuple[Subscription, Invoice | None]:
    """Make a plan change through Stripe (see the module docstring for each kind); an upgrade is
    prorated at `priced_at` (the preview's moment; else Stripe's now). Returns the (unsaved)
    subscription row and the invoice Stripe charged, if any; rows are written only after Stripe's
    answers. `idempotency_key` goes with a new Stripe subscription, so that the same change made
    again (a redelivered webhook, the same preview confirmed again: `confirmation_key`) starts no
    second one. Raises CardDeclined (nothing changed), ProviderError."""
    provider = _require()
    invoice = None
    if sub is None:
        sub = Subscription(id=_new_sub_id(), **owner.columns(), plan_key=plan.key, current_period_start=now,
                           created_on=now, updated_on=now)
    if kind == "start" or (kind == "upgrade" and not runs_on_stripe(sub)):
        cid, new = _customer(session, owner, provider)
        coupon = _carried_coupon(sub, priced_at or now, provider)
        stripe_sub = provider.create_subscription(customer_id=cid, stripe_plan_id=ensure_plan(plan, provider),
                                                  owner_ref=_owner_ref(owner), coupon_id=coupon,
                                                  idempotency_key=idempotency_key)
        if new:
            _keep_customer(session, owner, cid)
        sub.ended_on, sub.pending_plan_key, sub.cancel_at_period_end = None, None, False
        if coupon:
            sub.discount_ends_on = _discount_end(stripe_sub, coupon) or sub.discount_ends_on
        _apply_stripe_subscription(sub, stripe_sub, session)
        sub.plan_key = plan.key
        invoice = _mirror_latest(session, owner, stripe_sub)
    elif kind == "upgrade":
        stripe_sub = provider.change_subscription_plan(
            subscription_id=sub.provider_ref, stripe_plan_id=ensure_plan(plan, provider),
            proration_date=int(priced_at.timestamp()) if priced_at is not None else None)
        _apply_stripe_subscription(sub, stripe_sub, session)
        sub.plan_key, sub.pending_plan_key, sub.cancel_at_period_end = plan.key, None, False
        invoice = _mirror_latest(session, owner, stripe_sub)
    elif kind == "scheduled":
        provider.set_cancel_at_period_end(sub.provider_ref, True)
        sub.pending_plan_key, sub.cancel_at_period_end = plan.key, False
    else:  # undo: keep the current plan after all
        provider.set_cancel_at_period_end(sub.provider_ref, False)
        sub.pending_plan_key, sub.cancel_at_period_end = None, False
    sub.updated_on = now
    return sub, invoice


def confirmation_key(session: Session, owner: Owner, plan: Plan, quoted_at: datetime) -> str:
    """The idempotency key of a new Stripe subscription that a person starts by confirming the
    preview of `quoted_at`: should the portal fail to keep what Stripe answered, confirming the same
    preview again gets that subscription back from Stripe instead of a second one, charged again.
    The default card is part of it, so that after a decline and a new card the same preview is
    tried afresh (Stripe answers a repeated key with the first answer, a decline included)."""
    card = cards.default_payment_method(session, owner)
    return "-".join(("portal_ui-start", _owner_ref(owner), plan.key, str(int(as_utc(quoted_at).timestamp() * 1e6)),
                     card.provider_ref if card is not None else "nocard"))


def _line_data(stripe_invoice: dict) -> list[dict]:
    return [x for x in ((stripe_invoice.get("lines") or {}).get("data") or [])[:100] if isinstance(x, dict)]


def _is_proration(stripe_line: dict) -> bool:
    """Whether a Stripe invoice line is a proration (`parent.subscription_item_details.proration`,
    as Stripe recommends for previews; `proration` in older API versions)."""
    parent = stripe_line.get("parent") or {}
    for key in ("subscription_item_details", "invoice_item_details"):
        if isinstance(parent.get(key), dict) and parent[key].get("proration"):
            return True
    return bool(stripe_line.get("proration"))


def _discount_text(sub: Subscription | None) -> Text:
    discount = discount_of(sub)
    return discount.message if discount is not None else say("billing_rules.line.discount_plain")


def invoice_lines(stripe_lines: list[dict], discount_text: Text) -> list[dict]:
    """The portal's lines (`invoices.line`) for Stripe invoice lines: each line's description and
    amount, then their discounts (`discount_amounts`) as one line "<label> (<n>% off)", as the
    portal's own invoices show a discount. Used for the copy of an invoice and for a preview alike."""
    lines = [line(str(x.get("description") or "")[:500], int(x.get("amount") or 0)) for x in stripe_lines[:100]]
    off = sum(int(d.get("amount") or 0) for x in stripe_lines[:100] for d in (x.get("discount_amounts") or [])
              if isinstance(d, dict))
    if off:
        lines.append(line(discount_text, -off))
    return lines


def preview_lines(session: Session, owner: Owner, sub: Subscription | None, plan: Plan, kind: str,
                  at: datetime, period_end: datetime | None) -> tuple[tuple[dict, ...], tuple[dict, ...]] | None:
    """(today's lines, the next invoice's lines) of a change of a subscription Stripe runs, from
    Stripe's invoice preview (`invoices.create_preview`); None for any other subscription (the
    portal prices it, `portal_ui.billing.quotes`).

    - upgrade: the proration lines Stripe will invoice at once when the change is made with
      `proration_date` = `at` (`apply_change`), then the renewal on `plan` at the period end;
    - scheduled: the first invoice of the Stripe subscription to `plan` that starts at the period
      end (see the module docstring); nothing for a free plan;
    - undo: the renewal of the current subscription.
    Raises Conflict (PREVIEW_UNAVAILABLE) when Stripe does not answer: the portal does not show
    prices of its own that Stripe would not charge."""
    if kind not in ("upgrade", "scheduled", "undo") or not runs_on_stripe(sub) or not uses_stripe_for(sub, plan, kind):
        return None
    if kind == "scheduled" and plan.amount_minor <= 0:
        return (), ()
    provider = _require()
    text = _discount_text(sub)
    try:
        cid = customer_id(session, owner, provider)
        if kind == "upgrade":
            pid = ensure_plan(plan, provider)
            now = provider.preview_plan_change(customer_id=cid, subscription_id=sub.provider_ref, stripe_plan_id=pid,
                                               proration_date=int(at.timestamp()))
            later = provider.preview_plan_change(customer_id=cid, subscription_id=sub.provider_ref, stripe_plan_id=pid,
                                                 proration_date=None, proration_behavior="none")
            return (tuple(invoice_lines([x for x in _line_data(now) if _is_proration(x)], text)),
                    tuple(invoice_lines([x for x in _line_data(later) if not _is_proration(x)], text)))
        if kind == "scheduled":
            start = period_end or at
            first = provider.preview_new_subscription(customer_id=cid, stripe_plan_id=ensure_plan(plan, provider),
                                                      start_date=int(start.timestamp()),
                                                      coupon_id=_carried_coupon(sub, start, provider))
            return (), tuple(invoice_lines(_line_data(first), text))
        renewal = provider.preview_renewal(customer_id=cid, subscription_id=sub.provider_ref)
        return (), tuple(invoice_lines([x for x in _line_data(renewal) if not _is_proration(x)], text))
    except ProviderError:
        raise Conflict(say("billing_rules.stripe.preview_unavailable"), code="PREVIEW_UNAVAILABLE") from None


def retention_coupon_id(percent_off: int, duration_months: int, label: str) -> str:
    """The Stripe coupon of a retention offer: one per percentage, months and label."""
    import hashlib

    digest = hashlib.sha256(label.encode()).hexdigest()[:10]
    return f"portal_retention_{percent_off}pct_{duration_months}m_{digest}"


def _discount_end(stripe_sub: dict, coupon: str) -> datetime | None:
    """When Stripe ends the discount of `coupon` on the subscription (its `end`; None if it does not say)."""
    for found in stripe_sub.get("discounts") or []:
        if isinstance(found, dict) and _id(found.get("coupon")) == coupon:
            return _when(found.get("end"))
    return None


def apply_retention_coupon(sub: Subscription, *, percent_off: int, duration_months: int,
                           label: str) -> datetime | None:
    """Give the Stripe subscription the retention offer's coupon (created the first time: percent
    off, repeating for `duration_months`, named after `label`). Returns when Stripe ends the
    discount (its `end`), None if Stripe does not say. Raises ProviderError (nothing changed)."""
    provider = _require()
    coupon = provider.ensure_coupon(coupon_id=retention_coupon_id(percent_off, duration_months, label), name=label,
                                    percent_off=percent_off, duration_months=duration_months)
    return _discount_end(provider.apply_coupon(sub.provider_ref, coupon), coupon)


MAX_CARRIED_MONTHS = 120  # a discount's months are few (portal settings `retention_coupon`); a bound all the same


def _months_until(start: datetime, end: datetime) -> int:
    """The fewest whole months from `start` that reach `end` (periods of a monthly plan starting
    before `end`: one for each of those months)."""
    months, at = 0, start
    while at < end and months < MAX_CARRIED_MONTHS:
        at, months = add_interval(at, "month"), months + 1
    return months


def _carried_coupon(sub: Subscription | None, start: datetime, provider: StripeProvider) -> str | None:
    """The coupon that carries `sub`'s discount (an accepted retention offer) into a new Stripe
    subscription starting at `start`: its percentage for the months left of it, so the new
    subscription's invoices of periods starting before the discount ends are discounted, as the
    portal prices them (`quotes.discount_of`); None without a discount still running then. A
    scheduled plan change starts a new Stripe subscription, and the discount goes on with it."""
    discount = discount_of(sub)
    if discount is None or not discount.applies(start):
        return None
    months = _months_until(as_utc(start), discount.ends_on)
    return provider.ensure_coupon(coupon_id=retention_coupon_id(discount.percent, months, discount.label),
                                  name=discount.label, percent_off=discount.percent, duration_months=months)


def set_cancel(sub: Subscription, cancel: bool) -> None:
    """Ask Stripe to end (True) or keep (False) the subscription at the end of its period."""
    _require().set_cancel_at_period_end(sub.provider_ref, cancel)


def _new_sub_id() -> str:
    from portal_ui.domain.secrets import new_id

    return new_id("sub")


# --- invoices --------------------------------------------------------------------------------------

def _url(value: Any) -> str:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= URL_MAX else ""


def _line_plan_key(stripe_invoice: dict) -> str | None:
    for x in ((stripe_invoice.get("lines") or {}).get("data") or [])[:100]:
        pricing = ((x.get("pricing") or {}).get("price_details") or {})
        key = plan_key_of(_id(x.get("plan")) or _id(x.get("price")) or _id(pricing.get("price")))
        if key:
            return key
    return None


def mirror_invoice(session: Session, owner: Owner, stripe_invoice: dict) -> Invoice | None:
    """The portal's copy of a Stripe invoice, created or brought up to date (status, amounts,
    links). A draft is not copied: it may still change."""
    sid = _id(stripe_invoice.get("id"))
    if sid is None or stripe_invoice.get("status") == "draft":
        return None
    status = INVOICE_STATUS.get(str(stripe_invoice.get("status")), "open")
    invoice = session.exec(select(Invoice).where(Invoice.provider == PROVIDER, Invoice.provider_ref == sid)).first()
    paid_at = _when((stripe_invoice.get("status_transitions") or {}).get("paid_at"))
    if invoice is None:
        number = str(stripe_invoice.get("number") or "")[:32] or next_number(session)
        row = session.exec(select(Subscription).where(owner.where(Subscription))).first()
        lines = invoice_lines(_line_data(stripe_invoice), _discount_text(row))
        buyer = buyer_snapshot(session, owner)
        period = ((stripe_invoice.get("lines") or {}).get("data") or [{}])[0].get("period") or {}
        invoice = Invoice(id=_new_invoice_id(), number=number, **owner.columns(), plan_key=_line_plan_key(stripe_invoice),
                          amount_minor=int(stripe_invoice.get("total") or 0),
                          currency=str(stripe_invoice.get("currency") or "usd").upper()[:3], status=status,
                          issued_on=_when(stripe_invoice.get("created")) or utcnow(),
                          period_start=_when(period.get("start") or stripe_invoice.get("period_start")),
                          period_end=_when(period.get("end") or stripe_invoice.get("period_end")),
                          lines=lines, billed_to=buyer_lines(buyer), buyer=buyer, seller=seller_details(session),
                          provider=PROVIDER, provider_ref=sid)
    invoice.status = status
    invoice.paid_on = (paid_at or invoice.paid_on or utcnow()) if status == "paid" else None
    if status == "paid" and not invoice.paid_with:
        method = cards.default_payment_method(session, owner)
        invoice.paid_with = cards.card_label(method)[:64] if method else ""
    invoice.hosted_url = _url(stripe_invoice.get("hosted_invoice_url")) or invoice.hosted_url
    invoice.pdf_url = _url(stripe_invoice.get("invoice_pdf")) or invoice.pdf_url
    session.add(invoice)
    session.flush()
    return invoice


def _new_invoice_id() -> str:
    from portal_ui.domain.secrets import new_id

    return new_id("in")


def _mirror_latest(session: Session, owner: Owner, stripe_sub: dict) -> Invoice | None:
    latest = stripe_sub.get("latest_invoice")
    return mirror_invoice(session, owner, latest) if isinstance(latest, dict) else None


def sync_invoices(session: Session, owner: Owner, *, quick: bool = False) -> list[Invoice]:
    """Bring the owner's invoices up to date from Stripe (newest 100); nothing for an owner
    without a Stripe customer. `quick`: one short try, for a page that waits (the billing page
    calls this each time it opens). Returns the invoices mirrored. Raises ProviderError."""
    provider = _require()
    cid = find_customer(session, owner)
    if cid is None:
        return []
    return [inv for inv in (mirror_invoice(session, owner, x) for x in provider.list_invoices(cid, quick=quick))
            if inv]


# --- webhooks --------------------------------------------------------------------------------------

HANDLED = ("customer.subscription.updated", "customer.subscription.deleted", "invoice.paid",
           "invoice.payment_succeeded", "invoice.payment_failed", "payment_method.detached")


def handle_webhook(session: Session, payload: bytes, signature: str | None) -> str:
    """Check a webhook's signature and apply its event once. Returns what happened: "applied",
    "duplicate" (this event id was applied before) or "ignored" (a type or object the portal does
    not follow). Raises WebhookRejected (bad signature), ProviderError."""
    event = _require().parse_webhook(payload, signature)
    return handle_event(session, event)


def handle_event(session: Session, event: dict) -> str:
    """Apply one verified Stripe event, at most once per event id (see handle_webhook), in the
    caller's transaction: the event's id is kept only with what applying it wrote, so an attempt
    that fails leaves the event to Stripe's next delivery. For a duplicate the caller's transaction
    is rolled back (it is the first thing the webhook route does in it)."""
    event_id, kind = _id(event.get("id")), str(event.get("type") or "")[:128]
    obj = (event.get("data") or {}).get("object") or {}
    if event_id is None or not isinstance(obj, dict):
        raise InvalidInput(say("billing_rules.stripe.bad_event"), code="INVALID_EVENT")
    if session.get(StripeEvent, event_id) is not None:
        return "duplicate"
    # Not a savepoint: on SQLite the driver runs a SAVEPOINT outside any transaction, and releasing
    # it would keep the id at once, before the event is applied. A delivery of the same event at
    # the same time waits here for this one's transaction, then finds its id taken.
    session.add(StripeEvent(id=event_id, type=kind, received_on=utcnow()))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return "duplicate"
    if kind not in HANDLED:
        return "ignored"
    if kind == "payment_method.detached":
        return _card_detached(session, obj)
    if kind.startswith("customer.subscription."):
        return _subscription_event(session, obj, deleted=kind.endswith(".deleted"), event_id=event_id)
    return _invoice_event(session, obj, paid=kind != "invoice.payment_failed")


def _local_subscription(session: Session, stripe_sub_id: str | None) -> Subscription | None:
    if not stripe_sub_id:
        return None
    return session.exec(select(Subscription).where(Subscription.provider == PROVIDER,
                                                   Subscription.provider_ref == stripe_sub_id)
                        .with_for_update()).first()


def _record(session: Session, sub: Subscription, action: str, before: dict, **extra: Any) -> None:
    audit.record(session, actor=SYSTEM, action=action, target_type="subscription", target_id=sub.id,
                 org_code=sub.org_code, before=before, after={**snapshot(sub), **extra})


def _subscription_event(session: Session, obj: dict, *, deleted: bool, event_id: str) -> str:
    sub = _local_subscription(session, _id(obj.get("id")))
    if sub is None:
        return "ignored"
    owner, before, now = Owner(user_id=sub.user_id, org_code=sub.org_code), snapshot(sub), utcnow()
    if not deleted:
        _apply_stripe_subscription(sub, obj, session)
        stripe_cancels = bool(obj.get("cancel_at_period_end"))
        if not stripe_cancels:
            sub.pending_plan_key = None  # resumed in Stripe: no scheduled change either
        sub.cancel_at_period_end = stripe_cancels and not sub.pending_plan_key
        sub.updated_on = now
        session.add(sub)
        session.flush()
        if snapshot(sub) != before:
            _record(session, sub, "subscription.updated", before)
        return "applied"
    pending = session.get(Plan, sub.pending_plan_key) if sub.pending_plan_key else None
    ended = _when(obj.get("ended_at")) or now
    sub.pending_plan_key, sub.cancel_at_period_end, sub.updated_on = None, False, now
    if pending is None:
        sub.status, sub.ended_on = "canceled", ended
        session.add(sub)
        session.flush()
        _record(session, sub, "subscription.ended", before)
        return "applied"
    if pending.amount_minor <= 0:  # a free plan runs in the portal, without Stripe
        sub.plan_key, sub.status, sub.ended_on, sub.provider, sub.provider_ref = pending.key, "active", None, "", None
        sub.current_period_start, sub.current_period_end = ended, add_interval(ended, pending.interval)
        invoice = None
    else:
        try:
            # Stripe may send the event again when the first attempt was not kept (the portal
            # failed after Stripe started the new subscription): the key, and a moment taken from
            # the event rather than the clock, make that attempt's request the same one, which
            # Stripe answers with the subscription it already started.
            sub, invoice = apply_change(session, owner=owner, sub=sub, plan=pending, kind="start", now=ended,
                                        idempotency_key=f"portal_ui-{event_id}-start")
            sub.updated_on = now
        except CardDeclined:
            sub.status, sub.ended_on = "canceled", ended
            session.add(sub)
            session.flush()
            _record(session, sub, "subscription.ended", before, reason="payment_failed")
            return "applied"
    session.add(sub)
    session.flush()
    extra = {"invoice_number": invoice.number} if invoice is not None else {}
    _record(session, sub, "subscription.plan_changed", before, **extra)
    return "applied"


def _invoice_event(session: Session, obj: dict, *, paid: bool) -> str:
    owner = owner_of_customer(session, _id(obj.get("customer")))
    if owner is None:
        return "ignored"
    existing = session.exec(select(Invoice).where(Invoice.provider == PROVIDER,
                                                  Invoice.provider_ref == _id(obj.get("id")))).first()
    was = existing.status if existing is not None else None
    invoice = mirror_invoice(session, owner, {**obj, "status": "paid" if paid else (obj.get("status") or "open")})
    if invoice is None:
        return "ignored"
    parent = ((obj.get("parent") or {}).get("subscription_details") or {})
    sub = _local_subscription(session, _id(obj.get("subscription")) or _id(parent.get("subscription")))
    if sub is not None and sub.status in ("active", "past_due"):
        status = "active" if not has_open_invoices(session, owner) else "past_due"
        if status != sub.status:
            before = snapshot(sub)
            sub.status, sub.updated_on = status, utcnow()
            session.add(sub)
            session.flush()
            _record(session, sub, "subscription.updated", before)
    if invoice.status != was:
        action = "invoice.paid" if invoice.status == "paid" else "invoice.payment_failed"
        audit.record(session, actor=SYSTEM, action=action, target_type="invoice", target_id=invoice.id,
                     org_code=owner.org_code, before={"status": was} if was else {},
                     after={"status": invoice.status, "number": invoice.number, "amount_minor": invoice.amount_minor,
                            "currency": invoice.currency})
    return "applied"


def _card_detached(session: Session, obj: dict) -> str:
    method = session.exec(select(PaymentMethod).where(PaymentMethod.provider == PROVIDER,
                                                      PaymentMethod.provider_ref == _id(obj.get("id")))).first()
    if method is None:
        return "ignored"
    owner = Owner(user_id=method.user_id, org_code=method.org_code)
    cards.forget_card(session, actor=SYSTEM, owner=owner, method=method)
    return "applied"


def owners_with_stripe(session: Session) -> list[Owner]:
    """Every owner with a Stripe customer (for a periodic invoice sync)."""
    return [Owner(user_id=row.user_id, org_code=row.org_code)
            for row in session.exec(select(StripeCustomer).order_by(col(StripeCustomer.created_on))).all()]
