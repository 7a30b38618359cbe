"""Static component styles compiled into one stylesheet instead of Emotion at run time.

Reflex turns every component's style props into an Emotion `css` prop: in the browser, on every
render, Emotion serializes the object, hashes it and inserts a rule. On the portal's pages that
was the largest single cost between the data arriving and the section showing: stubbing Emotion
out took 13 % off link to first content (bench/link_to_content.py, README "Performance"). Most
of those styles never change: they hold only literals. This compiler plugin gives each such style a class named after its content, writes
the rules into `.web/styles/portal_static.css` (imported right after Radix Themes, where
Emotion's rules also land, so the cascade is the same) and drops the `css` prop. A style that
reads any state var stays with Emotion, whole: splitting it could reorder longhands and
shorthands between two rules.

`rx.foreach` builds its rows by calling its render function again when the page is written, so
the rows never pass the compiler's component walk: the plugin wraps that function instead, and
the rows it returns get the same treatment.

Reflex 0.10.1 assumptions: the compiler calls a plugin's `enter_component(comp, page_context=...,
compile_context=..., in_prop_tree=...)` for each page root, in `HookOrder.PRE` before the memoize
plugin; `Component.style`, `class_name`, `children` and `_add_style()`; `Foreach.render_fn`, read
through `inspect.signature` and `__code__`; `format_as_emotion` in `reflex_base.style`; a plugin's
`get_stylesheet_paths()` lands in `.web/styles/__reflex_global_styles.css` after Radix Themes'
`@import`, and `get_static_assets()` paths are relative to `.web/`.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

from reflex_base.components.component import BaseComponent, Component
from reflex_base.plugins.base import HookOrder, Plugin
from reflex_base.style import Breakpoints, format_as_emotion
from reflex_base.vars.base import LiteralVar, Var
from reflex_components_core.core.foreach import Foreach

STYLESHEET = "portal_static.css"
CLASS_PREFIX = "rxs-"

# Properties Emotion leaves without a unit when given a number (@emotion/unitless 0.10).
UNITLESS = frozenset({
    "animationIterationCount", "aspectRatio", "borderImageOutset", "borderImageSlice", "borderImageWidth",
    "boxFlex", "boxFlexGroup", "boxOrdinalGroup", "columnCount", "columns", "flex", "flexGrow",
    "flexPositive", "flexShrink", "flexNegative", "flexOrder", "gridRow", "gridRowEnd", "gridRowSpan",
    "gridRowStart", "gridColumn", "gridColumnEnd", "gridColumnSpan", "gridColumnStart", "msGridRow",
    "msGridRowSpan", "msGridColumn", "msGridColumnSpan", "fontWeight", "lineHeight", "opacity", "order",
    "orphans", "scale", "tabSize", "widows", "zIndex", "zoom", "WebkitLineClamp", "fillOpacity",
    "floodOpacity", "stopOpacity", "strokeDasharray", "strokeDashoffset", "strokeMiterlimit",
    "strokeOpacity", "strokeWidth",
})
# A literal that could close a rule or a declaration early stays with Emotion.
_UNSAFE = re.compile(r"[{};<>\\]")


class NotStatic(Exception):
    """The style reads a var, or holds something this compiler does not write as CSS."""


def _literal(value: Any) -> Any:
    """The Python value of a literal (str, int, float), or NotStatic."""
    if isinstance(value, Var):
        if not isinstance(value, LiteralVar) or value._get_all_var_data() is not None:
            raise NotStatic
        value = value._var_value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise NotStatic
    if isinstance(value, str) and _UNSAFE.search(value):
        raise NotStatic
    return value


def _plain(style: Mapping[str, Any]) -> dict[str, Any]:
    """Emotion's object for `style` with every leaf a plain literal; NotStatic if it reads a var."""
    if isinstance(style, Var):
        raise NotStatic
    emotion = format_as_emotion(dict(style))
    if emotion is None:
        return {}

    def unwrap(obj: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str) or _UNSAFE.search(key):
                raise NotStatic
            if isinstance(value, (Breakpoints, list, tuple)):
                raise NotStatic  # format_as_emotion expands these; one left over is unexpected
            out[key] = unwrap(value) if isinstance(value, Mapping) else _literal(value)
        return out

    return unwrap(emotion)


def _property(key: str) -> str:
    if key.startswith("--"):
        return key
    name = re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), key)
    return "-" + name if name.startswith(("webkit-", "moz-", "ms-", "o-")) else name


def _value(key: str, value: Any) -> str:
    if isinstance(value, (int, float)) and value != 0 and not key.startswith("--") and key not in UNITLESS:
        return f"{value}px"
    return str(value)


def _selector(key: str, parent: str) -> str:
    """A nested key as Emotion reads it: `&` is the parent; without one, a descendant."""
    parts = [part.strip() for part in key.split(",")]
    return ",".join(part.replace("&", parent) if "&" in part else f"{parent} {part}" for part in parts)


def to_css(style: Mapping[str, Any], selector: str) -> str:
    """CSS for an Emotion object under `selector`, in source order (as Emotion's stylis writes it)."""
    out: list[str] = []
    declarations: list[str] = []

    def flush() -> None:
        if declarations:
            out.append(f"{selector}{{{';'.join(declarations)}}}")
            declarations.clear()

    for key, value in style.items():
        if isinstance(value, Mapping):
            flush()
            if key.startswith("@"):
                out.append(f"{key}{{{to_css(value, selector)}}}")
            else:
                out.append(to_css(value, _selector(key, selector)))
        else:
            declarations.append(f"{_property(key)}:{_value(key, value)}")
    flush()
    return "".join(out)


def _class_names(class_name: Any) -> list[str]:
    """The component's own class names as strings; NotStatic when they come from state."""
    if class_name is None:
        return []
    if isinstance(class_name, Var):
        value = _literal(class_name)
        return str(value).split()
    if isinstance(class_name, str):
        return class_name.split()
    raise NotStatic


class _StyledRows:
    """A foreach render function whose rows come back with their literal styles compiled.

    Reflex reads the function's parameters (`inspect.signature`) and, for one parameter, names
    the index variable after its bytecode (`__code__`): both are the wrapped function's.
    """

    def __init__(self, render_fn: Any, plugin: "StaticStylesPlugin") -> None:
        self.render_fn = render_fn
        self.plugin = plugin
        self.__signature__ = inspect.signature(render_fn)
        self.__name__ = getattr(render_fn, "__name__", "render_fn")
        self.__qualname__ = getattr(render_fn, "__qualname__", self.__name__)

    @property
    def __code__(self) -> Any:  # noqa: PLW3201 - Reflex hashes this
        return getattr(self.render_fn, "__code__", None)

    def __call__(self, *args: Any) -> Any:
        rows = self.render_fn(*args)
        self.plugin.compile_tree(rows)
        return rows


class StaticStylesPlugin(Plugin):
    """Compiles literal-only component styles to classes in `.web/styles/portal_static.css`."""

    # Before the memoize plugin seals stateful subtrees (foreach rows, components with events)
    # into memo components that the walk never enters: each page's tree is compiled in place
    # from its root. Components with a type-level style (`_add_style`, merged later by Reflex's
    # style plugin) keep Emotion, so their own style still overrides the type's as before.
    _compiler_enter_component_order: ClassVar[HookOrder] = HookOrder.PRE

    def __init__(self) -> None:
        self._rules: dict[str, str] = {}
        self._page: Any = None
        self._seen: set[int] = set()

    def class_for(self, style: Mapping[str, Any]) -> str | None:
        """The class holding `style`, its rule recorded; None when the style must stay dynamic."""
        try:
            plain = _plain(style)
        except NotStatic:
            return None
        if not plain:
            return None
        digest = hashlib.sha256(json.dumps(plain, separators=(",", ":")).encode()).hexdigest()[:10]
        name = CLASS_PREFIX + digest
        self._rules.setdefault(name, to_css(plain, "." + name))
        return name

    def _compile(self, comp: Component) -> None:
        if isinstance(comp, Foreach) and not isinstance(comp.render_fn, _StyledRows):
            comp.render_fn = _StyledRows(comp.render_fn, self)
        if not comp.style or comp._add_style():
            return
        try:
            own_classes = _class_names(comp.class_name)
        except NotStatic:
            return
        name = self.class_for(comp.style)
        if name is not None:
            comp.style = type(comp.style)()
            comp.class_name = " ".join([*own_classes, name])

    def compile_tree(self, comp: Any, seen: set[int] | None = None) -> None:
        """Compile `comp` and its descendants in place, skipping the ids in `seen`.

        In place, not on page-local clones: the result depends only on the style, so a component
        shared by several pages gets the same class on each. A page walk passes its own `seen`
        (it enters every node after its ancestors compiled it); foreach rows are built fresh and
        get a new one.
        """
        if seen is None:
            seen = set()
        if not isinstance(comp, Component) or id(comp) in seen:
            return
        seen.add(id(comp))
        self._compile(comp)
        for child in comp.children:
            self.compile_tree(child, seen)

    def enter_component(self, comp: BaseComponent, /, *, page_context: Any, compile_context: Any,
                        in_prop_tree: bool = False) -> BaseComponent | None:
        if page_context is not self._page:  # a new page: ids seen on the last one may be reused
            self._page, self._seen = page_context, set()
        self.compile_tree(comp, self._seen)
        return None

    def stylesheet(self) -> str:
        return "\n".join(self._rules[name] for name in sorted(self._rules)) + "\n"

    def get_stylesheet_paths(self, **context: Any) -> Sequence[str]:
        return (f"./{STYLESHEET}",)

    def get_static_assets(self, **context: Any) -> Sequence[tuple[Path, str | bytes]]:
        return [(Path("styles") / STYLESHEET, self.stylesheet())]
