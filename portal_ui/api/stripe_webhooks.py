"""Stripe's webhooks: `POST /webhooks/stripe` (README "Stripe").

The body is read raw (at most MAX_BODY_BYTES) because the signature covers its exact bytes; the
`Stripe-Signature` header is checked with the official library against STRIPE_WEBHOOK_SECRET. A bad
signature is a 400 and changes nothing. A verified event is applied once per event id and answered
200 (also for a duplicate, and for event types the portal does not follow, so Stripe stops
sending them). Without the Stripe provider the route answers 404. When applying an event needs
Stripe and Stripe fails, the answer is a 503 and nothing is kept, so Stripe delivers it again.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.body import read_raw_body
from portal_ui.api.errors import ApiError
from portal_ui.billing import stripe_billing
from portal_ui.billing.stripe_provider import ProviderError, WebhookRejected
from portal_ui.db import session_scope
from portal_ui.paths import STRIPE_WEBHOOKS

log = logging.getLogger("portal_ui.api")
MAX_BODY_BYTES = 512 * 1024  # Stripe's events are well under this


async def stripe_webhook(request: Request) -> JSONResponse:
    if stripe_billing.stripe_provider() is None:
        raise ApiError(404, "ROUTE_NOT_FOUND", "Stripe is not the billing provider of this portal.")
    payload = await read_raw_body(request, MAX_BODY_BYTES)
    signature = request.headers.get("stripe-signature")

    def work() -> str:
        with session_scope() as session:
            return stripe_billing.handle_webhook(session, payload, signature)

    try:
        outcome = await run_in_threadpool(work)
    except WebhookRejected as err:
        raise ApiError(400, err.code, err.message) from None
    except ProviderError:
        log.warning("a Stripe webhook could not be applied now; Stripe will send it again")
        raise ApiError(503, "PAYMENT_PROVIDER_ERROR", "Try again later.") from None
    return JSONResponse({"received": True, "outcome": outcome})


routes = [Route(STRIPE_WEBHOOKS, stripe_webhook, methods=["POST"])]
