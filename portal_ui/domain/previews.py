"""Preview links for product teams (portal_ui's own): see the portal as a given role would.

A preview is a one-time link like any other, whose `preview` options make the session it starts
read-only everywhere (the UI guard refuses every write) and take their permissions from the
options instead of a membership:

- `organization_code`: whose real data to show; None previews the user portal with the sample
  user's data.
- `role_key` or `permissions`: what the previewed person may do in that organization.
- `settings`: portal settings to try before saving them (alias, functions, branding), validated
  like the settings API.
- `role_keys`: the other roles the banner's role switcher may show.

The session's user is the preview sample user, who belongs to no organization, so a preview can
never act as a real customer.

The role switcher never widens a preview beyond what its issuer allowed: it offers, and
`switch_preview_role` accepts, only the role the link was made for, the roles it names in
`role_keys`, and roles whose permissions are all within the ones the link was made with (its
`ceiling`, kept in the session's options and never changed by a switch). So a link for a narrow
role, or a few permissions, cannot be switched to the owner's view to read member emails or
invoices. A preview made on the command line (a system actor: whoever runs it controls the whole
portal) names every role, as the switcher always offered them there.
"""

from __future__ import annotations

from typing import Any, Mapping

from sqlmodel import Session, col, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.links import create_link
from portal_ui.domain.portal_settings import EffectiveSettings, validate_preview_overrides
from portal_ui.domain.role_policy import role_permissions
from portal_ui.domain.roles import role_permission_keys
from portal_ui.models import Organization, Role, SystemPermission, User
from portal_ui.settings import Settings

PREVIEW_USER_ID = "kp_preview_sample"
PREVIEW_USER = {"given_name": "Sam", "family_name": "Sample", "email": "sam.sample@preview.invalid"}
MAX_SWITCH_ROLES = 50


def ensure_preview_user(session: Session) -> str:
    """The sample user every preview session belongs to (created on first use)."""
    if session.get(User, PREVIEW_USER_ID) is None:
        session.add(User(id=PREVIEW_USER_ID, created_on=utcnow(), **PREVIEW_USER))
        session.flush()
    return PREVIEW_USER_ID


def _known_permissions(session: Session) -> set[str]:
    return set(session.exec(select(SystemPermission.key)).all())


def preview_permissions(session: Session, *, role_key: Any = None, permissions: Any = None) -> tuple[list[str], str]:
    """(permission keys, label) for a role key or an explicit permission list; InvalidInput otherwise."""
    if (role_key is None) == (permissions is None):
        raise InvalidInput("Give either role_key or permissions", code="INVALID_PREVIEW")
    if role_key is not None:
        if not isinstance(role_key, str) or not role_key or len(role_key) > 64:
            raise InvalidInput("role_key: must be a role key", code="INVALID_PREVIEW")
        role = session.exec(select(Role).where(Role.key == role_key)).first()
        if role is None:
            raise InvalidInput(f"role_key: no role {role_key!r}", code="ROLE_NOT_FOUND")
        return sorted(role_permission_keys(session, role.id)), role.name
    if not isinstance(permissions, list) or len(permissions) > 50 or not all(isinstance(p, str) for p in permissions):
        raise InvalidInput("permissions: must be a list of system permission keys", code="INVALID_PREVIEW")
    unknown = sorted(set(permissions) - _known_permissions(session))
    if unknown:
        raise InvalidInput(f"permissions: unknown permission {unknown[0][:64]!r}", code="INVALID_PREVIEW")
    return sorted(set(permissions)), "Custom permissions"


def _switch_roles(session: Session, role_keys: Any) -> list[str]:
    """The role keys an issuer names for the role switcher; InvalidInput unless they are known roles."""
    if not isinstance(role_keys, list) or len(role_keys) > MAX_SWITCH_ROLES \
            or not all(isinstance(k, str) and k and len(k) <= 64 for k in role_keys):
        raise InvalidInput(f"role_keys: must be a list of at most {MAX_SWITCH_ROLES} role keys",
                           code="INVALID_PREVIEW")
    known = set(session.exec(select(Role.key).where(col(Role.key).in_(set(role_keys)))).all())
    unknown = sorted(set(role_keys) - known)
    if unknown:
        raise InvalidInput(f"role_keys: no role {unknown[0]!r}", code="ROLE_NOT_FOUND")
    return sorted(known)


def create_preview_link(
    session: Session,
    settings: Settings,
    *,
    actor: audit.Actor,
    org_code: Any = None,
    role_key: Any = None,
    permissions: Any = None,
    sub_nav: Any = None,
    overrides: Any = None,
    return_url: Any = None,
    role_keys: Any = None,
) -> str:
    """A one-time link to a read-only preview session; InvalidInput (400) for any bad value.

    `role_keys`: the other roles its role switcher may show (see the module's docstring).
    """
    if org_code is not None:
        if not isinstance(org_code, str) or session.get(Organization, org_code) is None:
            raise InvalidInput(f"organization_code: no organization {str(org_code)[:64]!r}",
                               code="ORGANIZATION_NOT_FOUND")
        granted, label = preview_permissions(session, role_key=role_key, permissions=permissions)
        if role_keys is not None:
            switch_to = _switch_roles(session, role_keys)
        elif actor.type == "system":
            switch_to = sorted(session.exec(select(Role.key)).all())
        else:
            switch_to = []
        switch_to = sorted(set(switch_to) | ({role_key} if role_key else set()))
    else:
        if role_key is not None or permissions or role_keys:
            raise InvalidInput("role_key, permissions and role_keys need an organization_code",
                               code="INVALID_PREVIEW")
        granted, label, switch_to = [], "Personal account", []
    clean_overrides = validate_preview_overrides(overrides) if overrides is not None else {}
    user_id = ensure_preview_user(session)
    preview = {"permissions": granted, "label": label, "role_key": role_key or "", "settings": clean_overrides,
               "role_keys": switch_to, "ceiling": granted}
    return create_link(session, settings, user_id=user_id, org_code=org_code, sub_nav=sub_nav,
                       return_url=return_url, actor=actor, preview=preview, require_membership=False)


def apply_overrides(effective: EffectiveSettings, overrides: Mapping[str, Any]) -> EffectiveSettings:
    """The effective settings with a preview's trial settings laid over them."""
    from dataclasses import replace

    changes: dict[str, Any] = {}
    if "org_alias" in overrides:
        changes["org_alias"] = overrides["org_alias"]
    for key in ("org_functions", "user_functions", "branding"):
        if key in overrides:
            changes[key] = {**getattr(effective, key), **overrides[key]}
    return replace(effective, **changes) if changes else effective


def _switchable(preview: Mapping[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(role keys named, permission ceiling) of a session's preview options.

    Options written before the switcher was limited name neither: then only the role shown now
    and roles within the permissions granted now.
    """
    named = preview.get("role_keys")
    if not isinstance(named, list):
        named = [preview.get("role_key")] if preview.get("role_key") else []
    ceiling = preview.get("ceiling")
    if not isinstance(ceiling, list):
        ceiling = preview.get("permissions") or []
    return frozenset(k for k in named if isinstance(k, str)), frozenset(p for p in ceiling if isinstance(p, str))


def preview_roles(session: Session, preview: Mapping[str, Any]) -> list[dict[str, str]]:
    """The roles a preview can switch between (see the module's docstring): key and name, in name order.

    `preview` is the session's preview options (ActiveSession.preview); switch_preview_role
    refuses the same roles this leaves out.
    """
    roles = session.exec(select(Role).order_by(Role.name, Role.key)).all()
    named, ceiling = _switchable(preview)
    granted = role_permissions(session, [r.id for r in roles if r.key not in named])
    roles = [r for r in roles if r.key in named or granted.get(r.id, frozenset()) <= ceiling]
    return [{"key": r.key, "name": r.name} for r in roles]


def switch_preview_role(session: Session, token: Any, role_key: Any) -> bool:
    """Make a live preview session show `role_key`'s view; False when it is not a preview session,
    or the role is not one its link allows (module docstring).

    Only the session's own preview options change; no customer data is touched.
    """
    from portal_ui.domain.sessions import load_session, replace_preview  # sessions imports this module
    from portal_ui.settings import get_settings

    active = load_session(session, get_settings(), token, touch=False)
    if active is None or not active.is_preview or active.org_code is None:
        return False
    if not isinstance(role_key, str) or not role_key or len(role_key) > 64:
        return False
    role = session.exec(select(Role).where(Role.key == role_key)).first()
    if role is None:
        return False
    named, ceiling = _switchable(active.preview)
    granted = frozenset(role_permission_keys(session, role.id))
    if role_key not in named and not granted <= ceiling:
        return False
    return replace_preview(session, token, {**active.preview, "permissions": sorted(granted), "label": role.name,
                                            "role_key": role_key, "role_keys": sorted(named),
                                            "ceiling": sorted(ceiling)})
