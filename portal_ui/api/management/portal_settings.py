"""Management API: portal_settings."""

routes: list = []
