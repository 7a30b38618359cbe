"""Management API: organization invitations (Kinde's paths and bodies).

`POST|GET /api/v1/organization/{org_code}/invites`, `DELETE …/invites/{invite_code}`.

With `send_email: true` (Kinde's default is false) and PORTAL_SMTP_URL set, the invitation is
emailed after it is committed; `is_sent` says whether that worked. A failed email never loses the
invitation: it is created (201) and stays listed here for the host app. No `invite_link` is
returned. M2M callers may put any role on an invitation (the portal's grant rule limits portal
members only). At most `MAX_OPEN_INVITATIONS` pending invitations per organization: more is a
429 TOO_MANY_OPEN_INVITATIONS; a second pending invitation for one email is a 409. With
`send_email: true`, an invitation beyond the hourly email allowance (per organization, and per
caller within it: portal_ui.domain.invitations) is a 429 TOO_MANY_REQUESTS with Retry-After, and
nothing is created.
"""

from __future__ import annotations

from typing import Annotated, List, Optional

from pydantic import Field
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body, read_query
from portal_ui.api.management._common import Body, PageQuery, in_transaction, iso, paged, path_param
from portal_ui.domain import invitations as domain
from portal_ui.domain import mailer
from portal_ui.domain.invitations import MAX_ROLES
from portal_ui.models import NAME_MAX, Invitation
from portal_ui.settings import get_settings


class CreateInviteBody(Body):
    # Length limits for email and names are checked in the domain, with Kinde's error codes.
    email: str = Field(max_length=1024)
    first_name: Optional[str] = Field(default=None, max_length=1024)
    last_name: Optional[str] = Field(default=None, max_length=1024)
    roles: List[Annotated[str, Field(max_length=NAME_MAX)]] = Field(max_length=MAX_ROLES)
    send_email: Optional[bool] = None


class InvitesQuery(PageQuery):
    sort: Optional[str] = Field(default=None, max_length=32)
    include_revoked: Optional[bool] = None
    include_accepted: Optional[bool] = None


def invite_json(invitation: Invitation, names: dict[str, str]) -> dict:
    """Kinde's organization_invite."""
    full_name = " ".join(p for p in (invitation.given_name, invitation.family_name) if p)
    return {
        "id": invitation.code, "code": invitation.code, "email": invitation.email,
        "first_name": invitation.given_name or None, "last_name": invitation.family_name or None,
        "full_name": full_name, "created_on": iso(invitation.created_on), "is_sent": invitation.sent_on is not None,
        "accepted_on": None, "roles": [{"key": k, "name": names.get(k, k)} for k in invitation.role_keys],
        "is_revoked": invitation.status == "revoked",
    }


def _names(session: Session, invitations: list[Invitation]) -> dict[str, str]:
    keys = sorted({k for inv in invitations for k in inv.role_keys})
    return domain.role_names(session, keys)


async def create_invite(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:organization_invites")
    org_code = path_param(request, "org_code")
    body = await read_body(request, CreateInviteBody)

    def work(session) -> dict:
        invitation = domain.create_invitation(session, actor=caller.actor, org_code=org_code, email=body.email,
                                              given_name=body.first_name, family_name=body.last_name,
                                              role_keys=body.roles, send_email=bool(body.send_email))
        return {"code": "INVITATION_CREATED", "message": "Invitation created",
                "invite": invite_json(invitation, _names(session, [invitation]))}

    created = await in_transaction(work)
    if body.send_email:
        # Its own transaction, after the invitation is committed: a mail failure cannot undo it.
        settings, code = get_settings(), created["invite"]["code"]
        delivery = await in_transaction(
            lambda session: mailer.deliver_invitation(session, settings, actor=caller.actor, invite_code=code))
        created["invite"]["is_sent"] = delivery.sent
    return JSONResponse(created, status_code=201)


async def list_invites(request: Request) -> JSONResponse:
    await require_m2m(request, "read:organization_invites")
    org_code = path_param(request, "org_code")
    query = read_query(request, InvitesQuery)

    def work(session) -> dict:
        page = domain.list_invitations(session, org_code=org_code, page_size=query.page_size,
                                       next_token=query.next_token, sort=query.sort,
                                       include_revoked=bool(query.include_revoked),
                                       include_accepted=bool(query.include_accepted))
        names = _names(session, page.items)
        return paged({"code": "OK", "message": "Success", "invites": [invite_json(i, names) for i in page.items]},
                     page.next_token)

    return JSONResponse(await in_transaction(work))


async def revoke_invite(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "delete:organization_invites")
    org_code, invite_code = path_param(request, "org_code"), path_param(request, "invite_code")

    def work(session) -> dict:
        domain.revoke_invitation(session, actor=caller.actor, org_code=org_code, invite_code=invite_code)
        return {"code": "OK", "message": "Invitation successfully revoked"}

    return JSONResponse(await in_transaction(work))


_INVITES = "/api/v1/organization/{org_code}/invites"
routes = [
    Route(_INVITES, create_invite, methods=["POST"]),
    Route(_INVITES, list_invites, methods=["GET"]),
    Route(_INVITES + "/{invite_code}", revoke_invite, methods=["DELETE"]),
]
