"""Kinde's Python SDK (kinde-python-sdk, `kinde_sdk.management`) against a real portal_ui server.

Each call goes over HTTP through the SDK's generated client, which validates our responses into
its pydantic models: a field with the wrong type or a wrong status code fails the test.
"""

from __future__ import annotations

import pytest
from kinde_sdk.management import models as m
from kinde_sdk.management.api import OrganizationsApi, RolesApi, UsersApi
from kinde_sdk.management.exceptions import BadRequestException, ForbiddenException, NotFoundException

SCOPES = (
    "create:users", "read:users", "create:organizations", "read:organizations",
    "create:organization_users", "read:organization_users", "delete:organization_users",
    "read:organization_user_roles", "create:organization_user_roles", "delete:organization_user_roles",
    "create:roles", "read:roles", "read:system_permissions", "read:role_system_permissions",
    "update:role_system_permissions", "create:organization_invites", "read:organization_invites",
    "delete:organization_invites",
)


@pytest.fixture
def apis(management_client):
    client = management_client(*SCOPES)
    return UsersApi(client), OrganizationsApi(client), RolesApi(client)


def test_provisioning_flow_through_the_kinde_sdk(apis):
    users, orgs, roles = apis

    # Roles and system permissions
    created_role = roles.create_role(m.CreateRoleRequest(key="admin", name="Admin", description="Everything",
                                                         is_default_role=False))
    assert isinstance(created_role, m.CreateRolesResponse) and created_role.role.id.startswith("role_")
    viewer = roles.create_role(m.CreateRoleRequest(key="viewer", name="Viewer", is_default_role=True)).role.id
    admin = created_role.role.id
    listed_roles = roles.get_roles(sort="key_asc", page_size=1)
    assert isinstance(listed_roles, m.GetRolesResponse)
    assert [r.key for r in listed_roles.roles] == ["admin"] and listed_roles.next_token
    assert [r.key for r in roles.get_roles(sort="key_asc", next_token=listed_roles.next_token).roles] == ["viewer"]

    perms = roles.get_system_permissions(sort="name_asc", page_size=50)
    assert isinstance(perms, m.GetSystemPermissionsResponse) and len(perms.system_permissions) == 9
    assert "org:read:audit_log" in {p.key for p in perms.system_permissions}
    by_key = {p.key: p.id for p in perms.system_permissions}
    update = roles.update_role_system_permissions(admin, m.UpdateRoleSystemPermissionsRequest(system_permissions=[
        m.UpdateRoleSystemPermissionsRequestSystemPermissionsInner(id=by_key["org:read:members"]),
        m.UpdateRoleSystemPermissionsRequestSystemPermissionsInner(id=by_key["org:write:members"]),
    ]))
    assert isinstance(update, m.UpdateRoleSystemPermissionsResponse)
    assert sorted(update.system_permissions_added) == sorted([by_key["org:read:members"], by_key["org:write:members"]])
    removal = roles.update_role_system_permissions(admin, m.UpdateRoleSystemPermissionsRequest(system_permissions=[
        m.UpdateRoleSystemPermissionsRequestSystemPermissionsInner(id=by_key["org:write:members"], operation="delete"),
    ]))
    assert removal.system_permissions_removed == [by_key["org:write:members"]]
    role_perms = roles.get_role_system_permissions(admin)
    assert isinstance(role_perms, m.RoleSystemPermissionsResponse)
    assert [p.key for p in role_perms.system_permissions] == ["org:read:members"]

    # Organizations
    created_org = orgs.create_organization(m.CreateOrganizationRequest(name="Acme", external_id="crm-7",
                                                                       is_auto_membership_enabled=False))
    assert isinstance(created_org, m.CreateOrganizationResponse)
    code = created_org.organization.code
    org = orgs.get_organization(code=code)
    assert isinstance(org, m.GetOrganizationResponse) and (org.code, org.name, org.external_id) == (code, "Acme", "crm-7")
    all_orgs = orgs.get_organizations(sort="name_asc")
    assert isinstance(all_orgs, m.GetOrganizationsResponse) and [o.code for o in all_orgs.organizations] == [code]

    # Users
    created_user = users.create_user(m.CreateUserRequest(
        profile=m.CreateUserRequestProfile(given_name="Ada", family_name="Lovelace"),
        identities=[m.CreateUserRequestIdentitiesInner(
            type="email", is_verified=True, details=m.CreateUserRequestIdentitiesInnerDetails(email="ada@example.com"))],
    ))
    assert isinstance(created_user, m.CreateUserResponse) and created_user.created is True
    ada = created_user.id
    second = users.create_user(m.CreateUserRequest(
        profile=m.CreateUserRequestProfile(given_name="Bob", family_name="Byte"), organization_code=code)).id
    listed = users.get_users(page_size=10, expand="organizations")
    assert isinstance(listed, m.UsersResponse)
    assert {u.id: u.organizations for u in listed.users} == {ada: [], second: [code]}
    assert users.get_users(email="ada@example.com").users[0].first_name == "Ada"
    assert users.get_user_data(id=ada).preferred_email == "ada@example.com"

    # Members and member roles
    added = orgs.add_organization_users(code, m.AddOrganizationUsersRequest(users=[
        m.AddOrganizationUsersRequestUsersInner(id=ada, roles=["admin"])]))
    assert isinstance(added, m.AddOrganizationUsersResponse) and added.users_added == [ada]
    members = orgs.get_organization_users(code, sort="name_asc", page_size=10)
    assert isinstance(members, m.GetOrganizationUsersResponse)
    assert [(u.id, u.roles) for u in members.organization_users] == [(ada, ["admin", "viewer"]), (second, ["viewer"])]
    assert [u.id for u in orgs.get_organization_users(code, roles="admin").organization_users] == [ada]

    granted = orgs.create_organization_user_role(code, second, m.CreateOrganizationUserRoleRequest(role_id=admin))
    assert isinstance(granted, m.SuccessResponse) and granted.code == "OK"
    member_roles = orgs.get_organization_user_roles(code, second)
    assert isinstance(member_roles, m.GetOrganizationsUserRolesResponse)
    assert sorted(r.key for r in member_roles.roles) == ["admin", "viewer"]
    assert isinstance(orgs.delete_organization_user_role(code, second, viewer), m.SuccessResponse)
    assert [r.id for r in orgs.get_organization_user_roles(code, second).roles] == [admin]
    assert isinstance(orgs.remove_organization_user(code, second), m.SuccessResponse)
    assert [u.id for u in orgs.get_organization_users(code).organization_users] == [ada]

    # Invitations
    invite = orgs.create_organization_invite(code, m.CreateOrganizationInviteRequest(
        email="new@example.com", first_name="New", last_name="Person", roles=["viewer"]))
    assert isinstance(invite, m.CreateOrganizationInviteResponse) and invite.code == "INVITATION_CREATED"
    assert invite.invite.created_on is not None and invite.invite.roles[0].name == "Viewer"
    pending = orgs.get_organization_invites(code)
    assert isinstance(pending, m.GetOrganizationInvitesResponse) and [i.code for i in pending.invites] == [invite.invite.code]
    assert isinstance(orgs.delete_organization_invite(code, invite.invite.code), m.SuccessResponse)
    assert orgs.get_organization_invites(code).invites == []
    revoked = orgs.get_organization_invites(code, include_revoked=True).invites
    assert [(i.code, i.is_revoked) for i in revoked] == [(invite.invite.code, True)]


def test_sdk_sees_kinde_errors(apis, management_client):
    users, orgs, roles = apis
    with pytest.raises(NotFoundException) as missing:
        orgs.get_organization(code="org_missing")
    assert "ORGANIZATION_NOT_FOUND" in missing.value.body
    with pytest.raises(BadRequestException) as bad:
        users.create_user(m.CreateUserRequest(identities=[m.CreateUserRequestIdentitiesInner(
            type="email", details=m.CreateUserRequestIdentitiesInnerDetails(email="not-an-email"))]))
    assert isinstance(bad.value.data, m.ErrorResponse) and bad.value.data.errors[0].code == "INVALID_EMAIL"
    with pytest.raises(NotFoundException):
        orgs.delete_organization_invite("org_missing", "inv_missing")
    unscoped = RolesApi(management_client("read:users"))
    with pytest.raises(ForbiddenException) as forbidden:
        unscoped.get_roles()
    assert isinstance(forbidden.value.data, m.ErrorResponse)


def test_server_fixture_answers_plain_http(portal_server):
    import httpx

    r = httpx.get(f"{portal_server.url}/api/v1/roles")
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "INVALID_CREDENTIALS"
