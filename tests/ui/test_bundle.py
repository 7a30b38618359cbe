"""What every portal page downloads: only what that page shows.

- Not lucide's map of all icons: `rx.icon(<a Var>)` compiles to lucide's DynamicIcon, whose map
  names every icon (~1,500 lazy chunks, ~250 KB of script) and lands in the module every page
  imports, so each link took longer to show its first content (bench/link_to_content.py). Icons
  chosen at run time are written as `rx.cond(..., rx.icon("a"), rx.icon("b"))` instead.
- Not the other sections' components: each section page has its own module of memoized
  components (`portal_page` names one per section), so the profile does not load, say, the logo
  upload of the organization details.
- Not every Radix Themes component: the app root does not import the library's whole namespace
  for dynamic components (`LeanBundlePlugin`), the portal has none.
"""

from __future__ import annotations

import pytest

from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.conftest import ROOT
from tests.ui.helpers import enter

pytestmark = pytest.mark.browser


def test_no_page_imports_the_map_of_every_icon(portal):
    compiled = [*(ROOT / ".web" / "app").rglob("*.jsx"), *(ROOT / ".web" / "app_components").rglob("*.jsx")]
    assert compiled, "the portal fixture builds the app into .web/"
    offenders = [str(path.relative_to(ROOT)) for path in compiled if "lucide-react/dynamic" in path.read_text()]
    assert offenders == []


def test_each_section_page_has_its_own_components_module(portal):
    modules = ROOT / ".web" / "app_components" / "portal_ui" / "ui" / "page_modules"
    profile = (modules / "profile.jsx").read_text()
    details = (modules / "organization_details.jsx").read_text()
    assert "profile-given_name" in profile and "profile-given_name" not in details
    assert "react-dropzone" in details, "the logo upload moved: pick another section-only library"
    assert "react-dropzone" not in profile
    shared = ROOT / ".web" / "app_components" / "portal_ui" / "ui" / "components" / "layout.jsx"
    assert not shared.exists(), "the sections' components went back into one module shared by every page"


def test_the_app_root_does_not_import_all_of_radix_themes(portal):
    root = (ROOT / ".web" / "app" / "root.jsx").read_text()
    assert 'import {Theme as RadixThemesTheme} from "@radix-ui/themes"' in root  # what it does need
    assert "* as radix_ui_themes" not in root
    assert 'import("@radix-ui/themes")' not in root


# Every class the static-styles plugin put on an element must have its rule in the page's
# stylesheets: a class without a rule is a component that silently lost its layout.
RULELESS_CLASSES = """() => {
  const defined = new Set();
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule.selectorText) for (const m of rule.selectorText.matchAll(/\\.(rxs-[0-9a-f]+)/g)) defined.add(m[1]);
      if (rule.cssRules) walk(rule.cssRules);
    }
  };
  for (const sheet of document.styleSheets) walk(sheet.cssRules);
  const used = new Set();
  for (const el of document.querySelectorAll('[class*="rxs-"]'))
    for (const c of el.classList) if (c.startsWith('rxs-')) used.add(c);
  return {used: used.size, missing: [...used].filter((c) => !defined.has(c))};
}"""


def test_every_static_style_class_has_its_rule(page, portal):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "profile"))
    paths = page.locator("#nav-desktop a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(paths) >= 9, paths
    for path in paths:
        page.goto(f"{portal.url}{path}")
        page.locator("#section-title").wait_for()
        page.locator("#content-loading").wait_for(state="detached")
        found = page.evaluate(RULELESS_CLASSES)
        assert found["used"] > 10, f"{path}: the static-styles plugin styled almost nothing ({found})"
        assert found["missing"] == [], f"{path}: classes without rules {found['missing']}"


def test_static_layout_styles_leave_emotion(portal):
    """The profile page's shell and section styles are compiled; only state-dependent ones stay inline."""
    page_module = ROOT / ".web" / "app" / "routes" / "[profile]._index.jsx"
    source = page_module.read_text()
    assert "rxs-" in source
    assert source.count("css:") <= 5, "literal-only styles went back to Emotion"
