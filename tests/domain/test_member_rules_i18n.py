"""Members and invitations refusals come from the catalogue (member_rules): English as the API
has always said it, German for a German tab."""

import pytest

from portal_ui.domain.errors import Conflict, Forbidden
from portal_ui.domain.invitations import create_invitation, revoke_invitation
from portal_ui.domain.mailer import deliver_invitation
from portal_ui.domain.members import change_member_roles, remove_member
from portal_ui.settings import Settings
from portal_ui.ui.text import refusal
from tests.domain.members_world import ALL_PERMISSIONS, M2M, WRITE, make_member, make_org, make_role, user_actor


@pytest.fixture
def acme(session):
    owner = make_role(session, "owner", ALL_PERMISSIONS)
    member_admin = make_role(session, "member_admin", ["org:read:members", WRITE])
    org = make_org(session)
    olivia = make_member(session, org, "Olivia", owner)
    mia = make_member(session, org, "Mia", member_admin)
    session.commit()
    return org, owner, olivia, mia


def test_last_member_admin_and_grant_rule_refusals_in_german(session, acme):
    org, owner, olivia, mia = acme
    with pytest.raises(Forbidden) as info:  # Mia lacks the owner role's other permissions
        change_member_roles(session, actor=user_actor(mia), org_code=org.code, user_id=mia,
                            role_ids=[owner.id])
    assert info.value.code == "ROLE_NOT_GRANTABLE"
    assert info.value.message.startswith("You cannot grant or take away the role(s) 'Owner': they carry")
    assert info.value.localized("de").startswith("Sie können die Rolle(n) 'Owner' weder vergeben noch entziehen")

    remove_member(session, actor=M2M, org_code=org.code, user_id=mia)
    with pytest.raises(Conflict) as info:
        remove_member(session, actor=M2M, org_code=org.code, user_id=olivia)
    assert info.value.code == "LAST_MEMBER_ADMIN"
    assert info.value.message == ("This would leave the organization without anyone who can manage members "
                                  "(org:write:members). Give another member such a role first.")
    german = info.value.localized("de")
    assert german.startswith("Dann hätte die Organisation niemanden mehr") and "(org:write:members)" in german
    # The members page's helper: German, with the organization alias.
    assert refusal(info.value, "Workspace", "de").startswith("Dann hätte die Workspace niemanden mehr")


def test_invitation_refusals_and_delivery_in_german(session, acme):
    org, *_ = acme
    invitation = create_invitation(session, actor=M2M, org_code=org.code, email="new@example.com")
    with pytest.raises(Conflict) as info:
        create_invitation(session, actor=M2M, org_code=org.code, email="New@Example.com")
    assert info.value.code == "INVITATION_ALREADY_PENDING"
    assert info.value.localized("de") == ("new@example.com hat bereits eine ausstehende Einladung in diese "
                                          "Organisation; widerrufen Sie sie, um erneut einzuladen.")
    delivery = deliver_invitation(session, Settings.from_env({}), actor=M2M, invite_code=invitation.code)
    assert not delivery.sent and "not set up" in delivery.message
    assert delivery.localized("de").startswith("Einladung gespeichert. Der E-Mail-Versand ist nicht eingerichtet")
    revoke_invitation(session, actor=M2M, org_code=org.code, invite_code=invitation.code)
    with pytest.raises(Conflict) as info:
        revoke_invitation(session, actor=M2M, org_code=org.code, invite_code=invitation.code)
    assert (info.value.code, info.value.message) == ("INVITATION_REVOKED", "The invitation is already revoked.")
    assert info.value.localized("de") == "Die Einladung wurde bereits widerrufen."
