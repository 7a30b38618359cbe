"""Granian's server told to respawn a worker that dies.

Reflex 0.10.1 builds the scale-out server itself (`reflex.utils.exec.run_granian_backend_prod`
imports `granian.server.Server` when it runs and calls it with keyword arguments) and exposes no
setting for Granian's `respawn_failed_workers` (a keyword of `Server.__init__` in Granian 2.8,
False by default), so a crashed or killed worker would stop the whole app. This patches the
class's `__init__` to default it to True; call it before Reflex starts the server.
"""

from __future__ import annotations


def respawn_failed_workers() -> None:
    import granian.server as granian_server

    server_class = granian_server.Server
    original_init = server_class.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault("respawn_failed_workers", True)
        original_init(self, *args, **kwargs)

    server_class.__init__ = init
