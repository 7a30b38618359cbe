"""Invoice downloads for the portal's billing history: `GET /billing/invoices/{invoice_id}.pdf`.

Authenticated by the portal session cookie, like the pages: the invoice must belong to the
session's user (with the user billing function on) or to the organization the session was
opened for (with the billing function on and `org:read:billing`). Anything else, including no
session at all, is the same 404, so the answer never tells whether an invoice id exists. An invoice
Stripe issued answers with a redirect to Stripe's PDF of it (README "Stripe").
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal_ui.api.pages import NO_STORE, message_page, request_language
from portal_ui.i18n import translate
from portal_ui.billing.invoices import invoice_pdf
from portal_ui.billing.owner import Owner
from portal_ui.db import session_scope
from portal_ui.domain.errors import NotFound
from portal_ui.domain.sections import BY_KEY, section_access
from portal_ui.domain.sessions import ActiveSession, load_session
from portal_ui.models import Invoice
from portal_ui.paths import INVOICE_PDF
from portal_ui.session_cookie import request_token
from portal_ui.settings import get_settings

PATH = INVOICE_PDF
ID_MAX = 64


def invoice_owner(active: ActiveSession, invoice: Invoice) -> Owner | None:
    """The owner through which `active` may read `invoice`, or None if it may not."""
    context = active.section_context()
    if invoice.org_code is not None:
        section = BY_KEY["organization_plan_details"]
        if invoice.org_code == active.org_code and section_access(section, **context) != "hidden":
            return Owner.org(active.org_code)
        return None
    if invoice.user_id == active.user_id and section_access(BY_KEY["plan_details"], **context) != "hidden":
        return Owner.user(active.user_id)
    return None


def _not_found(request: Request) -> Response:
    lang = request_language(request)
    return message_page(translate(lang, "shell.invoice_not_found_title"), translate(lang, "shell.invoice_not_found_text"),
                        status=404, lang=lang)


async def download_invoice(request: Request) -> Response:
    invoice_id = request.path_params["invoice_id"]
    token = request_token(request)
    if not token or not invoice_id or len(invoice_id) > ID_MAX:
        return _not_found(request)
    settings = get_settings()
    lang = request_language(request)

    def work() -> tuple[str, bytes] | str | None:
        with session_scope() as db:
            active = load_session(db, settings, token)
            invoice = db.get(Invoice, invoice_id) if active is not None else None
            owner = invoice_owner(active, invoice) if invoice is not None else None
            if owner is None:
                return None
            if invoice.pdf_url:  # issued by Stripe: its own PDF
                return invoice.pdf_url
            product_name = str(active.settings.branding.get("product_name") or "")
            try:
                return invoice_pdf(db, owner, invoice_id, product_name=product_name, lang=lang)
            except NotFound:
                return None

    found = await run_in_threadpool(work)
    if found is None:
        return _not_found(request)
    if isinstance(found, str):
        return RedirectResponse(found, status_code=303, headers=NO_STORE)
    filename, pdf = found
    return Response(pdf, media_type="application/pdf", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'})


routes = [Route(PATH, download_invoice, methods=["GET"])]
