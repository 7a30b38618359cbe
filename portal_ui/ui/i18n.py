"""Catalogue messages in components: `t("shell.exit")` is the text in the tab's language.

The tab's language is `PortalState.lang`, chosen by the server from the browser's
Accept-Language (or PORTAL_DEFAULT_LANGUAGE). `t` compiles every catalogue's version of one message
into the page, picked by that var, so the state carries only the two-letter code. Placeholders
take state vars: `t("shell.page_of", page=MembersState.page, pages=MembersState.pages)`.

Messages that name the organization need the session's alias, which only the server knows: the
state sets those with `PortalState._t`, and `t` refuses them (at compile time) so none slips by.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal_ui import i18n


def t(key: str, /, **values: Any) -> rx.Var:
    """The message `key` in the tab's language, placeholders filled with `values` (vars or plain)."""
    from portal_ui.ui.state.portal import PortalState  # the state imports components' modules

    english = i18n.message(i18n.FALLBACK, key)
    if i18n.mentions_organization(english):
        raise ValueError(f"{key} names the organization: set it from the state with _t(), which applies the alias")
    result: Any = rx.Var.create(english.format(**values) if values else english)
    for lang in reversed(i18n.languages()[1:]):
        own = i18n.catalogue(lang).get(key)
        if own is None or own == english:
            continue
        result = rx.cond(PortalState.lang == lang, own.format(**values) if values else own, result)
    return result
