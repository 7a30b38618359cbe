"""Run `reflex run` on the server that suits the deployment, then hand over to Reflex's command line.

Reflex 0.10 serves its backend with Granian, or with Uvicorn under Gunicorn; `REFLEX_USE_GRANIAN`
picks one. This launcher sets it when the environment does not:

- Embedded (the default: one process): Uvicorn, with the `EmbeddedWorker` below. Granian builds
  every websocket with tungstenite's default configuration, whose read buffer alone is 128 KiB,
  and lets nobody change it: an idle tab cost ~150 KB of backend memory on Granian against
  ~17 KB on Uvicorn with wsproto (bench/connected_sessions.py).
- Scale-out (`GRANIAN_WORKERS` set, as `make run-scaled` and the scale-out tests do): Granian,
  several workers behind the one port, told to respawn a worker that dies. Reflex builds that
  server itself and exposes no setting for `respawn_failed_workers`, so a crashed or killed
  worker would otherwise stop the whole app.

It also skips Reflex's frontend build when `.web/build/` was made from exactly the inputs this
start compiled: the build names no port (portal_ui/reflex_internals/same_origin.py), so a
second portal started from the same checkout, or a restart, leaves the pages of a portal already
serving from `.web/build/` in place instead of deleting and rewriting them under it. Both patches
of Reflex and Granian live in portal_ui/reflex_internals/ (`granian_respawn`, `build_reuse`).

Reflex 0.10.1 assumptions made here: `REFLEX_USE_GRANIAN` is read with
`reflex_base.environment.interpret_boolean_env`; Reflex's Gunicorn command
(`reflex.utils.exec.run_uvicorn_backend_prod`) puts `GUNICORN_CMD_ARGS` after its own
`--worker-class`, so ours wins.

Used by `portal_ui.cli serve` (and so by `make run` and `make run-scaled`) and by the tests.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import MutableMapping
from typing import Any

from reflex_base.environment import interpret_boolean_env
from uvicorn_worker import UvicornWorker

from portal_ui.reflex_internals.build_reuse import reuse_current_build
from portal_ui.reflex_internals.granian_respawn import respawn_failed_workers


class EmbeddedWorker(UvicornWorker):
    """The Gunicorn worker for the embedded server (Reflex's default is `uvicorn.workers`' H11 worker).

    Pinned rather than left to "auto": h11 and wsproto (what an idle websocket costs depends on
    the implementation); client addresses from the socket only, as on Granian (which never
    rewrites them from headers): the app reads `X-Forwarded-For` itself, and only from the proxies
    in PORTAL_TRUSTED_PROXIES (portal_ui/api/proxies.py), so a client cannot choose the address
    its rate limits are kept under; no `Server` header.
    """

    CONFIG_KWARGS: dict[str, Any] = {"loop": "asyncio", "http": "h11", "ws": "wsproto",
                                     "proxy_headers": False, "server_header": False}


WORKER_CLASS = "portal_ui.serve.EmbeddedWorker"  # by name: run as `python -m`, this module is __main__


def choose_server(env: MutableMapping[str, str]) -> str:
    """Set `REFLEX_USE_GRANIAN` (unless given) and the Uvicorn worker class; returns "granian" or "uvicorn"."""
    if "REFLEX_USE_GRANIAN" not in env:
        env["REFLEX_USE_GRANIAN"] = "true" if env.get("GRANIAN_WORKERS", "").strip() else "false"
    if interpret_boolean_env(env["REFLEX_USE_GRANIAN"].strip(), "REFLEX_USE_GRANIAN"):  # as Reflex reads it
        return "granian"
    args = env.get("GUNICORN_CMD_ARGS", "")
    if not any(arg.startswith(("--worker-class", "-k")) for arg in shlex.split(args)):  # theirs wins
        env["GUNICORN_CMD_ARGS"] = f"{args} --worker-class {WORKER_CLASS}".strip()
    return "uvicorn"


def main() -> None:
    if choose_server(os.environ) == "granian":
        respawn_failed_workers()
    reuse_current_build()
    from reflex.reflex import cli

    sys.argv = ["reflex", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
