"""Seeding the demo environment: personas, the Acme workspace, its roles, and demo settings."""

from __future__ import annotations

from sqlmodel import Session, func, select

from portal_ui.demo.personas import DEMO_ORG_ALIAS, DEMO_ORG_CODE, DEMO_ORG_NAME, PERSONAS, ROLES
from portal_ui.demo.webhooks import register_demo_webhook
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.member_list import sync_member_sort_keys
from portal_ui.models import MemberRole, Membership, Organization, Role, RolePermission, SystemPermission, User
from portal_ui.settings import Settings

DEMO_BRANDING = {"product_name": "Nimbus", "accent_color": "#4f46e5", "appearance": "system"}
# The product team's API scope catalogue: what an API key for Nimbus may be allowed to do.
DEMO_API_SCOPES = (
    ("read:projects", "Read projects and their settings"),
    ("write:projects", "Create and change projects"),
    ("read:reports", "Download usage reports"),
    ("write:webhooks", "Manage webhook endpoints"),
)


def is_seeded(session: Session) -> bool:
    return session.get(Organization, DEMO_ORG_CODE) is not None


def non_demo_data(session: Session) -> list[str]:
    """What the database holds that the demo did not put there, e.g. ["2 organizations (org_a, org_b)"].

    The demo's roles apply to every organization (its `viewer` is a default role, given to each
    member added later), and its personas sign in without a password through /demo: so it must
    not be seeded into a database that serves real customers.
    """
    found = []
    checks = (
        ("organization", Organization.code, Organization.code != DEMO_ORG_CODE),
        ("user", User.id, User.id.not_in([p.user_id for p in PERSONAS])),
        ("role", Role.key, Role.id.not_in([f"role_demo_{r.key}" for r in ROLES])),
    )
    for noun, column, condition in checks:
        names = session.exec(select(column).where(condition).order_by(column).limit(4)).all()
        if names:
            total = session.exec(select(func.count()).select_from(column.class_).where(condition)).one()
            shown = ", ".join(names[:3]) + (", ..." if total > 3 else "")
            found.append(f"{total} {noun}{'s' if total != 1 else ''} ({shown})")
    return found


def seed_demo(session: Session, settings: Settings) -> None:
    """Create the demo rows (idempotent: existing rows are left as they are). Caller commits."""
    from portal_ui.demo.billing_seed import seed_demo_billing
    from portal_ui.domain.api_keys import create_api_scope, list_api_scopes
    from portal_ui.domain.portal_settings import update_environment_settings

    actor = audit.Actor.system("seed-demo")
    now = utcnow()
    perm_ids = {p.key: p.id for p in session.exec(select(SystemPermission)).all()}
    role_ids: dict[str, str] = {}
    for demo_role in ROLES:
        role = session.exec(select(Role).where(Role.key == demo_role.key)).first()
        if role is None:
            role = Role(id=f"role_demo_{demo_role.key}", key=demo_role.key, name=demo_role.name,
                        description=demo_role.description, is_default_role=demo_role.is_default_role,
                        assign_to_creator=demo_role.assign_to_creator, created_on=now)
            session.add(role)
            session.flush()
            for key in demo_role.permissions:
                session.add(RolePermission(role_id=role.id, permission_id=perm_ids[key]))
        role_ids[demo_role.key] = role.id
    if session.get(Organization, DEMO_ORG_CODE) is None:
        session.add(Organization(code=DEMO_ORG_CODE, name=DEMO_ORG_NAME, business_name="Acme Corporation Ltd",
                                 billing_email="billing@acme.example", city="Bristol", country="GB",
                                 website="https://acme.example", created_on=now))
        session.flush()
    for persona in PERSONAS:
        if session.get(User, persona.user_id) is None:
            session.add(User(id=persona.user_id, given_name=persona.given_name, family_name=persona.family_name,
                             email=persona.email, created_on=now))
            session.flush()
        if persona.org_code:
            membership = session.exec(select(Membership).where(
                Membership.org_code == persona.org_code, Membership.user_id == persona.user_id)).first()
            if membership is None:
                membership = Membership(org_code=persona.org_code, user_id=persona.user_id, joined_on=now)
                session.add(membership)
                session.flush()
                sync_member_sort_keys(session, membership_ids=[membership.id])
                session.add(MemberRole(membership_id=membership.id, role_id=role_ids[persona.role_key], granted_on=now))
    update_environment_settings(session, settings, {
        "org_alias": DEMO_ORG_ALIAS,
        "org_functions": {"details": True, "billing": True, "members": True, "api_keys": True,
                          "audit_log": True},
        "user_functions": {"profile": True, "billing": True, "api_keys": True},
        "branding": DEMO_BRANDING,
    }, actor)
    existing_scopes = {scope.key for scope in list_api_scopes(session)}
    for key, description in DEMO_API_SCOPES:
        if key not in existing_scopes:
            create_api_scope(session, actor=actor, key=key, description=description)
    seed_demo_billing(session)
    register_demo_webhook(session, settings, actor)
    audit.record(session, actor=actor, action="demo.seeded", target_type="organization",
                 target_id=DEMO_ORG_CODE, org_code=DEMO_ORG_CODE)
