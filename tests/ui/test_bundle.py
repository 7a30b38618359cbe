"""What every portal page downloads: only what that page shows.

- Not lucide's map of all icons: `rx.icon(<a Var>)` compiles to lucide's DynamicIcon, whose map
  names every icon (~1,500 lazy chunks, ~250 KB of script) and lands in the module every page
  imports, so each link took longer to show its first content (bench/link_to_content.py). Icons
  chosen at run time are written as `rx.cond(..., rx.icon("a"), rx.icon("b"))` instead.
- Every class the static-styles plugin put on an element has its rule in the served stylesheets.

Checked on the compiled sources by tests/ui/test_reflex_internals.py: each section page's own
module of memoized components, an app root that imports no component library whole, and static
styles out of Emotion.
"""

from __future__ import annotations

import pytest

from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import enter


def test_no_page_imports_the_map_of_every_icon(compiled_app):
    web = compiled_app.web
    compiled = [*(web / "app").rglob("*.jsx"), *(web / "app_components").rglob("*.jsx")]
    assert compiled, "the compile wrote no pages"
    offenders = [str(path.relative_to(web)) for path in compiled if "lucide-react/dynamic" in path.read_text()]
    assert offenders == []


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


@pytest.mark.browser
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
