"""Provisioning in the OpenAPI document (Kinde-compatible Management API paths and bodies): users,
organizations, members and their roles, roles and system permissions, invitations, plans, API keys
and scopes. Request bodies and query strings come from the pydantic models the routes validate with."""

from __future__ import annotations

from portal_ui.api.openapi.builder import EXAMPLES, Builder, comma_list
from portal_ui.api.openapi.schema import obj, ref, string


def schemas() -> dict:
    """portal_ui's own response schemas for plans and API scopes."""
    plan = obj({
        "key": string(), "name": string(), "description": string(), "amount_minor": {"type": "integer"},
        "currency": string(), "interval": string(enum=["month", "year", "none"]),
        "price": string(description="The amount for people, e.g. \"$19.00\"."),
        "features": {"type": "array", "items": string()}, "active": {"type": "boolean"},
        "sort_order": {"type": "integer"}, "created_on": string(format="date-time"),
    }, ["key", "name", "description", "amount_minor", "currency", "interval", "price", "features", "active",
        "sort_order", "created_on"])
    api_scope = obj({"id": string(), "key": string(), "description": string(),
                     "created_on": string(format="date-time")}, ["id", "key", "description", "created_on"])
    changes = {"type": "object", "description": "The changed fields' values (fields named like secrets never appear)."}
    audit_event = obj({
        "id": string(), "occurred_on": string(format="date-time"),
        "actor_type": string(enum=["user", "m2m", "system"]),
        "actor_id": string(description="The user id, M2M client id, or the system component (e.g. `cli`)."),
        "actor_name": string(description="The user's name (or email), the M2M application's name, or the component."),
        "actor_email": {"type": ["string", "null"], "description": "Users only."},
        "action": string(examples=["member.removed"]), "target_type": string(), "target_id": string(),
        "before": changes, "after": changes,
        "changes": string(description="The changes for people, e.g. `name: Acme → Acme Ltd`."),
        "client_ip": string(), "user_agent": string(),
    }, ["id", "occurred_on", "actor_type", "actor_id", "actor_name", "action", "target_type", "target_id",
        "before", "after", "changes", "client_ip", "user_agent"])
    return {
        "audit_event": audit_event,
        "get_audit_events_response": obj({"code": string(), "message": string(),
                                          "audit_events": {"type": "array", "items": ref("audit_event")},
                                          "next_token": string()}, ["code", "message", "audit_events"]),
        "plan": plan,
        "get_plans_response": obj({"code": string(), "message": string(),
                                   "plans": {"type": "array", "items": ref("plan")}, "next_token": string()},
                                  ["code", "message", "plans"]),
        "create_plan_response": obj({"code": string(), "message": string(), "plan": ref("plan")},
                                    ["code", "message", "plan"]),
        "api_scope": api_scope,
        "get_api_scopes_response": obj({"code": string(), "message": string(),
                                        "api_scopes": {"type": "array", "items": ref("api_scope")}},
                                       ["code", "message", "api_scopes"]),
        "create_api_scope_response": obj({"code": string(), "message": string(), "api_scope": ref("api_scope")},
                                         ["code", "message", "api_scope"]),
    }


def operations(b: Builder) -> None:
    from portal_ui.api.management import (api_keys, audit_events, invitations, members, organizations, plans,
                                          roles, users)
    from portal_ui.domain import invitations as invitations_domain
    from portal_ui.domain import member_list
    from portal_ui.domain import organizations as organizations_domain
    from portal_ui.domain import roles as roles_domain

    body_write = (409,)

    # Users.
    b.add("POST", "/api/v1/user", auth="m2m", scope="create:users", ok=(200, "create_user_response", ""),
          errors=body_write, body=users.CreateUserBody, body_required=False,
          notes="portal_ui stores one email per user: email identities only (400 UNSUPPORTED_IDENTITY for phone "
                "or username); `profile.picture` and `provided_id` are accepted and not stored. 409 for an email "
                "that is already taken.")
    b.add("GET", "/api/v1/user", auth="m2m", scope="read:users", ok=(200, "user", ""), errors=(400, 404),
          query=users.UserQuery, query_overrides={"expand": comma_list(*users.EXPANDABLE)})
    b.add("DELETE", "/api/v1/user", auth="m2m", scope="delete:users", ok=(200, "success_response",
          "User successfully deleted."), errors=(400, 404, 409), query=users.DeleteUserQuery,
          notes="Deletes the account at once, as the end of a deletion's grace period does: the user leaves every "
                "organization, their API keys, payment methods and sessions go, invoices are kept, and the user "
                "row keeps only its id. 409 LAST_OWNER while the user is an organization's last owner (hand "
                "ownership over first); 404 for an unknown or already deleted user. `is_delete_profile` is "
                "accepted; the profile is always removed.")
    b.add("GET", "/api/v1/users", auth="m2m", scope="read:users", ok=(200, "users_response", ""), errors=(400,),
          query=users.UsersQuery, query_overrides={"expand": comma_list(*users.EXPANDABLE)},
          notes="portal_ui records no sign-ins: `active_since` is refused (400 UNSUPPORTED_FILTER); users have no "
                "usernames or phone numbers, so those filters match nobody.")

    # Organizations.
    b.add("POST", "/api/v1/organization", auth="m2m", scope="create:organizations",
          ok=(200, "create_organization_response", ""), errors=body_write, body=organizations.CreateOrganizationBody,
          notes="portal_ui stores `name`, `external_id` and `billing_email`; Kinde's branding, handle, sender, "
                "feature-flag and auto-membership fields are accepted and not stored. `is_create_billing_customer: "
                "true` and `billing_plan_code` are refused (400). (portal_ui) `creator_user_id` makes that user "
                "the first member, with the roles marked is_default_role or assign_to_creator.")
    b.add("GET", "/api/v1/organization", auth="m2m", scope="read:organizations",
          ok=(200, "get_organization_response", ""), errors=(400, 404), query=organizations.GetOrganizationQuery,
          query_overrides={"expand": {"enum": ["billing"]}, "code": {"examples": [EXAMPLES["org_code"]]}})
    b.add("GET", "/api/v1/organizations", auth="m2m", scope="read:organizations",
          ok=(200, "get_organizations_response", ""), errors=(400,), query=organizations.ListOrganizationsQuery,
          query_overrides={"sort": {"enum": list(organizations_domain.ORG_SORTS)}})

    # Members and their roles.
    users_path = "/api/v1/organizations/{org_code}/users"
    b.add("POST", users_path, auth="m2m", scope="create:organization_users",
          ok=(200, "add_organization_users_response", ""), errors=body_write, body=members.AddMembersBody,
          body_required=False,
          notes="portal_ui grants permissions through roles only: a non-empty `permissions` list is refused "
                "(400 UNSUPPORTED_PERMISSIONS).")
    b.add("GET", users_path, auth="m2m", scope="read:organization_users",
          ok=(200, "get_organization_users_response", ""), errors=(400,), query=members.MembersQuery,
          query_overrides={"sort": {"enum": list(member_list.MEMBER_SORTS)}})
    b.add("DELETE", users_path + "/{user_id}", auth="m2m", scope="delete:organization_users",
          ok=(200, "success_response", "User successfully removed from the organization."), errors=(400, 409),
          operation_id="RemoveOrganizationUser", summary="Remove Organization User", tags=["Organizations"])
    b.add("POST", users_path + "/{user_id}/roles", auth="m2m", scope="create:organization_user_roles",
          ok=(200, "success_response", "Role successfully added."), errors=body_write, body=members.AddRoleBody,
          operation_id="CreateOrganizationUserRole", summary="Add Organization User Role", tags=["Organizations"])
    b.add("GET", users_path + "/{user_id}/roles", auth="m2m", scope="read:organization_user_roles",
          ok=(200, "get_organizations_user_roles_response", ""))
    b.add("DELETE", users_path + "/{user_id}/roles/{role_id}", auth="m2m", scope="delete:organization_user_roles",
          ok=(200, "success_response", "Role successfully removed."), errors=(400, 409),
          operation_id="DeleteOrganizationUserRole", summary="Delete Organization User Role", tags=["Organizations"])

    # Roles and system permissions.
    b.add("POST", "/api/v1/roles", auth="m2m", scope="create:roles", ok=(201, "create_roles_response", ""),
          errors=body_write, body=roles.CreateRoleBody,
          notes="`key` and `name` are required here. (portal_ui) `assign_to_creator` marks a role for an "
                "organization's creator. `assignment_permission_id` is refused when set (400).")
    b.add("GET", "/api/v1/roles", auth="m2m", scope="read:roles", ok=(200, "get_roles_response", ""), errors=(400,),
          query=roles.SortedPageQuery, query_overrides={"sort": {"enum": list(roles_domain.ROLE_SORTS)}})
    b.add("GET", "/api/v1/system_permissions", auth="m2m", scope="read:system_permissions",
          ok=(200, "get_system_permissions_response", ""), errors=(400,), query=roles.SortedPageQuery,
          query_overrides={"sort": {"enum": list(roles_domain.PERMISSION_SORTS)}})
    role_permissions = "/api/v1/roles/{role_id}/system_permissions"
    b.add("GET", role_permissions, auth="m2m", scope="read:role_system_permissions",
          ok=(200, "role_system_permissions_response", ""), errors=(400,), query=roles.SortedPageQuery,
          query_overrides={"sort": {"enum": list(roles_domain.PERMISSION_SORTS)}})
    b.add("PATCH", role_permissions, auth="m2m", scope="update:role_system_permissions",
          ok=(200, "update_role_system_permissions_response", ""), errors=body_write, body=roles.UpdatePermissionsBody,
          notes="`operation` is absent to add the permission, or `delete` to remove it.")

    # Invitations.
    invites = "/api/v1/organization/{org_code}/invites"
    b.add("POST", invites, auth="m2m", scope="create:organization_invites",
          ok=(201, "create_organization_invite_response", ""), errors=body_write, body=invitations.CreateInviteBody,
          notes="portal_ui does not send invitation emails from this route: `send_email` is accepted and the "
                "invitation reports `is_sent: false`; no `invite_link` is returned.")
    b.add("GET", invites, auth="m2m", scope="read:organization_invites",
          ok=(200, "get_organization_invites_response", ""), errors=(400,), query=invitations.InvitesQuery,
          query_overrides={"sort": {"enum": list(invitations_domain.INVITE_SORTS)}})
    b.add("DELETE", invites + "/{invite_code}", auth="m2m", scope="delete:organization_invites",
          ok=(200, "success_response", ""), errors=(400, 409))

    # Plans (portal_ui's own).
    b.add("POST", "/api/v1/plans", auth="m2m", scope="create:plans", ok=(201, "create_plan_response", "The new plan."),
          errors=body_write, body=plans.CreatePlanBody, operation_id="createPlan", summary="Create a plan",
          tags=["Plans"],
          description="(portal_ui) Adds a plan to the catalogue. `key`, `name`, `amount_minor`, `currency` and "
                      "`interval` are required; amounts are integer minor units (1900 with USD is $19.00).")
    b.add("GET", "/api/v1/plans", auth="m2m", scope="read:plans", ok=(200, "get_plans_response", "The plans."),
          errors=(400,), query=plans.PlansQuery, operation_id="getPlans", summary="List plans", tags=["Plans"],
          description="(portal_ui) The plan catalogue in catalogue order, optionally only active or inactive plans.")

    # API keys and scopes.
    b.add("POST", "/api/v1/api_keys/verify", auth="m2m", scope="verify:api_keys",
          ok=(200, "verify_api_key_response", ""), body=api_keys.VerifyBody,
          notes="A malformed key (wrong prefix, length, alphabet or checksum) is a 400 INVALID_API_KEY. An "
                "unknown key answers `is_valid: false` with null details; a revoked or expired key answers "
                "`is_valid: false` with its details and `scopes: []`.")
    b.add("GET", "/api/v1/api_scopes", auth="m2m", scope="read:api_scopes",
          ok=(200, "get_api_scopes_response", "The API scope catalogue."), errors=(400,),
          operation_id="getApiScopes", summary="List API scopes", tags=["API Keys"],
          description="(portal_ui) The whole catalogue of scopes an API key may carry, without paging. Takes no "
                      "query parameters.")
    b.add("POST", "/api/v1/api_scopes", auth="m2m", scope="create:api_scopes",
          ok=(201, "create_api_scope_response", "The new scope."), errors=body_write, body=api_keys.CreateScopeBody,
          operation_id="createApiScope", summary="Create an API scope", tags=["API Keys"],
          description="(portal_ui) Adds a scope to the catalogue (409 when it exists or the catalogue is full).")

    # The audit log (portal_ui's own).
    b.add("GET", audit_events.PATH, auth="m2m", scope=audit_events.SCOPE,
          ok=(200, "get_audit_events_response", "One page of the organization's audit events, newest first."),
          errors=(400,), query=audit_events.AuditEventsQuery, operation_id="getOrganizationAuditEvents",
          summary="List an organization's audit events", tags=["Organizations"],
          description="(portal_ui) Who changed what in the organization, when, and from where (client IP and "
                      "user agent), newest first, filtered by actor, action and dates. A bad filter or "
                      "`next_token` is a 400 naming the parameter; a `next_token` works only with the filters "
                      "it came with.")
