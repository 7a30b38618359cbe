"""Reflex's upload endpoint, guarded by the portal's ASGI middleware.

Reflex 0.10.1 mounts its upload route at `str(constants.Endpoint.UPLOAD)`, `/_upload` (no
`backend_path` is configured), for POSTs only, and reads the whole multipart body before any
event handler runs; the pages post there (env.json's `UPLOAD`). portal_ui.api.upload_limit and
portal_ui.api.upload_origin sit in front of it at this path.
"""

from __future__ import annotations

UPLOAD_PATH = "/_upload"
