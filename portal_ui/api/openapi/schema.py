"""JSON Schema helpers for the OpenAPI document (JSON Schema 2020-12, as OpenAPI 3.1 uses)."""

from __future__ import annotations

from typing import Any, Iterable

from pydantic import BaseModel

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def nullable(schema: dict) -> dict:
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    return out


def obj(properties: dict, required: Iterable[str] = (), *, closed: bool = False, **extra: Any) -> dict:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    if closed:
        out["additionalProperties"] = False
    out.update(extra)
    return out


def string(**kw: Any) -> dict:
    return {"type": "string", **kw}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def clean(node: Any, defs: dict) -> Any:
    """Pydantic's JSON schema without titles, with `$defs` references inlined."""
    if isinstance(node, list):
        return [clean(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return clean(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    out = {}
    for key, value in node.items():
        if key in ("title", "$defs"):
            continue
        if key == "properties":
            out[key] = {name: clean(sub, defs) for name, sub in value.items()}
        else:
            out[key] = clean(value, defs)
    return out


def model_schema(model: type[BaseModel]) -> dict:
    """The JSON Schema (2020-12, as OpenAPI 3.1 uses) of what `model` accepts."""
    raw = model.model_json_schema(mode="validation")
    return clean(raw, raw.get("$defs", {}))


def non_null(schema: dict) -> dict:
    """`X` from pydantic's `anyOf: [X, {type: null}]` (a query parameter is absent, never null)."""
    branches = schema.get("anyOf")
    if branches:
        kept = [b for b in branches if b.get("type") != "null"]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            return {**kept[0], **rest}
    return {k: v for k, v in schema.items() if k != "default"}


def merge_descriptions(ours: Any, kinde: Any) -> None:
    """Copy Kinde's `description`s onto our schema where the same field exists (in place)."""
    if not isinstance(ours, dict) or not isinstance(kinde, dict):
        return
    for branch in ours.get("anyOf", []):
        if branch.get("type") != "null":
            merge_descriptions(branch, kinde)
    if "description" in kinde and "description" not in ours:
        ours["description"] = kinde["description"]
    for name, sub in ours.get("properties", {}).items():
        merge_descriptions(sub, kinde.get("properties", {}).get(name))
    if isinstance(ours.get("items"), dict):
        merge_descriptions(ours["items"], kinde.get("items"))



def require(schema: dict, *names: str) -> None:
    """Add `names` to `schema`'s required fields (in place)."""
    schema["required"] = sorted(set(schema.get("required", [])) | set(names))
