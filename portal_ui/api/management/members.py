"""Management API: members."""

routes: list = []
