"""Regenerate `kinde.json` from Kinde's published OpenAPI documents (a developer tool, not run by the server).

    .venv/bin/python portal_ui/api/openapi/extract_kinde.py [../shared/docs/kinde-openapi]

Copies, for each Kinde path portal_ui serves, the operation's metadata (operationId, summary,
description, tags, `x-scope`), its parameter descriptions, its request body schema and every
component schema its 200/201 response uses, converted from OpenAPI 3.0 to 3.1 (`nullable: true`
becomes a `"null"` type, `example` becomes `examples`). portal_ui's adaptations (what it stores,
which fields may be null, its limits) are applied in `portal_ui/api/openapi/kinde.py`, not here, so this
file stays a faithful copy and can be refreshed when Kinde publishes a new document.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[3] / "shared" / "docs" / "kinde-openapi"

MANAGEMENT = [
    ("POST", "/api/v1/user"), ("GET", "/api/v1/user"), ("GET", "/api/v1/users"),
    ("POST", "/api/v1/organization"), ("GET", "/api/v1/organization"), ("GET", "/api/v1/organizations"),
    ("POST", "/api/v1/organizations/{org_code}/users"), ("GET", "/api/v1/organizations/{org_code}/users"),
    ("DELETE", "/api/v1/organizations/{org_code}/users/{user_id}"),
    ("POST", "/api/v1/organizations/{org_code}/users/{user_id}/roles"),
    ("GET", "/api/v1/organizations/{org_code}/users/{user_id}/roles"),
    ("DELETE", "/api/v1/organizations/{org_code}/users/{user_id}/roles/{role_id}"),
    ("POST", "/api/v1/roles"), ("GET", "/api/v1/roles"), ("GET", "/api/v1/system_permissions"),
    ("GET", "/api/v1/roles/{role_id}/system_permissions"), ("PATCH", "/api/v1/roles/{role_id}/system_permissions"),
    ("POST", "/api/v1/organization/{org_code}/invites"), ("GET", "/api/v1/organization/{org_code}/invites"),
    ("DELETE", "/api/v1/organization/{org_code}/invites/{invite_code}"),
    ("POST", "/api/v1/api_keys/verify"),
]
ACCOUNT = [("GET", "/account_api/v1/portal_link")]
ALWAYS = ("error", "error_response")


def to_31(node):
    """OpenAPI 3.0 schema -> 3.1 (JSON Schema 2020-12)."""
    if isinstance(node, list):
        return [to_31(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("nullable", "example"):
            continue
        out[key] = value if key == "enum" else to_31(value)
    if "example" in node:
        out["examples"] = [node["example"]]
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                found.add(value.rsplit("/", 1)[1])
            else:
                refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def operation(doc: dict, method: str, path: str, names: set[str]) -> dict:
    op = doc["paths"][path][method.lower()]
    out = {k: op[k] for k in ("operationId", "summary", "description", "tags", "x-scope") if k in op}
    out["parameters"] = {p["name"]: {k: to_31(p[k]) for k in ("description", "schema") if k in p}
                         for p in op.get("parameters", []) if "name" in p}
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        out["requestBody"] = {"description": op["requestBody"].get("description", ""), "schema": to_31(body["schema"])}
    for status in ("200", "201"):
        content = op.get("responses", {}).get(status, {}).get("content", {}).get("application/json")
        if content:
            out["response"] = {"status": int(status), "description": op["responses"][status].get("description", ""),
                               "schema": content["schema"]["$ref"].rsplit("/", 1)[1]}
            refs(content["schema"], names)
    return out


def main(source: Path) -> None:
    management = yaml.safe_load((source / "management-api.yaml").read_text())
    account = yaml.safe_load((source / "account-api.yaml").read_text())
    names: set[str] = set(ALWAYS)
    operations = {f"{m} {p}": operation(management, m, p, names) for m, p in MANAGEMENT}
    account_names: set[str] = set()
    operations.update({f"{m} {p}": operation(account, m, p, account_names) for m, p in ACCOUNT})
    schemas = management["components"]["schemas"]
    todo, done = set(names), {}
    while todo:
        name = todo.pop()
        done[name] = to_31(schemas[name])
        more: set[str] = set()
        refs(schemas[name], more)
        todo |= more - set(done)
    for name in account_names:
        done[name] = to_31(account["components"]["schemas"][name])
    data = {
        "source": "Kinde Management API and Account API OpenAPI documents (../shared/docs/kinde-openapi), "
                  "converted to OpenAPI 3.1 by extract_kinde.py; do not edit by hand",
        "security_descriptions": {
            "management": management["components"]["securitySchemes"]["kindeBearerAuth"]["description"].strip(),
            "account": account["components"]["securitySchemes"]["kindeBearerAuth"]["description"].strip(),
        },
        "operations": operations,
        "schemas": dict(sorted(done.items())),
    }
    (HERE / "kinde.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
