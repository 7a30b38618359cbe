"""The Starlette app holding every HTTP route; Reflex mounts its own app beneath it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from portal_ui.api import account, oauth, org_logo, portal
from portal_ui.demo import host_app as demo_host_app
from portal_ui.api.errors import EXCEPTION_HANDLERS
from portal_ui.api.management import api_keys, invitations, members, organizations, portal_settings, roles, users
from portal_ui.api.management import audit_events, domains, join_requests, plans, webhooks
from portal_ui.api import openapi
from portal_ui.api import audit_export, data_export, invoices, stripe_webhooks
from portal_ui.api.upload_limit import UploadSizeLimit
from portal_ui.api.upload_origin import UploadOrigin
from portal_ui.settings import get_settings

ROUTE_MODULES = (
    oauth, account, portal, users, organizations, members, roles, invitations, portal_settings, api_keys,
    plans, audit_events, openapi, invoices, audit_export, data_export, org_logo, webhooks, stripe_webhooks,
    domains, join_requests,
)
# Mounted only when the demo is on (PORTAL_DEMO): `POST /demo/manage` signs a demo persona in
# without a password, so a deployment without the demo must not have the route at all.
DEMO_ROUTE_MODULES = (demo_host_app,)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _no_demo(_request) -> PlainTextResponse:
    return PlainTextResponse("Not Found", status_code=404)


# Without the demo, its paths answer 404 to every method (not the pages' 405 to a POST).
NO_DEMO_ROUTES = [Route("/demo", _no_demo, methods=ALL_METHODS),
                  Route("/demo/{rest:path}", _no_demo, methods=ALL_METHODS)]


def build_api() -> Starlette:
    """Every API route (README "How it works", "The API, with curl") with Kinde's error envelope.

    Reflex mounts its app (pages, websocket, /ping) at "" under this one, so these routes
    match first. Tests use this app directly with httpx's ASGITransport. Whether the demo's
    routes are mounted is decided here, from the settings of the moment (PORTAL_DEMO).
    """
    demo = get_settings().demo
    modules = ROUTE_MODULES + (DEMO_ROUTE_MODULES if demo else ())
    routes = [route for module in modules for route in module.routes] + ([] if demo else NO_DEMO_ROUTES)
    return Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS,
                     middleware=[Middleware(UploadOrigin), Middleware(UploadSizeLimit)])
