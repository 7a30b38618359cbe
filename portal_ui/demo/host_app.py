"""/demo: a stand-in for a customer's SaaS app, so a newcomer sees the whole integration.

Each persona's "Manage account" button does what a real host app does: it holds a user access
token for its signed-in user, calls the Account API (`GET /account_api/v1/portal_link`) with it,
and sends the browser to the one-time link it gets back. The call goes through the portal's own
ASGI app in-process (same routes, headers and JSON as over the network), so it works behind any
proxy. `build_api()` mounts these routes only when the demo is on (PORTAL_DEMO), and they answer
only while the demo is seeded and the portal issues its own tokens.
"""

from __future__ import annotations

from html import escape

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal_ui.api.pages import NO_STORE, message_page
from portal_ui.db import session_scope
from portal_ui.demo import webhooks as demo_webhooks
from portal_ui.demo.personas import DEMO_ORG_ALIAS, PERSONA_BY_ID, PERSONAS
from portal_ui.demo.seed import is_seeded
from portal_ui.domain.sections import SECTIONS
from portal_ui.settings import get_settings
from portal_ui.tokens.issue import mint_user_token

_STYLE = """
 body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f4f5f9; color: #1c2024; }
 header { background: #1e1b4b; color: #fff; padding: 1rem 1.5rem; display: flex; align-items: center; gap: .75rem; }
 header strong { font-size: 1.2rem; } header span { opacity: .8; font-size: .9rem; }
 main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
 .intro { background: #fff; border-radius: 12px; padding: 1.25rem 1.5rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
 .intro p { line-height: 1.55; margin: .4rem 0; color: #3c4149; }
 .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem; margin-top: 1.25rem; }
 .card { background: #fff; border-radius: 12px; padding: 1.1rem 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.1);
         display: flex; flex-direction: column; gap: .5rem; }
 .card h2 { font-size: 1.05rem; margin: 0; } .card p { margin: 0; color: #555b63; font-size: .92rem; }
 .card form { display: flex; flex-direction: column; gap: .5rem; margin-top: auto; }
 label { font-size: .85rem; color: #3c4149; }
 select, button { font: inherit; padding: .5rem .6rem; border-radius: 8px; border: 1px solid #c8ccd2; }
 button { background: #4f46e5; color: #fff; border: none; font-weight: 600; cursor: pointer; }
 button:focus-visible, select:focus-visible { outline: 3px solid #1c2024; outline-offset: 2px; }
 code { background: #eef0f4; padding: .1rem .3rem; border-radius: 4px; }
 .notice { background: #ecfdf3; border: 1px solid #86efac; border-radius: 8px; padding: .6rem .9rem; margin-bottom: 1rem; }
 .hooks { background: #fff; border-radius: 12px; padding: 1.1rem 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); margin-top: 1.25rem; }
 .hooks h2 { font-size: 1.05rem; margin: 0 0 .4rem; } .hooks p { margin: .2rem 0 .6rem; color: #555b63; font-size: .92rem; }
 .hooks table { width: 100%; border-collapse: collapse; font-size: .88rem; }
 .hooks th, .hooks td { text-align: left; padding: .4rem .5rem; border-top: 1px solid #eceef2; vertical-align: top; }
 .hooks td { overflow-wrap: anywhere; }  /* long event ids and check messages wrap instead of widening the page */
 .hooks th { color: #555b63; font-weight: 600; border-top: none; }
 .hooks td.ok { color: #166534; } .hooks td.bad { color: #b91c1c; }
 .hooks .empty { color: #555b63; font-style: italic; }
 @media (max-width: 640px) { .hooks .wide { display: none; } }
"""

# Polls the receipts every 2 s and redraws the table (text only, never markup from the payload).
_HOOKS_SCRIPT = """
(function () {
  const body = document.getElementById('hooks-body');
  const fmt = (iso) => new Date(iso).toLocaleTimeString();
  function cell(row, text, cls, wide) {
    const td = document.createElement('td'); td.textContent = text;
    if (cls) td.className = cls; if (wide) td.classList.add('wide'); row.appendChild(td);
  }
  async function refresh() {
    try {
      const resp = await fetch('/demo/webhooks/received', {cache: 'no-store'});
      if (!resp.ok) return;
      const items = (await resp.json()).received;
      body.replaceChildren();
      if (!items.length) {
        const row = document.createElement('tr');
        cell(row, 'Nothing yet: change something in the portal (your name, a member, an API key...).', 'empty');
        row.firstChild.colSpan = 5; body.appendChild(row); return;
      }
      for (const item of items) {
        const row = document.createElement('tr');
        cell(row, fmt(item.received_on)); cell(row, item.type || '(unreadable)');
        cell(row, item.summary, '', true);
        cell(row, (item.verified ? '\u2713 ' : '\u2717 ') + item.check, item.verified ? 'ok' : 'bad');
        cell(row, item.event_id, '', true);
        body.appendChild(row);
      }
    } catch (e) { /* the next poll tries again */ }
  }
  refresh(); setInterval(refresh, 2000);
})();
"""


def _section_options() -> str:
    options = []
    for section in SECTIONS:
        title = section.title.replace("Organization", DEMO_ORG_ALIAS)
        group = "Your account" if section.portal == "user" else DEMO_ORG_ALIAS
        options.append(f'<option value="{section.key}">{escape(group)}: {escape(title)}</option>')
    return "\n".join(options)


def _persona_card(persona) -> str:
    where = f"Member of Acme ({escape(persona.role_key or '')})" if persona.org_code else "No workspace"
    return f"""
<section class="card" aria-labelledby="name-{persona.user_id}">
  <h2 id="name-{persona.user_id}">{escape(persona.full_name)}</h2>
  <p>{escape(persona.summary)}</p>
  <p>{escape(persona.email)} · {where}</p>
  <form method="post" action="/demo/manage">
    <input type="hidden" name="persona" value="{persona.user_id}">
    <label for="section-{persona.user_id}">Open the portal at</label>
    <select id="section-{persona.user_id}" name="sub_nav">{_section_options()}</select>
    <button type="submit" id="manage-{persona.user_id}">Manage account</button>
  </form>
</section>"""


def _available() -> str | None:
    """None when the demo can run; otherwise the reason it cannot."""
    if not get_settings().demo:
        return "The demo is off (PORTAL_DEMO)."
    if get_settings().external_tokens:
        return "The demo host app needs the embedded token issuer; this portal verifies an external one."
    with session_scope() as session:
        if not is_seeded(session):
            return "The demo is not seeded. Run `python -m portal_ui.cli seed-demo` (make run does it for you)."
    return None


async def demo_page(request: Request) -> Response:
    reason = await run_in_threadpool(_available)
    if reason:
        return message_page("Demo not available", reason, status=404)
    back = '<p class="notice" role="status">You are back in Nimbus: the portal session has ended.</p>' \
        if request.query_params.get("left") == "1" else ""
    hook = await run_in_threadpool(demo_webhooks.registered_endpoint)
    if hook is None:
        hooks_intro = ("Nimbus has no webhook registered: this portal's address "
                       f"(<code>{escape(get_settings().public_url)}</code>) was not one webhooks may go to when the "
                       "demo was seeded (see PORTAL_WEBHOOK_ALLOW_PRIVATE in the README).")
    else:
        mode = "a JWT, checked with the published JWKS" if hook.signing == "jwt" else "Standard Webhooks"
        hooks_intro = (f"Nimbus registered <code>{demo_webhooks.RECEIVER_PATH}</code> for every event type. Each "
                       "change made in the portal arrives here within a moment, and Nimbus checks its signature "
                       f"({mode}) before trusting it.")
    cards = "".join(_persona_card(p) for p in PERSONAS)
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Nimbus (demo host app)</title>
<style>{_STYLE}</style></head><body>
<header><strong>Nimbus</strong><span>a pretend SaaS app that uses portal_ui for account management</span></header>
<main id="main-content">{back}
<div class="intro">
  <p><strong>This page plays the part of your product.</strong> Pick a signed-in user below and press
  <em>Manage account</em>. Nimbus then calls the portal's Account API
  (<code>GET /account_api/v1/portal_link</code>) with that user's access token and sends the browser to the
  one-time link it returns. What the portal shows depends on the user's roles in the Acme
  {escape(DEMO_ORG_ALIAS.lower())}; <em>Exit</em> in the portal brings you back here.</p>
</div>
<div class="grid">{cards}</div>
<section class="hooks" aria-labelledby="hooks-title">
  <h2 id="hooks-title">Webhooks Nimbus received</h2>
  <p id="hooks-intro">{hooks_intro}</p>
  <table><thead><tr><th>Time</th><th>Event</th><th class="wide">About</th><th>Signature</th>
  <th class="wide">Event id</th></tr></thead><tbody id="hooks-body" aria-live="polite"></tbody></table>
</section>
</main><script>{_HOOKS_SCRIPT}</script></body></html>"""
    return HTMLResponse(html, headers=NO_STORE)


async def manage(request: Request) -> Response:
    reason = await run_in_threadpool(_available)
    if reason:
        return message_page("Demo not available", reason, status=404)
    form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
    persona = PERSONA_BY_ID.get(str(form.get("persona", "")))
    if persona is None:
        return message_page("Unknown demo user", "Pick one of the users on the demo page.", status=400,
                            return_url="/demo", return_label="Back to the demo")
    settings = get_settings()
    token = mint_user_token(settings, persona.user_id, persona.org_code, ttl=300)
    params = {"subnav": str(form.get("sub_nav", "profile"))[:64]}
    if settings.default_return_url == f"{settings.public_url}/demo":
        params["return_url"] = f"{settings.public_url}/demo?left=1"  # say "welcome back" after exit
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
        resp = await client.get("/account_api/v1/portal_link", params=params,
                                headers={"Authorization": f"Bearer {token}"})
    if resp.status_code != 200:
        message = resp.json().get("errors", [{}])[0].get("message", "The portal refused the request.")
        return message_page("Could not open the portal", message, status=400 if resp.status_code < 500 else 502, return_url="/demo",
                            return_label="Back to the demo")
    return RedirectResponse(resp.json()["url"], status_code=303, headers=NO_STORE)


async def receive_webhook(request: Request) -> Response:
    """Nimbus's webhook endpoint: verify, remember, answer 200 (or 400 for a bad signature)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > demo_webhooks.MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
    headers = {k.lower(): v for k, v in request.headers.items()}
    settings = get_settings()

    def check() -> bool:
        with session_scope() as session:
            event, mode, found = demo_webhooks.verify(session, settings, body, headers)
        demo_webhooks.remember(settings, event=event, event_id=headers.get("webhook-id", ""), mode=mode, check=found)
        return event is not None

    ok = await run_in_threadpool(check)
    return PlainTextResponse("ok" if ok else "signature refused", status_code=200 if ok else 400)


async def received_webhooks(_request: Request) -> Response:
    items = await run_in_threadpool(demo_webhooks.received, get_settings())
    return JSONResponse({"received": items}, headers=NO_STORE)


routes = [
    Route("/demo", demo_page, methods=["GET"]),
    Route("/demo/manage", manage, methods=["POST"]),
    Route(demo_webhooks.RECEIVER_PATH, receive_webhook, methods=["POST"]),
    Route(demo_webhooks.RECEIVER_PATH + "/received", received_webhooks, methods=["GET"]),
]
