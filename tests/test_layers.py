"""The layers import one way only (README, Layout): the domain rules know nothing of Reflex or of the
HTTP and UI layers; the settings and the UI do not reach into the HTTP layer; the HTTP layer does
not reach into the UI; reflex_internals/ (what relies on Reflex beyond its documented API) serves
both and imports neither. Only the app root, portal_ui/portal_ui.py, puts the layers together.

Every module under portal_ui/ is parsed, imports inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "portal_ui"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in the file, relative imports resolved. For
    `from a import b` both `a` and `a.b` count (b may be a submodule)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _modules(folder: str = "") -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _is(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _violations(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(PACKAGE.parent)} imports {module}"
            for path in paths for module in sorted(imports_of(path))
            if any(_is(module, prefix) for prefix in forbidden)]


RULES = {
    "domain": (_modules("domain"), ("reflex", "reflex_base", "portal_ui.api", "portal_ui.ui",
                                    "portal_ui.reflex_internals")),
    # Webhooks are domain rules too (the audit log writes their outbox): plain Python.
    "webhooks": (_modules("webhooks"), ("reflex", "reflex_base", "portal_ui.api", "portal_ui.ui",
                                        "portal_ui.reflex_internals")),
    "settings": ([PACKAGE / "settings.py"], ("portal_ui.api",)),
    "ui": (_modules("ui"), ("portal_ui.api",)),
    "api": (_modules("api"), ("portal_ui.ui",)),
    # What relies on Reflex's internals serves both the HTTP layer and the UI, so it needs neither.
    "reflex_internals": (_modules("reflex_internals"), ("portal_ui.api", "portal_ui.ui")),
}


@pytest.mark.parametrize("layer", list(RULES))
def test_no_module_imports_against_the_layering(layer):
    paths, forbidden = RULES[layer]
    assert paths, f"no modules found for {layer}"
    assert _violations(paths, forbidden) == []


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    """The check itself: a wrong-way import hidden in a function, or written relatively, is found."""
    fake = tmp_path / "portal_ui"
    (fake / "domain").mkdir(parents=True)
    module = fake / "domain" / "sneaky.py"
    module.write_text("def f():\n    from ..api import throttle\n    import reflex as rx\n")
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    found = _violations([module], ("reflex", "portal_ui.api"))
    assert found == ["portal_ui/domain/sneaky.py imports portal_ui.api",
                     "portal_ui/domain/sneaky.py imports portal_ui.api.throttle",
                     "portal_ui/domain/sneaky.py imports reflex"]


def test_the_app_root_is_where_the_layers_meet():
    """portal_ui/portal_ui.py may import both (it mounts the API on the Reflex app)."""
    root = imports_of(PACKAGE / "portal_ui.py")
    assert any(_is(m, "portal_ui.api") for m in root) and any(_is(m, "reflex") for m in root)
