"""Addresses that both the HTTP routes (portal_ui/api/) and the Reflex pages (portal_ui/ui/) name.

They live here, outside both layers, so that neither imports the other for a path: the routes
answer at them, the pages link or redirect to them.
"""

from __future__ import annotations

# The "session ended" page (a Reflex page); Exit without a return URL lands here.
SESSION_ENDED = "/session-ended"
# Exit: a Starlette route (portal_ui.api.portal); POST ends the session.
EXIT = "/portal_exit"
# An invoice's PDF: a Starlette route (portal_ui.api.invoices) behind the billing pages' links.
INVOICE_PDF = "/billing/invoices/{invoice_id}.pdf"
# The audit log's CSV export: a Starlette route (portal_ui.api.audit_export) behind the audit-log page's
# button, which adds the page's filters as the query string.
AUDIT_LOG_CSV = "/org/audit-log/export.csv"
# "Download my data": a Starlette route (portal_ui.api.data_export) behind the profile page's link.
DATA_EXPORT = "/profile/my-data.json"
