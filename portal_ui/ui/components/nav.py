"""Navigation: only the sections this session may see, in two groups.

"Your account" holds the user sections; a second group, titled with the organization alias,
holds the organization sections. The lists come from PortalState, which the domain filled.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData

from portal_ui.ui.components import plain
from portal_ui.ui.state.portal import PortalState
from portal_ui.ui.i18n import t


# One click handler for every section link on the page: a plain left click becomes React Router's
# client-side navigation, as a <Link> would make it. A <Link> per item (22 of them, the phone menu
# repeats the list) was most of the navigation's render time when a link's data arrived. Clicks
# with a modifier (new tab, new window) and anything before the page is live stay the browser's.
_CLIENT_NAVIGATION = """const portalNavigate = useNavigate();
useEffect(() => {
  const onClick = (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest('a[data-section]') : null;
    if (!link || link.target || link.origin !== window.location.origin) return;
    event.preventDefault();
    portalNavigate(link.pathname + link.search + link.hash);
  };
  document.addEventListener('click', onClick);
  return () => document.removeEventListener('click', onClick);
}, [portalNavigate])"""


class ClientNavigation(rx.Fragment):
    """Makes the section links navigate inside the page (see _CLIENT_NAVIGATION)."""

    def add_hooks(self) -> list:
        return [rx.Var(_js_expr=_CLIENT_NAVIGATION,
                       _var_data=VarData(imports={"react": ["useEffect"], "react-router": ["useNavigate"]}))]


def nav_link(item: rx.Var) -> rx.Component:
    active = item["key"] == PortalState.section_key
    return rx.el.a(
        item["title"],
        href=item["path"],
        aria_current=rx.cond(active, "page", "false"),
        data_section=item["key"],
        display="block",
        padding_x="0.75rem",
        padding_y="0.4rem",
        border_radius="var(--radius-2)",
        text_decoration="none",
        class_name="rt-Text rt-r-size-3",
        # The current section by its aria-current, so the style holds only literals (compiled
        # once into the static stylesheet, not recomputed for every link on every update).
        color="var(--gray-12)",
        background_color="transparent",
        style={"&[aria-current='page']": {"color": "var(--accent-11)", "background_color": "var(--accent-a3)",
                                          "font_weight": "var(--font-weight-medium)"}},
        _hover={"background_color": "var(--gray-a3)"},
    )


def nav_group(title, items, group_id: str) -> rx.Component:
    return rx.el.div(
        plain.text(title, size=1, weight="bold", muted=True, as_="div", padding_x="0.75rem",
                   text_transform="uppercase", letter_spacing="0.04em", class_name="nav-group-title"),
        plain.column(rx.foreach(items, nav_link), gap=1, margin_top="0.35rem"),
        data_group=group_id,
        class_name="nav-group",
    )


def nav_groups() -> rx.Component:
    return plain.column(
        rx.cond(PortalState.account_nav.length() > 0, nav_group(PortalState.account_group, PortalState.account_nav, "account")),
        rx.cond(PortalState.org_nav.length() > 0, nav_group(PortalState.org_group, PortalState.org_nav, "organization")),
        gap=5,
        width="100%",
    )


def sidebar() -> rx.Component:
    """Desktop and tablet: a column beside the content."""
    return rx.el.nav(
        ClientNavigation.create(),
        nav_groups(),
        id="nav-desktop",
        aria_label=t("shell.sections"),
        width="15rem",
        flex_shrink="0",
        padding_y="1.5rem",
        padding_x="0.75rem",
        border_right="1px solid var(--gray-a5)",
        display=["none", "none", "block"],
    )


def mobile_menu() -> rx.Component:
    """Phones: the same navigation, folded into a native disclosure above the content."""
    return rx.el.details(
        rx.el.summary(
            plain.row(rx.icon("menu", size=18), plain.text(t("shell.menu"), weight="medium"),
                      plain.text("·", muted=True), plain.text(PortalState.section_title, muted=True),
                      gap=2),
            cursor="pointer", padding="0.75rem 1rem", list_style="none",
        ),
        rx.el.nav(nav_groups(), aria_label=t("shell.sections_menu"), padding="0 0.25rem 1rem"),
        id="nav-mobile",
        border_bottom="1px solid var(--gray-a5)",
        display=["block", "block", "none"],
    )
