"""portal routes."""

routes: list = []
