"""The demo environment's organization, roles and personas (seeded by `portal-ui seed-demo`)."""

from __future__ import annotations

from dataclasses import dataclass

ALL_PERMISSIONS = (
    "org:read:details", "org:write:details", "org:read:billing", "org:write:billing",
    "org:read:members", "org:write:members", "read:org:authentication", "write:org:authentication",
    "org:read:audit_log",
)

DEMO_ORG_CODE = "org_demo_acme"
DEMO_ORG_NAME = "Acme"
DEMO_ORG_ALIAS = "Workspace"


@dataclass(frozen=True)
class DemoRole:
    key: str
    name: str
    description: str
    permissions: tuple[str, ...]
    is_default_role: bool = False
    assign_to_creator: bool = False


ROLES = (
    DemoRole("owner", "Owner", "Full control of the workspace", ALL_PERMISSIONS, assign_to_creator=True),
    DemoRole("billing_manager", "Billing manager", "Manages the plan and payment methods",
             ("org:read:details", "org:read:billing", "org:write:billing")),
    DemoRole("viewer", "Viewer", "Sees everything, changes nothing",
             ("org:read:details", "org:read:billing", "org:read:members", "read:org:authentication"),
             is_default_role=True),
)


@dataclass(frozen=True)
class Persona:
    user_id: str
    given_name: str
    family_name: str
    email: str
    org_code: str | None
    role_key: str | None
    summary: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


PERSONAS = (
    Persona("kp_demo_bea", "Bea", "Chen", "bea@example.com", None, None,
            "A consumer with a personal account (no workspace)"),
    Persona("kp_demo_olivia", "Olivia", "Owens", "olivia@acme.example", DEMO_ORG_CODE, "owner",
            "Acme's owner: every permission"),
    Persona("kp_demo_bill", "Bill", "Payne", "bill@acme.example", DEMO_ORG_CODE, "billing_manager",
            "Acme's billing manager: billing and read-only details"),
    Persona("kp_demo_vic", "Vic", "Reed", "vic@acme.example", DEMO_ORG_CODE, "viewer",
            "An Acme member who can look but not change"),
)
PERSONA_BY_ID = {p.user_id: p for p in PERSONAS}
