"""The embedded issuer in the OpenAPI document: `POST /oauth2/token` (client credentials, RFC 6749
section 4.4) and `GET /.well-known/jwks.json`; both answer 404 in external token mode."""

from __future__ import annotations

from portal_ui.api.openapi.builder import Builder
from portal_ui.api.openapi.errors import ERROR_DESCRIPTIONS
from portal_ui.api.openapi.schema import FORM, JSON, obj, ref, string


def schemas() -> dict:
    """The token answer, the OAuth 2.0 error and the JSON Web Key Set."""
    jwk = obj({"kty": string(), "kid": string(), "use": string(), "alg": string(), "n": string(), "e": string()},
              ["kty", "kid"])
    return {
        "token_response": obj({"access_token": string(), "token_type": string(enum=["Bearer"]),
                               "expires_in": {"type": "integer"}, "scope": string()},
                              ["access_token", "token_type", "expires_in", "scope"]),
        "oauth_error": obj({"error": string(enum=["invalid_request", "invalid_client", "invalid_grant",
                                                  "unauthorized_client", "unsupported_grant_type", "invalid_scope"]),
                            "error_description": string()}, ["error"],
                           description="An OAuth 2.0 error (RFC 6749 section 5.2)."),
        "jwks": obj({"keys": {"type": "array", "items": jwk}}, ["keys"]),
    }


def operations(b: Builder) -> None:
    # The embedded issuer.
    token_params = {
        "grant_type": string(enum=["client_credentials"]),
        "client_id": string(maxLength=1024, description="Or use HTTP Basic authentication."),
        "client_secret": string(maxLength=1024, description="Or use HTTP Basic authentication."),
        "audience": string(maxLength=1024, description="If given, the portal's API audience."),
        "scope": string(maxLength=1024, description="Space-separated; a subset of the application's scopes. "
                                                    "Defaults to all of them."),
    }
    token_body = obj(token_params, ["grant_type"])
    b.paths["/oauth2/token"] = {"post": {
        "operationId": "getM2MToken", "summary": "Get an M2M access token (client credentials)",
        "tags": ["Embedded issuer"], "security": [{}, {"clientBasic": []}],
        "description": "(portal_ui) The client-credentials grant (RFC 6749 section 4.4) for M2M applications made "
                       "with `portal-ui m2m create`: client id and secret in the body or with HTTP Basic. Errors "
                       "follow RFC 6749 section 5.2. In external token mode this route answers 404: the host's "
                       "identity provider issues tokens. Throttled per client IP and per client (429).",
        "requestBody": {"required": True, "content": {FORM: {"schema": token_body}, JSON: {"schema": token_body}}},
        "responses": {
            "200": {"description": "An access token.", "content": {JSON: {"schema": ref("token_response")}}},
            "400": {"description": "Invalid request.", "content": {JSON: {"schema": ref("oauth_error")}}},
            "401": {"description": ERROR_DESCRIPTIONS[401], "content": {JSON: {"schema": ref("oauth_error")}}},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"},
        },
    }}
    b.paths["/.well-known/jwks.json"] = {"get": {
        "operationId": "getJwks", "summary": "The embedded issuer's public signing keys", "tags": ["Embedded issuer"],
        "security": [],
        "description": "(portal_ui) The keys that verify the tokens portal_ui issues. 404 in external token mode.",
        "responses": {
            "200": {"description": "A JSON Web Key Set (RFC 7517).", "content": {JSON: {"schema": ref("jwks")}}},
            "404": {"$ref": "#/components/responses/NotFound"},
        },
    }}
