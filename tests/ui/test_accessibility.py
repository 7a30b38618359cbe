"""Accessibility: axe-core finds no serious or critical violation on any section, for every demo
persona, in light and dark appearance (the demo's branding follows the system appearance)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from portal_ui.demo.personas import PERSONAS
from tests.ui.helpers import artifact_path, enter

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def _violations(page) -> list[dict]:
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def _describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']}: {v['id']}: {v['help']} -> "
                     f"{[n['target'] for n in v['nodes'][:3]]}" for v in violations)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.user_id)
def test_no_serious_violations_on_any_section(browser: Browser, portal, request, persona, scheme):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs axe-core from npm")
    context = browser.new_context(color_scheme=scheme, bypass_csp=True)
    try:
        page = context.new_page()
        enter(page, portal.link(persona.user_id, persona.org_code, "profile"))
        paths = page.eval_on_selector_all("#nav-desktop a[href^='/']", "links => [...new Set(links.map(a => a.getAttribute('href')))]")
        assert paths, "no navigation found"
        page.add_script_tag(path=str(AXE))  # once: the sections below are reached in-page, as a user does
        problems = []
        for path in paths:
            page.locator(f"#nav-desktop a[href='{path}']").first.click()
            expect(page).to_have_url(f"{portal.url}{path}")
            expect(page.locator("#nav-desktop a[aria-current=page]")).to_have_attribute("href", path)
            expect(page.locator("#section-title")).to_be_visible()
            expect(page.locator("#content-loading")).to_have_count(0)
            found = _violations(page)
            if found:
                page.screenshot(path=str(artifact_path(request, path.strip("/").replace("/", "_"))), full_page=True)
                problems.append(f"{path}:\n{_describe(found)}")
        assert not problems, "\n\n".join(problems)
    finally:
        context.close()
