"""The billing sections (plan, plan selection, payment methods), for the user or the organization.

Whose billing a handler touches comes from the session, never from the client: the section key
a handler is called with must be one of the six billing keys, and it only says which side
(the user's own billing, or the organization the session was opened for). Every changing
handler asks the guard for "write" in that section first, and again in the transaction that
writes, so a read-only session, or a client calling handlers directly, changes nothing.

Card numbers and security codes never become state: `add_card` receives the submitted form,
hands it to the billing domain and drops it; the inputs are uncontrolled and are cleared after
a card is added.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable

import reflex as rx
from sqlmodel import Session

from portal_ui.billing import payment_methods as cards
from portal_ui.billing import subscriptions
from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.owner import Owner
from portal_ui.billing.plans import active_plans
from portal_ui.billing.provider import default_provider
from portal_ui.domain.errors import InvalidInput, say
from portal_ui.domain.flows import SUBSCRIPTION_CANCEL, SUBSCRIPTION_UPDATE, completes, may_take
from portal_ui.domain.sections import BY_KEY
from portal_ui.domain.sessions import ActiveSession, end_session
from portal_ui.models import Organization, Plan, User
from portal_ui.ui import routes, text
from portal_ui.ui.state.billing_view import (CardRow, ChangeView, InvoiceRow, PlanChoice, PlanView, cancel_summary,
                                             card_rows, card_text, change_view, invoice_rows, plan_choices, plan_view,
                                             provider_text)
from portal_ui.ui.state.portal import FLOW_PAGE, PortalState

SECTIONS = ("plan_details", "plan_selection", "payment_details", "organization_plan_details",
            "organization_plan_selection", "organization_payment_details")
INVOICES_SHOWN = 24  # the newest; older ones stay downloadable from the API
# The add-card inputs: name and id alike (the form submits each once), cleared after a card is added.
CARD_FIELDS = ("card_number", "card_expiry", "card_cvc")


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
    billed_name: str = ""
    billed_email: str = ""
    provider_label: str = ""
    plans_path: str = ""  # the plan picker of the same side (user or organization)
    payment_path: str = ""
    plan: PlanView = PlanView()
    choices: list[PlanChoice] = []
    cards: list[CardRow] = []
    invoices: list[InvoiceRow] = []
    busy: str = ""  # the action in progress: change, cancel, resume, card, remove, default:<id>
    change: ChangeView = ChangeView()
    change_open: bool = False
    change_error: str = ""
    cancel_open: bool = False
    cancel_summary: str = ""
    cancel_error: str = ""
    remove_open: bool = False
    remove_label: str = ""
    remove_error: str = ""
    plan_error: str = ""  # shown on the plan page (resume) and the picker (preview)
    card_error: str = ""  # the add-card form
    cards_error: str = ""  # the card list (make default)
    flow: str = ""  # the focused flow this tab shows (the flow page), "" elsewhere
    flow_plan: str = ""  # subscription_update's target plan key
    flow_plan_name: str = ""
    flow_done: bool = False  # the flow's task is done and the browser is on its way out
    _change_plan_key: str = ""
    _change_section: str = ""  # the section the open confirmation was made for
    _remove_id: str = ""

    # ---- loading ---------------------------------------------------------------------------

    def _load(self, db: Session, active: ActiveSession, key: str) -> None:
        """Fill every billing var from the domain, for the owner of section `key`."""
        owner = _owner(active, key)
        org = BY_KEY[key].portal == "organization"
        if org:
            row = db.get(Organization, active.org_code)
            self.billed_name, self.billed_email = (row.name, row.billing_email or "") if row else ("", "")
        else:
            user = db.get(User, active.user_id)
            self.billed_name = text.person_name(user.given_name, user.family_name, None) if user else ""
            self.billed_email = (user.email or "") if user else ""
        current = subscriptions.current_plan(db, owner)
        lang = self._shell().lang
        self.plans_path = routes.ORG_PLANS if org else routes.PLANS
        self.payment_path = routes.ORG_PAYMENT if org else routes.PAYMENT
        self.provider_label = provider_text(default_provider(), lang)
        self.plan = plan_view(current, lang)
        self.choices = plan_choices(active_plans(db), current, lang)
        self.cards = card_rows(cards.list_payment_methods(db, owner), lang=lang)
        self.invoices = invoice_rows(list_invoices(db, owner, page_size=INVOICES_SHOWN).items, lang)
        self.billing_loaded = True

    def _close_dialogs(self) -> None:
        self.change_open = self.cancel_open = self.remove_open = False
        self.change_error = self.cancel_error = self.remove_error = ""
        self._change_plan_key = self._change_section = self._remove_id = ""

    @rx.event
    def load_billing(self, key: str):
        """on_load of a billing page; `key` names the page's section."""
        key = _billing_key(key) or "plan_details"

        def work(db: Session, active: ActiveSession):
            self._close_dialogs()
            self.plan_error = self.card_error = self.cards_error = ""
            self.busy = ""
            self._load(db, active, key)

        return self._act(key, work, level="enter")

    # ---- the one path of every change --------------------------------------------------------

    def _change(self, key: Any, busy: str, error: str, work: Callable[[Session, ActiveSession, Owner], Any],
                after: Callable[[], None] | None = None) -> AsyncIterator[Any]:
        """`_act` for a billing change: `busy` names the action in progress (the `busy` var),
        `work(db, session, owner)` makes the change and returns the follow-up (a toast), and the
        page is reloaded after it committed. A DomainError's message, in the tab's language, goes
        to the var named `error` and nothing is written; a refusal closes the dialogs.
        """
        key = _billing_key(key)

        def run(db: Session, active: ActiveSession):
            flow = active.flow.flow if active.flow else None
            if not may_take(flow, busy):  # a focused flow's session takes its own task's actions only
                self._close_dialogs()
                return rx.toast.error(self._t("shell.not_allowed"))
            outcome = work(db, active, _owner(active, key))
            db.commit()
            if completes(flow, busy):
                return self._finish_flow(db, active)
            self._load(db, active, key)
            return outcome

        def failed(exc: Exception) -> None:
            setattr(self, error, self._error(exc))

        setattr(self, error, "")
        return self._act(key, run, busy="busy", busy_value=busy, refused=self._close_dialogs, failed=failed,
                         after=after)

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
            result = subscriptions.change_plan(db, actor=self._actor(active), owner=owner,
                                               plan_key=self._change_plan_key)
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
        """Open the cancel confirmation with what cancelling means."""
        def work(db: Session, _active: ActiveSession, owner: Owner):
            self.cancel_summary = cancel_summary(subscriptions.preview_cancel(db, owner), self._shell().lang)
            self.cancel_open = True

        self._close_dialogs()
        return self._change(key, "cancel-preview", "plan_error", work)

    @rx.event
    def confirm_cancel(self, key: str):
        """Cancel at the end of the period (undoable until then)."""
        def work(db: Session, active: ActiveSession, owner: Owner):
            subscriptions.cancel_at_period_end(db, actor=self._actor(active), owner=owner)
            self._close_dialogs()
            return rx.toast.success(self._t("billing.toast.set_to_end"))

        return self._change(key, "cancel", "cancel_error", work)

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
