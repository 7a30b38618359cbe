"""The billing sections (plan, plan selection, payment methods), for the user or the organization.

Whose billing a handler touches comes from the session, never from the client: the section key
a handler is called with must be one of the six billing keys, and it only says which side
(the user's own billing, or the organization the session was opened for). Every changing
handler asks the guard for "write" in that section first, in the worker thread that then makes
the change, so a read-only session, or a client calling handlers directly, changes nothing.

Card numbers and security codes never become state: `add_card` receives the submitted form,
hands it to the billing domain and drops it; the inputs are uncontrolled and are cleared after
a card is added. With Stripe (PORTAL_BILLING_PROVIDER=stripe) the portal never sees them at all:
Stripe's card element (assets/stripe_card.js) sends them to Stripe, `start_stripe_card` hands the
element a SetupIntent's client secret in a script call (never a state var, never logged), and
`finish_stripe_card` receives only the SetupIntent's id and reads the card back from Stripe.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, AsyncIterator, Callable

import reflex as rx
from sqlmodel import Session

from portal_ui.billing import payment_methods as cards
from portal_ui.billing import stripe_billing, subscriptions
from portal_ui.billing import profile, retention
from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.owner import Owner
from portal_ui.billing.plans import active_plans
from portal_ui.billing.provider import default_provider
from portal_ui.domain.errors import Conflict, InvalidFields, InvalidInput, say
from portal_ui.domain.flows import SUBSCRIPTION_CANCEL, SUBSCRIPTION_UPDATE, completes, may_take
from portal_ui.domain.sections import BY_KEY
from portal_ui.domain.sessions import ActiveSession, end_session
from portal_ui.models import Plan
from portal_ui.ui import routes
from portal_ui.ui.state.billing_view import (CardRow, ChangeView, InvoiceRow, PlanChoice, PlanView, TaxIdRow,
                                             cancel_summary, card_rows, card_text, change_view, invoice_rows,
                                             offer_texts, plan_choices, plan_view, provider_text, tax_id_rows)
from portal_ui.settings import get_settings
from portal_ui.ui.state.portal import FLOW_PAGE, PortalState

SECTIONS = ("plan_details", "plan_selection", "payment_details", "organization_plan_details",
            "organization_plan_selection", "organization_payment_details")
INVOICES_SHOWN = 24  # the newest; older ones stay downloadable from the API
# The add-card inputs: name and id alike (the form submits each once), cleared after a card is added.
CARD_FIELDS = ("card_number", "card_expiry", "card_cvc")
# A change's outcome when it was one step of a longer task (the cancel reason, with the retention
# offer still to answer): a focused flow goes on instead of completing.
NEXT_STEP = object()
PLAN_PAGES = ("plan_details", "organization_plan_details")  # the pages with the billing history


def _billing_key(key: Any) -> str | None:
    """`key` if it names a billing section, else None (any other section's permission must not count)."""
    return key if isinstance(key, str) and key in SECTIONS else None


def _owner(active: ActiveSession, key: str) -> Owner:
    """The billing owner of section `key` for this session: its user, or the organization it was opened for."""
    if BY_KEY[key].portal == "organization":
        return Owner.org(active.org_code)
    return Owner.user(active.user_id)


def parse_expiry(value: Any) -> tuple[str, str]:
    """("MM", "YY[YY]") from "MM/YY", "MM / YYYY" or "MMYY"; the domain checks the numbers.

    The refusal's message is a catalogue message (shown in the tab's language)."""
    raw = value.replace(" ", "") if isinstance(value, str) else ""
    month, slash, year = raw.partition("/")
    if not slash and len(raw) in (4, 6):
        month, year = raw[:2], raw[2:]
    if not (month.isdigit() and year.isdigit()):
        raise InvalidInput(say("billing.expiry_format"), code="INVALID_EXPIRY")
    return month, year


class BillingState(PortalState):
    billing_loaded: bool = False
    provider_label: str = ""
    plans_path: str = ""  # the plan picker of the same side (user or organization)
    payment_path: str = ""
    plan: PlanView = PlanView()
    choices: list[PlanChoice] = []
    cards: list[CardRow] = []
    invoices: list[InvoiceRow] = []
    busy: str = ""  # the action in progress: change, cancel, resume, card, card:setup, remove, default:<id>
    change: ChangeView = ChangeView()
    change_open: bool = False
    change_error: str = ""
    cancel_open: bool = False
    cancel_summary: str = ""
    cancel_error: str = ""
    cancel_step: str = "reason"  # reason|offer: the retention offer is shown after the reason is given
    offer_title: str = ""  # "" when no retention offer is made
    offer_text: str = ""
    details: dict[str, str] = {}  # the billing details form's loaded values
    details_errors: dict[str, str] = {}
    details_revision: int = 0  # moves on whenever the inputs must show `details` again
    details_conflict: str = ""  # someone else changed the details since this tab loaded them
    tax_ids: list[TaxIdRow] = []
    tax_error: str = ""  # the add-tax-ID row
    remove_open: bool = False
    remove_label: str = ""
    remove_error: str = ""
    plan_error: str = ""  # shown on the plan page (resume) and the picker (preview)
    card_error: str = ""  # the add-card form
    # Stripe (PORTAL_BILLING_PROVIDER=stripe): the card form is Stripe's element, which needs
    # Stripe.js and the publishable key (public by design); never the client secret.
    stripe_card: bool = False
    stripe_js_url: str = ""
    stripe_key: str = ""
    card_confirming: bool = False  # Stripe is confirming the card in the browser
    invoices_syncing: bool = False
    invoices_note: str = ""  # why the billing history may miss Stripe's newest invoices
    _card_section: str = ""  # the section start_stripe_card was called for
    cards_error: str = ""  # the card list (make default)
    flow: str = ""  # the focused flow this tab shows (the flow page), "" elsewhere
    flow_plan: str = ""  # subscription_update's target plan key
    flow_plan_name: str = ""
    flow_done: bool = False  # the flow's task is done and the browser is on its way out
    _change_plan_key: str = ""
    _change_section: str = ""  # the section the open confirmation was made for
    _change_quoted_at: str = ""  # the preview's pricing moment (ISO), handed back to the domain on confirm
    _cancel_reason: str = ""
    _cancel_comment: str = ""
    _remove_id: str = ""

    # ---- loading ---------------------------------------------------------------------------

    def _load(self, db: Session, active: ActiveSession, key: str) -> None:
        """Fill every billing var from the domain, for the owner of section `key`."""
        owner = _owner(active, key)
        org = BY_KEY[key].portal == "organization"
        current = subscriptions.current_plan(db, owner)
        lang = self._shell().lang
        self.plans_path = routes.ORG_PLANS if org else routes.PLANS
        self.payment_path = routes.ORG_PAYMENT if org else routes.PAYMENT
        provider = default_provider()
        self.provider_label = provider_text(provider, lang)
        self.stripe_card = provider.name == stripe_billing.PROVIDER
        self.stripe_js_url = get_settings().stripe_js_url if self.stripe_card else ""
        self.stripe_key = getattr(provider, "publishable_key", "") if self.stripe_card else ""
        self.plan = plan_view(current, lang)
        self.choices = plan_choices(active_plans(db), current, lang)
        self.cards = card_rows(cards.list_payment_methods(db, owner), lang=lang)
        self.invoices = invoice_rows(list_invoices(db, owner, page_size=INVOICES_SHOWN).items, lang)
        details = profile.billing_details(db, owner)
        self.details, self.tax_ids = details.fields(), tax_id_rows(details, lang)
        self.details_revision += 1
        self.details_conflict = ""
        self.billing_loaded = True

    def _close_dialogs(self) -> None:
        self.change_open = self.cancel_open = self.remove_open = False
        self.change_error = self.cancel_error = self.remove_error = ""
        self._change_plan_key = self._change_section = self._remove_id = self._change_quoted_at = ""
        self._cancel_reason = self._cancel_comment = ""
        self.cancel_step = "reason"

    @rx.event
    def load_billing(self, key: str):
        """on_load of a billing page; `key` names the page's section."""
        key = _billing_key(key) or "plan_details"

        def work(db: Session, active: ActiveSession):
            self._close_dialogs()
            self.plan_error = self.card_error = self.cards_error = self.tax_error = self.invoices_note = ""
            self.details_errors = {}
            self.busy, self.card_confirming, self._card_section = "", False, ""
            self._load(db, active, key)
            if self.stripe_card and key in PLAN_PAGES:
                return BillingState.refresh_invoices(key)  # the page shows at once; Stripe's list follows
            return None

        return self._act(key, work, level="enter")

    @rx.event
    def refresh_invoices(self, key: str):
        """Bring the billing history up to date from Stripe (the plan page, Stripe mode): one short
        try; when Stripe does not answer, the page keeps the invoices it has and says so."""
        key = _billing_key(key)

        def work(db: Session, active: ActiveSession):
            if stripe_billing.stripe_provider() is None:
                return None
            owner = _owner(active, key)
            stripe_billing.sync_invoices(db, owner, quick=True)
            db.commit()
            self.invoices = invoice_rows(list_invoices(db, owner, page_size=INVOICES_SHOWN).items, self._shell().lang)
            return None

        def failed(_exc: Exception) -> None:
            self.invoices_note = self._t("billing.invoices_not_refreshed")

        self.invoices_note = ""
        return self._act(key, work, level="read", busy="invoices_syncing", failed=failed)

    # ---- the one path of every change --------------------------------------------------------

    def _change(self, key: Any, busy: str, error: str, work: Callable[[Session, ActiveSession, Owner], Any],
                after: Callable[[], None] | None = None,
                failed: Callable[[Exception], Any] | None = None) -> AsyncIterator[Any]:
        """`_act` for a billing change: `busy` names the action in progress (the `busy` var),
        `work(db, session, owner)` makes the change and returns the follow-up (a toast, or
        NEXT_STEP when the task goes on), and the page is reloaded after it committed; a focused
        flow whose task this action completes ends instead (`flows.completes`). A DomainError's message, in the tab's language, goes
        to the var named `error` (or to `failed`, when given) and nothing is written; a refusal
        closes the dialogs.
        """
        key = _billing_key(key)

        def run(db: Session, active: ActiveSession):
            flow = active.flow.flow if active.flow else None
            if not may_take(flow, busy):  # a focused flow's session takes its own task's actions only
                self._close_dialogs()
                return rx.toast.error(self._t("shell.not_allowed"))
            outcome = work(db, active, _owner(active, key))
            db.commit()
            if outcome is NEXT_STEP:
                outcome = None
            elif completes(flow, busy):
                return self._finish_flow(db, active)
            self._load(db, active, key)
            return outcome

        def to_var(exc: Exception) -> None:
            setattr(self, error, self._error(exc))

        setattr(self, error, "")
        return self._act(key, run, busy="busy", busy_value=busy, refused=self._close_dialogs,
                         failed=failed or to_var, after=after)

    # ---- focused flows (portal_ui.domain.flows) ------------------------------------------------

    def _finish_flow(self, db: Session, active: ActiveSession):
        """The flow's task is done: end the session and send the browser on (after_completion_url,
        else the return URL), as Stripe's customer portal redirects after a flow."""
        browser = self._actor(active)
        end_session(db, self._cookie_token(), client_ip=browser.client_ip, user_agent=browser.user_agent)
        db.commit()
        self._close_dialogs()
        self.flow_done = True
        return rx.redirect(active.completion_url)

    @rx.event
    def load_flow(self):
        """on_load of the focused flow's page: its section's billing, then the flow's own step (the
        cancel confirmation, or the change to the flow's plan) opened through the sections' handlers."""
        def work(db: Session, active: ActiveSession):
            key = active.flow.section
            self._close_dialogs()
            self.plan_error = self.card_error = self.cards_error = ""
            self.busy, self.flow_done = "", False
            self.flow, self.flow_plan = active.flow.flow, active.flow.plan_key or ""
            target = db.get(Plan, self.flow_plan) if self.flow_plan else None
            self.flow_plan_name = target.name if target else ""
            self._load(db, active, key)
            if self._shell().read_only:
                return None
            if active.flow.flow == SUBSCRIPTION_CANCEL:
                return BillingState.start_cancel(key)
            if active.flow.flow == SUBSCRIPTION_UPDATE:
                return BillingState.start_change(key, self.flow_plan)
            return None

        return self._act(FLOW_PAGE, work, level="enter")

    # ---- plan ------------------------------------------------------------------------------

    @rx.event
    def start_change(self, key: str, plan_key: str):
        """Open the confirmation for choosing `plan_key`: what changes, what is paid now, and when."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            if active.flow is not None and str(plan_key) != active.flow.plan_key:
                raise InvalidInput(say("billing.flow_other_plan"))
            preview = subscriptions.preview_change(db, owner, str(plan_key))
            self.change = change_view(preview, lang=self._shell().lang)
            self._change_plan_key, self._change_section = self.change.plan_key, str(key)
            self._change_quoted_at = preview.quoted_at.isoformat() if preview.quoted_at else ""
            self.change_error = ""
            self.change_open = True

        self._close_dialogs()
        return self._change(key, f"choose:{str(plan_key)[:64]}", "plan_error", work)

    @rx.event
    def confirm_change(self, key: str):
        """Make the change the open confirmation describes."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            if not self._change_plan_key or self._change_section != key:
                raise InvalidInput(say("billing.choose_plan_first"))
            quoted_at = datetime.fromisoformat(self._change_quoted_at) if self._change_quoted_at else None
            # What is due first, committed: a change through Stripe then writes nothing before Stripe
            # has answered (change_plan settles again, finding nothing left to do).
            subscriptions.settle_due(db, owner)
            db.commit()
            result = subscriptions.change_plan(db, actor=self._actor(active), owner=owner,
                                               plan_key=self._change_plan_key, quoted_at=quoted_at)
            self._close_dialogs()
            preview = result.preview
            if preview.kind == "scheduled":
                effective = change_view(preview, lang=self._shell().lang).effective
                return rx.toast.success(self._t("billing.toast.starts_on", plan=preview.plan.name, date=effective))
            if preview.kind == "undo":
                return rx.toast.success(self._t("billing.toast.stay_on", plan=preview.plan.name))
            return rx.toast.success(self._t("billing.toast.now_on", plan=preview.plan.name))

        return self._change(key, "change", "change_error", work)

    @rx.event
    def start_cancel(self, key: str):
        """Open the cancel confirmation: what cancelling means, and a reason to give."""
        def work(db: Session, _active: ActiveSession, owner: Owner):
            preview = subscriptions.preview_cancel(db, owner)
            self.cancel_summary = cancel_summary(preview, self._shell().lang)
            self.offer_title, self.offer_text = offer_texts(preview, self._shell().lang)
            self.cancel_open = True

        self._close_dialogs()
        return self._change(key, "cancel-preview", "plan_error", work)

    @rx.event
    def confirm_cancel(self, key: str, form: dict):
        """The reason form: with a retention offer still open, show it next; otherwise cancel at
        the end of the period (undoable until then)."""
        submitted = form if isinstance(form, dict) else {}

        def work(db: Session, active: ActiveSession, owner: Owner):
            reason, comment = retention.check_reason(submitted.get("reason"), submitted.get("comment", ""))
            if self.cancel_step == "reason" and retention.retention_offer(db, owner) is not None:
                self._cancel_reason, self._cancel_comment, self.cancel_step = reason, comment, "offer"
                return NEXT_STEP
            return self._cancel(db, active, owner, reason, comment)

        return self._change(key, "cancel", "cancel_error", work)

    def _cancel(self, db: Session, active: ActiveSession, owner: Owner, reason: str, comment: str):
        subscriptions.cancel_at_period_end(db, actor=self._actor(active), owner=owner, reason=reason, comment=comment)
        self._close_dialogs()
        return rx.toast.success(self._t("billing.toast.set_to_end"))

    @rx.event
    def decline_offer(self, key: str):
        """"No thanks": cancel with the reason given (the offer is not made again)."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            if self.cancel_step != "offer":
                raise InvalidInput(say("billing_rules.cancel.reason_needed"))
            return self._cancel(db, active, owner, self._cancel_reason, self._cancel_comment)

        return self._change(key, "cancel", "cancel_error", work)

    @rx.event
    def accept_offer(self, key: str):
        """Take the retention offer: the plan keeps running, the next invoices are discounted."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            if self.cancel_step != "offer":
                raise InvalidInput(say("billing_rules.cancel.reason_needed"))
            retention.accept_retention_offer(db, actor=self._actor(active), owner=owner, reason=self._cancel_reason,
                                             comment=self._cancel_comment)
            title = self.offer_title
            self._close_dialogs()
            return rx.toast.success(self._t("billing.toast.offer_accepted", offer=title))

        return self._change(key, "offer", "cancel_error", work)

    # ---- billing details -------------------------------------------------------------------

    @rx.event
    def save_details(self, key: str, form: dict):
        """Save the billing details form (name, email, address)."""
        submitted = form if isinstance(form, dict) else {}

        def work(db: Session, active: ActiveSession, owner: Owner):
            # The details as this tab shows them (none before it loaded them): a save over someone
            # else's change since is refused.
            profile.save_billing_details(db, actor=self._actor(active), owner=owner, values=submitted,
                                         expected=dict(self.details) if self.details else None)
            return rx.toast.success(self._t("billing.toast.details_saved"))

        self.details_errors = {}
        return self._details_change(key, "details", work)

    @rx.event
    def reload_details(self, key: str):
        """The current billing details, after a conflict (the typing in the form goes)."""
        def work(db: Session, _active: ActiveSession, _owner: Owner):
            return rx.toast.info(self._t("billing.toast.details_reloaded"))

        return self._details_change(key, "details-reload", work)

    def _details_change(self, key: Any, busy: str, work: Callable[[Session, ActiveSession, Owner], Any]):
        """`_change` for the billing details: each bad field's message beside it, someone else's
        change in the conflict callout, others by the tax IDs."""
        def failed(exc: Exception):
            if isinstance(exc, InvalidFields):
                self.details_errors = self._field_errors(exc)
                return rx.set_focus(f"billing-details-{next(iter(exc.fields))}")
            if isinstance(exc, Conflict) and exc.code == "BILLING_DETAILS_CHANGED":
                self.details_conflict = self._error(exc)
                return None
            self.tax_error = self._error(exc)
            return None

        return self._change(key, busy, "tax_error", work, failed=failed)

    @rx.event
    def discard_details(self):
        """Put the loaded values back in the form (this tab only; nothing is read or written)."""
        self.details_errors = {}
        self.details_revision += 1

    @rx.event
    def add_tax_id(self, key: str, form: dict):
        """Add the tax ID of the submitted type and number (checked by the domain)."""
        submitted = form if isinstance(form, dict) else {}

        def work(db: Session, active: ActiveSession, owner: Owner):
            tax_id = profile.add_tax_id(db, actor=self._actor(active), owner=owner,
                                        tax_type=submitted.get("tax_type"), number=submitted.get("tax_number"))
            return [rx.set_value("tax_number", ""),
                    rx.toast.success(self._t("billing.toast.tax_added", number=tax_id.display))]

        return self._details_change(key, "tax-add", work)

    @rx.event
    def remove_tax_id(self, key: str, tax_type: str, value: str):
        """Remove one of the owner's tax IDs."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            profile.remove_tax_id(db, actor=self._actor(active), owner=owner, tax_type=str(tax_type)[:16],
                                  value=str(value)[:64])
            return rx.toast.success(self._t("billing.toast.tax_removed"))

        return self._details_change(key, f"tax-remove:{str(value)[:64]}", work)

    @rx.event
    def resume_plan(self, key: str):
        """Undo a cancellation before the period ends."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            subscriptions.resume(db, actor=self._actor(active), owner=owner)
            return rx.toast.success(self._t("billing.toast.continues"))

        return self._change(key, "resume", "plan_error", work)

    # ---- payment methods -------------------------------------------------------------------

    @rx.event
    def add_card(self, key: str, form: dict):
        """Add a card from the submitted form. The form goes to the provider and is dropped here."""
        submitted = form if isinstance(form, dict) else {}
        del form

        def work(db: Session, active: ActiveSession, owner: Owner):
            month, year = parse_expiry(submitted.get("card_expiry"))
            # A focused flow's new card becomes the default: that is its task (payment_method_update).
            method = cards.add_card(db, actor=self._actor(active), owner=owner, number=submitted.get("card_number"),
                                    exp_month=month, exp_year=year, cvc=submitted.get("card_cvc"),
                                    make_default=active.flow is not None)
            label = card_text(method, self._shell().lang)
            return [*(rx.set_value(field, "") for field in CARD_FIELDS),
                    rx.toast.success(self._t("billing.toast.card_added", card=label))]

        return self._change(key, "card", "card_error", work, after=submitted.clear)

    @rx.event
    def start_stripe_card(self, key: str):
        """Stripe: create a SetupIntent for the owner and hand its client secret to Stripe's card
        element in this tab, which confirms the card with Stripe and then calls `finish_stripe_card`."""
        def work(db: Session, _active: ActiveSession, owner: Owner):
            # The customer's row first, committed before the SetupIntent is asked for: when Stripe
            # refuses that, the customer is kept all the same, and no write waits on Stripe.
            stripe_billing.customer_id(db, owner, lang=self._shell().lang)
            db.commit()
            setup = stripe_billing.begin_card_setup(db, owner)
            self._card_section, self.card_confirming = str(key), True
            return rx.call_script(f"window.portalStripeCard.confirm({json.dumps(setup.client_secret)})",
                                  callback=BillingState.finish_stripe_card)

        self.card_confirming = False
        # "card:setup": the card action's first step (adding the card is done in finish_stripe_card).
        return self._change(key, "card:setup", "card_error", work)

    @rx.event
    def finish_stripe_card(self, result: dict):
        """The card element's answer: {"setup_intent": id} once Stripe confirmed the card, else
        {"error": Stripe's message}. The SetupIntent must be the owner's and confirmed (the domain
        reads it back from Stripe); only the card's brand, last four digits and expiry are kept."""
        answer = result if isinstance(result, dict) else {}
        # The section start_stripe_card was called for (the user's own when there was none: the
        # domain then finds no SetupIntent of another owner's).
        key = _billing_key(self._card_section) or "payment_details"
        self._card_section, self.card_confirming = "", False
        intent, refusal = answer.get("setup_intent"), str(answer.get("error") or "")[:200].strip()

        def work(db: Session, active: ActiveSession, owner: Owner):
            if not isinstance(intent, str) or not intent:
                raise InvalidInput(say("billing.stripe_card_refused", reason=refusal) if refusal
                                   else say("billing.stripe_card_failed"))
            # As with the test provider's form (add_card): a focused flow's new card becomes the default.
            method = stripe_billing.complete_card_setup(db, actor=self._actor(active), owner=owner,
                                                        setup_intent_id=intent[:128],
                                                        make_default=active.flow is not None)
            return [rx.call_script("window.portalStripeCard.clear()"),
                    rx.toast.success(self._t("billing.toast.card_added", card=card_text(method, self._shell().lang)))]

        return self._change(key, "card", "card_error", work)

    @rx.event
    def make_default(self, key: str, payment_method_id: str):
        """Make one of the owner's cards the one charged for the plan."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            method = cards.set_default_payment_method(db, actor=self._actor(active), owner=owner,
                                                      payment_method_id=str(payment_method_id))
            return rx.toast.success(self._t("billing.toast.card_default", card=card_text(method, self._shell().lang)))

        return self._change(key, f"default:{str(payment_method_id)[:64]}", "cards_error", work)

    @rx.event
    def ask_remove(self, payment_method_id: str):
        """Open the remove confirmation for one of the cards this tab shows (changes nothing)."""
        self._close_dialogs()
        row = next((c for c in self.cards if c.id == payment_method_id), None)
        if row is not None and not self.read_only:
            self._remove_id, self.remove_label, self.remove_open = row.id, row.label, True

    @rx.event
    def confirm_remove(self, key: str):
        """Remove the card the open confirmation names (the domain refuses the last card of a paid plan)."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            if not self._remove_id:
                raise InvalidInput(say("billing.choose_card_first"))
            cards.remove_payment_method(db, actor=self._actor(active), owner=owner,
                                        payment_method_id=self._remove_id)
            label = self.remove_label
            self._close_dialogs()
            return rx.toast.success(self._t("billing.toast.card_removed", card=label))

        return self._change(key, "remove", "remove_error", work)

    @rx.event
    def dialog_open_change(self, is_open: bool):
        """A dialog's Cancel button, Escape or a click outside: close it unless it is working."""
        if not is_open and not self.busy:
            self._close_dialogs()
