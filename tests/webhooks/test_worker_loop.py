"""The worker's loop, as the server runs it: woken by the commit that added a delivery (not by its
poll), and stopped cleanly."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from portal_ui.webhooks.worker import Worker, run_in_server
from tests.webhooks.conftest import create_users, register


def test_a_commit_wakes_the_running_worker(httpserver, settings, engine):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    register(engine, settings, httpserver.url_for("/hook"))
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    worker = Worker(settings, poll=30.0)  # a poll alone would not come round within this test
    thread = threading.Thread(target=loop.run_until_complete, args=(worker.run(stop),))
    thread.start()
    try:
        time.sleep(0.5)  # the worker has made its first (empty) look and now waits
        [user_id] = create_users(engine, 1)
        deadline = time.monotonic() + 10
        while not httpserver.log and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
    assert not thread.is_alive()
    [(request, _)] = httpserver.log
    assert json.loads(request.get_data())["data"]["user"]["id"] == user_id


def test_the_app_runs_the_worker_in_every_server_process():
    import portal_ui.portal_ui as root

    assert run_in_server in root.app._lifespan_tasks
