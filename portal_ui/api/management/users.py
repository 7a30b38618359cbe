"""Management API: users (Kinde's `POST /api/v1/user`, `GET /api/v1/user?id=`, `GET /api/v1/users`,
`DELETE /api/v1/user?id=`).

portal_ui stores one email per user. Email identities are supported; phone and username
identities are refused (400 UNSUPPORTED_IDENTITY). `profile.picture` and `provided_id` are
accepted for compatibility and not stored.
"""

from __future__ import annotations

from typing import List, Literal, Optional

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body, read_query
from portal_ui.api.errors import ApiError
from portal_ui.api.management._common import SUCCESS, Body, PageQuery, Query, in_transaction, iso, paged, split_list
from portal_ui.domain import users as domain
from portal_ui.domain.account_deletion import delete_account
from portal_ui.domain.domains import invite_if_automatic
from portal_ui.models import NAME_MAX, URL_MAX, User

EXPANDABLE = ("organizations", "identities", "billing")


class Profile(Body):
    given_name: Optional[str] = Field(default=None, max_length=NAME_MAX)
    family_name: Optional[str] = Field(default=None, max_length=NAME_MAX)
    picture: Optional[str] = Field(default=None, max_length=URL_MAX)


class IdentityDetails(Body):
    email: Optional[str] = Field(default=None, max_length=320)
    phone: Optional[str] = Field(default=None, max_length=64)
    phone_country_id: Optional[str] = Field(default=None, max_length=8)
    username: Optional[str] = Field(default=None, max_length=NAME_MAX)


class Identity(Body):
    type: Literal["email", "phone", "username"]
    is_verified: Optional[bool] = None
    details: Optional[IdentityDetails] = None


class CreateUserBody(Body):
    profile: Optional[Profile] = None
    organization_code: Optional[str] = Field(default=None, max_length=64)
    provided_id: Optional[str] = Field(default=None, max_length=NAME_MAX)
    identities: Optional[List[Identity]] = Field(default=None, max_length=10)


class UsersQuery(PageQuery):
    user_id: Optional[str] = Field(default=None, max_length=8192)
    email: Optional[str] = Field(default=None, max_length=32768)
    username: Optional[str] = Field(default=None, max_length=8192)
    phone: Optional[str] = Field(default=None, max_length=8192)
    expand: Optional[str] = Field(default=None, max_length=128)
    has_organization: Optional[bool] = None
    active_since: Optional[str] = Field(default=None, max_length=64)


class UserQuery(Query):
    id: str = Field(min_length=1, max_length=128)
    expand: Optional[str] = Field(default=None, max_length=128)


class DeleteUserQuery(Query):
    id: str = Field(min_length=1, max_length=128)
    # Kinde's flag; portal_ui always removes the profile (the account's tombstone keeps only its id).
    is_delete_profile: Optional[bool] = None


def _email_of(body: CreateUserBody) -> Optional[str]:
    emails = []
    for identity in body.identities or []:
        if identity.type != "email":
            raise ApiError(400, "UNSUPPORTED_IDENTITY",
                           f"identities: portal_ui stores email identities only, not {identity.type}")
        if not identity.details or not identity.details.email:
            raise ApiError(400, "INVALID_INPUT", "identities: an email identity needs details.email")
        emails.append(identity.details.email)
    if len(emails) > 1:
        raise ApiError(400, "UNSUPPORTED_IDENTITY", "identities: portal_ui stores one email per user")
    return emails[0] if emails else None


def _expand(value: Optional[str]) -> set[str]:
    parts = set(split_list(value, field="expand"))
    unknown = parts - set(EXPANDABLE)
    if unknown:
        raise ApiError(400, "INVALID_INPUT", f"expand: use any of {', '.join(EXPANDABLE)}")
    return parts


def user_json(user: User, *, email_field: str = "email", organizations: Optional[list[str]] = None,
              with_identities: bool = False) -> dict:
    out = {"id": user.id, email_field: user.email, "first_name": user.given_name, "last_name": user.family_name,
           "is_suspended": False, "created_on": iso(user.created_on)}
    if organizations is not None:
        out["organizations"] = organizations
    if with_identities:
        out["identities"] = [{"type": "email", "identity": user.email}] if user.email else []
    return out


async def create_user(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:users")
    body = await read_body(request, CreateUserBody)
    email = _email_of(body)
    profile = body.profile or Profile()

    def work(session) -> dict:
        user = domain.create_user(session, actor=caller.actor, given_name=profile.given_name,
                                  family_name=profile.family_name, email=email,
                                  organization_code=body.organization_code)
        invite_if_automatic(session, user_id=user.id)  # a verified domain in automatic mode invites them
        identities = [{"type": "email", "result": {"created": True}}] if email else []
        return {"id": user.id, "created": True, "identities": identities}

    return JSONResponse(await in_transaction(work))


async def get_user(request: Request) -> JSONResponse:
    await require_m2m(request, "read:users")
    query = read_query(request, UserQuery)
    expand = _expand(query.expand)

    def work(session) -> dict:
        user = domain.get_user(session, query.id)
        orgs = domain.user_organizations(session, [user.id])[user.id] if "organizations" in expand else None
        return user_json(user, email_field="preferred_email", organizations=orgs,
                         with_identities="identities" in expand)

    return JSONResponse(await in_transaction(work))


async def list_users(request: Request) -> JSONResponse:
    await require_m2m(request, "read:users")
    query = read_query(request, UsersQuery)
    expand = _expand(query.expand)
    if query.active_since is not None:
        raise ApiError(400, "UNSUPPORTED_FILTER", "active_since: portal_ui does not record sign-ins")
    user_ids = split_list(query.user_id, field="user_id")
    emails = split_list(query.email, field="email")
    # portal_ui users have no usernames or phone numbers, so those filters match nobody.
    nobody = bool(split_list(query.username, field="username") or split_list(query.phone, field="phone"))

    def work(session) -> dict:
        page = domain.list_users(session, page_size=query.page_size, next_token=query.next_token,
                                 user_ids=user_ids, emails=emails, has_organization=query.has_organization)
        users = [] if nobody else page.items
        with_orgs = "organizations" in expand
        orgs = domain.user_organizations(session, [u.id for u in users]) if with_orgs else {}
        items = [user_json(u, organizations=orgs[u.id] if with_orgs else None,
                           with_identities="identities" in expand) for u in users]
        return paged({**SUCCESS, "users": items}, None if nobody else page.next_token)

    return JSONResponse(await in_transaction(work))


async def delete_user(request: Request) -> JSONResponse:
    """Delete the account now, as its grace period ending would (portal_ui.domain.account_deletion):
    404 for an unknown or already deleted user, 409 while they are an organization's last owner."""
    caller = await require_m2m(request, "delete:users")
    query = read_query(request, DeleteUserQuery)

    def work(session) -> dict:
        delete_account(session, actor=caller.actor, user_id=query.id)
        return {"code": "USER_DELETED", "message": "User successfully deleted"}

    return JSONResponse(await in_transaction(work))


routes = [
    Route("/api/v1/user", create_user, methods=["POST"]),
    Route("/api/v1/user", get_user, methods=["GET"]),
    Route("/api/v1/user", delete_user, methods=["DELETE"]),
    Route("/api/v1/users", list_users, methods=["GET"]),
]
