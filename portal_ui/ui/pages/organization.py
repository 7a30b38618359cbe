"""Organization section pages with content of their own: details (with the logo), and members
(pages/members.py)."""

from __future__ import annotations

import reflex as rx

from portal_ui.domain.countries import COUNTRY_OPTIONS
from portal_ui.domain.logos import LOGO_MAX_BYTES
from portal_ui.ui.components.forms import form_actions, select_field, text_field
from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.components.notices import conflict_notice
from portal_ui.ui.i18n import t
from portal_ui.ui.pages.members import members as members_section
from portal_ui.ui.state import OrgDetailsState, PortalState
from portal_ui.ui.state.org_details import FIELDS, LOGO_UPLOAD_ID

FORM = "details"
# (catalogue key of the group's title, its fields); field labels are "org_details.field_<name>".
GROUPS = (
    ("org_details.group_general", ("name", "business_name", "billing_email", "phone", "website")),
    ("org_details.group_address", ("address_line1", "address_line2", "city", "region", "postcode", "country")),
    ("org_details.group_tax", ("tax_id",)),
)
WIDE = ("name", "business_name", "billing_email", "website", "address_line1", "address_line2")
# How the browser may fill each field in (autocomplete tokens), its input type, and a hint (catalogue key).
AUTOCOMPLETE = {"name": "organization", "billing_email": "email", "phone": "tel", "website": "url",
                "address_line1": "address-line1", "address_line2": "address-line2", "city": "address-level2",
                "region": "address-level1", "postcode": "postal-code", "country": "country"}
INPUT_TYPES = {"billing_email": "email", "phone": "tel", "website": "url"}
HINTS = {"billing_email": "org_details.hint_billing_email", "phone": "org_details.hint_phone",
         "website": "org_details.hint_website", "tax_id": "org_details.hint_tax_id"}
LOGO_TYPES = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/svg+xml": [".svg"]}


def _label_file_input(component, label: rx.Var) -> None:
    """Give the upload's hidden file input an accessible name (rx.upload creates it bare)."""
    from reflex_components_core.el.elements.forms import Input

    for child in getattr(component, "children", []):
        if isinstance(child, Input):
            child.custom_attrs["aria-label"] = label
        _label_file_input(child, label)


def _label(name: str):
    """The field's label in the tab's language. The organization's name is labelled by the state,
    which knows the alias."""
    if name == "name":
        return OrgDetailsState.details_name_label
    return t(f"org_details.field_{name}")


def _hint(name: str):
    """The field's hint in the tab's language ("" for a field without one)."""
    key = HINTS.get(name)
    return t(key) if key else ""


def _field(name: str, max_len: int) -> rx.Component:
    common = dict(form=FORM, name=name, label=_label(name), value=OrgDetailsState.org_details[name],
                  errors=OrgDetailsState.details_errors, revision=OrgDetailsState.details_revision,
                  disabled=PortalState.read_only, auto_complete=AUTOCOMPLETE.get(name, "off"),
                  grid_column=["span 1", "span 2"] if name in WIDE else "span 1")
    if name == "country":
        return select_field(options=COUNTRY_OPTIONS, empty_label=t("org_details.country_not_set"), **common)
    return text_field(max_length=max_len, required=name == "name", type_=INPUT_TYPES.get(name, "text"),
                      hint=_hint(name), **common)


def _group(title_key: str, names: tuple[str, ...]) -> rx.Component:
    by_name = {name: (name, max_len) for name, _label, max_len in FIELDS}
    return rx.el.fieldset(
        rx.el.legend(rx.text(t(title_key), size="3", weight="bold"), margin_bottom="0.75rem", padding="0"),
        rx.grid(*(_field(*by_name[name]) for name in names), columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4", width="100%"),
        border="none", margin="0", padding="0", min_width="0", width="100%",
    )


def _conflict() -> rx.Component:
    return conflict_notice(OrgDetailsState.details_conflict, reload_label=t("org_details.reload"),
                           on_reload=OrgDetailsState.reload_details, id_prefix="details", margin_top="1.5rem")


def _details_form() -> rx.Component:
    return rx.el.form(
        rx.cond(~PortalState.read_only,
                rx.text(t("shell.required_mark_note"), size="1", color_scheme="gray", as_="p",
                        margin_bottom="1rem")),
        rx.vstack(*(_group(title_key, names) for title_key, names in GROUPS), spacing="6", width="100%"),
        _conflict(),  # beside Save, where the eyes are when a save is refused
        form_actions(form=FORM, saving=OrgDetailsState.details_saving, disabled=PortalState.read_only,
                     on_discard=OrgDetailsState.discard_details,
                     errors=OrgDetailsState.details_errors),
        on_submit=OrgDetailsState.save_details,
        reset_on_submit=False,
        no_validate=True,  # the server checks every field and explains each problem beside it
        id="details-form",
        aria_label=t("org_details.details_form_label"),
    )


def _logo_preview() -> rx.Component:
    return rx.flex(
        rx.cond(
            OrgDetailsState.logo_src != "",
            rx.image(src=OrgDetailsState.logo_src, alt=t("org_details.current_logo"), id="logo-preview",
                     max_height="56px", max_width="100%", object_fit="contain"),
            rx.vstack(rx.icon("image", size=20), rx.text(t("org_details.no_logo"), size="1"), align="center",
                      spacing="1", color="var(--gray-10)", id="logo-none"),
        ),
        align="center", justify="center",
        width="9rem", height="5rem", flex_shrink="0", padding="0.5rem",
        border="1px dashed var(--gray-a7)", border_radius="var(--radius-3)", background_color="var(--gray-a2)",
    )


def _remove_logo() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), t("org_details.remove"), type="button", variant="soft",
                      color_scheme="red", disabled=PortalState.read_only | OrgDetailsState.logo_busy, id="logo-remove"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("org_details.remove_logo_title")),
            rx.alert_dialog.description(t("org_details.remove_logo_text")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(t("org_details.cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(t("org_details.remove_logo"), color_scheme="red",
                                                 on_click=OrgDetailsState.remove_logo, id="logo-remove-confirm")),
                spacing="3", justify="end", margin_top="1rem",
            ),
            max_width="24rem",
        ),
    )


def _choose_button(disabled) -> rx.Component:
    text = rx.cond(OrgDetailsState.logo_src != "", t("org_details.replace_logo"), t("org_details.upload_logo"))
    return rx.button(rx.icon("upload", size=16), text,
                     type="button", loading=OrgDetailsState.logo_busy, disabled=disabled, id="logo-choose")


def _logo_card() -> rx.Component:
    upload = rx.upload.root(
        _choose_button(False),
        id=LOGO_UPLOAD_ID,
        accept=LOGO_TYPES,
        max_files=1,
        multiple=False,
        max_size=LOGO_MAX_BYTES,
        no_keyboard=True,  # the button inside is the one keyboard stop
        disabled=OrgDetailsState.logo_busy,
        on_drop=OrgDetailsState.upload_logo(rx.upload_files(upload_id=LOGO_UPLOAD_ID)),
        on_drop_rejected=OrgDetailsState.logo_rejected,
    )
    _label_file_input(upload, t("org_details.logo_file"))
    # A read-only session gets the button, disabled, and no file input or drop zone at all.
    choose = rx.cond(PortalState.read_only, _choose_button(True), upload)
    return rx.card(
        rx.flex(
            _logo_preview(),
            rx.vstack(
                rx.heading(t("org_details.logo"), as_="h2", size="3"),
                rx.text(t("org_details.logo_note", kb=LOGO_MAX_BYTES // 1024), size="2", color_scheme="gray"),
                rx.flex(choose, rx.cond(OrgDetailsState.logo_src != "", _remove_logo()), spacing="3", wrap="wrap",
                        margin_top="0.25rem"),
                rx.cond(OrgDetailsState.logo_error != "",
                        rx.callout(OrgDetailsState.logo_error, icon="circle-alert", color_scheme="red", size="1",
                                   role="alert", id="logo-error")),
                spacing="2", align="start", min_width="0",
            ),
            spacing="4", direction=rx.breakpoints(initial="column", sm="row"), align=rx.breakpoints(initial="start", sm="center"),
        ),
        size=rx.breakpoints(initial="2", sm="3"),
        id="logo-card",
    )


def details() -> rx.Component:
    return section_frame(
        rx.vstack(
            _logo_card(),
            rx.card(_details_form(), size=rx.breakpoints(initial="2", sm="3")),
            spacing="4", align="stretch", width="100%",
        ),
        ready=OrgDetailsState.details_loaded,
    )


def members() -> rx.Component:
    """The members section lives in its own module (pages/members.py)."""
    return members_section()
