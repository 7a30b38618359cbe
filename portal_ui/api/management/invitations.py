"""Management API: invitations."""

routes: list = []
