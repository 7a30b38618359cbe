"""The credential headers Reflex copies from a websocket into every tab's state.

Reflex 0.10.1 builds each socket's router data from the ASGI scope's headers as they reach it
(`App._build_static_router_data`: `environ["asgi.scope"]["headers"]`), so whatever ASGI
middleware in front of it leaves in the scope is what the state, and so `.states/` or Redis,
holds. `reflex.istate.data._PRIVATE_HEADERS` names the headers Reflex itself treats as private;
portal_ui.session_cookie.SocketCookie drops all of them from the websocket's scope (and puts back
only the session token's SHA-256 as the Cookie).
"""

from __future__ import annotations

# Reflex's `_PRIVATE_HEADERS`, as ASGI header names (bytes, lower case). An identity-aware proxy
# may add some of them to the websocket's request.
CREDENTIAL_HEADERS = frozenset({
    b"cookie", b"authorization", b"proxy-authorization", b"cf-access-jwt-assertion",
    b"x-auth-request-access-token", b"x-forwarded-access-token", b"x-amzn-oidc-accesstoken",
    b"x-amzn-oidc-data", b"x-goog-iap-jwt-assertion",
})
