"""Security headers on every answer: pages, API, and the entry/exit routes (pure ASGI middleware).

The Content-Security-Policy is the one the Reflex build actually works under: its prerendered
pages carry inline bootstrap scripts and Emotion injects style tags, hence 'unsafe-inline' for
scripts and styles; and Reflex applies events the server sends back (toasts, clipboard, scripts)
by evaluating them, hence 'unsafe-eval'. Everything else is same-origin, except images (a logo may
live on a CDN); no plugins, no <base>, and frames only where allowed.
`frame-ancestors` comes from PORTAL_FRAME_ANCESTORS: nobody may frame the portal unless listed.
With PORTAL_BILLING_PROVIDER=stripe (only then), Stripe.js's origins are added: its script, its API
and its frames (Settings.stripe_browser_sources; README "Stripe").
"""

from __future__ import annotations

from typing import Iterable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(frame_ancestors: Iterable[str],
                            extra_sources: Mapping[str, Iterable[str]] | None = None) -> str:
    """The policy; `extra_sources` adds origins to script-src, connect-src and frame-src."""
    ancestors = " ".join(frame_ancestors) or "'none'"
    extra = {name: "".join(f" {origin}" for origin in origins) for name, origins in (extra_sources or {}).items()}
    frames = (f"frame-src 'self'{extra['frame-src']}",) if extra.get("frame-src") else ()
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' 'unsafe-eval'{extra.get('script-src', '')}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https:",
        "font-src 'self' data:",
        f"connect-src 'self'{extra.get('connect-src', '')}",
        *frames,
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self' http: https:",  # Exit posts to /portal_exit, which redirects to the return URL
        f"frame-ancestors {ancestors}",
    ))


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not already set them."""

    def __init__(self, app: ASGIApp, frame_ancestors: Iterable[str] = (),
                 extra_sources: Mapping[str, Iterable[str]] | None = None):
        self.app = app
        ancestors = tuple(frame_ancestors)
        self.headers = [
            (b"content-security-policy", content_security_policy(ancestors, extra_sources).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if not ancestors:
            self.headers.append((b"x-frame-options", b"DENY"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_headers_transformer(app: ASGIApp) -> ASGIApp:
    """For `rx.App(api_transformer=[...])`: wrap the whole backend (pages and API) in the headers."""
    from portal_ui.settings import get_settings

    settings = get_settings()
    return SecurityHeaders(app, settings.frame_ancestors, settings.stripe_browser_sources)
