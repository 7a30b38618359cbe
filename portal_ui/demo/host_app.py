"""/demo: a stand-in for a customer SaaS app (routes)."""

routes: list = []
