"""One page, one on_load event that fills one var: the least a Reflex page can do to show data."""

import reflex as rx


class FloorState(rx.State):
    data: str = ""

    @rx.event
    def load(self):
        self.data = "ready"


def index() -> rx.Component:
    return rx.el.p(FloorState.data, id="data")


app = rx.App()
app.add_page(index, route="/", on_load=FloorState.load)
