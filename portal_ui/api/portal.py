"""Entering and leaving the portal (README "How it works", README "Sessions, limits and headers").

- `POST /api/v1/portal/generate_url`: an M2M caller asks for a one-time link for a user.
- `GET /portal_redirect?key=`: redeem the link once, start a portal session, set the HttpOnly
  cookie and answer 303 to the section's page, so the key leaves the address bar and history.
- `POST /portal_exit`: end the session, clear the cookie and go to the link's return URL. POST
  only (GET is 405): a link or image on another site must not end anybody's session.

The cookie's name and the one parser for it live in portal_ui.session_cookie.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal_ui.api.auth import request_actor, require_m2m
from portal_ui.api.body import read_body
from portal_ui.api.errors import ApiError
from portal_ui.api.management._common import Body, in_transaction
from portal_ui.api.pages import NO_STORE, link_unusable_page, message_page, request_language
from portal_ui.i18n import translate
from portal_ui.api.throttle import address_key, failures_counted, is_over, throttle
from portal_ui.db import session_scope
from portal_ui.domain.links import create_link, link_is_redeemable, link_return_url, redeem_link
from portal_ui.domain.previews import create_preview_link
from portal_ui.domain.sections import BY_KEY, DEFAULT_SUB_NAV
from portal_ui.domain.sessions import end_session, start_session
from portal_ui.models import URL_MAX
from portal_ui.paths import EXIT, FLOW, SESSION_ENDED
from portal_ui.session_cookie import clear_session_cookie, request_token, set_session_cookie
from portal_ui.settings import get_settings

class GenerateUrlBody(Body):
    user_id: str = Field(min_length=1, max_length=64)
    organization_code: str | None = Field(default=None, max_length=64)
    return_url: str | None = Field(default=None, max_length=URL_MAX)
    sub_nav: str | None = Field(default=None, max_length=64)
    subnav: str | None = Field(default=None, max_length=64)
    # A focused flow (portal_ui.domain.flows checks the values).
    flow: str | None = Field(default=None, max_length=64)
    flow_plan: str | None = Field(default=None, max_length=64)
    after_completion_url: str | None = Field(default=None, max_length=URL_MAX)


def one_sub_nav(first: str | None, second: str | None) -> str | None:
    """The section named by either spelling (`sub_nav`, `subnav`); 400 when both are given and differ."""
    if first is not None and second is not None and first != second:
        raise ApiError(400, "INVALID_SUBNAV", "sub_nav and subnav disagree; send one of them")
    return first if first is not None else second


async def _link_caller(request: Request):
    """The M2M caller allowed to make links (scope create:portal_links), throttled per client; bad
    tokens are counted per address (portal_ui/api/throttle.py)."""
    async with failures_counted("link:ip", address_key(request)):
        caller = await require_m2m(request, "create:portal_links")
    await throttle("link:client", caller.client_id)
    return caller


async def generate_url(request: Request) -> JSONResponse:
    caller = await _link_caller(request)
    body = await read_body(request, GenerateUrlBody)
    sub_nav = one_sub_nav(body.sub_nav, body.subnav)
    settings = get_settings()

    def work(session) -> str:
        return create_link(session, settings, user_id=body.user_id, org_code=body.organization_code,
                           sub_nav=sub_nav, return_url=body.return_url, actor=caller.actor, flow=body.flow,
                           flow_plan=body.flow_plan, after_completion_url=body.after_completion_url)

    url = await in_transaction(work)
    return JSONResponse({"url": url}, headers={"Cache-Control": "no-store"})


class PreviewUrlBody(Body):
    organization_code: str | None = Field(default=None, max_length=64)
    role_key: str | None = Field(default=None, max_length=64)
    permissions: list[str] | None = Field(default=None, max_length=50)
    # Other roles the preview's role switcher may show (portal_ui.domain.previews).
    role_keys: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=50)
    sub_nav: str | None = Field(default=None, max_length=64)
    subnav: str | None = Field(default=None, max_length=64)
    settings: dict | None = None
    return_url: str | None = Field(default=None, max_length=URL_MAX)


async def preview_url(request: Request) -> JSONResponse:
    """(portal_ui) A one-time link to a read-only preview of the portal as a role would see it."""
    caller = await _link_caller(request)
    body = await read_body(request, PreviewUrlBody)
    sub_nav = one_sub_nav(body.sub_nav, body.subnav)
    settings = get_settings()

    def work(session) -> str:
        return create_preview_link(session, settings, actor=caller.actor, org_code=body.organization_code,
                                   role_key=body.role_key, permissions=body.permissions, role_keys=body.role_keys,
                                   sub_nav=sub_nav, overrides=body.settings, return_url=body.return_url)

    url = await in_transaction(work)
    return JSONResponse({"url": url}, headers={"Cache-Control": "no-store"})


def _too_many_attempts(request: Request) -> Response:
    lang = request_language(request)
    return message_page(translate(lang, "shell.too_many_title"), translate(lang, "shell.too_many_text"),
                        status=429, lang=lang)


def _redeemable(key: str | None) -> bool:
    with session_scope() as session:
        return link_is_redeemable(session, key)


async def portal_redirect(request: Request) -> Response:
    keys = request.query_params.getlist("key")
    key = keys[0] if len(keys) == 1 else None
    # Only failed redemptions count per address, so a valid link opens whoever shares the address.
    # An address over its limit gets a read-only look at the key before anything is written.
    address = address_key(request)
    if await is_over("redeem:ip", address) and not await run_in_threadpool(_redeemable, key):
        return _too_many_attempts(request)
    settings = get_settings()
    browser = request_actor(request, "user", "portal_redirect")
    previous = request_token(request)

    def work() -> tuple[str | None, str | None]:
        with session_scope() as session:
            link = redeem_link(session, key)
            if link is None:
                return None, None
            if previous:  # this browser's earlier session ends here: one browser, one session
                end_session(session, previous, client_ip=browser.client_ip, user_agent=browser.user_agent)
            token = start_session(session, settings, link, client_ip=browser.client_ip,
                                  user_agent=browser.user_agent)
            if link.flow:  # a focused flow has a page of its own
                return token, FLOW
            section = BY_KEY.get(link.sub_nav or DEFAULT_SUB_NAV, BY_KEY[DEFAULT_SUB_NAV])
            return token, section.path

    token, landing = await run_in_threadpool(work)
    if token is None:
        try:
            await throttle("redeem:ip", address)
        except ApiError:
            return _too_many_attempts(request)

        def known_return_url() -> str | None:
            with session_scope() as session:
                return link_return_url(session, key)
        return link_unusable_page(await run_in_threadpool(known_return_url), request_language(request))
    response = RedirectResponse(landing, status_code=303, headers=NO_STORE)
    set_session_cookie(response, token, settings)
    return response


async def portal_exit(request: Request) -> Response:
    # Every method is routed here, not only POST: otherwise the Reflex app mounted beneath these
    # routes would answer a GET with a page instead of the 405.
    if request.method != "POST":
        return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "POST", **NO_STORE})
    token = request_token(request)
    browser = request_actor(request, "user", "portal_exit")

    def work() -> str | None:
        with session_scope() as session:
            return end_session(session, token, client_ip=browser.client_ip, user_agent=browser.user_agent) \
                if token else None

    return_url = await run_in_threadpool(work)
    response = RedirectResponse(return_url or SESSION_ENDED, status_code=303, headers=NO_STORE)
    clear_session_cookie(response, get_settings())
    return response


routes = [
    Route("/api/v1/portal/generate_url", generate_url, methods=["POST"]),
    Route("/api/v1/portal/preview_url", preview_url, methods=["POST"]),
    Route("/portal_redirect", portal_redirect, methods=["GET"]),
    Route(EXIT, portal_exit, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
]
