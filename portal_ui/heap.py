"""Settling the server's heap once it has started, so a full garbage collection does not stall
every tab's events later (bench/concurrent_tabs.py measures the event loop's longest stall).

Everything imported and built at startup (the app, its pages and states, SQLAlchemy, Reflex) lives
as long as the process. Left to the collector, those objects are traversed again by every full
collection, which then holds the one event loop for as long as the heap is large. `gc.freeze()`
moves them to a generation the collector never scans, as CPython's documentation recommends for
long-lived servers. `reflex.model` is imported first: Reflex imports it (and Alembic, Mako and the
database dialects with it) on the first event whose handler takes a dict, which stalled the loop of
that process for the first user to save a form.
"""

from __future__ import annotations

import asyncio
import gc
import importlib

SETTLE_AFTER = 3.0  # seconds after the loop starts: the app's own startup work has finished by then


async def settle_heap(delay: float = SETTLE_AFTER) -> None:
    """A lifespan task (portal_ui/portal_ui.py): import what the first events would, collect, freeze."""
    await asyncio.sleep(delay)
    importlib.import_module("reflex.model")
    gc.collect()
    gc.freeze()
