"""The API keys page, for both sections: the user's own keys and the organization's.

Controls that change keys are disabled in a read-only session (the handlers refuse anyway).
The reveal dialog is the only place a secret is ever shown; it is in the page only while open.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.vars.base import Var
from reflex_base.vars.function import FunctionVar

from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.i18n import t
from portal_ui.ui.state import ApiKeysState, PortalState
from portal_ui.ui.state.api_keys import REVEALED_SECRET, SHOWN

S = ApiKeysState
# Expiry choices: form value (the label is the catalogue message "api_keys.expiry.<value>").
EXPIRY_CHOICES = ("never", "30", "90", "365")
STATUS_COLOURS = {"active": "green", "expired": "orange", "revoked": "gray"}


# ---- the list -------------------------------------------------------------------------------

def _status_badge(status) -> rx.Component:
    colour = rx.match(status, *STATUS_COLOURS.items(), "gray")
    label = rx.match(status, *((key, t(f"api_keys.status.{key}")) for key in STATUS_COLOURS), status)
    return rx.badge(label, color_scheme=colour, variant="soft", class_name="key-status")


def _fact(label, *values) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"),
        *values,
        spacing="0", min_width="0",
    )


def _actions(row) -> rx.Component:
    return rx.hstack(
        rx.cond(row.can_rotate, rx.button(
            rx.icon("refresh-cw", size=14), t("api_keys.rotate"), size="2", variant="soft",
            disabled=PortalState.read_only, on_click=S.ask_confirm("rotate", row.id),
            aria_label=t("api_keys.rotate_label", name=row.name), class_name="key-rotate")),
        rx.cond(row.can_revoke, rx.button(
            rx.icon("ban", size=14), t("api_keys.revoke"), size="2", variant="soft", color_scheme="red",
            disabled=PortalState.read_only, on_click=S.ask_confirm("revoke", row.id),
            aria_label=t("api_keys.revoke_label", name=row.name), class_name="key-revoke")),
        spacing="2", flex_shrink="0",
    )


def _scopes(row) -> rx.Component:
    return rx.cond(
        row.scopes.length() > 0,
        rx.flex(rx.foreach(row.scopes, lambda scope: rx.badge(scope, variant="outline", color_scheme="gray")),
                wrap="wrap", spacing="1"),
        rx.text(t("api_keys.no_scopes"), size="2", color_scheme="gray"),
    )


def _key_card(row) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.vstack(
                        rx.hstack(rx.text(row.name, weight="bold", class_name="key-name", word_break="break-word"),
                                  _status_badge(row.status), spacing="2", align="center", wrap="wrap"),
                        rx.code(row.hint, variant="ghost", size="2", class_name="key-hint", word_break="break-all"),
                        spacing="1", min_width="0",
                    ),
                    _actions(row),
                    justify="between", align="start", spacing="3", wrap="wrap", width="100%",
                ),
                _fact(t("api_keys.scopes"), _scopes(row)),
                rx.grid(
                    _fact(t("api_keys.created"), rx.text(row.created_on, size="2"),
                          rx.text(t("api_keys.created_by", name=row.created_by), size="1", color_scheme="gray",
                                  class_name="key-creator")),
                    _fact(t("api_keys.last_used"), rx.text(row.last_used, size="2", class_name="key-last-used")),
                    _fact(t("api_keys.uses"), rx.text(row.uses, size="2", class_name="key-uses")),
                    _fact(t("api_keys.expires"), rx.text(row.expires, size="2")),
                    columns=rx.breakpoints(initial="2", sm="4"), spacing="3", width="100%",
                ),
                spacing="3", width="100%",
            ),
            opacity=rx.cond(row.status == "active", "1", "0.75"),
        ),
        data_key_id=row.id,
        class_name="api-key",
        list_style="none",
    )


def _key_list() -> rx.Component:
    return rx.el.ul(rx.foreach(S.key_rows, _key_card), id="api-key-list", aria_label=t("api_keys.list_label"),
                    margin="0", padding="0", display="flex", flex_direction="column", gap="var(--space-3)")


# ---- create ---------------------------------------------------------------------------------

def _scope_choice(scope) -> rx.Component:
    return rx.el.label(
        rx.flex(
            rx.checkbox(name="scope:" + scope["key"], margin_top="0.2rem"),
            rx.vstack(rx.code(scope["key"], size="2", variant="ghost"),
                      rx.text(scope["description"], size="1", color_scheme="gray"), spacing="0"),
            spacing="2", align="start",
        ),
        cursor="pointer",
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(
                rx.text(t("api_keys.name"), size="2", weight="medium"),
                rx.input(name="name", id="key-name", required=True, max_length=255, auto_focus=True,
                         placeholder=t("api_keys.name_placeholder"), margin_top="0.25rem"),
                width="100%",
            ),
            rx.el.fieldset(
                rx.el.legend(rx.text(t("api_keys.scopes"), size="2", weight="medium")),
                rx.cond(
                    S.scope_options.length() > 0,
                    rx.vstack(rx.foreach(S.scope_options, _scope_choice), spacing="2", margin_top="0.35rem"),
                    rx.text(t("api_keys.no_scopes_defined"), size="2", color_scheme="gray"),
                ),
                border="none", padding="0", margin="0",
            ),
            rx.vstack(
                rx.el.label(rx.text(t("api_keys.expires"), size="2", weight="medium"), html_for="key-expiry"),
                rx.select.root(
                    rx.select.trigger(id="key-expiry", width="100%"),
                    rx.select.content(*(rx.select.item(t(f"api_keys.expiry.{value}"), value=value)
                                        for value in EXPIRY_CHOICES)),
                    name="expiry", default_value="never",
                ),
                spacing="1", width="100%",
            ),
            rx.cond(S.create_error != "",
                    rx.callout(S.create_error, icon="triangle-alert", color_scheme="red", id="create-error",
                               width="100%")),
            rx.flex(
                rx.dialog.close(rx.button(t("api_keys.cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(t("api_keys.create_submit"), type="submit", loading=S.creating, id="create-submit"),
                justify="end", spacing="3", width="100%", margin_top="0.5rem",
            ),
            spacing="4", align="stretch",
        ),
        on_submit=S.create_key(S.keys_section),
        id="create-form",
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("api_keys.create_title")),
            rx.dialog.description(t("api_keys.create_description"),
                                  size="2", color_scheme="gray", margin_bottom="1rem"),
            _create_form(),
            max_width="30rem", id="create-dialog",
        ),
        open=S.create_open,
        on_open_change=S.create_open_change,
    )


# ---- rotate / revoke ------------------------------------------------------------------------

def _confirm_dialog() -> rx.Component:
    rotating = S.confirm_action == "rotate"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(rotating, t("api_keys.rotate_title"), t("api_keys.revoke_title"))),
            rx.alert_dialog.description(
                rx.cond(
                    rotating,
                    t("api_keys.rotate_text", name=S.confirm_name),
                    t("api_keys.revoke_text", name=S.confirm_name),
                ),
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(t("api_keys.cancel"), variant="soft", color_scheme="gray",
                                                 disabled=S.confirm_busy)),
                rx.cond(
                    rotating,
                    rx.button(t("api_keys.rotate_key"), loading=S.confirm_busy, id="confirm-rotate",
                              on_click=S.rotate_key(S.keys_section, S.confirm_id)),
                    rx.button(t("api_keys.revoke_key"), color_scheme="red", loading=S.confirm_busy, id="confirm-revoke",
                              on_click=S.revoke_key(S.keys_section, S.confirm_id)),
                ),
                justify="end", spacing="3", margin_top="1rem",
            ),
            max_width="28rem", id="confirm-dialog",
        ),
        open=S.confirm_action != "",
        on_open_change=S.confirm_open_change,
    )


# ---- the one-time reveal --------------------------------------------------------------------

def _copy_secret():
    """Write the secret to the clipboard in the browser; the handler hears only whether it worked.

    Like rx.set_clipboard, plus the promise's outcome (false when the browser refuses or has
    no clipboard API, e.g. plain http on a host other than localhost).
    """
    write = Var("navigator").to(dict).clipboard.to(dict).writeText.to(FunctionVar).call(REVEALED_SECRET.value)
    outcome = write.to(dict).then.to(FunctionVar).call(Var("() => true"), Var("() => false"))
    return rx.run_script(Var(f"({outcome!s} ?? false)", _var_data=outcome._get_all_var_data()),
                         callback=S.copy_finished)


def _reveal_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.reveal_title),
            rx.alert_dialog.description(t("api_keys.reveal_description"), size="2"),
            rx.callout(
                t("api_keys.reveal_warning"),
                icon="triangle-alert", color_scheme="amber", margin_y="1rem", id="reveal-warning",
            ),
            rx.box(
                rx.code(REVEALED_SECRET.value, id="revealed-secret", size="3", variant="ghost",
                        word_break="break-all", white_space="normal"),
                padding="0.75rem", border_radius="var(--radius-3)", background_color="var(--gray-a3)",
                border="1px solid var(--gray-a5)",
            ),
            rx.hstack(
                rx.button(
                    rx.cond(S.secret_copied, rx.icon("check", size=16), rx.icon("copy", size=16)),
                    rx.cond(S.secret_copied, t("api_keys.copied"), t("api_keys.copy")),
                    variant="soft", id="copy-secret", type="button",
                    on_click=_copy_secret(),
                ),
                rx.box(
                    rx.cond(S.secret_copied,
                            rx.text(t("api_keys.copied_note"), size="2", color_scheme="green", id="copied-note")),
                    role="status", aria_live="polite",
                ),
                align="center", spacing="3", margin_top="0.75rem",
            ),
            rx.flex(
                rx.button(t("api_keys.done"), id="reveal-done", on_click=S.close_reveal),
                justify="end", margin_top="1.25rem",
            ),
            max_width="32rem", id="reveal-dialog",
        ),
        open=REVEALED_SECRET.value != "",
        on_open_change=S.reveal_open_change,
    )


# ---- the page -------------------------------------------------------------------------------

def api_keys() -> rx.Component:
    return section_frame(
        rx.vstack(
            rx.flex(
                rx.text(t("api_keys.intro"), size="2", color_scheme="gray", flex="1", min_width="14rem"),
                rx.button(rx.icon("plus", size=16), t("api_keys.create_api_key"), on_click=S.open_create,
                          disabled=PortalState.read_only, id="create-key"),
                justify="between", align="center", spacing="3", wrap="wrap",
            ),
            rx.cond(
                S.key_rows.length() > 0,
                _key_list(),
                rx.text(t("api_keys.none"), color_scheme="gray", id="api-keys-none"),
            ),
            rx.cond(S.keys_more, rx.text(t("api_keys.newest_shown", count=SHOWN), size="2", color_scheme="gray")),
            _create_dialog(),
            _confirm_dialog(),
            _reveal_dialog(),
            spacing="4", align="stretch", width="100%",
        ),
        ready=S.keys_loaded,
    )
