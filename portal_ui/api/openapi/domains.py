"""Verified domains and join requests in the OpenAPI document (portal_ui's own routes). Request
bodies come from the models the routes validate with."""

from __future__ import annotations

from portal_ui.api.openapi.builder import Builder
from portal_ui.api.openapi.schema import nullable, obj, ref, string

TIME = string(format="date-time")


def _envelope(**fields: dict) -> dict:
    return obj({"code": string(), "message": string(), **fields}, ["code", "message", *fields])


def schemas() -> dict:
    domain = obj({
        "id": string(), "domain": string(description="The domain's ASCII (IDNA) form, lower-case."),
        "display_name": string(description="The domain as people write it (Unicode)."),
        "status": string(enum=["pending", "verified", "expired"]),
        "enrolment": string(enum=["manual", "suggest", "automatic"]),
        "verification": obj({"type": string(enum=["TXT"]), "name": string(), "value": string()},
                            ["type", "name", "value"]),
        "created_on": TIME,
        "expires_on": nullable({**TIME, "description": "When an unverified domain expires (30 days after it was "
                                                       "added); null once verified."}),
        "verified_on": nullable(TIME),
    }, ["id", "domain", "display_name", "status", "enrolment", "verification", "created_on", "expires_on",
        "verified_on"])
    join_request = obj({"id": string(), "user_id": string(), "name": string(), "email": string(),
                        "domain": string(), "status": string(enum=["pending"]), "created_on": TIME},
                       ["id", "user_id", "name", "email", "domain", "status", "created_on"])
    decided = obj({"id": string(), "user_id": string(), "status": string(enum=["approved", "rejected"]),
                   "roles": {"type": "array", "items": string()}, "decided_on": TIME},
                  ["id", "user_id", "status", "roles", "decided_on"])
    return {
        "organization_domain": domain,
        "get_organization_domains_response": _envelope(domains={"type": "array", "items": ref("organization_domain")}),
        "organization_domain_response": _envelope(domain=ref("organization_domain")),
        "join_request": join_request,
        "get_join_requests_response": _envelope(total={"type": "integer"},
                                                join_requests={"type": "array", "items": ref("join_request")}),
        "decide_join_request_response": _envelope(join_request=decided, is_sent={
            "type": "boolean", "description": "Whether the requester was emailed the decision."}),
    }


def operations(b: Builder) -> None:
    from portal_ui.api.management import domains, join_requests

    tags = ["Organizations"]
    scopes = domains.SCOPES
    b.add("GET", domains.PATH, auth="m2m", scope=scopes["read"],
          ok=(200, "get_organization_domains_response", "The organization's domains, by name."),
          operation_id="getOrganizationDomains", summary="List an organization's domains", tags=tags,
          description="(portal_ui) Every domain the organization added, verified or not, with the TXT record "
                      "that proves it.")
    b.add("POST", domains.PATH, auth="m2m", scope=scopes["create"],
          ok=(201, "organization_domain_response", "The new, unverified domain."), errors=(409,),
          body=domains.CreateDomainBody, operation_id="addOrganizationDomain", summary="Add a domain", tags=tags,
          description="(portal_ui) Adds a domain to verify. A name that is not a public hostname, or a personal "
                      "email provider's domain (gmail.com...), is a 400; a domain the organization has, or one "
                      "another organization verified, is a 409.")
    b.add("PATCH", domains.ITEM, auth="m2m", scope=scopes["update"],
          ok=(200, "organization_domain_response", "The domain."), errors=(409,), body=domains.UpdateDomainBody,
          operation_id="updateOrganizationDomain", summary="Set a domain's enrolment mode", tags=tags,
          description="(portal_ui) How people at a verified domain join (409 for an unverified one). "
                      "`automatic` invites the users already at the domain.")
    b.add("DELETE", domains.ITEM, auth="m2m", scope=scopes["delete"],
          ok=(200, "success_response", "Domain removed."), operation_id="deleteOrganizationDomain",
          summary="Remove a domain", tags=tags, description="(portal_ui) Removes the domain.")
    b.add("POST", domains.VERIFY, auth="m2m", scope=scopes["update"],
          ok=(200, "organization_domain_response", "The verified domain."), errors=(409,),
          operation_id="verifyOrganizationDomain", summary="Verify a domain", tags=tags,
          description="(portal_ui) Looks up the domain's TXT record in DNS. 409 `DOMAIN_NOT_VERIFIED` when the "
                      "record is missing or holds another value, `DNS_LOOKUP_FAILED` when DNS did not answer, "
                      "`DOMAIN_EXPIRED` 30 days after it was added, `DOMAIN_TAKEN` when another organization "
                      "verified it first.")
    b.add("GET", join_requests.PATH, auth="m2m", scope=join_requests.READ,
          ok=(200, "get_join_requests_response", "Pending join requests, oldest first (at most 100)."),
          operation_id="getOrganizationJoinRequests", summary="List pending join requests", tags=tags,
          description="(portal_ui) People at a verified `suggest` domain who asked to join.")
    for path, verb, summary in ((join_requests.APPROVE, "approve", "Approve a join request"),
                                (join_requests.REJECT, "reject", "Reject a join request")):
        b.add("POST", path, auth="m2m", scope=join_requests.UPDATE,
              ok=(200, "decide_join_request_response", "The decided request."), errors=(409,),
              body=join_requests.ApproveBody if verb == "approve" else None, body_required=False,
              operation_id=f"{verb}OrganizationJoinRequest", summary=summary, tags=tags,
              description=f"(portal_ui) {summary.split(' a ')[0]}s the request"
                          + (": the user becomes a member with the roles named plus the default roles."
                             if verb == "approve" else ".") + " The requester is emailed the decision.")
