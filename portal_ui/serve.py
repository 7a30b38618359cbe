"""Run `reflex run` with Granian told to respawn a worker that dies (scale-out mode).

Reflex 0.10 builds its Granian server itself and exposes no setting for
`respawn_failed_workers`, so a crashed or killed worker would stop the whole app. This launcher
sets that one default before handing over to Reflex's own command line; nothing else changes.
Used by `portal_ui.cli serve` (and so by `make run` and `make run-scaled`).
"""

from __future__ import annotations

import sys


def _respawn_failed_workers() -> None:
    import granian.server as granian_server

    server_class = granian_server.Server
    original_init = server_class.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault("respawn_failed_workers", True)
        original_init(self, *args, **kwargs)

    server_class.__init__ = init


def main() -> None:
    _respawn_failed_workers()
    from reflex.reflex import cli

    sys.argv = ["reflex", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
