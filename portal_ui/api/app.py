"""The Starlette app holding every HTTP route; Reflex mounts its own app beneath it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from portal_ui.api import account, oauth, org_logo, portal
from portal_ui.demo import host_app as demo_host_app
from portal_ui.api.errors import EXCEPTION_HANDLERS
from portal_ui.api.management import api_keys, invitations, members, organizations, portal_settings, roles, users
from portal_ui.api.management import plans
from portal_ui.api import openapi
from portal_ui.api import invoices
from portal_ui.api.upload_limit import UploadSizeLimit

ROUTE_MODULES = (
    oauth, account, portal, users, organizations, members, roles, invitations, portal_settings, api_keys,
    plans, openapi, demo_host_app, invoices, org_logo,
)


def build_api() -> Starlette:
    """Every API route of contract §2, §4, §6, §7 with Kinde's error envelope.

    Reflex mounts its app (pages, websocket, /ping) at "" under this one, so these routes
    match first. Tests use this app directly with httpx's ASGITransport.
    """
    routes = [route for module in ROUTE_MODULES for route in module.routes]
    return Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS, middleware=[Middleware(UploadSizeLimit)])
