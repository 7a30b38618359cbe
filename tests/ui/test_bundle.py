"""What every portal page downloads: the compiled app must not pull in lucide's map of all icons.

`rx.icon(<a Var>)` compiles to lucide's DynamicIcon, whose map names every icon (~1,500 lazy
chunks, ~250 KB of script) and lands in the module every page imports, so each link took longer
to show its first content (bench/link_to_content.py). Icons chosen at run time are written as
`rx.cond(..., rx.icon("a"), rx.icon("b"))` instead.
"""

from __future__ import annotations

import pytest

from tests.ui.conftest import ROOT

pytestmark = pytest.mark.browser


def test_no_page_imports_the_map_of_every_icon(portal):
    compiled = [*(ROOT / ".web" / "app").rglob("*.jsx"), *(ROOT / ".web" / "app_components").rglob("*.jsx")]
    assert compiled, "the portal fixture builds the app into .web/"
    offenders = [str(path.relative_to(ROOT)) for path in compiled if "lucide-react/dynamic" in path.read_text()]
    assert offenders == []
