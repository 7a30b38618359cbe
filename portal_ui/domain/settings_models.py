"""The bodies that change portal settings (README "Portal settings", "Preview for product teams"), as
pydantic models.

`EnvironmentSettingsPatch` is a PATCH of the environment's settings, `OrganizationSettingsPatch` of
an organization's, `PreviewOverrides` the trial settings of a preview. All are strict (no coercion:
`"300"` is not a number, `1` is not `true`) and refuse unknown fields. Every field is optional: a
PATCH changes only the fields it names, and nested objects (`org_functions`, `user_functions`,
`branding`, `seller`) field by field (`retention_coupon` is given whole), so `parse_patch` returns only the fields that were given. A field cannot
be given as null, except `branding.logo_url` (null or "" for no logo) and `retention_coupon`
(null: no offer).

`parse_patch` turns a pydantic `ValidationError` into `InvalidInput` whose message names the field,
e.g. "branding.accent_color: give a colour as #rrggbb". The OpenAPI document
(portal_ui/api/openapi/settings.py) takes these bodies' schemas from `model_json_schema()`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, get_args

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, StringConstraints,
                      ValidationError, ValidationInfo, field_validator)
from pydantic_core import PydanticCustomError

from portal_ui.domain.contrast import contrast_ratio, readable_accent
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.return_urls import URL_MAX, check_http_url, check_origin

ORG_FUNCTIONS = ("details", "billing", "members", "api_keys", "audit_log")
USER_FUNCTIONS = ("profile", "billing", "api_keys")
MAX_ORIGINS = 50
ORIGIN_MAX = 255
LIMITS = {
    "link_ttl_seconds": (30, 86_400),
    "session_idle_seconds": (60, 86_400),
    "session_max_seconds": (300, 30 * 86_400),
}
HEX_COLOUR = "^#[0-9a-fA-F]{6}$"
NO_CONTROL = "^[^\\x00-\\x1f\\x7f]*$"  # no control characters (checked after surrounding spaces are stripped)
_INVALID_INPUT = "invalid_input"  # the error type of a domain check's InvalidInput, kept whole


def _omit_defaults(schema: dict[str, Any], _model: type) -> None:
    """Optional PATCH fields have no default value to show: an absent field keeps the stored value."""
    for sub in schema.get("properties", {}).values():
        sub.pop("default", None)


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=_omit_defaults)


def _domain_check(check, *args: Any, **kwargs: Any) -> Any:
    """`check(*args, **kwargs)`, with an InvalidInput it raises carried through pydantic whole
    (`parse_patch` raises it again, with its own code and message)."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as exc:
        raise PydanticCustomError(_INVALID_INPUT, "{message}", {"message": exc.message, "error": exc}) from None


def _text(max_length: int, description: str) -> Any:
    return Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length,
                                                  pattern=NO_CONTROL), Field(description=description)]


def _switch() -> Any:
    return Field(default=None)


class OrgFunctions(_Body):
    """Which organization functions the portal offers; unknown keys are refused."""

    details: StrictBool = _switch()
    billing: StrictBool = _switch()
    members: StrictBool = _switch()
    api_keys: StrictBool = _switch()
    audit_log: StrictBool = _switch()


class UserFunctions(_Body):
    """Which user functions the portal offers; unknown keys are refused."""

    profile: StrictBool = _switch()
    billing: StrictBool = _switch()
    api_keys: StrictBool = _switch()


class Branding(_Body):
    """The portal's product name, logo, accent colour and appearance."""

    product_name: _text(60, "The product name the portal shows.") = None
    logo_url: Optional[Annotated[StrictStr, StringConstraints(max_length=URL_MAX)]] = Field(
        default=None, description="An absolute http(s) URL; null or \"\" for none.")
    accent_color: Annotated[StrictStr, StringConstraints(pattern=HEX_COLOUR)] = Field(
        default=None, examples=["#4f46e5"],
        description="A colour as #rrggbb; one under 4.5:1 contrast with white is darkened (see notices).")
    appearance: Literal["light", "dark", "system"] = Field(default=None)

    @field_validator("logo_url")
    @classmethod
    def _logo_url(cls, value: Optional[str]) -> Optional[str]:
        return None if not value else _domain_check(check_http_url, value, field="branding.logo_url")

    @field_validator("accent_color")
    @classmethod
    def _readable(cls, value: str, info: ValidationInfo) -> str:
        readable = readable_accent(value)
        notices = (info.context or {}).get("notices")
        if readable != value.lower() and notices is not None:
            notices.append(f"branding.accent_color: {value.lower()} has a contrast of "
                           f"{contrast_ratio(value, '#ffffff'):.2f}:1 with white, under the 4.5:1 that text "
                           f"needs; {readable} (the same hue, darker) is used instead.")
        return readable


def _line(max_length: int, description: str) -> Any:
    """Free text that may be "" (to clear it): no control characters, surrounding spaces stripped."""
    return Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=max_length, pattern=NO_CONTROL),
                     Field(description=description)]


SELLER_LINES = 6


class Seller(_Body):
    """Who issues the invoices: printed at the top of every invoice PDF (README "Invoices")."""

    name: _line(120, "The seller's legal name; \"\" uses the product name.") = None
    address: list[_line(120, "One line of the address.")] = Field(
        default=None, max_length=SELLER_LINES, description="The seller's postal address, one line per item.")
    email: _line(254, "Where customers write about invoices.") = None
    tax_id: _line(64, "The seller's tax or VAT ID as it should be printed, e.g. \"GB 980 7806 84\".") = None


class RetentionCoupon(_Body):
    """A discount offered once per subscription to someone about to cancel (README "Plan changes").
    All three fields are given together; null turns the offer off."""

    percent_off: StrictInt = Field(ge=1, le=100, description="Percent off each invoice while it lasts.")
    duration_months: StrictInt = Field(ge=1, le=24, description="For how many months of invoices.")
    label: _text(60, "What the offer is called on the page and the invoices, e.g. \"Stay with us\".")


APPEARANCES = get_args(Branding.model_fields["appearance"].annotation)


def _seconds(name: str) -> Any:
    low, high = LIMITS[name]
    return Field(default=None, ge=low, le=high)


OrgAlias = _text(40, "What the portal calls an organization.")
Origin = Annotated[StrictStr, StringConstraints(min_length=1, max_length=ORIGIN_MAX),
                   Field(examples=["https://app.example.com"])]


class PreviewOverrides(_Body):
    """Settings a preview tries out before they are saved (README "Preview for product teams")."""

    org_alias: OrgAlias = None
    org_functions: OrgFunctions = Field(default=None)
    user_functions: UserFunctions = Field(default=None)
    branding: Branding = Field(default=None)


class EnvironmentSettingsPatch(_Body):
    """The environment's settings to change; the others keep their values."""

    return_url: Annotated[StrictStr, StringConstraints(min_length=1, max_length=URL_MAX)] = Field(
        default=None, json_schema_extra={"format": "uri"}, description="An absolute http(s) URL.")
    allowed_return_origins: list[Origin] = Field(
        default=None, max_length=MAX_ORIGINS,
        description="Origins (scheme://host[:port]) a return_url may point to.")
    org_alias: OrgAlias = None
    org_functions: OrgFunctions = Field(default=None)
    user_functions: UserFunctions = Field(default=None)
    link_ttl_seconds: StrictInt = _seconds("link_ttl_seconds")
    session_idle_seconds: StrictInt = _seconds("session_idle_seconds")
    session_max_seconds: StrictInt = _seconds("session_max_seconds")
    branding: Branding = Field(default=None)
    seller: Seller = Field(default=None)
    retention_coupon: Optional[RetentionCoupon] = Field(
        default=None, description="The coupon offered when someone cancels; null for none.")

    @field_validator("return_url")
    @classmethod
    def _return_url(cls, value: str) -> str:
        return _domain_check(check_http_url, value)

    @field_validator("allowed_return_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_domain_check(check_origin, item) for item in value))


class OrganizationSettingsPatch(_Body):
    """An organization's settings to change; the others keep their values."""

    override_environment: StrictBool = Field(
        default=None, description="Use this organization's functions and branding instead of the environment's.")
    org_functions: OrgFunctions = Field(default=None)
    branding: Branding = Field(default=None)


# ---- errors -------------------------------------------------------------------------------

# What to say about a bad value of a field, by its dotted path (list indexes left out).
_SWITCH = "must be true or false"
FIELD_MESSAGES = {
    "org_alias": "must be 1 to 40 characters, without control characters",
    "branding.product_name": "must be 1 to 60 characters, without control characters",
    "branding.accent_color": "give a colour as #rrggbb, like #4f46e5",
    "branding.logo_url": f"must be an absolute http(s) URL of at most {URL_MAX} characters, or null",
    "return_url": f"must be an absolute http(s) URL of at most {URL_MAX} characters",
    "allowed_return_origins": f"must be a list of at most {MAX_ORIGINS} origins",
    "branding.appearance": f"must be one of {', '.join(APPEARANCES)}",
    "seller.name": "must be at most 120 characters, without control characters",
    "seller.address": f"must be a list of at most {SELLER_LINES} lines of at most 120 characters each",
    "seller.email": "must be at most 254 characters, without control characters",
    "seller.tax_id": "must be at most 64 characters, without control characters",
    "retention_coupon.percent_off": "must be a whole number from 1 to 100",
    "retention_coupon.duration_months": "must be a whole number from 1 to 24",
    "retention_coupon.label": "must be 1 to 60 characters, without control characters",
    "override_environment": _SWITCH,
    **{f"org_functions.{key}": _SWITCH for key in ORG_FUNCTIONS},
    **{f"user_functions.{key}": _SWITCH for key in USER_FUNCTIONS},
    **{name: f"must be a whole number of seconds from {low} to {high}" for name, (low, high) in LIMITS.items()},
}


def _model_at(model: type[BaseModel], path: tuple) -> Optional[type[BaseModel]]:
    """The model of the nested object at `path` (field names) inside `model`, if it is one."""
    for name in path:
        field = model.model_fields.get(name) if isinstance(name, str) else None
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _message(model: type[BaseModel], error: dict) -> str:
    loc = tuple(error.get("loc", ()))
    names = tuple(str(p)[:40] for p in loc if isinstance(p, str))
    where = ".".join(names)
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = f"; use {', '.join(parent.model_fields)}" if parent else ""
        return f"{where}: unknown field{allowed}"
    if kind == "model_type":
        inner = _model_at(model, loc)
        if not loc:
            return "The body must be a JSON object"
        fields = f" with fields {', '.join(inner.model_fields)}" if inner else ""
        return f"{where}: must be an object{fields}"
    if where not in FIELD_MESSAGES:
        return f"{where}: {error.get('msg', 'invalid value')}"
    return f"{where}: {FIELD_MESSAGES[where]}"


def parse_patch(model: type[BaseModel], data: Any, notices: Optional[list[str]] = None) -> dict[str, Any]:
    """`data` validated against `model`: the fields it names (nested objects too), cleaned.

    Raises InvalidInput naming the first bad field; a domain check's own InvalidInput (a return URL,
    an origin, a logo URL) is raised as it is, with its code. Adjustments (an accent colour darkened
    for contrast) are appended to `notices`.
    """
    try:
        parsed = model.model_validate(data, context={"notices": notices})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = min(errors, key=lambda e: e.get("type") != "extra_forbidden")  # unknown fields first
        original = (first.get("ctx") or {}).get("error")
        if first.get("type") == _INVALID_INPUT and isinstance(original, InvalidInput):
            raise original from None
        raise InvalidInput(_message(model, first)) from None
    return parsed.model_dump(exclude_unset=True)
