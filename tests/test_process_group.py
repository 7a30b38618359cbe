"""portal_ui/process_group.py: stopping a server's whole process group, stragglers included."""

from __future__ import annotations

import os
import subprocess

from portal_ui.process_group import stop_process_group


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _start(script: str) -> subprocess.Popen:
    """Start `script` in a group of its own; return once it has printed "ready" (its worker ignores
    SIGTERM from then on), so no test signals a group whose worker is not running yet."""
    proc = subprocess.Popen(["sh", "-c", script], start_new_session=True, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "ready\n", "the worker never said it was running"
    finally:
        proc.stdout.close()
    return proc


def test_a_worker_outliving_the_leader_is_waited_for(tmp_path):
    """Like a server's worker still writing its state files after the leader has exited."""
    done = tmp_path / "worker-done"
    proc = _start(f"(trap '' TERM; echo ready; sleep 1; touch '{done}') & sleep 30")
    stop_process_group(proc)
    assert proc.returncode is not None
    assert not _group_alive(proc.pid), "returned while a process of the group was still running"
    assert done.exists(), "the worker was not let finish its work"


def test_a_worker_ignoring_sigterm_is_killed_after_the_timeout():
    proc = _start("(trap '' TERM; echo ready; sleep 30) & sleep 30")
    stop_process_group(proc, timeout=0.5)
    assert not _group_alive(proc.pid)


def test_an_exited_group_is_left_alone():
    proc = subprocess.Popen(["true"], start_new_session=True)
    proc.wait()
    stop_process_group(proc)  # nothing to signal: no error
    assert not _group_alive(proc.pid)
