"""Billing: plan catalogue, subscriptions, payment methods and invoices (plain Python, no Reflex, no HTTP).

A billing account belongs to exactly one owner, a user (user portal) or an organization (org
portal): see `Owner`. Functions validate before writing, add one audit event per change to the
caller's session and leave the commit to the caller. Payments go through a `BillingProvider`; the
built-in one is the test provider (`TestCardProvider`), which accepts only card test numbers.
"""

from portal_ui.billing.owner import Owner

__all__ = ["Owner"]
