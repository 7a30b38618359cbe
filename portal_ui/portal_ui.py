"""The Reflex app: pages, the API mount and nothing else."""

import reflex as rx

from portal_ui.api.app import build_api


def index() -> rx.Component:
    return rx.center(rx.heading("portal_ui"), height="100vh")


app = rx.App(api_transformer=build_api(), html_lang="en")
app.add_page(index, route="/", title="portal_ui")
