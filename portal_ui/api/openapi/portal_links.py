"""Portal links in the OpenAPI document: the Account API's `portal_link` (user token), and
`generate_url` and `preview_url` (M2M). The preview's trial `settings` take their schema from the
domain's `PreviewOverrides` model (see `settings.py`)."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel

from portal_ui.api.openapi.builder import Builder
from portal_ui.api.openapi.schema import model_schema, ref


def operations(b: Builder) -> None:
    from portal_ui.api import portal
    from portal_ui.domain.flows import FLOWS
    from portal_ui.domain.sections import SECTIONS
    from portal_ui.models import URL_MAX

    sections = [s.key for s in SECTIONS]

    # Account API (user token) and portal links.
    class _PortalLinkQuery(BaseModel):
        subnav: Optional[str] = None
        sub_nav: Optional[str] = None
        return_url: Optional[str] = None
        flow: Optional[str] = None
        flow_plan: Optional[str] = None
        after_completion_url: Optional[str] = None

    flow_docs = {
        "flow": {"enum": list(FLOWS), "description": "(portal_ui) A focused flow: the session shows only this task "
                 "(add a card and make it the default; the cancel confirmation; the change to `flow_plan`) and "
                 "ends when it is done. The session must be allowed to change the billing (else 400)."},
        "flow_plan": {"maxLength": 64, "description": "(portal_ui) The key of the plan `subscription_update` "
                      "changes to (as in GET /api/v1/plans); it must be offered and differ from the current plan."},
        "after_completion_url": {"maxLength": URL_MAX, "format": "uri", "description": "(portal_ui) Where the "
                                 "browser goes when the flow is done (default: return_url); its origin must be on "
                                 "the allowed return origins. Only with a flow."},
    }
    b.add("GET", "/account_api/v1/portal_link", auth="user", ok=(200, "portal_link", ""), errors=(400, 429),
          query=_PortalLinkQuery, query_overrides={
              "subnav": {"enum": sections, "description": "The portal section to open (default profile)."},
              "sub_nav": {"enum": sections, "description": "(portal_ui) The same as subnav, as some SDKs name it; "
                                                           "if both are given they must agree."},
              "return_url": {"maxLength": URL_MAX, "format": "uri",
                             "description": "Where Exit sends the browser; its origin must be on the allowed "
                                            "return origins. Defaults to the environment's return URL."},
              **flow_docs},
          notes="Each parameter at most once; unknown parameters are refused (400). Throttled per client IP and "
                "per user (429).")
    generate_url = model_schema(portal.GenerateUrlBody)
    for name in ("sub_nav", "subnav"):
        generate_url["properties"][name]["anyOf"][0]["enum"] = sections
    generate_url["properties"]["flow"]["anyOf"][0]["enum"] = list(FLOWS)
    for name, doc in flow_docs.items():
        generate_url["properties"][name]["description"] = doc["description"]
    b.add("POST", "/api/v1/portal/generate_url", auth="m2m", scope="create:portal_links",
          ok=(200, "portal_link", "A one-time portal link."), errors=(400, 429), body=generate_url,
          operation_id="generatePortalUrl", summary="Generate a one-time portal link for a user",
          tags=["Self-serve portal"],
          description="(portal_ui) A one-time link that opens the portal for `user_id`, in `organization_code` "
                      "when given (the user must be a member). 400 for an unknown user or organization, a user "
                      "who is not a member, a bad sub_nav or return_url, or a flow the user may not run (see flow). Throttled per client IP and per "
                      "M2M client (429).")

    preview = model_schema(portal.PreviewUrlBody)
    trial = preview["properties"]["settings"]
    trial["anyOf"] = [ref("portal_preview_settings"), {"type": "null"}]  # validated by the domain's model
    b.add("POST", "/api/v1/portal/preview_url", auth="m2m", scope="create:portal_links",
          ok=(200, "portal_link", "A one-time link to a read-only preview."), errors=(400, 429), body=preview,
          operation_id="createPreviewUrl", summary="Generate a one-time link to a read-only preview",
          tags=["Self-serve portal"],
          description="(portal_ui) Opens the portal as a role (`role_key`) or a set of `permissions` would see "
                      "it in `organization_code` (or the user portal with sample data when none), under a "
                      "'Preview — changes are disabled' banner. `settings` tries portal settings (org_alias, "
                      "org_functions, user_functions, branding) before saving them. Every write is refused. The "
                      "banner's role switcher offers only the preview's own role, the roles named in `role_keys`, "
                      "and roles that grant nothing beyond the preview's permissions.")
