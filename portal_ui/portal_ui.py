"""The Reflex app: pages, the API mount and middleware; nothing else."""

import reflex as rx

from portal_ui.api.account_cors import AccountApiCors
from portal_ui.api.app import build_api
from portal_ui.api.build_assets import build_assets_transformer
from portal_ui.api.build_files import build_files_transformer
from portal_ui.api.page_paths import page_paths_transformer
from portal_ui.api.security_headers import security_headers_transformer
from portal_ui.heap import settle_heap
from portal_ui.session_cookie import socket_cookie_transformer
from portal_ui.ui.middleware import FreshShellOnConnect
from portal_ui.ui.pages import add_pages
from portal_ui.webhooks.worker import run_in_server as deliver_webhooks
from portal_ui.reflex_internals.private_files import keep_state_files_private

# A page restored from the back/forward cache would show the portal as it was before Exit;
# reload it instead, so it asks the server (which says the session has ended).
RELOAD_FROM_BFCACHE = "window.addEventListener('pageshow', (e) => { if (e.persisted) window.location.reload(); });"

keep_state_files_private()  # before rx.App creates the state manager: state files 0600, folder 0700


class PortalApp(rx.App):
    """Reflex's app, its ASGI answer wrapped in the Account API's CORS (api/account_cors.py).

    Reflex puts its CORS middleware (the portal's own origin only) outermost on the app it
    serves, and it would refuse a host app's preflight before any api_transformer saw it."""

    def __call__(self):
        return AccountApiCors(super().__call__())


app = PortalApp(
    # Our routes first (Reflex mounts its app beneath them), the build's pages from memory, pages at
    # their own paths (no hop to the trailing-slash twin), build assets from memory, then security
    # headers on everything; outermost, the websocket's Cookie header becomes the session token's
    # hash before Reflex sees it.
    api_transformer=[build_api(), build_files_transformer, page_paths_transformer, build_assets_transformer,
                     security_headers_transformer, socket_cookie_transformer],
    html_lang="en",
    # assets/stripe_card.js: Stripe's card element for the payment methods page (idle until mounted).
    head_components=[rx.script(RELOAD_FROM_BFCACHE), rx.script(src="/stripe_card.js", defer=True)],
    stylesheets=["/portal.css"],  # assets/portal.css: the few rules no component prop can express
)
app.add_middleware(FreshShellOnConnect(), index=0)
app.register_lifespan_task(settle_heap)  # long-lived startup objects out of the collector's way
app.register_lifespan_task(deliver_webhooks)  # the webhook outbox, in every server process (README "Webhooks")
add_pages(app)
