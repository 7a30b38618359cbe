"""Management API: users."""

routes: list = []
