"""Addresses that both the HTTP routes (portal_ui/api/) and the Reflex pages (portal_ui/ui/) name.

They live here, outside both layers, so that neither imports the other for a path: the routes
answer at them, the pages link or redirect to them.
"""

from __future__ import annotations

# The "session ended" page (a Reflex page); Exit without a return URL lands here.
SESSION_ENDED = "/session-ended"
# A focused flow's page (a Reflex page): where a link with a `flow` lands (portal_ui.domain.flows).
FLOW = "/flow"
# Exit: a Starlette route (portal_ui.api.portal); POST ends the session.
EXIT = "/portal_exit"
# An invoice's PDF: a Starlette route (portal_ui.api.invoices) behind the billing pages' links.
INVOICE_PDF = "/billing/invoices/{invoice_id}.pdf"
# The audit log's CSV export: a Starlette route (portal_ui.api.audit_export) behind the audit-log page's
# button, which adds the page's filters as the query string.
AUDIT_LOG_CSV = "/org/audit-log/export.csv"
# Stripe's webhooks: a Starlette route (portal_ui.api.stripe_webhooks), with PORTAL_BILLING_PROVIDER=stripe.
STRIPE_WEBHOOKS = "/webhooks/stripe"
# "Download my data": a Starlette route (portal_ui.api.data_export) behind the profile page's link.
DATA_EXPORT = "/profile/my-data.json"
