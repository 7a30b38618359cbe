"""Management API: organizations."""

routes: list = []
