"""The branded theme around every portal page: accent colour and appearance from the settings.

Until the session check fills PortalState, its neutral defaults apply (grey, system appearance),
so a page never shows another session's branding while it loads.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData
from reflex_base.style import format_as_emotion
from reflex_base.vars.base import LiteralVar
from reflex_components_core.el.elements.typography import Div

from portal_ui.ui.state.portal import PortalState


class DocumentLanguage(rx.Fragment):
    """Keeps `<html lang>` equal to the tab's language (screen readers pick their voice by it)."""

    def add_hooks(self) -> list:
        lang = PortalState.lang
        return [rx.Var(
            _js_expr=f"useEffect(() => {{ document.documentElement.lang = {lang!s}; }}, [{lang!s}])",
            _var_data=VarData.merge(lang._get_all_var_data(), VarData(imports={"react": ["useEffect"]})),
        )]


# Radix dialogs opened from state (no Dialog.Trigger) drop the focus on <body> when they close.
# Remember the last focused element outside any dialog, and give it the focus back when the last
# dialog has gone and nothing else took it (the section, when that element has gone too).
_FOCUS_RETURN = """useEffect(() => {
  const DIALOG = '[role=dialog],[role=alertdialog]';
  let last = null;
  let open = false;
  const remember = (event) => { if (event.target instanceof Element && !event.target.closest(DIALOG)) last = event.target; };
  const restore = () => {
    const active = document.activeElement;
    if (document.querySelector(DIALOG) || (active && active !== document.body)) return;
    const target = last && last.isConnected ? last : document.getElementById('section');
    if (target) target.focus();
  };
  const observer = new MutationObserver(() => {
    const now = document.querySelector(DIALOG) !== null;
    if (open && !now) setTimeout(restore, 0);
    open = now;
  });
  document.addEventListener('focusin', remember);
  observer.observe(document.body, { childList: true, subtree: true });
  return () => { document.removeEventListener('focusin', remember); observer.disconnect(); };
}, [])"""


class FocusReturn(rx.Fragment):
    """Puts the focus back where it was before a dialog opened, once the dialog closes."""

    def add_hooks(self) -> list:
        return [rx.Var(_js_expr=_FOCUS_RETURN, _var_data=VarData(imports={"react": ["useEffect"]}))]


class InlineStyledDiv(Div):
    """A <div> whose style goes to React's `style` attribute, not to Emotion.

    For a style that reads state (the branding's colours): Emotion would serialize, hash and insert
    a new rule whenever it changes, and re-serialize it on every render of the page's root.
    """

    def _get_style(self) -> dict:
        style = format_as_emotion(self.style)
        return {"style": LiteralVar.create(style)} if style else {}


def branded(*children: rx.Component) -> rx.Component:
    """A Radix theme with the nearest named accent, overridden on the solid steps by the exact colour.

    The appearance class ("light"/"dark", none for "system") sits on the theme element itself,
    so it wins over the root theme's class whatever the system preference is.
    """
    overrides = {
        "--accent-9": PortalState.accent_color,
        "--accent-10": f"color-mix(in oklab, {PortalState.accent_color} 88%, black)",
        "--accent-contrast": PortalState.accent_contrast,
        "--accent-indicator": PortalState.accent_color,
        "--accent-track": PortalState.accent_color,
    }
    return rx.theme(
        DocumentLanguage.create(),
        FocusReturn.create(),
        InlineStyledDiv.create(*children, style={**overrides, "min_height": "100vh"}, id="portal-root",
                               lang=PortalState.lang),
        accent_color=PortalState.radix_accent,
        class_name=PortalState.appearance_class,
        has_background=True,
    )
