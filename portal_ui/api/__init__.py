"""The HTTP layer: thin Starlette routes over portal_ui.domain. Build it with `build_api()`."""
