"""The user's profile page (billing and API keys have their own modules; the organizations, data and
deletion cards are in account_lifecycle)."""

from __future__ import annotations

import reflex as rx

from portal_ui.domain.users import PROFILE_NAME_MAX
from portal_ui.ui.components import plain
from portal_ui.ui.components.forms import form_actions, text_field
from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.i18n import t
from portal_ui.ui.pages import account_lifecycle
from portal_ui.ui.pages.join_requests import join_suggestions
from portal_ui.ui.state import ProfileState
from portal_ui.ui.state.join_requests import JoinSuggestionsState


def _profile_form() -> rx.Component:
    common = dict(form="profile", errors=ProfileState.profile_errors, revision=ProfileState.profile_revision,
                  max_length=PROFILE_NAME_MAX)
    return rx.el.form(
        plain.heading(t("profile.your_name"), as_="h2", size=3, margin_bottom="0.25rem"),
        plain.text(t("shell.required_mark_note"), size=1, muted=True, as_="p", margin_bottom="1rem"),
        rx.el.div(
            text_field(name="given_name", label=t("profile.given_name"), value=ProfileState.profile_given,
                       required=True, auto_complete="given-name", **common),
            text_field(name="family_name", label=t("profile.family_name"), value=ProfileState.profile_family,
                       auto_complete="family-name", hint=t("profile.optional"), **common),
            # Two columns from Radix's `sm` (768px = 48em, the third step of Reflex's list).
            display="grid", grid_template_columns=["minmax(0, 1fr)", "minmax(0, 1fr)", "repeat(2, minmax(0, 1fr))"],
            gap="var(--space-4)", width="100%",
        ),
        form_actions(form="profile", saving=ProfileState.profile_saving, disabled=False,
                     on_discard=ProfileState.discard_profile, errors=ProfileState.profile_errors),
        on_submit=ProfileState.save_profile,
        reset_on_submit=False,
        no_validate=True,  # the server checks the names and explains each problem beside the field
        id="profile-form",
        aria_label=t("profile.your_name"),
    )


def _email() -> rx.Component:
    return plain.column(
        plain.heading(t("profile.email_address"), as_="h2", size=3),
        plain.text(rx.cond(ProfileState.profile_email != "", ProfileState.profile_email, t("profile.none_on_file")),
                   as_="p", id="profile-email", weight="medium", word_break="break-all"),
        plain.text(t("profile.email_note"), size=2, muted=True, as_="p", id="profile-email-note"),
        gap=2, align_items="start",
    )


def _activity() -> rx.Component:
    def line(item: rx.Var) -> rx.Component:
        return rx.el.li(
            plain.row(plain.text(item.what, weight="medium"), plain.text(item.place, size=2, muted=True),
                      gap=2, flex_wrap="wrap"),
            plain.row(rx.el.time(plain.text(item.when, size=1, muted=True), date_time=item.when_iso),
                      rx.cond(item.source != "", plain.text(item.source, size=1, muted=True, class_name="activity-source")),
                      gap=2, flex_wrap="wrap"),
            padding_y="0.4rem", border_bottom="1px solid var(--gray-a4)", class_name="activity-item",
        )

    return plain.column(
        plain.heading(t("audit.recent_activity"), as_="h2", size=3),
        rx.cond(
            ProfileState.profile_activity.length() > 0,
            rx.el.ul(rx.foreach(ProfileState.profile_activity, line), id="profile-activity", list_style="none",
                     padding="0", margin="0", width="100%"),
            plain.text(t("audit.recent_none"), muted=True, as_="p", id="profile-activity-none"),
        ),
        plain.text(t("audit.utc_note"), size=1, muted=True, as_="p"),
        gap=2, align_items="start",
    )


def profile() -> rx.Component:
    card_size = rx.breakpoints(initial="2", sm="3")
    return section_frame(
        plain.column(
            rx.card(_profile_form(), size=card_size),
            rx.card(_email(), size=card_size),
            rx.card(account_lifecycle.memberships(), size=card_size),
            rx.cond(JoinSuggestionsState.join_suggestions.length() > 0, rx.card(join_suggestions(), size=card_size)),
            rx.card(_activity(), size=card_size),
            rx.card(account_lifecycle.your_data(), size=card_size),
            rx.card(account_lifecycle.delete_account(), size=card_size),
            account_lifecycle.lifecycle_dialogs(),
            gap=4,
        ),
        ready=ProfileState.profile_loaded,
    )

