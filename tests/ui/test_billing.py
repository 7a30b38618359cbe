"""Billing in a real browser, per demo persona: plan, plan picker, cancel, payment methods, invoices.

Bea has only her own billing; Olivia owns Acme; Bill is Acme's billing manager (changes the plan);
Vic is a viewer (sees Acme's billing, every changing control disabled).
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Browser, Page, expect

from portal_ui.billing.owner import Owner
from portal_ui.billing.profile import billing_details
from portal_ui.billing.subscriptions import current_plan
from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import review_shot
from tests.ui.billing_world import (billing_rows, card_number_input, db_path, download_invoice, expect_card_form_empty, fill_card, on_stripe, open_billing,
                                   portal_db, provider_note, reset_user_billing, subscription_restored, toast,
                                   two_widths)

pytestmark = pytest.mark.browser

BEA, OLIVIA, BILL, VIC = "kp_demo_bea", "kp_demo_olivia", "kp_demo_bill", "kp_demo_vic"


def choose(page: Page, plan_key: str):
    page.locator(f"[data-plan={plan_key}] .plan-choose").click()
    dialog = page.locator("#change-dialog")
    expect(dialog).to_be_visible()
    return dialog


def acme_plan_name(billing_portal) -> str:
    with portal_db(billing_portal) as session:
        return current_plan(session, Owner.org(DEMO_ORG_CODE)).plan.name


# ---- Bea: her own billing ------------------------------------------------------------------------

def test_bea_subscribes_downloads_the_invoice_cancels_and_keeps_the_plan(page: Page, billing_portal, shot):
    reset_user_billing(billing_portal, BEA, card=True)
    open_billing(page, billing_portal, BEA, None, "plan_details")
    expect(page.locator("#plan-name")).to_have_text("You are not on a plan yet")
    expect(page.locator("#invoices-none")).to_be_visible()
    two_widths(page, shot, "no-plan")

    page.locator("#choose-plan-link").click()
    expect(page.locator("#section-title")).to_have_text("Change plan")
    expect(page.locator(".plan-card")).to_have_count(4)
    expect(page.locator(".plan-badge")).to_have_count(0)
    two_widths(page, shot, "picker")
    dialog = choose(page, "pro_monthly")
    expect(dialog).to_contain_text("Change to Pro (monthly)?")
    expect(page.locator("#change-summary")).to_contain_text("Pro (monthly) starts today. You pay $19.00 now")
    expect(page.locator("#change-due")).to_have_text("$19.00")
    expect(page.locator("#change-effective")).to_have_text("Today")
    two_widths(page, shot, "change-dialog")
    page.locator("#change-confirm").click()
    toast(page, "You are now on Pro (monthly).").to_be_visible()
    expect(dialog).to_have_count(0)
    expect(page.locator("[data-plan=pro_monthly] .plan-badge")).to_have_text("Current plan")
    expect(page.locator("[data-plan=pro_monthly] .plan-choose")).to_be_disabled()

    page.locator("#nav-desktop a[data-section=plan_details]").click()
    expect(page.locator("#plan-name")).to_have_text("Pro (monthly)")
    expect(page.locator("#plan-status")).to_have_text("Active")
    expect(page.locator("#plan-price")).to_have_text("$19.00 / month")
    expect(page.locator("#plan-next")).to_contain_text("Renews on")
    row = page.locator("#invoice-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("$19.00")
    expect(row).to_contain_text("Paid")
    number = row.get_attribute("data-invoice")
    assert re.fullmatch(r"INV-\d{6}", number or "")
    two_widths(page, shot, "plan")
    download_invoice(page, billing_portal, row, number)

    page.locator("#cancel-plan").click()
    expect(page.locator("#cancel-dialog")).to_be_visible()
    expect(page.locator("#cancel-summary")).to_contain_text("stays active until")
    expect(page.locator("#cancel-summary")).to_contain_text("you can undo this")
    two_widths(page, shot, "cancel-dialog")
    page.locator("#cancel-reason").select_option("unused")
    page.locator("#cancel-confirm").click()
    toast(page, "Your plan is set to end").to_be_visible()
    expect(page.locator("#plan-status")).to_contain_text("Ends ")
    expect(page.locator("#cancel-plan")).to_have_count(0)
    two_widths(page, shot, "ending")
    page.locator("#resume-plan").click()
    toast(page, "Your plan continues").to_be_visible()
    expect(page.locator("#plan-status")).to_have_text("Active")
    expect(page.locator("#plan-next")).to_contain_text("Renews on")


def test_bea_cannot_choose_a_paid_plan_without_a_card(page: Page, billing_portal, shot):
    reset_user_billing(billing_portal, BEA)
    open_billing(page, billing_portal, BEA, None, "plan_selection")
    choose(page, "business")
    expect(page.locator("#change-needs-card")).to_contain_text("Add a card before choosing a paid plan")
    expect(page.locator("#change-confirm")).to_be_disabled()
    two_widths(page, shot, "needs-card")
    page.locator("#change-add-card").click()
    expect(page.locator("#section-title")).to_have_text("Payment methods")
    expect(page.locator("#change-dialog")).to_have_count(0)


def test_bea_manages_cards_and_cannot_remove_the_last_one_of_a_paid_plan(page: Page, billing_portal, shot):
    reset_user_billing(billing_portal, BEA, card=True, plan="pro_monthly")
    open_billing(page, billing_portal, BEA, None, "payment_details")
    expect(provider_note(page, billing_portal)).to_contain_text("Stripe" if on_stripe(billing_portal) else "Test provider")
    cards = page.locator(".payment-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Visa ending 4242")
    expect(cards.first.locator(".card-default")).to_be_visible()

    cards.first.locator(".card-remove").click()
    expect(page.locator("#remove-dialog")).to_contain_text("Remove Visa ending 4242?")
    page.locator("#remove-confirm").click()
    expect(page.locator("#remove-error")).to_contain_text("This is the only card for a paid plan")
    two_widths(page, shot, "last-card")
    page.locator("#dialog-back").click()
    # Until its closing animation ends the dialog still traps the focus, and typing goes nowhere.
    expect(page.locator("#remove-dialog")).to_have_count(0)

    fill_card(page, billing_portal, "5555 5555 5555 4444", "11/31", "321")
    page.locator("#card-submit").click()
    toast(page, "Mastercard ending 4444 added.").to_be_visible()
    expect(cards).to_have_count(2)
    expect_card_form_empty(page, billing_portal)
    master = cards.filter(has_text="Mastercard ending 4444")
    master.locator(".card-make-default").click()
    toast(page, "Mastercard ending 4444 is now the default.").to_be_visible()
    expect(cards.first).to_contain_text("Mastercard ending 4444")
    expect(master.locator(".card-default")).to_be_visible()
    two_widths(page, shot, "two-cards")

    cards.filter(has_text="Visa ending 4242").locator(".card-remove").click()
    page.locator("#remove-confirm").click()
    toast(page, "Visa ending 4242 removed.").to_be_visible()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Mastercard ending 4444")


@pytest.mark.parametrize("number, expiry, cvc, message", [
    ("4000 0000 0000 0002", "12/30", "123", "The card was declined"),
    ("4012 8888 8888 1881", "12/30", "123", "This is the test provider"),
    ("4242 4242 4242 4241", "12/30", "123", "this number is not valid"),
    ("4242 4242 4242 4242", "13/30", "123", "Expiry: enter a month from 1 to 12"),
    ("4242 4242 4242 4242", "1230", "12", "Security code: enter the 3 digits"),
    ("4242 4242 4242 4242", "soon", "123", "Expiry: enter the month and year as MM/YY"),
], ids=["declined", "not-a-test-card", "bad-checksum", "bad-month", "short-cvc", "bad-expiry"])
def test_card_errors_show_inline_and_keep_the_input(page: Page, portal, shot, number, expiry, cvc, message):
    """The test provider's own card form: the portal checks what is typed (with Stripe, Stripe's
    element does, and its refusals are the next test's)."""
    reset_user_billing(portal, BEA)
    open_billing(page, portal, BEA, None, "payment_details")
    expect(page.locator("#cards-none")).to_be_visible()
    page.locator("#card_number").fill(number)
    page.locator("#card_expiry").fill(expiry)
    page.locator("#card_cvc").fill(cvc)
    page.locator("#card-submit").click()
    expect(page.locator("#card-error")).to_contain_text(message)
    expect(page.locator("#card_number")).to_have_value(number)
    expect(page.locator(".payment-card")).to_have_count(0)
    if "declined" in message:
        two_widths(page, shot, "card-error")


def test_a_card_stripe_declines_is_not_added_and_says_why(page: Page, stripe_portal, shot):
    """With Stripe, Stripe checks the card: a card it declines while setting it up is not kept, and
    the page says so in Stripe's words; the element keeps what was typed, to correct it."""
    reset_user_billing(stripe_portal, BEA)
    open_billing(page, stripe_portal, BEA, None, "payment_details")
    expect(page.locator("#cards-none")).to_be_visible()
    fill_card(page, stripe_portal, "4000 0000 0000 0002")
    page.locator("#card-submit").click()
    expect(page.locator("#card-error")).to_contain_text("The card was not added: Your card was declined")
    expect(card_number_input(page, stripe_portal)).to_have_value("4000000000000002")
    expect(page.locator(".payment-card")).to_have_count(0)
    expect(page.locator("#card-submit")).to_be_enabled()
    two_widths(page, shot, "stripe-card-declined")
    assert billing_rows(stripe_portal, user_id=BEA)["payment_methods"] == []


def forget_billing_details(portal, user_id: str) -> None:
    """`user_id`'s own billing details back to none saved (test data only)."""
    with sqlite3.connect(db_path(portal)) as conn:
        conn.execute("DELETE FROM billing_profiles WHERE user_id = ?", (user_id,))


def test_two_tabs_edit_the_billing_details_and_the_second_save_is_told(browser: Browser, billing_portal, request):
    """Two tabs show Bea's billing details; the first saves a city; the second's save of a postal
    code is refused with what changed, keeps its typing, and goes through after Reload."""
    forget_billing_details(billing_portal, BEA)
    first_context, second_context = browser.new_context(), browser.new_context()
    try:
        first, second = first_context.new_page(), second_context.new_page()
        for page in (first, second):
            open_billing(page, billing_portal, BEA, None, "plan_details")
            expect(page.locator("#billing-details-name")).to_have_value("Bea Chen")
        first.locator("#billing-details-city").fill("Bath")
        first.locator("#billing-details-save").click()
        toast(first, "Billing details saved.").to_be_visible()

        second.locator("#billing-details-postcode").fill("BS1 5TY")
        second.locator("#billing-details-save").click()
        conflict = second.locator("#billing-details-conflict")
        expect(conflict).to_contain_text("Someone changed these billing details since you opened them (City)")
        expect(second.locator("#billing-details-postcode")).to_have_value("BS1 5TY")  # nothing lost silently
        for width in (1280, 390):
            second.set_viewport_size({"width": width, "height": 900})
            review_shot(second, request, f"billing-details-conflict-{width}")
        second.set_viewport_size({"width": 1280, "height": 900})
        with portal_db(billing_portal) as session:
            saved = billing_details(session, Owner.user(BEA))
        assert (saved.city, saved.postcode) == ("Bath", "")

        second.locator("#billing-details-reload").click()
        expect(conflict).to_have_count(0)
        expect(second.locator("#billing-details-city")).to_have_value("Bath")
        expect(second.locator("#billing-details-postcode")).to_have_value("")
        second.locator("#billing-details-postcode").fill("BS1 5TY")
        second.locator("#billing-details-save").click()
        toast(second, "Billing details saved.").to_be_visible()
        with portal_db(billing_portal) as session:
            saved = billing_details(session, Owner.user(BEA))
        assert (saved.city, saved.postcode) == ("Bath", "BS1 5TY")
    finally:
        first_context.close()
        second_context.close()
        forget_billing_details(billing_portal, BEA)


# ---- Acme: Olivia, Bill and Vic --------------------------------------------------------------------

def test_olivia_sees_acmes_plan_cards_and_invoice(page: Page, billing_portal, shot):
    open_billing(page, billing_portal, OLIVIA, DEMO_ORG_CODE, "organization_plan_details")
    expect(page.locator("#section-title")).to_have_text("Plan")
    expect(page.locator("#plan-name")).to_have_text(acme_plan_name(billing_portal))
    expect(page.locator("#billing-details-email")).to_have_value("billing@acme.example")
    first = page.locator("#invoice-table tbody tr[data-invoice=INV-000001]")
    expect(first).to_contain_text("$19.00")
    download_invoice(page, billing_portal, first, "INV-000001")
    two_widths(page, shot, "org-plan")
    page.locator("#nav-desktop a[data-section=organization_payment_details]").click()
    expect(page.locator(".payment-card").first).to_contain_text("Visa ending 4242")
    expect(card_number_input(page, billing_portal)).to_be_enabled()
    two_widths(page, shot, "org-cards")


@pytest.fixture
def german_page(browser: Browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_german_tab_shows_amounts_and_dates_the_german_way(german_page: Page, billing_portal, request):
    page = german_page
    open_billing(page, billing_portal, OLIVIA, DEMO_ORG_CODE, "organization_plan_details")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#plan-price")).to_have_text(re.compile(r"^\d+,\d\d\s\$ / Monat$"))
    row = page.locator("#invoice-table tbody tr[data-invoice=INV-000001]")
    expect(row).to_contain_text(re.compile(r"19,00\s\$"))
    expect(row).to_contain_text(re.compile(r"\d{1,2}\. (Jan\.|Feb\.|März|Apr\.|Mai|Juni|Juli|Aug\.|Sept\.|Okt\.|Nov\.|Dez\.) \d{4}"))
    expect(page.locator("#invoice-table")).not_to_contain_text("$19.00")
    review_shot(page, request, "org-plan-de")
    # The preview of an upgrade (only looked at, not confirmed): the portal's own lines in German.
    page.locator("#nav-desktop a[data-section=organization_plan_selection]").click()
    dialog = choose(page, "business")
    expect(dialog.locator(".quote-total").first).to_contain_text(re.compile(r"\d,\d\d\s\$"))
    if not on_stripe(billing_portal):  # Stripe's lines are Stripe's, in its customer's language
        expect(dialog.locator(".quote-line").first).to_contain_text(re.compile(r"^Business, verbleibende \d+ von \d+ Tagen"))
        expect(dialog).to_contain_text("Nicht genutzte Zeit für ")
    review_shot(page, request, "change-preview-de", full_page=False)
    page.keyboard.press("Escape")
    expect(page.locator("#change-dialog")).to_have_count(0)


@pytest.fixture
def acme_plan_restored(billing_portal):
    with subscription_restored(billing_portal, org_code=DEMO_ORG_CODE):
        yield


def test_bill_upgrades_schedules_and_undoes_a_change_for_acme(page: Page, billing_portal, shot, acme_plan_restored):
    with portal_db(billing_portal) as session:
        assert current_plan(session, Owner.org(DEMO_ORG_CODE)).plan.key == "pro_monthly"
    open_billing(page, billing_portal, BILL, DEMO_ORG_CODE, "organization_plan_selection")
    expect(page.locator("#read-only-note")).to_have_count(0)
    expect(page.locator("[data-plan=pro_monthly] .plan-badge")).to_have_text("Current plan")

    choose(page, "business")
    expect(page.locator("#change-summary")).to_contain_text("Your plan changes from Pro (monthly) to Business today")
    expect(page.locator("#change-effective")).to_have_text("Today")
    expect(page.locator("#change-due")).to_have_text(re.compile(r"^\$\d+\.\d\d$"))
    page.locator("#change-confirm").click()
    toast(page, "You are now on Business.").to_be_visible()
    expect(page.locator("[data-plan=business] .plan-badge")).to_have_text("Current plan")

    choose(page, "pro_yearly")
    expect(page.locator("#change-summary")).to_contain_text("you keep Business until then")
    expect(page.locator("#change-due")).to_have_text("$0.00")
    expect(page.locator("#change-effective")).not_to_have_text("Today")
    page.locator("#change-confirm").click()
    toast(page, "Pro (yearly) starts on").to_be_visible()
    expect(page.locator("[data-plan=pro_yearly] .plan-badge")).to_contain_text("Starts ")
    expect(page.locator("[data-plan=pro_yearly] .plan-choose")).to_be_disabled()
    two_widths(page, shot, "scheduled")

    choose(page, "business")
    expect(page.locator("#change-summary")).to_contain_text("the scheduled plan change is dropped")
    page.locator("#change-confirm").click()
    toast(page, "You stay on Business.").to_be_visible()
    expect(page.locator("[data-plan=pro_yearly] .plan-badge")).to_have_count(0)
    with portal_db(billing_portal) as session:
        plan = current_plan(session, Owner.org(DEMO_ORG_CODE))
        assert (plan.plan.key, plan.pending_plan) == ("business", None)


def test_vic_sees_acmes_billing_but_cannot_change_it(page: Page, billing_portal, shot):
    open_billing(page, billing_portal, VIC, DEMO_ORG_CODE, "organization_plan_details")
    expect(page.locator("#read-only-note")).to_contain_text("View only")
    expect(page.locator("#plan-name")).to_have_text(acme_plan_name(billing_portal))
    expect(page.locator("#cancel-plan")).to_be_disabled()
    expect(page.locator("#invoice-table tbody tr").first).to_be_visible()
    two_widths(page, shot, "viewer-plan")

    page.locator("#nav-desktop a[data-section=organization_plan_selection]").click()
    expect(page.locator(".plan-card")).to_have_count(4)
    for button in page.locator(".plan-choose").all():
        expect(button).to_be_disabled()
    two_widths(page, shot, "viewer-picker")

    page.locator("#nav-desktop a[data-section=organization_payment_details]").click()
    expect(page.locator(".payment-card").first).to_be_visible()
    for selector in (".card-remove", ".card-make-default", "#card_number", "#card_expiry", "#card_cvc", "#card-submit"):
        for element in page.locator(selector).all():
            expect(element).to_be_disabled()
    two_widths(page, shot, "viewer-cards")

    # His own billing is his to manage.
    page.locator("#nav-desktop a[data-section=plan_selection]").click()
    expect(page.locator("#read-only-note")).to_have_count(0)
    expect(page.locator("[data-plan=pro_monthly] .plan-choose")).to_be_enabled()
