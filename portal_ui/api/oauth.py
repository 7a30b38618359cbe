"""oauth routes."""

routes: list = []
