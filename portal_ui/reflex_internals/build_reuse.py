"""A wrapper around Reflex's frontend `build()` that keeps a finished build made from the same inputs.

Reflex 0.10.1's `reflex run --env prod` compiles the app and then, under its file lock on `.web/`
(`path_ops.file_lock(get_web_dir())` in `reflex.reflex._run_prod`), calls
`reflex.utils.build.setup_frontend_prod`, which calls the module's `build()` by its global name:
replacing `reflex.utils.build.build` replaces that call. `build()` deletes `.web/build/` and runs
the Vite build into it. The portal's build names no port (portal_ui.reflex_internals
.same_origin), so a second portal started from the same checkout, or a restart, may keep the
build a portal is already serving: `reuse_current_build` skips Reflex's `build()` when
`.web/build/` holds the digest of exactly the inputs this start compiled.

What counts as an input: every compiled file under `.web/` except the build itself,
`node_modules/` (only its `.package-lock.json`), React Router's generated types and the run time
Reflex writes into `reflex.json` on every start (`last_reflex_run_datetime`); the compression
formats (`frontend_compression_formats`) and `REFLEX_NO_AUTOPREFIXER`, which
`.web/postcss.config.js` reads.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import MutableMapping
from pathlib import Path


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
