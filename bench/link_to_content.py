"""Benchmark 1, link to first content: from navigating to a fresh one-time link to the section's data
on screen, in headless Chromium, beside the same measurement for a bare Reflex page (the floor).

- Portal: Olivia's link to her profile (`/portal_redirect?key=…` → 303 → `/profile`, websocket,
  hydrate, on_load re-checking the session in the database); done when `#profile-email` reads
  "olivia@acme.example" (the profile section's own data).
- Floor: bench/floor_app, one page whose on_load sets one var, built and served the same way
  (`python -m portal_ui.serve run --env prod --single-port`: the same launcher, so the same
  server); done when `#data` reads "ready".

Each load is a fresh browser context (no cookies, session storage or HTTP cache: a user opening
the link from the host app for the first time). The browser times it itself: an init script's
MutationObserver notes `performance.now()` when the text appears, and a document's clock starts
at the navigation's start, before the redirect. Loads alternate portal/floor so both see the same
background load. Links are made in-process against the portal's database, untimed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from bench.common import (CHROMIUM, CHROMIUM_ARGS, REFLEX_ENV, ROOT, Result, Row, free_port, portal_engine,
                          portal_settings, python, quick_mode, run_portal, stats, stop_group, wait_for_http)

NAME = "link_to_content"
TITLE = "Link to first content"
FLOOR_DIR = ROOT / "bench" / "floor_app"
LINKS = 50
WARMUP = 3
TARGET_RATIO = 1.5

# Notes when an element first shows the expected text, relative to the navigation's start.
WATCH = """
(() => {
  const watch = %s;
  const check = () => {
    const el = document.querySelector(watch.selector);
    if (el && el.textContent === watch.text && window.__firstContent === undefined) {
      window.__firstContent = performance.now();
      return true;
    }
    return false;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {content: window.__firstContent, redirect: nav.redirectEnd, response: nav.responseEnd,
          dom_content_loaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
}"""


@dataclass
class FloorServer:
    """A running floor app: its base URL and the server process (its children: the server's workers)."""

    url: str
    pid: int


@contextmanager
def run_floor(tmp: Path) -> Iterator[str]:
    """Build and serve bench/floor_app like the portal; its own .web/, locked while it runs."""
    with run_floor_server(tmp) as server:
        yield server.url


@contextmanager
def run_floor_server(tmp: Path, **extra_env: str) -> Iterator[FloorServer]:
    """run_floor, yielding the server's pid too (bench/connected_sessions.py reads its memory)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PORTAL_") and k not in ("REFLEX_DB_URL", "REFLEX_REDIS_URL", "PORT")}
    env.update(REFLEX_ENV)
    env["REFLEX_STATES_WORKDIR"] = str(tmp / "floor-states")  # fresh, like the portal's
    env["PATH"] = f"{Path(python()).parent}:{env.get('PATH', '')}"
    env.update(extra_env)
    # Started by the portal's own launcher (portal_ui/serve.py), so it runs on the same server.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (env.get("PYTHONPATH"), str(ROOT))))
    lock_path = Path(tempfile.gettempdir()) / f"portal_ui-floor-{hashlib.sha256(str(FLOOR_DIR).encode()).hexdigest()[:12]}.lock"
    log_path = tmp / "floor.log"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(log_path, "w") as log:
            proc = subprocess.Popen([python(), "-m", "portal_ui.serve", "run", "--env", "prod", "--single-port",
                                     "--backend-port", str(port)],
                                    cwd=FLOOR_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_http(f"{url}/ping", proc, log_path)
            yield FloorServer(url, proc.pid)
        finally:
            stop_group(proc)


def _load(browser, url: str, selector: str, text: str) -> dict:
    """Open `url` in a fresh context; the browser's own timings (ms from the navigation's start)."""
    import json

    context = browser.new_context()
    try:
        context.add_init_script(WATCH % json.dumps({"selector": selector, "text": text}))
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__firstContent !== undefined", timeout=30_000)
        wall = (time.perf_counter() - started) * 1000
        timings = page.evaluate(TIMINGS)
        timings["wall"] = wall
        return timings
    finally:
        context.close()


def run() -> Result:
    from playwright.sync_api import sync_playwright

    from portal_ui.db import session_scope
    from portal_ui.demo.personas import DEMO_ORG_CODE
    from portal_ui.domain.audit import Actor
    from portal_ui.domain.links import create_link

    links = 6 if quick_mode() else LINKS
    started = time.monotonic()
    portal_times: list[dict] = []
    floor_times: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-link-") as tmp:
        tmp_path = Path(tmp)
        with run_floor(tmp_path) as floor_url, run_portal(tmp_path) as portal:
            settings = portal_settings(portal)
            engine = portal_engine(portal)
            actor = Actor(type="m2m", id="bench")

            def fresh_link() -> str:
                with session_scope(engine) as db:
                    return create_link(db, settings, user_id="kp_demo_olivia", org_code=DEMO_ORG_CODE,
                                       sub_nav="profile", actor=actor)

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    for i in range(WARMUP + links):
                        link = fresh_link()
                        order = [("portal", link), ("floor", floor_url + "/")]
                        if i % 2:
                            order.reverse()
                        for kind, url in order:
                            if kind == "portal":
                                timing = _load(browser, url, "#profile-email", "olivia@acme.example")
                            else:
                                timing = _load(browser, url, "#data", "ready")
                            if i >= WARMUP:
                                (portal_times if kind == "portal" else floor_times).append(timing)
                finally:
                    browser.close()
            engine.dispose()

    portal_ms = [t["content"] for t in portal_times]
    floor_ms = [t["content"] for t in floor_times]
    p, f = stats(portal_ms), stats(floor_ms)
    ratio = p["median"] / f["median"]
    ratio_p95 = p["p95"] / f["p95"]
    rows = [
        Row("portal: link → profile data", "ms", p["median"], p["p95"], n=p["n"]),
        Row("floor: bare Reflex page + on_load", "ms", f["median"], f["p95"], n=f["n"]),
        Row("ratio portal / floor", "×", ratio, ratio_p95, target=f"≤ {TARGET_RATIO}×", met=ratio <= TARGET_RATIO),
    ]

    def part(times: list[dict], key: str) -> dict:
        return stats([t[key] for t in times if t.get(key)])

    details = {
        "links": links, "warmup": WARMUP, "portal_ms": p, "floor_ms": f,
        "portal_wall_ms": part(portal_times, "wall"), "floor_wall_ms": part(floor_times, "wall"),
        "portal_redirect_end_ms": part(portal_times, "redirect"),
        "portal_response_end_ms": part(portal_times, "response"), "floor_response_end_ms": part(floor_times, "response"),
        "portal_dom_content_loaded_ms": part(portal_times, "dom_content_loaded"),
        "floor_dom_content_loaded_ms": part(floor_times, "dom_content_loaded"),
    }
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)
