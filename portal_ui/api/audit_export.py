"""The audit log's CSV export: `GET /org/audit-log/export.csv` (README "Audit log").

Authenticated by the portal session cookie, like the pages: the session must be able to see the
audit-log section (the organization's `audit_log` function on, `org:read:audit_log`), and the
export is always of the session's own organization. The query string holds the page's filters
(`actor`, `action`, `date_time_from`, `date_time_to`, as on the Management API); a bad one is a 400.
No session, or no permission, is a 403 and nothing is exported.

The file streams in keyset batches (portal_ui.domain.audit_log.export_batches), each read in a
short transaction of its own in a worker thread, so a large log never sits in memory. Every
export is itself an audit event (`audit_log.exported`) with the filters used.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from portal_ui.api.auth import request_actor
from portal_ui.api.pages import NO_STORE, message_page, request_language
from portal_ui.db import session_scope
from portal_ui.domain import audit
from portal_ui.domain.audit_log import export_batches, parse_filter
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.sections import BY_KEY, section_access
from portal_ui.domain.sessions import load_session
from portal_ui.i18n import translate
from portal_ui.paths import AUDIT_LOG_CSV
from portal_ui.session_cookie import request_token
from portal_ui.settings import get_settings

SECTION = BY_KEY["organization_audit_log"]
FILTERS = ("actor", "action", "date_time_from", "date_time_to")
BOM = "\ufeff"  # spreadsheets then read the file as UTF-8


def _page(request: Request, key: str, status: int, detail: str | None = None) -> Response:
    lang = request_language(request)
    return message_page(translate(lang, f"audit.export_{key}_title"),
                        detail or translate(lang, f"audit.export_{key}_text"), status=status, lang=lang)


def _filename(org_code: str) -> str:
    safe = "".join(ch for ch in org_code if ch.isascii() and (ch.isalnum() or ch in "_-"))[:64] or "organization"
    return f"audit-log-{safe}-{utcnow():%Y%m%d-%H%M%S}.csv"


async def export_audit_log(request: Request) -> Response:
    params = request.query_params
    if any(len(params.getlist(name)) > 1 for name in params.keys()) or set(params.keys()) - set(FILTERS):
        return _page(request, "bad", 400)
    try:
        wanted = parse_filter(actor=params.get("actor"), action=params.get("action"),
                              date_from=params.get("date_time_from"), date_to=params.get("date_time_to"))
    except InvalidInput as exc:
        return _page(request, "bad", 400, exc.message)
    token = request_token(request)
    if not token:
        return _page(request, "refused", 403)
    settings = get_settings()

    def allowed_org() -> str | None:
        with session_scope() as db:
            active = load_session(db, settings, token)
            if active is None or active.org_code is None:
                return None
            if section_access(SECTION, **active.section_context()) == "hidden":
                return None
            used = {name: params[name] for name in FILTERS if params.get(name)}
            audit.record(db, actor=request_actor(request, "user", active.user_id), action="audit_log.exported",
                         target_type="organization", target_id=active.org_code, org_code=active.org_code,
                         after={"filters": used})
            return active.org_code

    org_code = await run_in_threadpool(allowed_org)
    if org_code is None:
        return _page(request, "refused", 403)

    def chunks():
        yield BOM
        yield from export_batches(session_scope, org_code, wanted)

    # A sync iterator: Starlette reads each chunk in its thread pool, off the event loop.
    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{_filename(org_code)}"'})


routes = [Route(AUDIT_LOG_CSV, export_audit_log, methods=["GET"])]
