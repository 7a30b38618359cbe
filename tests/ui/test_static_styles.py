"""portal_ui/reflex_internals/static_styles.py: literal-only styles become classes with the CSS Emotion would write."""

from __future__ import annotations

import inspect

import reflex as rx

from portal_ui.ui.state.portal import PortalState
from portal_ui.reflex_internals.static_styles import StaticStylesPlugin, to_css


def _enter(plugin, comp, **kwargs):
    """Enter `comp` as a page's root: the plugin compiles its tree in place."""
    assert plugin.enter_component(comp, page_context=object(), compile_context=None, **kwargs) is None
    return comp


def test_declarations_units_and_custom_properties():
    css = to_css({"width": "100%", "zIndex": 10, "marginTop": 4, "opacity": 0.5, "padding": 0,
                  "--accent-9": "#123456", "WebkitLineClamp": 2}, ".c")
    assert css == ".c{width:100%;z-index:10;margin-top:4px;opacity:0.5;padding:0;--accent-9:#123456;-webkit-line-clamp:2}"


def test_pseudo_classes_descendants_and_media_queries_keep_their_order():
    css = to_css({"color": "red", "&:hover": {"color": "blue"}, "svg, span": {"flex": "none"},
                  "@media screen and (min-width: 30em)": {"display": "none", "&:focus": {"outline": "none"}},
                  "width": "1rem"}, ".c")
    assert css == (".c{color:red}.c:hover{color:blue}.c svg,.c span{flex:none}"
                   "@media screen and (min-width: 30em){.c{display:none}.c:focus{outline:none}}.c{width:1rem}")


def test_a_literal_style_becomes_a_class_and_leaves_the_component():
    plugin = StaticStylesPlugin()
    box = rx.box(rx.text("x", margin_top="1rem"), width="100%", padding=["1rem", "2rem"], _hover={"color": "red"},
                  class_name="mine")
    out = _enter(plugin, box)
    assert not out.style and not out.children[0].style, "descendants are compiled too"
    assert out.children[0].class_name.startswith("rxs-")
    own, generated = out.class_name.split()
    assert own == "mine" and generated.startswith("rxs-")
    sheet = plugin.stylesheet()
    assert f".{generated}{{width:100%}}" in sheet
    assert f"@media screen and (min-width: 30em){{.{generated}{{padding:2rem}}}}" in sheet
    assert f".{generated}:hover{{color:red}}" in sheet
    # The same style on another component shares the class and the rule.
    again = _enter(plugin, rx.box("y", width="100%", padding=["1rem", "2rem"], _hover={"color": "red"}))
    assert again.class_name == generated
    assert plugin.stylesheet().count(f".{generated}{{width:100%}}") == 1


def test_styles_that_read_state_stay_with_emotion_whole():
    plugin = StaticStylesPlugin()
    box = rx.box("x", width="100%", color=PortalState.accent_color)
    assert _enter(plugin, box).style and not box.class_name
    assert plugin.stylesheet().strip() == ""


def test_a_class_name_from_state_keeps_the_style_inline():
    plugin = StaticStylesPlugin()
    assert _enter(plugin, rx.box("x", width="100%", class_name=PortalState.appearance_class)).style


def test_a_type_level_style_keeps_the_component_with_emotion():
    """rx.center's own display:flex is merged later by Reflex; a user's display must still win."""
    plugin = StaticStylesPlugin()
    assert _enter(plugin, rx.center("x", display="none")).style
    assert plugin.stylesheet().strip() == ""


def test_foreach_rows_are_compiled_when_they_are_built():
    plugin = StaticStylesPlugin()
    rows = rx.foreach(PortalState.account_nav, lambda item: rx.el.li(item["title"], padding_y="0.2rem"))
    _enter(plugin, rx.el.ul(rows))
    row = rows.render_fn(PortalState.account_nav[0])
    assert not row.style and row.class_name.startswith("rxs-")
    # Reflex names a one-argument render function's index after its bytecode: unchanged.
    assert rows.render_fn.__code__ is not None and list(inspect.signature(rows.render_fn).parameters) == ["item"]


def test_literals_that_could_break_out_of_a_rule_stay_with_emotion():
    plugin = StaticStylesPlugin()
    assert _enter(plugin, rx.box("x", width="1px}body{display:none")).style
    assert _enter(plugin, rx.box("x", content="'a;b'")).style
    assert plugin.stylesheet().strip() == ""


def test_the_stylesheet_is_imported_after_radix_themes():
    from rxconfig import config

    names = [type(plugin).__name__ for plugin in config.plugins]
    assert names.index("StaticStylesPlugin") > names.index("RadixThemesPlugin")
