"""Management API: an organization's audit events (README "Audit log").

`GET /api/v1/organizations/{org_code}/audit_events` (scope `read:audit_events`), newest first, with
the audit log's filters as query parameters: `actor` (user, m2m, system, or a user or client id),
`action` (exact, or a group like `member.*`), `date_time_from` and `date_time_to` (ISO days or
date-times, both inclusive), and Kinde's paging (`page_size`, `next_token`). A bad value is a 400
naming the parameter; fields named like secrets never appear in `before` or `after`.
"""

from __future__ import annotations

from typing import Optional

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_query
from portal_ui.api.management._common import SUCCESS, PageQuery, in_transaction, iso, paged, path_param
from portal_ui.domain.audit_log import AuditEntry, changes_text, list_events, parse_filter

SCOPE = "read:audit_events"
PATH = "/api/v1/organizations/{org_code}/audit_events"


class AuditEventsQuery(PageQuery):
    """The filters (their lengths and forms are checked by portal_ui.domain.audit_log.parse_filter)."""

    actor: Optional[str] = Field(default=None, description=(
        "`user`, `m2m` or `system` for every actor of that type, or one user id or M2M client id."))
    action: Optional[str] = Field(default=None, description=(
        "An action (`member.removed`), or a group of them (`member.*`, `member.` or `member`)."))
    date_time_from: Optional[str] = Field(default=None, description=(
        "Events from this moment on: an ISO 8601 date (from its start, UTC) or date-time (UTC without an offset)."))
    date_time_to: Optional[str] = Field(default=None, description=(
        "Events up to this moment, inclusive: an ISO 8601 date (to its end, UTC) or date-time."))


def event_body(entry: AuditEntry) -> dict:
    return {
        "id": str(entry.id), "occurred_on": iso(entry.occurred_on),
        "actor_type": entry.actor_type, "actor_id": entry.actor_id, "actor_name": entry.actor_name,
        "actor_email": entry.actor_email or None,
        "action": entry.action, "target_type": entry.target_type, "target_id": entry.target_id,
        "before": entry.before, "after": entry.after, "changes": changes_text(entry.changes),
        "client_ip": entry.client_ip, "user_agent": entry.user_agent,
    }


async def list_audit_events(request: Request) -> JSONResponse:
    await require_m2m(request, SCOPE)
    org_code = path_param(request, "org_code")
    query = read_query(request, AuditEventsQuery)
    wanted = parse_filter(actor=query.actor, action=query.action, date_from=query.date_time_from,
                          date_to=query.date_time_to)

    def work(session) -> dict:
        page = list_events(session, org_code, wanted, page_size=query.page_size, next_token=query.next_token)
        return paged({**SUCCESS, "audit_events": [event_body(e) for e in page.entries]}, page.next_token)

    return JSONResponse(await in_transaction(work))


routes = [Route(PATH, list_audit_events, methods=["GET"])]
