"""portal_ui/reflex_internals/lean_styles.py and radix_prune.cjs: Radix Themes' stylesheet without what no page can use.

The prune step reads the compiled pages, so its own tests give it pages and CSS of their own; the
last tests check the stylesheet the portal really serves.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from portal_ui.reflex_internals.lean_styles import PRUNE_SCRIPT, PRUNE_SOURCE, add_prune_step
from tests.ui.conftest import ROOT

pytestmark = pytest.mark.browser

NODE = shutil.which("node", path=str(Path(sys.executable).parent)) or "node"

# Runs the prune step with PostCSS (from the portal's frontend build) over CSS on stdin.
RUN = """
const postcss = require(process.argv[1] + "/node_modules/postcss");
const prune = require(process.argv[2]);
let css = ""; process.stdin.on("data", (d) => (css += d)).on("end", async () => {
  const out = await postcss([prune({ root: process.argv[3], always: process.argv[4] === "always" })]).process(css, { from: undefined });
  process.stdout.write(out.css);
});
"""

CSS = r"""
.rt-Button { color: red; }
.rt-BaseButton:where(.rt-r-size-2) { height: 1px; }
.rt-TooltipContent { color: blue; }
.rt-TabsList, .rt-Button:where(.rt-variant-soft) { color: green; }
.rt-ScrollAreaRoot { overflow: hidden; }
@media (min-width: 768px) {
  .rt-Card:where(.sm\:rt-r-size-3) { padding: 3px; }
  .rt-Card:where(.sm\:rt-r-size-5) { padding: 5px; }
  .sm\:rt-r-jc-space-between { justify-content: space-between; }
  .sm\:rt-r-gtc { grid-template-columns: var(--gtc-sm); }
}
@media (min-width: 1024px) {
  .rt-Card:where(.md\:rt-r-size-3) { padding: 3px; }
  .md\:-rt-r-m-1 { margin: -1px; }
}
@layer components {}
"""

PAGE = """import {Button as RadixThemesButton, Card as RadixThemesCard} from "@radix-ui/themes"
jsx(RadixThemesCard,{size:({ ["initial"] : "2", ["sm"] : "3" })})"""


def _prune(tmp_path: Path, css: str, page: str, when: str = "always") -> str:
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / "page.jsx").write_text(page)
    done = subprocess.run([NODE, "-e", RUN, str(ROOT / ".web"), str(PRUNE_SOURCE),
                           str(tmp_path), when], input=css, capture_output=True, text=True, timeout=60,
                          env={"PATH": str(Path(sys.executable).parent), "NODE_ENV": "development"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_unused_leaf_components_and_breakpoint_values_go(portal, tmp_path):
    out = _prune(tmp_path, CSS, PAGE)
    assert ".rt-Button { color: red; }" in out
    assert ".rt-BaseButton:where(.rt-r-size-2)" in out  # shared base parts stay
    assert ".rt-ScrollAreaRoot" in out  # Select, Table and menus render it inside themselves
    assert "TooltipContent" not in out  # a leaf no page imports
    assert ".rt-TabsList, .rt-Button:where(.rt-variant-soft)" in out  # one selector of the rule is used
    assert r".sm\:rt-r-size-3" in out and r".sm\:rt-r-size-5" not in out  # only the values a page gives
    assert r".sm\:rt-r-jc-space-between" not in out
    assert r".sm\:rt-r-gtc" in out  # a value as a variable: stays while `sm` is used at all
    assert r"md\:" not in out and "1024px" not in out  # no page uses `md`: its emptied block goes too
    assert "@layer components" in out  # empty layer blocks still order the cascade


def test_a_page_using_a_component_or_value_keeps_its_rules(portal, tmp_path):
    page = PAGE + """
jsx(RadixThemesTooltip,{}) jsx(RadixThemesTabs.Root,{}) jsx(X,{p:({ ["md"] : "3" })})"""
    out = _prune(tmp_path, CSS, page)
    assert "TooltipContent" in out and ".rt-TabsList" in out
    assert r".md\:rt-r-size-3" in out
    out = _prune(tmp_path, CSS, PAGE + """ jsx(X,{p:({ ["sm"] : reflex_state.size })})""")
    assert r".sm\:rt-r-size-5" in out, "a value only known at run time keeps the whole breakpoint"


def test_nothing_compiled_means_nothing_dropped(portal, tmp_path):
    done = subprocess.run([NODE, "-e", RUN, str(ROOT / ".web"), str(PRUNE_SOURCE),
                           str(tmp_path / "empty"), "always"], input=CSS, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "TooltipContent" in done.stdout and r"md\:" in done.stdout


def test_the_dev_server_gets_the_whole_stylesheet(portal, tmp_path):
    """Pages change under the dev server after the sheet was built: no pruning there."""
    out = _prune(tmp_path, CSS, PAGE, when="build-only")
    assert "TooltipContent" in out and r"md\:" in out


def test_the_step_runs_right_after_postcss_import():
    template = 'export default {\n  plugins: {\n    "postcss-import": {},\n    autoprefixer: {},\n  },\n};\n'
    config = add_prune_step(template)
    assert config.index('"postcss-import"') < config.index(PRUNE_SCRIPT) < config.index("autoprefixer")
    assert add_prune_step(config) == config
    with pytest.raises(RuntimeError, match="postcss-import"):
        add_prune_step("export default { plugins: {} };")


def test_the_served_stylesheet_is_pruned_and_keeps_what_pages_use(portal):
    html = urllib.request.urlopen(f"{portal.url}/profile").read().decode()
    href = next(part.split('"')[0] for part in html.split('href="')[1:] if part.split('"')[0].endswith(".css"))
    css = urllib.request.urlopen(f"{portal.url}{href}").read().decode()
    full = (ROOT / ".web" / "node_modules" / "@radix-ui" / "themes" / "styles.css").stat().st_size
    assert len(css) < full * 0.6, "the Radix stylesheet is (nearly) whole again"
    for kept in (".rt-Button", ".rt-BaseDialogContent", ".rt-SelectContent", ".rt-ScrollAreaRoot",
                 ".rt-TableRoot", ".rt-CalloutRoot", r".sm\:rt-r-size-3", "--indigo-9", "--red-a11", ".dark"):
        assert kept in css, kept
    for dropped in (".rt-ThemePanel", ".rt-TooltipContent", ".rt-AvatarRoot", r"md\:rt-r-", r"xl\:rt-r-"):
        assert dropped not in css, dropped
