"""Bench-only memory probe, loaded into the servers of bench/connected_sessions.py as `sitecustomize`.

The benchmark puts this folder first on the server's PYTHONPATH and sets BENCH_MEMPROBE_DIR; every
Python process of that server (the `reflex run` parent, the server's master and each worker,
forked or spawned) then runs a daemon thread that polls the folder for commands, written by the
benchmark as `cmd-<n>.json`, and answers each as `reply-<n>-<pid>.json`. Nothing in portal_ui/ knows about it;
without BENCH_MEMPROBE_DIR this file does nothing (and is never on the path anyway).

Commands (`{"op": …}`):
- `start`: gc, then `tracemalloc.start(frames)` and an object census by type (the "before").
- `report`: gc, a tracemalloc snapshot (every block allocated since `start` and still alive,
  grouped several ways), the census difference, and the unique deep size of a few sessions'
  state trees and socket.io/engine.io objects, split by state class and by attribute.
- `trim`: gc + glibc `malloc_trim(0)`: RSS before and after (free heap the allocator kept).
"""

from __future__ import annotations

import os

_DIR = os.environ.get("BENCH_MEMPROBE_DIR")


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


# ---- helpers ------------------------------------------------------------------------------------

def _rss_kb() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _smaps_rss_kb() -> dict[str, int]:
    """Resident KB by kind of mapping: [heap] (glibc brk), anonymous, file-backed, [stack]…"""
    out: dict[str, int] = {}
    kind = "anon"
    with open("/proc/self/smaps") as handle:
        for line in handle:
            first = line.split(None, 1)[0]
            if "-" in first and not first.endswith(":"):
                parts = line.split()
                path = parts[5] if len(parts) > 5 else ""
                kind = path if path.startswith("[") else ("file" if path else "anon")
            elif first == "Rss:":
                out[kind] = out.get(kind, 0) + int(line.split()[1])
    return out


def _find_app():
    import sys

    app_mod = sys.modules.get("reflex.app")
    if app_mod is None:
        return None
    app_cls = app_mod.App
    for name, module in list(sys.modules.items()):
        candidate = getattr(module, "__dict__", {}).get("app")  # no module __getattr__ (lazy imports)
        if isinstance(candidate, app_cls):
            return candidate
    return None


def _census() -> dict[str, list[int]]:
    """Objects tracked by the gc, by qualified type name: [count, shallow bytes]."""
    import gc
    import sys

    out: dict[str, list[int]] = {}
    for obj in gc.get_objects():
        tp = type(obj)
        key = f"{tp.__module__}.{tp.__qualname__}"
        entry = out.get(key)
        if entry is None:
            entry = out[key] = [0, 0]
        entry[0] += 1
        try:
            entry[1] += sys.getsizeof(obj)
        except Exception:  # noqa: BLE001
            pass
    return out


WALK_LIMIT = 20_000  # objects (a session's state tree is a few hundred); a walk that reaches this far has left the session's own objects


def _walk(roots, stop_types=(), stop_ids=frozenset(), limit: int = WALK_LIMIT) -> dict[int, tuple[int, str]]:
    """Every object reachable from `roots` ({id: (size, type name)}), not entering classes,
    modules, functions, code or `stop_types` instances (other than the roots), nor `stop_ids`."""
    import gc
    import sys
    import types

    opaque = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.CodeType,
              types.MethodType, types.FrameType, types.CellType, property, classmethod, staticmethod,
              types.MemberDescriptorType, types.GetSetDescriptorType, types.WrapperDescriptorType)
    seen: dict[int, tuple[int, str]] = {}
    root_ids = {id(r) for r in roots}
    todo = list(roots)
    while todo and len(seen) < limit:
        obj = todo.pop()
        oid = id(obj)
        if oid in seen or oid in stop_ids:
            continue
        if isinstance(obj, opaque):
            continue
        if stop_types and oid not in root_ids and isinstance(obj, stop_types):
            continue
        try:
            size = sys.getsizeof(obj)
        except Exception:  # noqa: BLE001
            size = 0
        seen[oid] = (size, type(obj).__qualname__)
        todo.extend(gc.get_referents(obj))
    return seen


def _unique(a: dict, b: dict) -> int:
    return sum(size for oid, (size, _) in a.items() if oid not in b)


def _structures(app, sessions: int = 3) -> dict:
    """Unique deep sizes of a few sessions' objects (not shared with another session's)."""
    import collections

    from reflex.state import BaseState

    import asyncio

    out: dict = {}
    manager = app._state_manager
    sio = getattr(app, "sio", None)
    # never enter the app, the servers or the event loop: from them, everything is reachable
    stop_ids = frozenset(id(o) for o in (app, manager, sio, getattr(sio, "eio", None), app.event_namespace) if o is not None)
    stop_types = (BaseState, asyncio.AbstractEventLoop)
    states = getattr(manager, "states", None)
    out["state_manager"] = type(manager).__name__
    if states:
        keys = list(states)[-(sessions + 1):]  # the newest: this pass's own tabs
        out["states_in_memory"] = len(states)
        trees = [states[k] for k in keys]
        other = _walk([trees[0]], stop_types=(asyncio.AbstractEventLoop,), stop_ids=stop_ids)  # shared-with-another-session reference
        per_tree, per_class, per_attr, types_ = [], collections.Counter(), collections.Counter(), collections.Counter()
        out["walk_reference_objects"] = len(other)
        if len(other) >= WALK_LIMIT:  # not a session's own graph: the figures would mean nothing
            out["walk_truncated"] = True
            trees = trees[:1]
        for tree in trees[1:]:
            whole = _walk([tree], stop_types=(asyncio.AbstractEventLoop,), stop_ids=stop_ids)
            uniq = {oid: v for oid, v in whole.items() if oid not in other}
            per_tree.append(sum(s for s, _ in uniq.values()))
            for oid, (size, tname) in uniq.items():
                types_[tname] += size
            if tree is not trees[1]:
                continue  # by class and attribute: one session is enough
            # each state instance alone (not entering other states), and its biggest attributes
            todo = [tree]
            while todo:
                st = todo.pop()
                todo.extend(st.substates.values())
                own = _walk([st], stop_types=stop_types, stop_ids=stop_ids)
                own_u = {oid: v for oid, v in own.items() if oid not in other}
                per_class[type(st).__name__] += sum(s for s, _ in own_u.values())
                for attr, value in vars(st).items():
                    if attr == "parent_state" or isinstance(value, BaseState):
                        continue
                    sub = _walk([value], stop_types=stop_types, stop_ids=stop_ids)
                    n = sum(s for oid, (s, _) in sub.items() if oid not in other)
                    if n:
                        per_attr[f"{type(st).__name__}.{attr}"] += n
        n = 1
        out["state_tree_unique_bytes"] = per_tree
        out["state_tree_by_class_bytes"] = {k: v // n for k, v in per_class.most_common(40)}
        out["state_tree_by_attr_bytes"] = {k: v // n for k, v in per_attr.most_common(40)}
        out["state_tree_by_type_bytes"] = {k: v // max(len(per_tree), 1) for k, v in types_.most_common(25)}
        out["state_tree_instances"] = sum(1 for _ in _iter_tree(trees[-1]))
    locks = getattr(manager, "_states_locks", None)
    if locks is not None:
        out["state_locks"] = len(locks)

    # socket.io / engine.io per connection
    if sio is not None:
        eio = sio.eio
        sids = list(eio.sockets)
        out["engineio_sockets"] = len(sids)
        if len(sids) >= 2:
            ref_sid, sample = sids[-1], sids[-(sessions + 1):-1]
            loop_only = (asyncio.AbstractEventLoop,)
            ref = _walk([eio.sockets[ref_sid], sio.environ.get(ref_sid)], loop_only, stop_ids)
            parts = collections.Counter()
            for sid in sample:
                parts["engineio socket (eio.sockets[sid])"] += _unique(_walk([eio.sockets[sid]], loop_only, stop_ids), ref)
                parts["ASGI scope (sio.environ[sid])"] += _unique(_walk([sio.environ.get(sid)], loop_only, stop_ids), ref)
            out["socket_by_part_bytes"] = {k: v // len(sample) for k, v in parts.items()}
        ns = app.event_namespace
        if ns is not None:
            out["namespace_maps"] = {k: len(v) for k, v in vars(ns).items() if isinstance(v, dict)}
            tm = getattr(ns, "_token_manager", None)
            if tm is not None:
                out["token_manager_maps"] = {k: len(v) for k, v in vars(tm).items() if isinstance(v, dict)}
    return out


def _iter_tree(state):
    yield state
    for sub in state.substates.values():
        yield from _iter_tree(sub)


import functools


@functools.lru_cache(maxsize=None)
def _is_stdlib(filename: str) -> bool:
    import sysconfig

    return filename.startswith((sysconfig.get_paths()["stdlib"], "<"))


@functools.lru_cache(maxsize=None)
def _package(filename: str) -> str:
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1].split("/", 1)[0]
    if "/portal_ui/" in filename:
        return "portal_ui"
    if _is_stdlib(filename):
        return "stdlib:" + os.path.basename(filename)
    return os.path.basename(filename)


@functools.lru_cache(maxsize=None)
def _short(filename: str) -> str:
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1]
    if "/portal_ui/" in filename:
        return "portal_ui/" + filename.split("/portal_ui/", 1)[1]
    return filename.rsplit("/lib/python3", 1)[-1]


FRAMEWORK = frozenset(("reflex", "reflex_base", "socketio", "engineio", "portal_ui", "granian", "uvicorn",
                       "gunicorn", "wsproto", "h11", "sqlalchemy", "pydantic", "starlette"))


def _tracemalloc_report(top: int = 30) -> dict:
    """Every block allocated since `start` and still alive, grouped; from the raw trace tuples
    (domain, size, frames most recent first, total frames), which is many times faster than
    tracemalloc's Trace/Traceback/Frame objects on a few hundred thousand traces."""
    import collections
    import tracemalloc

    snapshot = tracemalloc.take_snapshot()
    limit, overhead = tracemalloc.get_traceback_limit(), tracemalloc.get_tracemalloc_memory()
    tracemalloc.stop()  # before the analysis: tracing its own allocations would slow it many times
    raw = snapshot.traces._traces
    skip = {tracemalloc.__file__, __file__}
    total = blocks = 0
    by_line = collections.Counter()
    by_caller = collections.Counter()  # innermost frame outside the standard library
    by_package = collections.Counter()  # its package
    by_reflex_caller = collections.Counter()  # innermost reflex / socketio / engineio / portal_ui / … frame
    stacks = collections.Counter()
    for _domain, size, frames, *_ in raw:
        if not frames or frames[0][0] in skip:
            continue
        total += size
        blocks += 1
        inner = frames[0]
        by_line[(inner[0], inner[1])] += size
        caller = next((f for f in frames if not _is_stdlib(f[0])), inner)
        by_caller[(caller[0], caller[1])] += size
        by_package[_package(caller[0])] += size
        framework = next((f for f in frames if _package(f[0]) in FRAMEWORK), None)
        if framework is not None:
            by_reflex_caller[(framework[0], framework[1])] += size
        stacks[frames[:10]] += size

    def named(counter, n=top):
        return {f"{_short(k[0])}:{k[1]}": v for k, v in counter.most_common(n)}

    return {"traced_bytes": total, "blocks": blocks, "frames": limit, "tracemalloc_overhead_bytes": overhead,
            "by_line": named(by_line), "by_caller": named(by_caller),
            "by_package": dict(by_package.most_common(top)),
            "by_framework_frame": named(by_reflex_caller),
            "by_stack": {" <- ".join(f"{_short(f[0])}:{f[1]}" for f in k): v for k, v in stacks.most_common(25)}}


# ---- the command loop -----------------------------------------------------------------------------

_census_before: dict | None = None


def _handle(cmd: dict) -> dict:
    import gc
    import tracemalloc

    global _census_before
    op = cmd.get("op")
    app = _find_app()
    reply: dict = {"pid": os.getpid(), "op": op, "app_found": app is not None, "rss_kb": _rss_kb(),
                   "smaps_rss_kb": _smaps_rss_kb()}
    if app is not None and getattr(app, "sio", None) is not None:
        reply["engineio_sockets"] = len(app.sio.eio.sockets)
    if app is None:
        return reply
    if op == "start":
        gc.collect()
        _census_before = _census()
        if not tracemalloc.is_tracing():
            tracemalloc.start(int(cmd.get("frames", 30)))
        reply["tracing"] = True
    elif op == "report":
        gc.collect()
        import time

        timings = reply["seconds"] = {}
        started = time.monotonic()
        if tracemalloc.is_tracing():
            reply["tracemalloc"] = _tracemalloc_report()  # stops tracing
        timings["tracemalloc"] = round(time.monotonic() - started, 1)
        if _census_before is not None:
            after = _census()
            diff = {k: [v[0] - _census_before.get(k, [0, 0])[0], v[1] - _census_before.get(k, [0, 0])[1]]
                    for k, v in after.items()}
            reply["census_count"] = dict(sorted(((k, v[0]) for k, v in diff.items() if v[0]),
                                                key=lambda kv: -kv[1])[:40])
            reply["census_bytes"] = dict(sorted(((k, v[1]) for k, v in diff.items() if v[1]),
                                                key=lambda kv: -kv[1])[:40])
        timings["census"] = round(time.monotonic() - started, 1)
        try:
            reply["structures"] = _structures(app, int(cmd.get("sessions", 3)))
        except Exception as exc:  # noqa: BLE001 - the rest of the report stands on its own
            reply["structures_error"] = repr(exc)
        timings["structures"] = round(time.monotonic() - started, 1)
    elif op == "trim":
        import ctypes

        gc.collect()
        before = _rss_kb()
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except OSError as exc:
            reply["trim_error"] = repr(exc)
        reply.update({"rss_before_trim_kb": before, "rss_after_trim_kb": _rss_kb()})
    return reply


def _loop(since: float) -> None:
    import json
    import time
    import traceback

    done: set[str] = set()
    while True:
        try:
            names = sorted(n for n in os.listdir(_DIR) if n.startswith("cmd-") and n.endswith(".json"))
        except OSError:
            names = []
        for name in names:
            if name in done:
                continue
            done.add(name)
            try:
                if os.stat(os.path.join(_DIR, name)).st_mtime < since:
                    continue  # written before this process began (e.g. a respawned worker)
                with open(os.path.join(_DIR, name)) as handle:
                    cmd = json.load(handle)
                reply = _handle(cmd)
            except Exception:  # noqa: BLE001 - reported to the benchmark
                reply = {"pid": os.getpid(), "error": traceback.format_exc()}
            target = os.path.join(_DIR, f"reply-{name[4:-5]}-{os.getpid()}.json")
            with open(target + ".tmp", "w") as handle:
                json.dump(reply, handle, default=str)
            os.replace(target + ".tmp", target)
        time.sleep(0.5)


def _start_thread() -> None:
    import threading
    import time

    threading.Thread(target=_loop, args=(time.time(),), name="bench-memprobe", daemon=True).start()


if _DIR:
    # Everything the thread needs, imported here in the main thread: importing from a second
    # thread while the interpreter is still starting can meet half-initialised modules.
    import collections  # noqa: F401
    import ctypes  # noqa: F401
    import gc  # noqa: F401
    import json  # noqa: F401
    import sysconfig  # noqa: F401
    import threading  # noqa: F401
    import time  # noqa: F401
    import traceback  # noqa: F401
    import tracemalloc  # noqa: F401

    _start_thread()
    os.register_at_fork(after_in_child=_start_thread)

_chain_next_sitecustomize()
