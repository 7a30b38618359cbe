"""`Builder`: documents one operation at a time (security, parameters, request body, responses), with
Kinde's metadata for the paths Kinde defines."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from pydantic import BaseModel

from portal_ui.api.openapi.errors import ERROR_REFS
from portal_ui.api.openapi.schema import JSON, merge_descriptions, model_schema, non_null, ref, string

MAX_PATH_PARAM = 128  # portal_ui.api.management._common.MAX_PATH_PARAM: longer -> 404

# Demo ids used as parameter examples (the seeded demo: `portal-ui seed-demo`).
EXAMPLES = {"org_code": "org_demo_acme", "user_id": "kp_demo_vic", "organization_code": "org_demo_acme"}


class Builder:
    """The `paths` of the document, filled by `add` (and directly, for operations it does not fit)."""

    def __init__(self, kinde: dict):
        self.kinde = kinde
        self.paths: dict[str, dict] = {}

    def add(self, method: str, path: str, *, auth: str, scope: Optional[str] = None, ok: tuple[int, str, str],
            errors: Iterable[int] = (), query: Optional[type[BaseModel]] = None, query_overrides: Optional[dict] = None,
            body: Optional[type[BaseModel] | dict] = None, body_required: bool = True, operation_id: str = "",
            summary: str = "", description: str = "", tags: Iterable[str] = (), notes: str = "") -> None:
        """Document one operation. `auth` is "m2m" (with `scope`) or "user"; `ok` is (status, response
        schema name, description); `errors` the statuses beyond those implied (403 for a token, 404 for a
        path parameter, 400/413/415 for a body). Kinde's metadata for the path wins over `operation_id`,
        `summary`, `description` and `tags`; `notes` add portal_ui's differences."""
        kinde = self.kinde["operations"].get(f"{method} {path}", {})
        op: dict[str, Any] = {
            "operationId": kinde.get("operationId") or operation_id,
            "summary": kinde.get("summary") or summary,
            "tags": list(kinde.get("tags") or tags),
        }
        text = [kinde.get("description", "").strip() or description]
        if notes:
            text.append(notes)
        if auth == "m2m":
            text.append(f"Requires an M2M token with the scope `{scope}`.")
            op["security"] = [{"m2m": [scope]}]
            op["x-scope"] = scope
        elif auth == "user":
            text.append("Requires a user access token; the organization is the token's `org_code` claim.")
            op["security"] = [{"user": []}]
        else:
            op["security"] = []
        op["description"] = "\n\n".join(t for t in text if t)

        params = [self._path_param(name, kinde) for name in path_names(path)]
        if query is not None:
            params += self._query_params(query, kinde, query_overrides or {})
        if params:
            op["parameters"] = params

        statuses = set(errors)
        if body is not None:
            schema = model_schema(body) if isinstance(body, type) else body
            kinde_body = kinde.get("requestBody", {})
            merge_descriptions(schema, kinde_body.get("schema"))
            op["requestBody"] = {"required": body_required, "content": {JSON: {"schema": schema}}}
            if kinde_body.get("description"):
                op["requestBody"]["description"] = kinde_body["description"]
            statuses |= {400, 413, 415}
        if auth in ("m2m", "user"):
            statuses.add(403)
        if path_names(path):
            statuses.add(404)

        status, schema_ref, ok_description = ok
        kinde_response = kinde.get("response", {})
        responses: dict[str, Any] = {str(status): {
            "description": ok_description or kinde_response.get("description", "Success."),
            "content": {JSON: {"schema": ref(schema_ref)}},
        }}
        for code in sorted(statuses):
            responses[str(code)] = {"$ref": f"#/components/responses/{ERROR_REFS[code]}"}
        op["responses"] = responses
        self.paths.setdefault(path, {})[method.lower()] = op

    def _path_param(self, name: str, kinde: dict) -> dict:
        described = kinde.get("parameters", {}).get(name, {})
        param = {"name": name, "in": "path", "required": True,
                 "schema": string(minLength=1, maxLength=MAX_PATH_PARAM),
                 "description": described.get("description", f"The {name.replace('_', ' ')}.")}
        if name in EXAMPLES:
            param["examples"] = {"demo": {"value": EXAMPLES[name]}}
        return param

    def _query_params(self, model: type[BaseModel], kinde: dict, overrides: dict) -> list[dict]:
        schema = model_schema(model)
        required = set(schema.get("required", []))
        out = []
        for name, sub in schema.get("properties", {}).items():
            described = kinde.get("parameters", {}).get(name, {})
            param_schema = {**non_null(sub), **overrides.get(name, {})}
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": param_schema}
            if described.get("description"):
                param["description"] = described["description"]
            out.append(param)
        return out


def path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def comma_list(*values: str) -> dict:
    one = "|".join(values)
    return {"pattern": f"^({one})(,({one}))*$"}
