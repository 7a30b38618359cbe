"""account routes."""

routes: list = []
