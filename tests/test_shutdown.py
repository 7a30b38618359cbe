"""Stopping `make run` / `python -m portal_ui.cli serve`: every server process goes, the port is free.

Each test starts the real thing (frontend build, Reflex, Gunicorn and its Uvicorn worker), waits
until it answers /ping (so the whole process tree exists), records every descendant from /proc,
sends one signal, and gives everything STOP_WITHIN seconds to be gone. They build into the
checkout's .web/ like the browser tests, so they hold the same build lock (tests/ui/conftest.py).
Slow (a build each, ~20 s once npm's packages are installed) but no browser.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal_ui.process_group import stop_process_group
from tests.ui.conftest import ROOT, _build_lock, _free_port, server_environment
from tests.ui.conftest import _wait_for_ping as wait_for_ping

STOP_WITHIN = 15  # seconds


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of a live process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
    return int(fields[1]), fields[0], fields[19]


def _descendants(root: int) -> dict[int, str]:
    """Every live process under `root` (itself included): pid -> start time, to tell a reused pid apart."""
    parents: dict[int, int] = {}
    started: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None and info[1] != "Z":
            parents[int(entry)], started[int(entry)] = info[0], info[2]
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in started:
            tree[pid] = started[pid]
            todo += [child for child, parent in parents.items() if parent == pid]
    return tree


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def _still_running(tree: dict[int, str]) -> dict[int, str]:
    """The recorded processes still alive (a zombie has stopped; its parent just has not reaped it)."""
    alive = {}
    for pid, start in tree.items():
        info = _stat(pid)
        if info is not None and info[2] == start and info[1] != "Z":
            alive[pid] = _command(pid)
    return alive


def _port_free(port: int) -> bool:
    """A new server could listen on the port (SO_REUSEADDR as servers set it: the stopped server's
    closed connections may still be in TIME_WAIT, which does not hold a port against a listener)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
            s.listen()
        except OSError:
            return False
    return True


def _wait_for_ping(port: int, proc: subprocess.Popen, log: Path) -> None:
    wait_for_ping(f"http://127.0.0.1:{port}", proc, log)


def _wait_for_banner(log: Path, needle: str, proc: subprocess.Popen, timeout: float = 60) -> str:
    """The launcher prints how to open the portal once it answers; wait for it (links are made then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        text = log.read_text(errors="replace")
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"the launcher never printed {needle!r}:\n{log.read_text(errors='replace')[-3000:]}")


def _assert_all_stop(tree: dict[int, str], port: int, proc: subprocess.Popen, log: Path) -> float:
    """Wait up to STOP_WITHIN seconds for the port to be free and every recorded process to be gone."""
    started = time.monotonic()
    deadline = started + STOP_WITHIN
    while time.monotonic() < deadline:
        proc.poll()  # reap the process we started, so it does not linger as our zombie
        if not _still_running(tree) and _port_free(port):
            took = time.monotonic() - started
            print(f"all {len(tree)} processes gone and port {port} free {took:.1f}s after the signal")
            return took
        time.sleep(0.1)
    left = _still_running(tree)
    raise AssertionError(f"after {STOP_WITHIN}s: port {port} free: {_port_free(port)}; still running: {left}\n"
                         f"{log.read_text(errors='replace')[-2000:]}")


def _is_node(command: str) -> bool:
    """A Node process of the build (npm, react-router, vite); the venv's `node` is a Python launcher."""
    return any(Path(arg).name == "node" for arg in command.split()[:2]) or "node_modules" in command


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _migrated(env: dict) -> dict:
    subprocess.run([sys.executable, "-m", "portal_ui.cli", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    return env


def _start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _start_serve(tmp: Path, port: int, log: Path) -> subprocess.Popen:
    """`python -m portal_ui.cli serve` without the demo, on a migrated database in `tmp`."""
    return _start([sys.executable, "-m", "portal_ui.cli", "serve", "--port", str(port)],
                  _migrated(server_environment(tmp, port, PORTAL_DEMO="0")), log)


def _cleanup(proc: subprocess.Popen, tree: dict[int, str]) -> None:
    """After a failed assertion: leave nothing running for the next test."""
    stop_process_group(proc, timeout=5)
    for pid, start in tree.items():
        info = _stat(pid)
        if info is not None and info[2] == start:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.parametrize("target", ["group", "make"])
def test_sigterm_to_make_run_stops_every_server_process(tmp_path, target):
    """SIGTERM to make run's process group (a service manager, `kill -- -PGID`) or to make alone (make
    passes it on to the launcher and waits); also checks the demo's routes are gone with PORTAL_DEMO=0."""
    port = _free_port()
    env = server_environment(tmp_path, port, PORTAL_DEMO="0")
    log = tmp_path / "make-run.log"
    tree: dict[int, str] = {}
    with _build_lock():
        proc = _start(["make", "--no-print-directory", "run", f"PORT={port}"], env, log)
        try:
            _wait_for_ping(port, proc, log)
            text = _wait_for_banner(log, "Press Ctrl+C", proc)
            assert "demo is off (PORTAL_DEMO" in text and "nothing seeded" in text
            assert "account_api/v1/portal_link" in text and "portal_redirect?key=" not in text
            for method in ("GET", "POST", "PUT"):  # the real server: no demo host app, no sign-in without a password
                request = urllib.request.Request(f"http://127.0.0.1:{port}/demo/manage", method=method,
                                                 data=b"persona=kp_demo_olivia" if method == "POST" else None)
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(request, timeout=10)
                assert refused.value.code == 404
                assert not refused.value.headers.get_all("set-cookie")
            tree = _descendants(proc.pid)
            commands = " | ".join(_command(pid) for pid in tree)
            assert "portal_ui.cli serve" in commands and "gunicorn" in commands, commands
            assert len(tree) >= 4, commands  # make, the launcher, Reflex, Gunicorn and its worker

            if target == "group":
                os.killpg(proc.pid, signal.SIGTERM)
            else:
                os.kill(proc.pid, signal.SIGTERM)
            took = _assert_all_stop(tree, port, proc, log)
        except BaseException:
            _cleanup(proc, tree or _descendants(proc.pid))
            raise
    assert "stopping the portal (SIGTERM)" in log.read_text(errors="replace"), took


def test_sigint_to_the_launcher_alone_stops_every_server_process(tmp_path):
    """Ctrl+C reaches only the launcher when the server runs in a group of its own."""
    port = _free_port()
    log = tmp_path / "serve.log"
    tree: dict[int, str] = {}
    with _build_lock():
        proc = _start_serve(tmp_path, port, log)
        try:
            _wait_for_ping(port, proc, log)
            _wait_for_banner(log, "Press Ctrl+C", proc)
            tree = _descendants(proc.pid)
            assert len(tree) >= 3, [_command(pid) for pid in tree]
            os.kill(proc.pid, signal.SIGINT)
            _assert_all_stop(tree, port, proc, log)
        except BaseException:
            _cleanup(proc, tree or _descendants(proc.pid))
            raise
    assert proc.returncode == 0


def test_sigterm_while_the_portal_starts_stops_everything_it_started(tmp_path):
    """A stop that arrives before the portal answers (compiling, or building the frontend when the
    build is not current: its node processes are then among those recorded) stops all of it."""
    port = _free_port()
    log = tmp_path / "serve.log"
    tree: dict[int, str] = {}
    with _build_lock():
        proc = _start_serve(tmp_path, port, log)
        try:
            deadline = time.monotonic() + 60
            while not any("portal_ui.serve" in _command(pid) for pid in tree):
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text(errors="replace")
                time.sleep(0.05)
                tree = _descendants(proc.pid)
            settle = time.monotonic() + 1.5  # into the compile; longer if a build's node processes start
            while time.monotonic() < settle or (any(_is_node(_command(pid)) for pid in tree)
                                                 and time.monotonic() < settle + 3):
                time.sleep(0.1)
                tree = _descendants(proc.pid)
            assert not _port_answers(port), "the portal was up already: this test stops it while it starts"
            os.kill(proc.pid, signal.SIGTERM)
            _assert_all_stop(tree, port, proc, log)
        except BaseException:
            _cleanup(proc, tree or _descendants(proc.pid))
            raise
    text = log.read_text(errors="replace")
    assert "stopping the portal (SIGTERM)" in text and "The portal is up" not in text
