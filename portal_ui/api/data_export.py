""""Download my data": `GET /profile/my-data.json` (README "Account lifecycle").

Authenticated by the portal session cookie, like the pages: the session must be live, not a
product team's preview, and able to see the profile section (the `profile` user function on). The
file is always the session's own user's (portal_ui.domain.data_export): there is nothing to name in
the request, so there is nothing to forge. No session, or one that may not, is a 403 and nothing is
exported. Every download is itself an audit event (`user.data_exported`).
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal_ui.api.auth import request_actor
from portal_ui.api.pages import NO_STORE, message_page, request_language
from portal_ui.db import session_scope
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.data_export import export_user_data
from portal_ui.domain.errors import NotFound
from portal_ui.domain.sections import BY_KEY, section_access
from portal_ui.domain.sessions import load_session
from portal_ui.i18n import translate
from portal_ui.paths import DATA_EXPORT
from portal_ui.session_cookie import request_token
from portal_ui.settings import get_settings

SECTION = BY_KEY["profile"]


def _refused(request: Request) -> Response:
    lang = request_language(request)
    return message_page(translate(lang, "lifecycle.export_refused_title"),
                        translate(lang, "lifecycle.export_refused_text"), status=403, lang=lang)


def _filename(user_id: str) -> str:
    safe = "".join(ch for ch in user_id if ch.isascii() and (ch.isalnum() or ch in "_-"))[:64] or "user"
    return f"my-data-{safe}-{utcnow():%Y%m%d-%H%M%S}.json"


async def download_my_data(request: Request) -> Response:
    token = request_token(request)
    if not token:
        return _refused(request)
    settings = get_settings()

    def work() -> tuple[str, dict] | None:
        with session_scope() as db:
            active = load_session(db, settings, token)
            if active is None or active.is_preview:
                return None
            context = {"user_functions": active.settings.user_functions,
                       "org_functions": active.settings.org_functions, "permissions": active.permissions,
                       "has_org": active.org_code is not None}
            if section_access(SECTION, **context) == "hidden":
                return None
            try:
                data = export_user_data(db, active.user_id)
            except NotFound:
                return None
            audit.record(db, actor=request_actor(request, "user", active.user_id), action="user.data_exported",
                         target_type="user", target_id=active.user_id)
            return active.user_id, data

    found = await run_in_threadpool(work)
    if found is None:
        return _refused(request)
    user_id, data = found
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return Response(body, media_type="application/json", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{_filename(user_id)}"'})


routes = [Route(DATA_EXPORT, download_my_data, methods=["GET"])]
