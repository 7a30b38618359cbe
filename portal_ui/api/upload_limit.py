"""A size limit on Reflex's upload endpoint (pure ASGI middleware).

Reflex's `/_upload` route reads the whole multipart body (spooling large files to disk) before
any event handler can look at it. The portal's only upload is an organization logo of at most
512 KB, so requests to that route must say how long they are (browsers always do) and may not
be longer than `max_bytes`; anything else is refused before the body is read.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_ui.reflex_internals.endpoints import UPLOAD_PATH

MAX_UPLOAD_BYTES = 1024 * 1024  # the 512 KB logo plus multipart overhead, with room to spare


class UploadSizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_UPLOAD_BYTES, path: str = UPLOAD_PATH):
        self.app = app
        self.max_bytes = max_bytes
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        lengths = [value for name, value in scope.get("headers", []) if name.lower() == b"content-length"]
        if len(lengths) != 1 or not lengths[0].isdigit():
            await JSONResponse({"detail": "Content-Length is required."}, status_code=411)(scope, receive, send)
            return
        if int(lengths[0]) > self.max_bytes:
            await JSONResponse({"detail": "The upload is too large."}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # a body longer than it said: stop reading it
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)
