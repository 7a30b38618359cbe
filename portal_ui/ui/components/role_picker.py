"""Roles on the members page: the checkboxes of the invite and change-roles forms, and badges.

Each ticked checkbox submits `role_<role id>` with its form. A role the member may not grant is
shown, disabled, with the reason; the server ignores such fields anyway (member_views).
"""

from __future__ import annotations

import reflex as rx
from reflex_components_radix.themes.components.checkbox import Checkbox

from portal_ui.ui.i18n import t


def _role_option(role: rx.Var) -> rx.Component:
    return rx.el.label(
        Checkbox.create(name="role_" + role.id, default_checked=role.selected, disabled=~role.grantable,
                        margin_top="0.2rem", flex_shrink="0"),
        rx.box(
            rx.flex(
                rx.text(role.name, size="2", weight="medium"),
                rx.cond(role.default, rx.badge(t("members.given_to_new_members"), size="1", variant="soft")),
                rx.cond(~role.grantable, rx.badge(t("members.cannot_grant"), size="1", color_scheme="gray")),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.text(role.description, size="1", color_scheme="gray"),
            min_width="0",
        ),
        display="flex", gap="0.6rem", align_items="start", width="100%", padding="0.6rem 0.75rem",
        border="1px solid var(--gray-a5)", border_radius="var(--radius-3)",
        cursor=rx.cond(role.grantable, "pointer", "not-allowed"),
        opacity=rx.cond(role.grantable, "1", "0.65"),
        data_role=role.name,
        class_name="role-option",
    )


def role_picker(roles: rx.Var, legend: rx.Var | str) -> rx.Component:
    """A fieldset of one checkbox per role in `roles` (a list of RoleChoice), headed by `legend`."""
    return rx.el.fieldset(
        rx.el.legend(rx.text(legend, size="2", weight="medium"), margin_bottom="0.4rem", padding="0"),
        rx.vstack(rx.foreach(roles, _role_option), spacing="2", width="100%"),
        border="none", padding="0", margin="0", min_width="0",
    )


def role_badges(roles: rx.Var, **props) -> rx.Component:
    """One badge per role name in `roles`, or "No role"."""
    return rx.cond(
        roles.length() > 0,
        rx.flex(rx.foreach(roles, lambda name: rx.badge(name, variant="soft", color_scheme="gray")),
                spacing="1", wrap="wrap", **props),
        rx.text(t("members.no_role"), size="2", color_scheme="gray", **props),
    )
