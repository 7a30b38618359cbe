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
from portal_ui.api.upload_origin import UploadOrigin
from portal_ui.settings import get_settings

ROUTE_MODULES = (
    oauth, account, portal, users, organizations, members, roles, invitations, portal_settings, api_keys,
    plans, openapi, invoices, org_logo,
)
# Mounted only when the demo is on (PORTAL_DEMO): `POST /demo/manage` signs a demo persona in
# without a password, so a deployment without the demo must not have the route at all.
DEMO_ROUTE_MODULES = (demo_host_app,)


def build_api() -> Starlette:
    """Every API route (README "How it works", "The API, with curl") with Kinde's error envelope.

    Reflex mounts its app (pages, websocket, /ping) at "" under this one, so these routes
    match first. Tests use this app directly with httpx's ASGITransport. Whether the demo's
    routes are mounted is decided here, from the settings of the moment (PORTAL_DEMO).
    """
    modules = ROUTE_MODULES + (DEMO_ROUTE_MODULES if get_settings().demo else ())
    routes = [route for module in modules for route in module.routes]
    return Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS,
                     middleware=[Middleware(UploadOrigin), Middleware(UploadSizeLimit)])
