"""Organization section pages with content of their own: details, and members (pages/members.py)."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.pages.members import members as members_section
from portal_ui.ui.state import OrgDetailsState, PortalState
from portal_ui.ui.state.org_details import FIELDS

WIDE = ("name", "business_name", "billing_email", "website", "address_line1", "address_line2")


def _label(label: str):
    """A field label with "Organization" replaced by the alias (the alias is known at run time)."""
    if label.startswith("Organization"):
        return PortalState.org_group + label.removeprefix("Organization")
    return label


def _input(name: str, label: str, max_len: int) -> rx.Component:
    return rx.box(
        rx.el.label(
            rx.text(_label(label), size="2", weight="medium"),
            rx.input(
                name=name,
                default_value=OrgDetailsState.org_details[name],
                max_length=max_len,
                disabled=PortalState.read_only,
                required=name == "name",
                id=f"details-{name}",
                margin_top="0.25rem",
            ),
        ),
        grid_column=["span 1", "span 2"] if name in WIDE else "span 1",
    )


def details() -> rx.Component:
    inputs = [_input(name, label, max_len) for name, label, max_len in FIELDS]
    form = rx.form(
        rx.grid(*inputs, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%"),
        rx.cond(OrgDetailsState.details_error != "",
                rx.callout(OrgDetailsState.details_error, icon="triangle-alert", color_scheme="red",
                           id="details-error", margin_top="1rem")),
        rx.hstack(
            rx.button("Save changes", type="submit", disabled=PortalState.read_only, id="details-save"),
            margin_top="1.25rem",
        ),
        on_submit=OrgDetailsState.save_details,
        reset_on_submit=False,
        id="details-form",
    )
    return section_frame(rx.card(form, size=rx.breakpoints(initial="2", sm="3")), ready=OrgDetailsState.details_loaded)


def members() -> rx.Component:
    """The members section lives in its own module (pages/members.py)."""
    return members_section()
