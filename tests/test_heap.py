"""The server settles its heap after startup (portal_ui/heap.py)."""

from __future__ import annotations

import gc
import sys

from portal_ui.heap import settle_heap
from tests.conftest import run_coroutine


def test_settling_freezes_what_startup_built_and_imports_what_the_first_save_would():
    gc.unfreeze()
    sys.modules.pop("reflex.model", None)
    survivor = {"built": "at startup"}
    try:
        run_coroutine(settle_heap(delay=0))
        assert gc.get_freeze_count() > 0
        assert not any(obj is survivor for obj in gc.get_objects())  # no collection traverses it again
        assert "reflex.model" in sys.modules
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_the_app_registers_it():
    import portal_ui.portal_ui as root

    assert settle_heap in root.app._lifespan_tasks
