"""Webhooks in the OpenAPI document: Kinde's `/api/v1/webhooks` and `/api/v1/event_types` (Kinde's
operation ids, bodies and response shapes), and portal_ui's delivery log, replay, test event and
the JWKS of `jwt` deliveries. Request bodies come from the models the routes validate with."""

from __future__ import annotations

from portal_ui.api.openapi.builder import Builder
from portal_ui.api.openapi.schema import JSON, nullable, obj, ref, string

INT = {"type": "integer"}
TIME = string(format="date-time")


def _envelope(**fields: dict) -> dict:
    return obj({"code": string(), "message": string(), **fields}, ["code", "message", *fields])


def schemas() -> dict:
    from portal_ui.webhooks import deliveries, signing

    event_types = {"type": "array", "items": string(), "description": "Array of event type keys."}
    webhook = obj({
        "id": string(), "name": string(), "endpoint": string(format="uri"), "description": nullable(string()),
        "event_types": event_types, "created_on": TIME,
        "signing": string(enum=list(signing.MODES), description="(portal_ui) How deliveries are signed."),
    }, ["id", "name", "endpoint", "description", "event_types", "created_on", "signing"])
    delivery = obj({
        "id": string(), "event_id": string(), "event_type": string(),
        "status": string(enum=["pending", "delivered", "failed"]),
        "attempt_count": INT, "created_on": TIME, "last_attempt_on": nullable(TIME),
        "delivered_on": nullable(TIME),
        "next_attempt_on": nullable({**TIME, "description": "When the next attempt is due (pending only)."}),
        "last_status_code": nullable(INT), "last_latency_ms": nullable(INT),
        "last_response": string(maxLength=deliveries.SNIPPET_MAX,
                                description="The start of the receiver's last answer."),
        "last_error": string(description="Why the last attempt got no answer (connection, timeout, address)."),
        "replay_of": nullable(string(description="The delivery this one replays.")),
    }, ["id", "event_id", "event_type", "status", "attempt_count", "created_on", "last_attempt_on", "delivered_on",
        "next_attempt_on", "last_status_code", "last_latency_ms", "last_response", "last_error", "replay_of"])
    attempt = obj({"attempted_on": TIME, "status_code": nullable(INT), "latency_ms": INT, "response": string(),
                   "error": string()}, ["attempted_on", "status_code", "latency_ms", "response", "error"])
    detail = {"allOf": [ref("webhook_delivery"), obj({
        "payload": {"type": "object", "description": "The event object as sent."},
        "attempts": {"type": "array", "items": ref("webhook_attempt")}}, ["payload", "attempts"])]}
    event_type = obj({"id": string(), "code": string(), "name": string(),
                      "origin": string(enum=["kinde", "portal_ui"]), "schema": {"type": "object"}},
                     ["id", "code", "name", "origin", "schema"])
    return {
        "webhook": webhook,
        "get_webhooks_response": _envelope(webhooks={"type": "array", "items": ref("webhook")}),
        "create_webhook_response": _envelope(webhook=obj({
            "id": string(), "endpoint": string(), "signing": string(enum=list(signing.MODES)),
            "secret": string(description="(portal_ui) The Standard Webhooks secret (`whsec_...`), shown only "
                                         "in this answer.")}, ["id", "endpoint", "signing", "secret"])),
        "update_webhook_response": _envelope(webhook=obj({"id": string()}, ["id"])),
        "delete_webhook_response": _envelope(),
        "event_type": event_type,
        "get_event_types_response": _envelope(event_types={"type": "array", "items": ref("event_type")}),
        "webhook_delivery": delivery,
        "webhook_attempt": attempt,
        "get_webhook_deliveries_response": obj({
            "code": string(), "message": string(), "deliveries": {"type": "array", "items": ref("webhook_delivery")},
            "next_token": string(description="Present when there is a next page.")},
            ["code", "message", "deliveries"]),
        "get_webhook_delivery_response": _envelope(delivery=detail),
        "queue_webhook_delivery_response": _envelope(delivery=ref("webhook_delivery")),
    }


def operations(b: Builder) -> None:
    from portal_ui.api.management import webhooks

    tags = ["Webhooks"]
    b.add("POST", "/api/v1/webhooks", auth="m2m", scope="create:webhooks",
          ok=(200, "create_webhook_response", "Webhook successfully created."), errors=(409,),
          body=webhooks.CreateWebhookBody, operation_id="CreateWebHook", summary="Create a Webhook", tags=tags,
          description="Create a webhook.",
          notes="(portal_ui) `signing`: `jwt` (default, as Kinde: the body is a JWT verifiable with "
                "/.well-known/webhooks/jwks.json) or `standard` (Standard Webhooks headers, HMAC with the secret). "
                "The answer carries the secret once. `endpoint` must be an http(s) URL whose host resolves to "
                "public addresses only (unless PORTAL_WEBHOOK_ALLOW_PRIVATE); 409 beyond 50 webhooks.")
    b.add("GET", "/api/v1/webhooks", auth="m2m", scope="read:webhooks", ok=(200, "get_webhooks_response", ""),
          errors=(400,), operation_id="GetWebHooks", summary="List Webhooks", tags=tags,
          description="List webhooks. Secrets are never listed.")
    b.add("PATCH", "/api/v1/webhooks/{webhook_id}", auth="m2m", scope="update:webhooks",
          ok=(200, "update_webhook_response", "Webhook successfully updated."), body=webhooks.UpdateWebhookBody,
          operation_id="UpdateWebHook", summary="Update a Webhook", tags=tags, description="Update a webhook.",
          notes="Changes only the fields it names; `description` may be null. (portal_ui) `endpoint` and "
                "`signing` may change too.")
    b.add("DELETE", "/api/v1/webhooks/{webhook_id}", auth="m2m", scope="delete:webhooks",
          ok=(200, "delete_webhook_response", "Webhook successfully deleted."), operation_id="DeleteWebHook",
          summary="Delete Webhook", tags=tags,
          description="Delete a webhook, its delivery log and its pending deliveries.")
    b.add("GET", "/api/v1/event_types", auth="m2m", scope="read:event_types",
          ok=(200, "get_event_types_response", ""), errors=(400,), operation_id="GetEventTypes",
          summary="List Event Types", tags=tags,
          description="The event types a webhook may subscribe to; `origin` says whether Kinde has the same "
                      "event (`kinde`) or it is portal_ui's own.")
    deliveries_path = "/api/v1/webhooks/{webhook_id}/deliveries"
    b.add("GET", deliveries_path, auth="m2m", scope="read:webhooks",
          ok=(200, "get_webhook_deliveries_response", "The delivery log, newest first."), errors=(400,),
          query=webhooks.DeliveriesQuery, query_overrides={"status": {"enum": ["pending", "delivered", "failed"]}},
          operation_id="getWebhookDeliveries", summary="List a webhook's deliveries", tags=tags,
          description="(portal_ui) Each event sent (or being sent) to this webhook: status, attempts, the last "
                      "answer's status code, latency and first 512 characters.")
    b.add("GET", deliveries_path + "/{delivery_id}", auth="m2m", scope="read:webhooks",
          ok=(200, "get_webhook_delivery_response", "One delivery, its event and every attempt."), errors=(400,),
          query=webhooks.Query, operation_id="getWebhookDelivery", summary="Get a delivery", tags=tags,
          description="(portal_ui) A delivery with the event as sent and each attempt.")
    b.add("POST", deliveries_path + "/{delivery_id}/replay", auth="m2m", scope="update:webhooks",
          ok=(202, "queue_webhook_delivery_response", "The event is queued to be sent again."),
          operation_id="replayWebhookDelivery", summary="Replay a delivery", tags=tags,
          description="(portal_ui) Sends the delivery's event (same event id) to the webhook again, as a new "
                      "delivery with its own retries.")
    b.add("POST", "/api/v1/webhooks/{webhook_id}/test", auth="m2m", scope="update:webhooks",
          ok=(202, "queue_webhook_delivery_response", "A test event is queued."), operation_id="sendWebhookTest",
          summary="Send a test event", tags=tags,
          description="(portal_ui) Queues a `webhook.test` event for this webhook only.")
    b.paths["/.well-known/webhooks/jwks.json"] = {"get": {
        "operationId": "getWebhookJwks", "summary": "The public key of JWT webhook deliveries", "tags": tags,
        "security": [],
        "description": "(portal_ui) Verifies the JWTs that webhooks with `signing: jwt` receive (RS256, `kid` in "
                       "the header). Served in both token modes.",
        "responses": {"200": {"description": "A JSON Web Key Set (RFC 7517).", "content": {JSON: {"schema": ref("jwks")}}}},
    }}


def stripe_operations(b: Builder) -> None:
    """Stripe's webhooks into the portal (README "Stripe"), with PORTAL_BILLING_PROVIDER=stripe."""
    envelope = {JSON: {"schema": ref("error_response")}}
    b.paths["/webhooks/stripe"] = {"post": {
        "operationId": "receiveStripeWebhook", "summary": "Receive a Stripe event", "tags": ["Webhooks"],
        "security": [],
        "description": "(portal_ui) Stripe's webhook endpoint. The raw body (at most 512 KiB) must carry a valid "
                       "`Stripe-Signature` for STRIPE_WEBHOOK_SECRET; each event id is applied once. 404 unless "
                       "the billing provider is Stripe.",
        "parameters": [{"name": "Stripe-Signature", "in": "header", "required": False, "schema": string()}],
        "requestBody": {"required": True, "content": {JSON: {"schema": {"type": "object"}}}},
        "responses": {
            "200": {"description": "Received: `outcome` is applied, duplicate or ignored.",
                    "content": {JSON: {"schema": obj({"received": {"type": "boolean"},
                                                      "outcome": string(enum=["applied", "duplicate", "ignored"])},
                                                     ["received", "outcome"])}}},
            "400": {"description": "The signature does not match (or the body is no Stripe event).",
                    "content": envelope},
            "404": {"$ref": "#/components/responses/NotFound"},
            "413": {"description": "The request body is larger than 512 KiB.", "content": envelope},
            "503": {"description": "Stripe could not be reached while applying the event; Stripe sends it again.",
                    "content": envelope},
        },
    }}
