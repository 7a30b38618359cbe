"""Section pages shared by the user's account and the organization: profile and billing."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.state import BillingState, ProfileState


def _field(label: str, value, value_id: str) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="8rem"),
        rx.data_list.value(value, id=value_id),
    )


def profile() -> rx.Component:
    return section_frame(
        rx.vstack(
            rx.card(
                rx.data_list.root(
                    _field("Name", rx.cond(ProfileState.profile_name != "", ProfileState.profile_name, "—"),
                           "profile-name"),
                    _field("Email", rx.cond(ProfileState.profile_email != "", ProfileState.profile_email, "—"),
                           "profile-email"),
                    orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                ),
            ),
            rx.heading(ProfileState.orgs_heading, as_="h2", size="4", margin_top="0.5rem"),
            rx.cond(
                ProfileState.profile_orgs.length() > 0,
                rx.el.ul(
                    rx.foreach(ProfileState.profile_orgs, lambda name: rx.el.li(rx.text(name))),
                    id="profile-orgs", padding_left="1.25rem", margin="0",
                ),
                rx.text("You are not a member of any.", color_scheme="gray", id="profile-orgs-none"),
            ),
            spacing="3",
            align="stretch",
        ),
        ready=ProfileState.profile_loaded,
    )


def billing() -> rx.Component:
    return section_frame(
        rx.card(
            rx.data_list.root(
                _field("Billed to", BillingState.billed_name, "billed-name"),
                _field("Billing email",
                       rx.cond(BillingState.billed_email != "", BillingState.billed_email, "None on file"),
                       "billed-email"),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            ),
        ),
        ready=BillingState.billing_loaded,
    )
