"""Listing an organization's members: Management API pages (next_token) and the portal's table.

Both stay fast for organizations with 100,000 members: filtering, sorting, counting and paging
happen in SQL, only one page of rows is loaded, and the page's roles come in one more query rather
than one per member. The name and email a member is sorted and searched by are copied onto their
membership (`Membership.sort_name`, `Membership.sort_email`, indexed after org_code), so a page is
an index range scan with a LIMIT and the count needs no join; `sync_member_sort_keys` keeps those
copies in step and must run wherever a membership is created or a user's name or email changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import Connection, func, inspect, or_, update
from sqlmodel import Session, col, select

from portal_ui.domain.errors import InvalidInput, NotFound, say
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.models import MemberRole, Membership, Organization, Role, RolePermission, SystemPermission, User

MEMBER_SORTS = ("name_asc", "name_desc", "email_asc", "email_desc")
MEMBER_PAGE_SORTS = ("name_asc", "name_desc", "email_asc", "email_desc", "joined_asc", "joined_desc")
MEMBER_PAGE_MAX_SIZE = 100
SEARCH_MAX = 100
_SYNC_CHUNK = 5_000  # ids per UPDATE (bound parameters stay far below every database's limit)


def get_org(session: Session, org_code: str) -> Organization:
    """The organization, or NotFound (members re-exports it as members.get_org)."""
    org = session.get(Organization, org_code) if isinstance(org_code, str) else None
    if org is None:
        raise NotFound(say("member_rules.org_not_found", code=repr(str(org_code)[:64])), code="ORGANIZATION_NOT_FOUND")
    return org


def sync_member_sort_keys(db: Session | Connection, *, user_ids: Sequence[str] | None = None,
                          membership_ids: Sequence[int] | None = None) -> None:
    """Copy the sort and search keys of these users' memberships (or of these memberships) from
    their user rows: sort_name = lower(given_name || ' ' || family_name), sort_email =
    coalesce(email, ''), computed by the database (so exactly as migration 0007 backfilled them).

    The one place those copies are written: call it after inserting memberships (ORM or bulk)
    and after changing a user's given name, family name or email, in the same transaction.
    `db` is a Session (its loaded memberships are refreshed on next access) or a Connection.
    """
    if (user_ids is None) == (membership_ids is None):
        raise ValueError("sync_member_sort_keys: give either user_ids or membership_ids")
    users, memberships = User.__table__, Membership.__table__

    def of_user(expression):
        return select(expression).where(users.c.id == memberships.c.user_id).scalar_subquery()

    stmt = update(memberships).values(
        sort_name=of_user(func.lower(users.c.given_name + " " + users.c.family_name)),
        sort_email=of_user(func.coalesce(users.c.email, "")))
    column = memberships.c.user_id if user_ids is not None else memberships.c.id
    wanted = list(dict.fromkeys(user_ids if user_ids is not None else membership_ids))
    if isinstance(db, Session):
        db.flush()
    for start in range(0, len(wanted), _SYNC_CHUNK):
        chunk = stmt.where(column.in_(wanted[start:start + _SYNC_CHUNK]))
        if isinstance(db, Session):
            db.exec(chunk)
        else:
            db.execute(chunk)
    if isinstance(db, Session):  # memberships already loaded read the new keys on next access
        attribute, keys = ("user_id", set(wanted)) if user_ids is not None else ("id", set(wanted))
        for obj in list(db.identity_map.values()):  # (an unloaded attribute reloads them all anyway)
            if isinstance(obj, Membership) and inspect(obj).dict.get(attribute) in keys:
                db.expire(obj, ["sort_name", "sort_email"])


@dataclass(frozen=True)
class MemberView:
    user: User
    joined_on: datetime
    role_keys: list[str]


def role_keys_by_membership(session: Session, membership_ids: Sequence[int]) -> dict[int, list[str]]:
    """Sorted role keys per membership id, in one query (for a page of members)."""
    out: dict[int, list[str]] = {m: [] for m in membership_ids}
    if membership_ids:
        rows = session.exec(select(MemberRole.membership_id, Role.key).join(Role, Role.id == MemberRole.role_id)
                            .where(col(MemberRole.membership_id).in_(list(membership_ids))).order_by(Role.key))
        for membership_id, key in rows.all():
            out[membership_id].append(key)
    return out


def list_members(session: Session, *, org_code: str, page_size: int | None = None, next_token: str | None = None,
                 sort: str | None = None, roles: Sequence[str] = (), permissions: Sequence[str] = ()) -> Page[MemberView]:
    """One page of members (Management API paging), optionally only those holding every role key /
    permission key given. Raises NotFound (organization), InvalidInput (bad sort, page size or token).
    """
    get_org(session, org_code)
    if sort is not None and sort not in MEMBER_SORTS:
        raise InvalidInput(say("member_rules.sort_invalid", sorts=", ".join(MEMBER_SORTS)))
    stmt = select(Membership, User).join(User, User.id == Membership.user_id).where(Membership.org_code == org_code)
    for key in dict.fromkeys(roles):
        stmt = stmt.where(col(Membership.id).in_(
            select(MemberRole.membership_id).join(Role, Role.id == MemberRole.role_id).where(Role.key == key)))
    for key in dict.fromkeys(permissions):
        stmt = stmt.where(col(Membership.id).in_(
            select(MemberRole.membership_id)
            .join(RolePermission, RolePermission.role_id == MemberRole.role_id)
            .join(SystemPermission, SystemPermission.id == RolePermission.permission_id)
            .where(SystemPermission.key == key)))
    name, uid = col(Membership.sort_name), col(Membership.user_id)  # lower(given family), User.id
    order = {
        None: [Membership.joined_on, Membership.id],
        "name_asc": [name, uid], "name_desc": [name.desc(), uid.desc()],
        "email_asc": [User.email, User.id], "email_desc": [col(User.email).desc(), col(User.id).desc()],
    }[sort]
    page = paginate(session, stmt.order_by(*order), page_size=page_size, next_token=next_token,
                    scope=scope_of("members", org_code, sort, sorted(set(roles)), sorted(set(permissions))))
    keys = role_keys_by_membership(session, [m.id for m, _ in page.items])
    items = [MemberView(user=u, joined_on=m.joined_on, role_keys=keys[m.id]) for m, u in page.items]
    return Page(items=items, next_token=page.next_token)


@dataclass(frozen=True)
class RoleRef:
    id: str
    key: str
    name: str


@dataclass(frozen=True)
class MemberRow:
    """One row of the portal's members table."""

    user_id: str
    given_name: str
    family_name: str
    email: str | None
    joined_on: datetime
    roles: tuple[RoleRef, ...]  # by name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


def _like_pattern(query: str) -> str:
    """`%query%` for LIKE with `\\` as the escape character, lower-cased."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_members_page(session: Session, org_code: str, *, query: str = "", sort: str = "name_asc", page: int = 1,
                      page_size: int = 25) -> tuple[list[MemberRow], int]:
    """One page of the organization's members and how many match in all.

    `query` matches anywhere in the full name (case-insensitive) or the email. `page` counts from
    1; a page past the end is empty. Raises NotFound (organization), InvalidInput (sort, page,
    page size 1-100, query over 100 characters).
    """
    get_org(session, org_code)
    if sort not in MEMBER_PAGE_SORTS:
        raise InvalidInput(say("member_rules.sort_invalid", sorts=", ".join(MEMBER_PAGE_SORTS)))
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput(say("member_rules.page_invalid"))
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MEMBER_PAGE_MAX_SIZE:
        raise InvalidInput(say("member_rules.page_size_invalid", max=MEMBER_PAGE_MAX_SIZE))
    if not isinstance(query, str) or len(query) > SEARCH_MAX:
        raise InvalidInput(say("member_rules.search_too_long", max=SEARCH_MAX))
    # The copied keys (see sync_member_sort_keys): lower(given || ' ' || family) and
    # coalesce(email, ''); the user id breaks ties. Filtering, ordering and counting use the
    # memberships table alone, so the first page is a range scan of an (org_code, key, user_id) index.
    name, email, uid = col(Membership.sort_name), col(Membership.sort_email), col(Membership.user_id)
    where = [Membership.org_code == org_code]
    if query.strip():
        pattern = _like_pattern(query.strip())
        where.append(or_(name.like(pattern, escape="\\"), email.like(pattern, escape="\\")))
    total = session.exec(select(func.count()).select_from(Membership).where(*where)).one()
    order = {
        "name_asc": [name, uid], "name_desc": [name.desc(), uid.desc()],
        "email_asc": [email, uid], "email_desc": [email.desc(), uid.desc()],
        "joined_asc": [Membership.joined_on, uid], "joined_desc": [col(Membership.joined_on).desc(), uid.desc()],
    }[sort]
    rows = []
    if total > (page - 1) * page_size:  # a page past the end needs no query
        rows = session.exec(select(Membership.id, Membership.joined_on, User)
                            .join(User, User.id == Membership.user_id).where(*where).order_by(*order)
                            .offset((page - 1) * page_size).limit(page_size)).all()
    roles = _roles_by_membership(session, [membership_id for membership_id, _, _ in rows])
    return [MemberRow(user_id=u.id, given_name=u.given_name, family_name=u.family_name, email=u.email,
                      joined_on=joined_on, roles=roles[membership_id])
            for membership_id, joined_on, u in rows], total


def _roles_by_membership(session: Session, membership_ids: Sequence[int]) -> dict[int, tuple[RoleRef, ...]]:
    out: dict[int, list[RoleRef]] = {m: [] for m in membership_ids}
    if membership_ids:
        rows = session.exec(select(MemberRole.membership_id, Role.id, Role.key, Role.name)
                            .join(Role, Role.id == MemberRole.role_id)
                            .where(col(MemberRole.membership_id).in_(list(membership_ids)))
                            .order_by(func.lower(Role.name), Role.id))
        for membership_id, role_id, key, name in rows.all():
            out[membership_id].append(RoleRef(id=role_id, key=key, name=name))
    return {m: tuple(refs) for m, refs in out.items()}
