"""The floor for benchmark 3: a bare Starlette endpoint doing only the JWT check and one insert.

`POST /api/v1/portal/generate_url` verifies the bearer token (PyJWT, RS256, issuer and audience,
against the portal's own signing key) and inserts one `portal_links` row into the portal's
database, in a worker thread as the portal does. No body model, throttle, audit or settings
lookup. Served by the server the portal runs on in the same setup (portal_ui/serve.py): one
worker is the embedded default, Uvicorn under Gunicorn with the portal's `EmbeddedWorker`, as
Reflex starts it; several workers are the scale-out, Granian with the defaults Reflex gives it:

    python -m bench.api_floor --port 8001 --workers 3   # REFLEX_DB_URL, PORTAL_* from the environment
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from datetime import timedelta

import jwt
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.db import make_engine
from portal_ui.domain.clock import utcnow
from portal_ui.domain.secrets import sha256_hex
from portal_ui.models import PortalLink
from portal_ui.settings import Settings
from portal_ui.tokens.keys import load_or_create_signing_key

SETTINGS = Settings.from_env()
PUBLIC_KEY = load_or_create_signing_key(SETTINGS.signing_key_path).private_key.public_key()
ENGINE = make_engine(SETTINGS.db_url)
LINKS = PortalLink.__table__


async def generate_url(request: Request) -> JSONResponse:
    _, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], issuer=SETTINGS.issuer,
                            audience=SETTINGS.audience)
    except jwt.PyJWTError:
        return JSONResponse({"errors": [{"code": "INVALID_CREDENTIALS"}]}, status_code=403)
    body = json.loads(await request.body())
    key = secrets.token_urlsafe(32)

    def insert() -> None:
        now = utcnow()
        with ENGINE.begin() as conn:
            conn.execute(LINKS.insert().values(
                key_hash=sha256_hex(key), user_id=body["user_id"], org_code=body.get("organization_code"),
                sub_nav=body.get("sub_nav") or "profile", return_url=SETTINGS.default_return_url,
                created_by=f"m2m:{claims['sub']}"[:128], created_on=now, expires_on=now + timedelta(seconds=300),
                preview={}))

    await run_in_threadpool(insert)
    return JSONResponse({"url": f"{SETTINGS.public_url}/portal_redirect?key={key}"},
                        headers={"Cache-Control": "no-store"})


async def ping(_request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


app = Starlette(routes=[Route("/api/v1/portal/generate_url", generate_url, methods=["POST"]),
                        Route("/ping", ping)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONPATH", os.getcwd())
    if args.workers == 1:
        import sys

        from gunicorn.app.wsgiapp import run

        from portal_ui.serve import WORKER_CLASS

        sys.argv = ["gunicorn", "--preload", "--worker-class", WORKER_CLASS, "--bind", f"127.0.0.1:{args.port}",
                    "--log-level", "warning", "bench.api_floor:app"]
        run()
        return
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    Server(target="bench.api_floor:app", address="127.0.0.1", port=args.port, interface=Interfaces.ASGI,
           log_level=LogLevels.warning, workers=args.workers).serve()


if __name__ == "__main__":
    main()
