"""Bench-only event-loop lag probe, loaded into the servers of bench/concurrent_tabs.py as `sitecustomize`.

The benchmark puts this folder first on the server's PYTHONPATH and sets BENCH_LOOPPROBE_DIR; in
every Python process of that server (the launcher, Granian's or Uvicorn's workers, forked or
spawned) each asyncio event loop that starts running gets a probe: a callback scheduled every
INTERVAL seconds with `loop.call_at`, which notes how late it actually runs (loop.time() against
the time it was due). A callback can only run when the loop is free, so the lateness is how long
the loop was busy with something else: the longest lateness in a window is the longest stall of
that loop in it. The probe itself costs one callback per INTERVAL and a short file append a second.

Every FLUSH seconds each probed loop appends one JSON line to `loop-<pid>-<thread id>-<n>.jsonl` in
that folder (n counts the loops of the process): `{"t0", "t": wall-clock times of its first sample and of the write, "pid",
"thread", "loop": n, "n": samples, "max_ms", "late_ms":
[every sample's lateness in ms, rounded to 0.1], "gc_ms": {generation: longest garbage
collection of the process in ms, since the last line}}` (garbage collections stop every thread;
timed with `gc.callbacks`). The benchmark reads the lines whose time falls
in its measured window. Nothing in portal_ui/ knows about it; without BENCH_LOOPPROBE_DIR this file
does nothing (and is never on the path anyway).

With BENCH_LOOPPROBE_STACKS=1 as well (a diagnostic run: the watcher thread takes the GIL every
few ms, which perturbs what is measured), a thread samples each probed loop's thread stack every
WATCH seconds while that loop is more than STALL_AFTER late, and the lines also carry `stacks`:
{innermost frames, outermost first, " <- " joined: samples}, the code the loop was busy in.

With BENCH_LOOPPROBE_GC_FREEZE=1 (the experiment behind portal_ui/heap.py, which the server now runs itself), each probed loop,
FREEZE_AFTER seconds after it starts, runs `gc.collect()` then `gc.freeze()`: everything alive by
then (the imported app, its compiled pages and registries) leaves the collector's generations, so
later full collections walk only what was made afterwards.

How it finds the loops: asyncio's loops (asyncio.run, uvicorn's and Granian's workers here: no
uvloop is installed) mark themselves running through `asyncio.events._set_running_loop`, looked up
on the module at each call; the probe wraps that function and starts once on each loop it sees.
"""

from __future__ import annotations

import os

_DIR = os.environ.get("BENCH_LOOPPROBE_DIR")
INTERVAL = 0.005  # seconds between two probe callbacks
FLUSH = 0.5  # seconds between two lines of a loop's file
WATCH = 0.005  # seconds between two looks of the stack sampler (BENCH_LOOPPROBE_STACKS=1)
STALL_AFTER = 0.015  # seconds late: from then on a loop's stack is sampled
STACK_DEPTH = 24  # frames kept per sample, innermost first (the import machinery's own not counted)
_STACKS = os.environ.get("BENCH_LOOPPROBE_STACKS") == "1"
_FREEZE = os.environ.get("BENCH_LOOPPROBE_GC_FREEZE") == "1"
FREEZE_AFTER = 3.0
_watched: list[dict] = []  # one entry per probed loop: its thread, last tick and sampled stacks


def _chain_next_sitecustomize() -> None:
    """Run the sitecustomize this one shadows, if any (none in the project's venv today)."""
    import importlib.machinery
    import importlib.util
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 - as Python itself does for sitecustomize
        pass


def _probe(loop, serial: int) -> None:
    """Run on `loop`: reschedule itself every INTERVAL, note the lateness, write a line a second."""
    import json
    import threading
    import time

    import collections

    thread = threading.get_ident()
    samples: list[float] = []
    first = {"t": time.time()}
    state = {"due": loop.time() + INTERVAL, "flush": time.monotonic() + FLUSH}
    watch = {"thread": thread, "pid": os.getpid(), "last": time.monotonic(), "stacks": collections.Counter(),
             "lock": threading.Lock()}
    if _STACKS:
        _watched.append(watch)
        _start_watcher()

    def flush() -> None:
        if not samples:
            return
        line = {"t0": first["t"], "t": time.time(), "pid": os.getpid(), "thread": thread, "loop": serial, "n": len(samples),
                "max_ms": round(max(samples), 2), "late_ms": [round(s, 1) for s in samples]}
        samples.clear()
        line["gc_ms"] = {str(g): round(v, 1) for g, v in _gc_worst.items()}
        _gc_worst.clear()
        if _STACKS:
            with watch["lock"]:
                line["stacks"] = dict(watch["stacks"])
                watch["stacks"].clear()
        try:
            with open(os.path.join(_DIR, f"loop-{os.getpid()}-{thread}-{serial}.jsonl"), "a") as handle:
                handle.write(json.dumps(line) + "\n")
        except OSError:
            pass

    def tick() -> None:
        watch["last"] = time.monotonic()
        now = loop.time()
        if not samples:
            first["t"] = time.time()
        samples.append(max(now - state["due"], 0.0) * 1000)
        if time.monotonic() >= state["flush"]:
            state["flush"] = time.monotonic() + FLUSH
            flush()
        if loop.is_closed():
            return
        state["due"] = loop.time() + INTERVAL
        loop.call_at(state["due"], tick)

    loop.call_at(state["due"], tick)
    if _FREEZE:
        import gc

        loop.call_later(FREEZE_AFTER, lambda: (gc.collect(), gc.freeze()))


_watcher = {"pid": None}
_gc_worst: dict[int, float] = {}  # generation -> longest collection (ms) since a loop's last line
_gc_started = {"at": 0.0}


def _gc_callback(phase: str, info: dict) -> None:
    import time

    if phase == "start":
        _gc_started["at"] = time.perf_counter()
    else:
        ms = (time.perf_counter() - _gc_started["at"]) * 1000
        generation = info.get("generation", -1)
        if ms > _gc_worst.get(generation, 0.0):
            _gc_worst[generation] = ms


def _start_watcher() -> None:
    """The stack sampler thread, once per process (BENCH_LOOPPROBE_STACKS=1)."""
    import sys
    import threading
    import time

    if _watcher["pid"] == os.getpid():
        return
    _watcher["pid"] = os.getpid()
    here = os.path.abspath(__file__)

    def describe(frame) -> str:
        parts = []
        while frame is not None and len(parts) < STACK_DEPTH:
            code = frame.f_code
            if os.path.abspath(code.co_filename) != here and not code.co_filename.startswith("<frozen"):
                name = code.co_filename
                if "site-packages/" in name:
                    name = name.split("site-packages/", 1)[1]
                elif "/portal_ui/" in name:
                    name = "portal_ui/" + name.split("/portal_ui/", 1)[1]
                elif "/lib/python3" in name:  # the standard library: lib/python3.x/<module path>
                    name = name.split("/lib/python3", 1)[1].split("/", 1)[-1]
                parts.append(f"{name}:{frame.f_lineno} {code.co_name}")
            frame = frame.f_back
        return " <- ".join(parts)

    def run() -> None:
        while True:
            time.sleep(WATCH)
            now = time.monotonic()
            late = [w for w in _watched if w["pid"] == os.getpid() and now - w["last"] > INTERVAL + STALL_AFTER]
            if not late:
                continue
            frames = sys._current_frames()
            for w in late:
                frame = frames.get(w["thread"])
                if frame is not None:
                    key = describe(frame)
                    with w["lock"]:
                        w["stacks"][key] += 1

    threading.Thread(target=run, name="bench-loopprobe", daemon=True).start()


def _install() -> None:
    import asyncio
    import asyncio.events as events
    import itertools
    import threading
    import weakref

    original = events._set_running_loop
    probed: weakref.WeakSet = weakref.WeakSet()  # one probe per loop, however often it starts
    serials = itertools.count(1)
    lock = threading.Lock()

    def set_running_loop(loop) -> None:
        original(loop)
        if loop is None:
            return
        with lock:
            if loop in probed:
                return
            probed.add(loop)
            serial = next(serials)
        try:
            loop.call_soon(_probe, loop, serial)
        except Exception:  # noqa: BLE001 - a loop the probe cannot join is left alone
            pass

    events._set_running_loop = set_running_loop
    import gc

    gc.callbacks.append(_gc_callback)
    asyncio._set_running_loop = set_running_loop


if _DIR:
    # Imported here in the main thread, before any worker starts.
    import collections  # noqa: F401
    import itertools  # noqa: F401
    import sys  # noqa: F401
    import json  # noqa: F401
    import threading  # noqa: F401
    import weakref  # noqa: F401
    import time  # noqa: F401

    _install()

_chain_next_sitecustomize()
