"""Management API: roles."""

routes: list = []
