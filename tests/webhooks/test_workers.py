"""Delivery workers as separate processes (`python -m portal_ui.cli webhooks work`): one killed while
sending loses nothing; three racing workers deliver each event once per endpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import select
from werkzeug import Response

from portal_ui import db
from portal_ui.models import WebhookDelivery
from tests.webhooks.conftest import create_users, register

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def receiver():
    """A threaded receiver, so one slow answer does not hold up the others."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def start_worker(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_WEBHOOK_ALLOW_PRIVATE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "portal_ui.cli", "webhooks", "work", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout.readline().strip() == "webhook worker started"
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(predicate, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def statuses(engine) -> Counter:
    with db.session_scope(engine) as s:
        return Counter(s.exec(select(WebhookDelivery.status)).all())


def test_a_worker_killed_while_sending_loses_no_event(receiver, settings, engine):
    release = threading.Event()
    arrived = threading.Event()
    received: list[str] = []

    def handler(request):
        if not release.is_set():
            arrived.set()
            release.wait(10)  # the first worker's requests hang until it has been killed
            return Response("too late", status=200)
        received.append(json.loads(request.get_data())["event_id"])
        return Response("ok")

    receiver.expect_request("/hook", method="POST").respond_with_handler(handler)
    register(engine, settings, receiver.url_for("/hook"))
    create_users(engine, 10)  # committed before any worker runs

    first = start_worker("--lease", "3", "--timeout", "2", "--poll", "0.2")
    wait_until(arrived.is_set, what="the first worker to send")
    first.send_signal(signal.SIGKILL)
    first.wait()
    release.set()
    assert statuses(engine) == Counter({"pending": 10}), "nothing was recorded as delivered"

    second = start_worker("--lease", "3", "--timeout", "2", "--poll", "0.2")
    try:
        wait_until(lambda: statuses(engine) == Counter({"delivered": 10}), what="all ten deliveries")
    finally:
        stop(second)
    assert len(set(received)) == 10
    with db.session_scope(engine) as s:
        assert {d.attempt_count for d in s.exec(select(WebhookDelivery)).all()} == {1}


def _three_workers_deliver_each_event_once(receiver, settings, engine) -> None:
    received: list[str] = []
    lock = threading.Lock()

    def handler(request):
        with lock:
            received.append(json.loads(request.get_data())["event_id"])
        return Response("ok")

    receiver.expect_request("/hook", method="POST").respond_with_handler(handler)
    register(engine, settings, receiver.url_for("/hook"))
    workers = [start_worker("--poll", "0.1") for _ in range(3)]
    try:
        for _ in range(6):
            create_users(engine, 10)
        wait_until(lambda: statuses(engine) == Counter({"delivered": 60}), what="sixty deliveries")
        time.sleep(1.0)  # a double delivery would arrive now
    finally:
        for proc in workers:
            stop(proc)
    assert len(received) == 60 and len(set(received)) == 60


@pytest.mark.postgres
def test_three_workers_on_postgresql_deliver_each_event_once(receiver, env, pg_url):
    settings = env(REFLEX_DB_URL=pg_url)
    _three_workers_deliver_each_event_once(receiver, settings, db.engine_for(pg_url))


def test_three_workers_on_sqlite_deliver_each_event_once(receiver, settings, engine):
    _three_workers_deliver_each_event_once(receiver, settings, engine)


def test_the_worker_stops_on_sigterm(settings):
    proc = start_worker("--poll", "0.2")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0


@pytest.mark.postgres
def test_on_postgresql_a_commit_in_another_process_wakes_the_worker(receiver, env, pg_url):
    settings = env(REFLEX_DB_URL=pg_url)
    engine = db.engine_for(pg_url)
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    register(engine, settings, receiver.url_for("/hook"))
    worker = start_worker("--poll", "60")  # its own polling would not come round within this test
    try:
        time.sleep(1.0)  # listening by now
        create_users(engine, 1)
        wait_until(lambda: statuses(engine) == Counter({"delivered": 1}), timeout=15, what="the NOTIFY wake-up")
    finally:
        stop(worker)
