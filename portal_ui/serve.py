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
start compiled (see `reuse_current_build`): the build names no port (portal_ui/ui/same_origin.py),
so a second portal started from the same checkout, or a restart, leaves the pages of a portal
already serving from `.web/build/` in place instead of deleting and rewriting them under it.

Used by `portal_ui.cli serve` (and so by `make run` and `make run-scaled`) and by the tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from reflex_base.environment import interpret_boolean_env
from uvicorn_worker import UvicornWorker


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


def _respawn_failed_workers() -> None:
    import granian.server as granian_server

    server_class = granian_server.Server
    original_init = server_class.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault("respawn_failed_workers", True)
        original_init(self, *args, **kwargs)

    server_class.__init__ = init


# What `.web/` holds besides the build's inputs: the build itself, installed packages (they follow
# package-lock.json, hashed as node_modules/.package-lock.json) and React Router's generated types.
# reflex.json is hashed without the time of the last run that Reflex writes into it on every start
# (the pages bundle the file, but read only its version).
_NOT_INPUTS = frozenset({"build", "node_modules", ".react-router", "reflex.json"})
_RUN_TIME = "last_reflex_run_datetime"
BUILD_STAMP = ".portal_inputs"  # inside build/: it goes whenever Reflex deletes the build


def build_inputs_digest(web_dir: Path, formats: tuple[str, ...] = (),
                        environ: MutableMapping[str, str] = os.environ) -> str:
    """A digest of everything the frontend build reads: every compiled file under `web_dir` (paths
    and contents), the installed packages' lock, the environment variable the PostCSS config reads
    and the compression formats applied after the build."""
    digest = hashlib.sha256()
    digest.update(repr((tuple(formats), environ.get("REFLEX_NO_AUTOPREFIXER"))).encode())
    try:
        reflex_json = json.loads((web_dir / "reflex.json").read_text())
    except (OSError, ValueError):
        reflex_json = None
    if isinstance(reflex_json, dict):
        reflex_json.pop(_RUN_TIME, None)
    digest.update(json.dumps(reflex_json, sort_keys=True).encode())
    files = [path for path in web_dir.rglob("*")
             if path.relative_to(web_dir).parts[0] not in _NOT_INPUTS and path.is_file()]
    files.append(web_dir / "node_modules" / ".package-lock.json")
    for path in sorted(files):
        digest.update(str(path.relative_to(web_dir)).encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


def reuse_current_build() -> None:
    """Make Reflex's `build()` (run by `reflex run --env prod` after compiling, under Reflex's lock
    on `.web/`) do nothing when the finished build in `.web/build/` came from the same inputs."""
    from reflex.utils import build as reflex_build
    from reflex.utils import prerequisites
    from reflex_base.config import get_config

    build_frontend = reflex_build.build

    def build() -> None:
        web_dir = prerequisites.get_web_dir()
        stamp = web_dir / "build" / BUILD_STAMP
        digest = build_inputs_digest(web_dir, tuple(get_config().frontend_compression_formats))
        try:
            current = stamp.read_text() == digest and (web_dir / "build" / "client").is_dir()
        except OSError:
            current = False
        if current:
            print("Frontend build is current: reusing .web/build/", flush=True)
            return
        build_frontend()
        stamp.write_text(digest)

    reflex_build.build = build


def main() -> None:
    if choose_server(os.environ) == "granian":
        _respawn_failed_workers()
    reuse_current_build()
    from reflex.reflex import cli

    sys.argv = ["reflex", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
