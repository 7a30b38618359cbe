"""One JavaScript module of memoized components per section page.

Reflex 0.10.1 writes the memoized components of a page into one module mirroring the Python
module of the page's function: `App.add_page` records `reflex_base.utils.memo_paths
.capture_source_module(component)`, which reads the function's `__module__`, and the compiler
writes `.web/app_components/<dotted module as folders>.jsx`. Every section page is built by one
function (`portal_ui.ui.components.layout.portal_page`), so without help every page would import
one shared module holding every section's components and their libraries (the logo upload's
dropzone, for one) on first paint. `group_by_section` names each page function's module after
its section instead: `.web/app_components/portal_ui/ui/page_modules/<section key>.jsx`.
"""

from __future__ import annotations

from typing import Callable, TypeVar

MEMO_MODULE_PREFIX = "portal_ui.ui.page_modules"
# Where the compiler writes those modules, relative to `.web/`.
MEMO_MODULE_DIR = "app_components/" + MEMO_MODULE_PREFIX.replace(".", "/")

PageFn = TypeVar("PageFn", bound=Callable)


def group_by_section(page: PageFn, section_key: str) -> PageFn:
    """Give `page` a module of its own, named after `section_key`; returns `page`."""
    page.__module__ = f"{MEMO_MODULE_PREFIX}.{section_key}"
    return page
