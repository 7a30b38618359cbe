"""Management API: webhooks (Kinde's paths and bodies; README "Webhooks").

`POST|GET /api/v1/webhooks`, `PATCH|DELETE /api/v1/webhooks/{webhook_id}` and
`GET /api/v1/event_types` as Kinde has them. *(portal_ui)* `signing` (`jwt`, Kinde's way and the
default, or `standard` for Standard Webhooks) and, when changing, `endpoint`; the create answer
carries the endpoint's `secret` (once). The delivery log
(`GET /api/v1/webhooks/{webhook_id}/deliveries[/{delivery_id}]`), replay
(`POST .../deliveries/{delivery_id}/replay`), `POST /api/v1/webhooks/{webhook_id}/test`, and the
public key of `jwt` deliveries at `GET /.well-known/webhooks/jwks.json` are portal_ui's own.
"""

from __future__ import annotations

from typing import List, Optional

from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body, read_query
from portal_ui.api.errors import ApiError
from portal_ui.api.management._common import SUCCESS, Body, PageQuery, Query, in_transaction, iso, paged, path_param
from portal_ui.models import NAME_MAX, URL_MAX, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal_ui.settings import get_settings
from portal_ui.webhooks import endpoints as domain
from portal_ui.webhooks import events, signing

EVENT_TYPE_MAX = 64
EventTypes = List[str]


class CreateWebhookBody(Body):
    endpoint: str = Field(max_length=URL_MAX)
    event_types: EventTypes = Field(max_length=domain.MAX_EVENT_TYPES)
    name: str = Field(max_length=NAME_MAX)
    description: Optional[str] = Field(default=None, max_length=domain.DESCRIPTION_MAX)
    signing: Optional[str] = Field(default=None, max_length=16)  # portal_ui


class UpdateWebhookBody(Body):
    event_types: Optional[EventTypes] = Field(default=None, max_length=domain.MAX_EVENT_TYPES)
    name: Optional[str] = Field(default=None, max_length=NAME_MAX)
    description: Optional[str] = Field(default=None, max_length=domain.DESCRIPTION_MAX)
    endpoint: Optional[str] = Field(default=None, max_length=URL_MAX)  # portal_ui
    signing: Optional[str] = Field(default=None, max_length=16)  # portal_ui


class DeliveriesQuery(PageQuery):
    status: Optional[str] = Field(default=None, max_length=16)


def _check_event_types(values: Optional[list]) -> None:
    for value in values or []:
        if len(value) > EVENT_TYPE_MAX:
            raise ApiError(400, "INVALID_INPUT", f"event_types: an event type has at most {EVENT_TYPE_MAX} characters")


def webhook_json(row: WebhookEndpoint) -> dict:
    return {"id": row.id, "name": row.name, "endpoint": row.endpoint, "description": row.description,
            "event_types": list(row.event_types), "signing": row.signing, "created_on": iso(row.created_on)}


def delivery_json(row: WebhookDelivery, event_type: str) -> dict:
    return {"id": row.id, "event_id": row.event_id, "event_type": event_type, "status": row.status,
            "attempt_count": row.attempt_count, "created_on": iso(row.created_on),
            "last_attempt_on": iso(row.last_attempt_on), "delivered_on": iso(row.delivered_on),
            "next_attempt_on": iso(row.next_attempt_on) if row.status == "pending" else None,
            "last_status_code": row.last_status_code, "last_latency_ms": row.last_latency_ms,
            "last_response": row.last_response, "last_error": row.last_error, "replay_of": row.replay_of}


def attempt_json(row: WebhookAttempt) -> dict:
    return {"attempted_on": iso(row.attempted_on), "status_code": row.status_code, "latency_ms": row.latency_ms,
            "response": row.response, "error": row.error}


async def create_webhook(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:webhooks")
    body = await read_body(request, CreateWebhookBody)
    _check_event_types(body.event_types)
    settings = get_settings()

    def work(session) -> dict:
        row = domain.create_endpoint(session, settings, actor=caller.actor, endpoint=body.endpoint, name=body.name,
                                     event_types=body.event_types, description=body.description,
                                     signing_mode="jwt" if body.signing is None else body.signing)
        return {"code": "WEBHOOK_CREATED", "message": "Webhook successfully created",
                "webhook": {"id": row.id, "endpoint": row.endpoint, "signing": row.signing, "secret": row.secret}}

    return JSONResponse(await in_transaction(work))


async def list_webhooks(request: Request) -> JSONResponse:
    await require_m2m(request, "read:webhooks")
    read_query(request, Query)

    def work(session) -> dict:
        return {**SUCCESS, "webhooks": [webhook_json(row) for row in domain.list_endpoints(session)]}

    return JSONResponse(await in_transaction(work))


async def update_webhook(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "update:webhooks")
    webhook_id = path_param(request, "webhook_id")
    body = await read_body(request, UpdateWebhookBody)
    _check_event_types(body.event_types)
    given = body.model_fields_set
    for name in ("event_types", "name", "endpoint", "signing"):
        if name in given and getattr(body, name) is None:
            raise ApiError(400, "INVALID_INPUT", f"{name}: may not be null")
    changes = domain.Changes(name=body.name, event_types=body.event_types, description=body.description,
                             description_given="description" in given, endpoint=body.endpoint, signing=body.signing)
    settings = get_settings()

    def work(session) -> dict:
        row = domain.update_endpoint(session, settings, actor=caller.actor, webhook_id=webhook_id, changes=changes)
        return {"code": "WEBHOOK_UPDATED", "message": "Webhook successfully updated", "webhook": {"id": row.id}}

    return JSONResponse(await in_transaction(work))


async def delete_webhook(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "delete:webhooks")
    webhook_id = path_param(request, "webhook_id")

    def work(session) -> dict:
        domain.delete_endpoint(session, actor=caller.actor, webhook_id=webhook_id)
        return {"code": "WEBHOOK_DELETED", "message": "Webhook successfully deleted"}

    return JSONResponse(await in_transaction(work))


async def list_event_types(request: Request) -> JSONResponse:
    await require_m2m(request, "read:event_types")
    read_query(request, Query)
    return JSONResponse({**SUCCESS, "event_types": events.catalogue_json()})


async def list_deliveries(request: Request) -> JSONResponse:
    await require_m2m(request, "read:webhooks")
    webhook_id = path_param(request, "webhook_id")
    query = read_query(request, DeliveriesQuery)

    def work(session) -> dict:
        page = domain.list_deliveries(session, webhook_id=webhook_id, status=query.status,
                                      page_size=query.page_size, next_token=query.next_token)
        return paged({**SUCCESS, "deliveries": [delivery_json(d, t) for d, t in page.items]}, page.next_token)

    return JSONResponse(await in_transaction(work))


async def get_delivery(request: Request) -> JSONResponse:
    await require_m2m(request, "read:webhooks")
    webhook_id = path_param(request, "webhook_id")
    delivery_id = path_param(request, "delivery_id")
    read_query(request, Query)

    def work(session) -> dict:
        delivery, event, attempts = domain.get_delivery(session, webhook_id=webhook_id, delivery_id=delivery_id)
        return {**SUCCESS, "delivery": {**delivery_json(delivery, event.type), "payload": event.payload,
                                        "attempts": [attempt_json(a) for a in attempts]}}

    return JSONResponse(await in_transaction(work))


async def replay_delivery(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "update:webhooks")
    webhook_id = path_param(request, "webhook_id")
    delivery_id = path_param(request, "delivery_id")

    def work(session) -> dict:
        replay = domain.replay_delivery(session, actor=caller.actor, webhook_id=webhook_id, delivery_id=delivery_id)
        event_type = domain.get_delivery(session, webhook_id=webhook_id, delivery_id=replay.id)[1].type
        return {"code": "DELIVERY_QUEUED", "message": "The event will be sent again",
                "delivery": delivery_json(replay, event_type)}

    return JSONResponse(await in_transaction(work), status_code=202)


async def send_test(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "update:webhooks")
    webhook_id = path_param(request, "webhook_id")

    def work(session) -> dict:
        delivery = domain.send_test(session, actor=caller.actor, webhook_id=webhook_id)
        return {"code": "DELIVERY_QUEUED", "message": "A test event will be sent",
                "delivery": delivery_json(delivery, events.TEST_EVENT)}

    return JSONResponse(await in_transaction(work), status_code=202)


async def webhook_jwks(_request: Request) -> JSONResponse:
    document = await run_in_threadpool(signing.webhook_jwks, get_settings())
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


routes = [
    Route("/api/v1/webhooks", create_webhook, methods=["POST"]),
    Route("/api/v1/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}", update_webhook, methods=["PATCH"]),
    Route("/api/v1/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
    Route("/api/v1/webhooks/{webhook_id}/deliveries", list_deliveries, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}", get_delivery, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", replay_delivery, methods=["POST"]),
    Route("/api/v1/webhooks/{webhook_id}/test", send_test, methods=["POST"]),
    Route("/api/v1/event_types", list_event_types, methods=["GET"]),
    Route("/.well-known/webhooks/jwks.json", webhook_jwks, methods=["GET"]),
]
