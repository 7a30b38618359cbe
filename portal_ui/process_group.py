"""Stopping a server started in a process group of its own (`start_new_session=True`)."""

from __future__ import annotations

import os
import signal
import subprocess
import time


def stop_process_group(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the group of `proc`, SIGKILL what is still there after `timeout` seconds, and return
    once every process of the group has gone: workers still shutting down after the leader (writing
    their state files, say) would otherwise race whatever the caller does next, such as removing
    the server's directory."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(proc.pid, signal.SIGKILL if time.monotonic() > deadline else 0)
        except (ProcessLookupError, PermissionError):  # gone (or the id now belongs to someone else)
            return
        time.sleep(0.05)
